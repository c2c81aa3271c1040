using System.Text.Json;

namespace KubeLab.Core.Tests.Cli;

public sealed class TraceCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public TraceCommandTests()
    {
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
    }

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Seed_trace_shows_dns_through_kube_dns_and_three_endpoints_at_a_third_each()
    {
        var text = cli.Ok("trace", "test-pod", "http://nginx-service:80/");
        var candidates = text.IndexOf("candidates: nginx-service.default.svc.cluster.local.  nginx-service.svc.cluster.local.  nginx-service.cluster.local.  nginx-service.multipass.", StringComparison.Ordinal);
        Assert.True(candidates > 0, text);
        Assert.Contains("-j KUBE-SVC-TCOU7JCQXEZGVUNU", text, StringComparison.Ordinal);
        Assert.Contains("DNAT 10.43.0.10:53 → 10.42.0.2:53", text, StringComparison.Ordinal);
        Assert.Contains("outer udp 10.65.94.199 → 10.65.94.238:8472 VNI 1", text, StringComparison.Ordinal);
        Assert.Contains("query A    nginx-service.default.svc.cluster.local. → 10.43.180.238", text, StringComparison.Ordinal);
        Assert.Contains("-j KUBE-SVC-V2OKYYMBY3REGZOG", text, StringComparison.Ordinal);
        foreach (var sep in new[] { "KUBE-SEP-LNMZPQ2U2A5TEEGP", "KUBE-SEP-3Y75O4B4KDVD7TMA", "KUBE-SEP-Z33JJVRDNG7R4HVW" })
        {
            Assert.Matches($@"branch \d/3 \(33\.33%\): {sep}", text);
        }

        Assert.Contains("\"10.42.1.0/24 dev cni0 proto kernel scope link src 10.42.1.1\"", text, StringComparison.Ordinal);
        Assert.Contains("outer udp 10.65.94.199 → 10.65.94.238:8472 VNI 1, inner tcp 10.42.1.4 → 10.42.0.8:80", text, StringComparison.Ordinal);
        Assert.Contains("outer udp 10.65.94.199 → 10.65.94.95:8472 VNI 1, inner tcp 10.42.1.4 → 10.42.2.2:80", text, StringComparison.Ordinal);
        Assert.Contains("the outer packet leaves by \"10.65.94.0/24 dev ens3 proto kernel scope link src 10.65.94.199\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_as_json_and_mermaid()
    {
        var json = JsonDocument.Parse(cli.Ok("trace", "test-pod", "http://nginx-service:80/", "-o", "json")).RootElement;
        var outcomes = json.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(1.0 / 3, o.GetProperty("probability").GetDouble(), 3));
        var mermaid = cli.Ok("trace", "test-pod", "http://nginx-service:80/", "-o", "mermaid");
        Assert.StartsWith("sequenceDiagram\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("alt 33.33% KUBE-SEP-LNMZPQ2U2A5TEEGP", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_pod_is_a_clear_error()
    {
        var (code, _, error) = cli.Run("trace", "no-such-pod", "http://nginx-service/");
        Assert.Equal(2, code);
        Assert.Contains("no-such-pod", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unresolvable_name_is_shown_as_nxdomain()
    {
        var (code, output, _) = cli.Run("trace", "test-pod", "http://no-such-service/");
        Assert.Equal(0, code);
        Assert.Contains("NXDOMAIN", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_trace_reads_dumps_and_reports_a_malformed_line()
    {
        var cluster = Path.Combine(cli.Home, "cluster.yaml");
        File.WriteAllText(cluster, cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml"));
        var rules = Path.Combine(cli.Home, "vm2.rules");
        File.WriteAllText(rules, cli.Ok("rules", "--node", "vm2"));
        var offline = cli.Ok("trace", "-f", cluster, "--rules", $"vm2={rules}", "test-pod", "http://nginx-service:80/");
        Assert.Contains("KUBE-SVC-V2OKYYMBY3REGZOG", offline, StringComparison.Ordinal);
        File.WriteAllText(rules, File.ReadAllText(rules).Replace("-A KUBE-SERVICES -m comment", "-A KUBE-SERVICES -m comment --comment", StringComparison.Ordinal)
            .Replace("COMMIT\n*nat", "-Z bogus\nCOMMIT\n*nat", StringComparison.Ordinal));
        var (code, _, error) = cli.Run("trace", "-f", cluster, "--rules", $"vm2={rules}", "test-pod", "http://nginx-service:80/");
        Assert.Equal(2, code);
        Assert.Matches(@"vm2: iptables-save:\d+:", error);
    }

    [Fact]
    public void A_rule_with_an_unknown_match_is_reported_not_guessed()
    {
        var cluster = Path.Combine(cli.Home, "cluster.yaml");
        File.WriteAllText(cluster, cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml"));
        var rules = Path.Combine(cli.Home, "vm2.rules");
        File.WriteAllText(rules, cli.Ok("rules", "--node", "vm2").Replace(
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
            "-A PREROUTING -m quota --quota 1000 -j RETURN\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n", StringComparison.Ordinal));
        var output = cli.Ok("trace", "-f", cluster, "--rules", $"vm2={rules}", "test-pod", "http://nginx-service:80/");
        Assert.Contains("unknown match quota", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_needs_a_netns_lab()
    {
        var (code, _, error) = cli.Run("trace", "test-pod", "http://nginx-service/", "--verify");
        Assert.Equal(2, code);
        Assert.Contains("--verify sends real packets, so it needs a netns lab", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistic_rules_that_jump_back_into_their_chain_are_a_clear_error()
    {
        var cluster = Path.Combine(cli.Home, "cluster.yaml");
        File.WriteAllText(cluster, cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml"));
        var rules = Path.Combine(cli.Home, "vm2.rules");
        var loop = "-A KUBE-SVC-V2OKYYMBY3REGZOG -m statistic --mode random --probability 0.5000000000 -j KUBE-SVC-V2OKYYMBY3REGZOG\n";
        var text = cli.Ok("rules", "--node", "vm2");
        var at = text.IndexOf("-A KUBE-SVC-V2OKYYMBY3REGZOG ", StringComparison.Ordinal);
        File.WriteAllText(rules, text.Insert(at, loop));
        var (code, output, error) = cli.Run("trace", "-f", cluster, "--rules", $"vm2={rules}", "test-pod", "http://nginx-service:80/");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("jumps to KUBE-SVC-V2OKYYMBY3REGZOG, which is already being walked (a loop)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sctp_is_traced_as_sctp_and_misses_a_tcp_only_service()
    {
        foreach (var args in new[] { new[] { "sctp://10.43.180.238:80" }, ["10.43.180.238:80", "--protocol", "sctp"] })
        {
            var text = cli.Ok(["trace", "test-pod", .. args]);
            Assert.Contains("sctp 10.42.1.4", text, StringComparison.Ordinal);
            Assert.DoesNotContain("KUBE-SEP-", text, StringComparison.Ordinal);
        }

        var (code, _, error) = cli.Run("trace", "test-pod", "10.43.180.238:80", "--udp", "--protocol", "tcp");
        Assert.Equal(2, code);
        Assert.Contains("--udp and --protocol tcp contradict each other", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pods_packet_to_localhost_stays_in_the_pod()
    {
        var text = cli.Ok("trace", "test-pod", "127.0.0.1:8080");
        Assert.Contains("stays inside default/test-pod", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PREROUTING", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_outside_packet_for_a_cluster_ip_needs_via_and_is_then_masqueraded_to_the_endpoints()
    {
        var (code, _, error) = cli.Run("trace", "--from-ip", "203.0.113.2", "10.43.180.238:80");
        Assert.Equal(2, code);
        Assert.Contains("10.43.180.238 is the ClusterIP of Service default/nginx-service, which is no node's own address: say where the outside network delivers it with --via NODE", error, StringComparison.Ordinal);

        var json = JsonDocument.Parse(cli.Ok("trace", "--from-ip", "203.0.113.2", "--via", "vm2", "10.43.180.238:80", "-o", "json"));
        var outcomes = json.RootElement.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal(["10.42.0.8", "10.42.1.2", "10.42.2.2"], outcomes.Select(o => o.GetProperty("address").GetString()).Order(StringComparer.Ordinal));
        Assert.All(outcomes, o => Assert.True(o.GetProperty("masqueraded").GetBoolean()));
    }

    [Fact]
    public void Offline_nodes_without_flannel_data_limit_the_trace_with_one_note()
    {
        var cluster = Path.Combine(cli.Home, "cluster.yaml");
        var dump = cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml");
        File.WriteAllText(cluster, string.Join("\n", dump.Split('\n').Where(l => !l.Contains("flannel.alpha.coreos.com", StringComparison.Ordinal))));
        var text = cli.Ok("trace", "-f", cluster, "test-pod", "http://nginx-service:80/");
        var notes = text.Split('\n').Where(l => l.StartsWith("note: no flannel data", StringComparison.Ordinal)).ToList();
        Assert.Single(notes);
        Assert.Contains("for vm1, vm2, vm3", notes[0], StringComparison.Ordinal);
        Assert.DoesNotContain("bridge fdb", text, StringComparison.Ordinal);
    }
}
