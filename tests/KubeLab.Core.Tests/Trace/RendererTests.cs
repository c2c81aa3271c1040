using System.Text.Json;
using KubeLab.Core.Trace.Render;

namespace KubeLab.Core.Tests.Trace;

public class RendererTests
{
    private static readonly KubeLab.Core.Trace.TraceResult Seed = SeedLab.Trace("seed", "test-pod", "http://nginx-service:80/");

    [Fact]
    public void Text_shows_the_search_list_the_rules_with_lines_and_the_branches()
    {
        var text = TextRenderer.Render(Seed);
        Assert.StartsWith("trace tcp nginx-service:80 from pod default/test-pod (10.42.1.4) on vm2\n", text, StringComparison.Ordinal);
        Assert.Contains("  query A    nginx-service.default.svc.cluster.local. → 10.43.180.238\n", text, StringComparison.Ordinal);
        Assert.Contains("├─ branch 1/3 (33.33%): KUBE-SEP-LNMZPQ2U2A5TEEGP: DNAT 10.43.180.238:80 → 10.42.0.8:80\n", text, StringComparison.Ordinal);
        Assert.Contains("└─ branch 3/3 (33.33%): KUBE-SEP-Z33JJVRDNG7R4HVW: DNAT 10.43.180.238:80 → 10.42.2.2:80\n", text, StringComparison.Ordinal);
        Assert.Contains("→ statistic: taken with probability 0.33333333349; jump to KUBE-SEP-LNMZPQ2U2A5TEEGP\n", text, StringComparison.Ordinal);
        Assert.Contains("nat KUBE-SERVICES line 152: -A KUBE-SERVICES -d 10.43.180.238/32 -p tcp", text, StringComparison.Ordinal);
        Assert.Contains("VXLAN: outer udp 10.65.94.199 → 10.65.94.95:8472 VNI 1", text, StringComparison.Ordinal);
        Assert.Contains("↩ on vm2: conntrack undoes the DNAT: source 10.42.2.2:80 → 10.43.180.238:80\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_stable_field_names()
    {
        using var doc = JsonDocument.Parse(JsonRenderer.Render(Seed));
        var root = doc.RootElement;
        Assert.Equal("pod", root.GetProperty("sourceKind").GetString());
        Assert.Equal("musl", root.GetProperty("dns").GetProperty("resolver").GetString());
        Assert.Equal("10.43.180.238", root.GetProperty("dns").GetProperty("addresses")[0].GetString());
        var branches = root.GetProperty("connection").GetProperty("branches");
        Assert.Equal(3, branches.GetArrayLength());
        var outcomes = root.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal(["KUBE-SEP-LNMZPQ2U2A5TEEGP", "KUBE-SEP-3Y75O4B4KDVD7TMA", "KUBE-SEP-Z33JJVRDNG7R4HVW"], outcomes.Select(o => o.GetProperty("endpointChain").GetString()));
        Assert.All(outcomes, o => Assert.Equal(1.0 / 3, o.GetProperty("probability").GetDouble(), 8));
        Assert.All(outcomes, o => Assert.False(o.GetProperty("masqueraded").GetBoolean()));
        var rule = root.GetProperty("connection").GetProperty("hops").EnumerateArray().First(h => h.TryGetProperty("line", out _));
        Assert.Equal("rule", rule.GetProperty("kind").GetString());
        Assert.Equal("nat", rule.GetProperty("table").GetString());
        Assert.Equal(120, rule.GetProperty("line").GetInt32());
    }

    [Fact]
    public void Mermaid_is_a_sequence_diagram_with_one_alt_block_for_the_three_endpoints()
    {
        var mermaid = MermaidRenderer.Render(Seed);
        var lines = mermaid.Split('\n');
        Assert.Equal("sequenceDiagram", lines[0]);
        Assert.Contains("    participant p1 as pod default/test-pod (10.42.1.4) on vm2", lines);
        Assert.Contains("    p2->>p3: VXLAN udp 8472 VNI 1, inner udp 10.42.1.4 → 10.42.0.2:53", lines);
        Assert.Single(lines, l => l.TrimStart().StartsWith("alt 33.33% KUBE-SEP-LNMZPQ2U2A5TEEGP", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.TrimStart().StartsWith("else 33.33%", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Trim() == "end");
        Assert.Contains("        p2->>p7: VXLAN udp 8472 VNI 1, inner tcp 10.42.1.4 → 10.42.2.2:80", lines);
        Assert.DoesNotContain(lines, l => l.Contains(';', StringComparison.Ordinal));
    }
}
