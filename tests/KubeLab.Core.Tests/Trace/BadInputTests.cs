using KubeLab.Core.Dns;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

public class BadInputTests
{
    [Fact]
    public void Unknown_pod_or_node_is_not_found_and_lists_what_exists()
    {
        var error = Assert.Throws<KubeLabException>(() => SeedLab.Trace("seed", "no-such-pod", "http://nginx-service/"));
        Assert.Equal(FailureKind.NotFound, error.Kind);
        Assert.Contains("default/test-pod", error.Message, StringComparison.Ordinal);
        Assert.Contains("vm1, vm2, vm3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unresolvable_name_is_an_nxdomain_result_not_a_crash()
    {
        var result = SeedLab.Trace("seed", "test-pod", "http://no-such-service:80/");
        Assert.Null(result.Connection);
        Assert.Empty(result.Outcomes);
        var dns = result.Dns!;
        Assert.False(dns.Outcome.Resolved);
        Assert.Equal(10, dns.Outcome.Queries.Count);
        Assert.All(dns.Outcome.Queries, q => Assert.Equal(DnsRcode.NxDomain, q.Answer.Rcode));
        Assert.Equal("no-such-service.", dns.Outcome.Queries[^1].Name);
        Assert.Contains("could not resolve \"no-such-service\"", result.Notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Target_without_port_is_a_usage_error()
    {
        var error = Assert.Throws<KubeLabException>(() => SeedLab.Trace("seed", "test-pod", "nginx-service"));
        Assert.Equal(FailureKind.Usage, error.Kind);
        Assert.Contains("has no port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_node_dump_names_the_node_file_and_line()
    {
        var snapshot = SeedLab.Snapshot();
        var error = Assert.Throws<KubeLabException>(() => NodeState.FromTexts("vm2", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m\nCOMMIT\n", "default via 10.65.94.1 dev ens3\n"));
        Assert.StartsWith("vm2: iptables-save:3: -m needs a module name", error.Message, StringComparison.Ordinal);
        var route = Assert.Throws<KubeLabException>(() => NodeState.FromTexts("vm2", "", "default via 10.65.94.1 dev ens3\n10.42.x.0/24 dev cni0\n"));
        Assert.StartsWith("vm2: ip route:2: \"10.42.x.0/24\" is not a destination", route.Message, StringComparison.Ordinal);
        Assert.NotNull(snapshot);
    }

    [Fact]
    public void Rule_with_an_unknown_match_is_reported_in_the_trace()
    {
        var snapshot = SeedLab.Snapshot();
        var nodes = SeedLab.Nodes("seed", snapshot).ToDictionary(kv => kv.Key, kv => kv.Value);
        var dir = SeedLab.GoldenDir("seed");
        var text = File.ReadAllText(Path.Combine(dir, "vm2.iptables-save")).Replace(
            "-A FORWARD -m comment --comment \"kube-router netpol - TEMCG2JMHZYE7H7T\" -j KUBE-ROUTER-FORWARD",
            "-A FORWARD -m bpf --object-pinned /sys/fs/bpf/x -j DROP\n-A FORWARD -m comment --comment \"kube-router netpol - TEMCG2JMHZYE7H7T\" -j KUBE-ROUTER-FORWARD",
            StringComparison.Ordinal);
        var line = Array.FindIndex(text.Split('\n'), l => l.StartsWith("-A FORWARD -m bpf", StringComparison.Ordinal)) + 1;
        nodes["vm2"] = NodeState.FromTexts("vm2", text, File.ReadAllText(Path.Combine(dir, "vm2.ip-route")), File.ReadAllText(Path.Combine(dir, "vm2.ip-neigh")),
            File.ReadAllText(Path.Combine(dir, "vm2.bridge-fdb")), node: snapshot.GetNode("vm2"));
        var result = Tracer.Trace(new TraceRequest { From = "test-pod", Target = "10.42.2.2:80" }, nodes, snapshot, new SnapshotDnsAnswerer(snapshot));

        Assert.Equal([OutcomeKind.Dropped, OutcomeKind.Delivered], result.Outcomes.Select(o => o.Kind));
        Assert.Equal($"unknown match bpf in rule at line {line}: assumed to match", Assert.Single(result.Outcomes[0].Assumptions));
        Assert.Equal($"unknown match bpf in rule at line {line}: assumed not to match", Assert.Single(result.Outcomes[1].Assumptions));
        Assert.Contains(result.Connection!.Branches[0].Hops, h => h.Kind == HopKind.Note && h.Text.StartsWith($"unknown match bpf in rule at line {line}", StringComparison.Ordinal));
    }
}
