using System.Text.Json;

namespace KubeLab.Core.Tests.Cli;

public sealed class TraceCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public TraceCommandTests()
    {
        cli.Ok("up", "--driver", "none");
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
}
