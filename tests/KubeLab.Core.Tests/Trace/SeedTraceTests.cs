using KubeLab.Core.Dns;
using KubeLab.Core.Netfilter;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

public class SeedTraceTests
{
    private static readonly TraceResult Result = SeedLab.Trace("seed", "test-pod", "http://nginx-service:80/");

    [Fact]
    public void Resolver_tries_the_search_list_in_order_and_stops_at_the_first_answer()
    {
        var dns = Result.Dns!;
        Assert.Equal(ResolverKind.Musl, dns.Resolver);
        Assert.Equal(
            ["nginx-service.default.svc.cluster.local.", "nginx-service.svc.cluster.local.", "nginx-service.cluster.local.", "nginx-service.multipass.", "nginx-service."],
            dns.Candidates);
        Assert.Equal(["nginx-service.default.svc.cluster.local. A", "nginx-service.default.svc.cluster.local. AAAA"],
            dns.Outcome.Queries.Select(q => $"{q.Name} {q.Type}"));
        Assert.Equal("10.43.180.238", Assert.Single(dns.Outcome.Addresses).ToString());
        Assert.Equal(DnsRcode.NoError, dns.Outcome.Queries[1].Answer.Rcode);
        Assert.Empty(dns.Outcome.Queries[1].Answer.Addresses);
    }

    [Fact]
    public void Dns_query_goes_through_kube_dns_to_coredns_on_vm1_over_vxlan()
    {
        var path = Result.Dns!.QueryPath;
        var outcome = Assert.Single(path.Outcomes());
        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        Assert.Equal("kube-system/coredns-6799fbcd5-k7xwq", outcome.Pod);
        Assert.Equal("vm1", outcome.Node);
        Assert.Equal("10.42.0.2", outcome.Address!.ToString());
        Assert.Equal(53, outcome.Port);
        Assert.Equal("10.42.1.4", outcome.ClientAddressSeen!.ToString());
        Assert.False(outcome.Masqueraded);
        Assert.Equal("KUBE-SEP-VOJ5KSDSMKF2NGVM", outcome.EndpointChain);
        Assert.Equal(1.0, outcome.Probability, 9);

        var hops = path.Hops;
        Assert.Contains(hops, h => h.Chain == "KUBE-SERVICES" && h.Rule!.Contains("-j KUBE-SVC-TCOU7JCQXEZGVUNU", StringComparison.Ordinal));
        Assert.Contains(hops, h => h.Text == "DNAT 10.43.0.10:53 → 10.42.0.2:53");
        var vxlan = Assert.Single(hops, h => h.Kind == HopKind.Encapsulate);
        Assert.Equal("vm2", vxlan.Node);
        Assert.Contains("outer udp 10.65.94.199 → 10.65.94.238:8472 VNI 1", vxlan.Text, StringComparison.Ordinal);
        Assert.Contains(hops, h => h.Kind == HopKind.Decapsulate && h.Node == "vm1");
        Assert.Contains(outcome.Reply, r => r.Contains("on vm2: conntrack undoes the DNAT: source 10.42.0.2:53 → 10.43.0.10:53", StringComparison.Ordinal));
    }

    [Fact]
    public void Connection_reaches_the_three_nginx_endpoints_at_one_third_each()
    {
        var connection = Result.Connection!;
        Assert.Contains(connection.Hops, h => h.Chain == "KUBE-SERVICES" && h.Rule!.EndsWith("-j KUBE-SVC-V2OKYYMBY3REGZOG", StringComparison.Ordinal) && h.Node == "vm2");
        var outcomes = Result.Outcomes.OrderBy(o => o.EndpointChain, StringComparer.Ordinal).ToList();
        Assert.Equal(["KUBE-SEP-3Y75O4B4KDVD7TMA", "KUBE-SEP-LNMZPQ2U2A5TEEGP", "KUBE-SEP-Z33JJVRDNG7R4HVW"], outcomes.Select(o => o.EndpointChain));
        Assert.Equal(["10.42.1.2", "10.42.0.8", "10.42.2.2"], outcomes.Select(o => o.Address!.ToString()));
        Assert.Equal(["vm2", "vm1", "vm3"], outcomes.Select(o => o.Node));
        Assert.All(outcomes, o => Assert.Equal(1.0 / 3, o.Probability, 8));
        Assert.Equal(0.33333333349, outcomes[1].Probability, 11);
        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Delivered, o.Kind));
        Assert.All(outcomes, o => Assert.False(o.Masqueraded));
        Assert.All(outcomes, o => Assert.Equal("10.42.1.4", o.ClientAddressSeen!.ToString()));
    }

    [Fact]
    public void Local_endpoint_is_reached_through_cni0_and_remote_ones_through_flannel_to_their_nodes()
    {
        var branches = Result.Connection!.Branches;
        Assert.Equal(3, branches.Count);
        var local = Assert.Single(branches, b => b.Outcome!.Address!.ToString() == "10.42.1.2");
        Assert.DoesNotContain(local.Hops, h => h.Kind == HopKind.Encapsulate);
        Assert.Contains(local.Hops, h => h.Kind == HopKind.Route && h.Rule == "10.42.1.0/24 dev cni0 proto kernel scope link src 10.42.1.1");
        Assert.Contains(local.Hops, h => h.Kind == HopKind.Deliver && h.Text.Contains("bridge port vethe61f9a43", StringComparison.Ordinal));

        foreach (var (address, nodeIp) in new[] { ("10.42.0.8", "10.65.94.238"), ("10.42.2.2", "10.65.94.95") })
        {
            var remote = Assert.Single(branches, b => b.Outcome!.Address!.ToString() == address);
            var vxlan = Assert.Single(remote.Hops, h => h.Kind == HopKind.Encapsulate);
            Assert.Contains($"→ {nodeIp}:8472", vxlan.Text, StringComparison.Ordinal);
            Assert.Contains(remote.Hops, h => h.Kind == HopKind.Route && h.Rule!.Contains("dev flannel.1 onlink", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Statistic_branches_carry_the_rule_text_and_line_from_the_dump()
    {
        var lines = File.ReadAllLines(Path.Combine(SeedLab.GoldenDir("seed"), "vm2.iptables-save"));
        var branchHops = Result.Connection!.Branches.SelectMany(b => b.Hops).Where(h => h.BranchProbability is not null).ToList();
        Assert.NotEmpty(branchHops);
        Assert.All(branchHops, h => Assert.Equal(lines[h.Line!.Value - 1], h.Rule));
        Assert.Contains(branchHops, h => h.Rule!.Contains("--probability 0.33333333349", StringComparison.Ordinal) && h.BranchProbability == 0.33333333349);
    }

    [Fact]
    public void Forward_verdict_on_a_k3s_node_is_kube_routers_accept_in_forward_itself()
    {
        var remote = Result.Connection!.Branches.Single(b => b.Outcome!.Address!.ToString() == "10.42.0.8");
        Assert.Contains(remote.Hops, h => h.Node == "vm2" && h.Hook == Hooks.Forward && h.Kind == HopKind.Verdict && h.Chain == "FORWARD"
            && h.Rule == "-A FORWARD -m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT");
        Assert.Contains(remote.Hops, h => h.Node == "vm2" && h.Hook == Hooks.Postrouting && h.Chain == "FLANNEL-POSTRTG"
            && h.Rule == "-A FLANNEL-POSTRTG -s 10.42.1.0/24 -d 10.42.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN");
    }
}
