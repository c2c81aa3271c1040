using System.Diagnostics;
using System.Text.RegularExpressions;
using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.Lab;

public sealed partial class GraphTests : IDisposable
{
    private readonly CliHarness cli = new();

    public GraphTests()
    {
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
    }

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Terminal_graph_draws_every_node_pod_and_the_vxlan_mesh()
    {
        var text = cli.Ok("graph");
        Assert.Contains("┌─ vm1 (server) 10.42.0.0/24 ", text, StringComparison.Ordinal);
        Assert.Contains("│ flannel.1 10.42.1.0/32  VXLAN id 1, UDP 8472, MTU 1450", text, StringComparison.Ordinal);
        Assert.Matches(@"└─ veth[0-9a-f]{8} ── eth0 10\.42\.1\.4  default/test-pod", text);
        Assert.Contains("vm1 10.65.94.238 ⇄ vm2 10.65.94.199", text, StringComparison.Ordinal);
        Assert.Contains("default/nginx-service 10.43.180.238 → 10.42.0.8 (vm1), 10.42.2.2 (vm3), 10.42.1.2 (vm2)", text, StringComparison.Ordinal);
        // every box line has the same width
        var widths = text.Split('\n').Where(l => l.StartsWith('│') && l.EndsWith('│')).Select(l => l.Length).Distinct().ToList();
        Assert.NotEmpty(widths);
    }

    [Fact]
    public void Mermaid_graph_follows_the_flowchart_grammar()
    {
        var lines = cli.Ok("graph", "-o", "mermaid").TrimEnd('\n').Split('\n');
        Assert.Equal("flowchart LR", lines[0]);
        var depth = 0;
        foreach (var line in lines.Skip(1))
        {
            var body = line.Trim();
            if (body.StartsWith("subgraph ", StringComparison.Ordinal))
            {
                Assert.Matches(SubgraphLine(), body);
                depth++;
            }
            else if (body == "end")
            {
                depth--;
                Assert.True(depth >= 0, "`end` without `subgraph`");
            }
            else
            {
                Assert.True(NodeLine().IsMatch(body) || EdgeLine().IsMatch(body), $"not a Mermaid node or edge: {body}");
            }
        }

        Assert.Equal(0, depth);
        Assert.Contains(lines, l => l.Contains("<-. \"VXLAN 8472\" .->", StringComparison.Ordinal));
    }

    [Fact]
    public void Dot_graph_leaves_the_vxlan_edges_unlabelled_and_says_once_what_they_are()
    {
        var dot = cli.Ok("graph", "-o", "dot").Split('\n');
        var mesh = dot.Where(l => l.Contains("_flannel -> ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mesh.Count);
        // Graphviz put these edges' labels on the node titles; the legend says it once, the titles sit at the bottom.
        Assert.All(mesh, l => Assert.DoesNotContain(" label=", l, StringComparison.Ordinal));
        Assert.Contains(dot, l => l.Contains("dashed: VXLAN mesh between flannel.1 VTEPs (UDP 8472, VNI 1)", StringComparison.Ordinal));
        Assert.Equal(3, dot.Count(l => l.Trim() == "labelloc=b;"));
    }

    [SkippableFact]
    public void Svg_graph_draws_the_node_titles_below_the_vxlan_devices()
    {
        Skip.IfNot(File.Exists("/usr/bin/dot"), "NOT RUN: needs graphviz (CI installs it)");
        var svg = cli.Ok("graph", "-o", "svg");
        double Y(string text) => double.Parse(Regex.Match(svg, $"""<text [^>]*y="([-0-9.]+)"[^>]*>{Regex.Escape(text)}</text>""").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var lowestVtep = new[] { "10.42.0.0/32", "10.42.1.0/32", "10.42.2.0/32" }.Max(Y);
        // SVG's y grows downwards: every title is below every flannel.1 box, away from the arcs over the top.
        Assert.All(new[] { "vm1 (server) 10.65.94.238", "vm2 (agent) 10.65.94.199", "vm3 (agent) 10.65.94.95" }, t => Assert.True(Y(t) > lowestVtep, $"{t} at y={Y(t)} is not below the VTEPs (y={lowestVtep})"));
    }

    [GeneratedRegex("""^subgraph [A-Za-z0-9_]+\["[^"]+"\]$""")]
    private static partial Regex SubgraphLine();

    [GeneratedRegex("""^[A-Za-z0-9_]+(\["[^"]+"\]|\(\["[^"]+"\]\)|\{\{"[^"]+"\}\})$""")]
    private static partial Regex NodeLine();

    [GeneratedRegex("""^[A-Za-z0-9_]+ (---|---\|[A-Za-z0-9]+\||-\.->|<-\. "[^"]+" \.->) [A-Za-z0-9_]+$""")]
    private static partial Regex EdgeLine();

    [SkippableFact]
    public void Svg_graph_renders_to_a_png_with_content()
    {
        Skip.IfNot(File.Exists("/usr/bin/dot") && File.Exists("/usr/bin/rsvg-convert"), "NOT RUN: needs graphviz and librsvg2-bin (CI installs them)");
        var svg = cli.Ok("graph", "-o", "svg");
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("flannel.1", svg, StringComparison.Ordinal);
        var svgPath = Path.Combine(cli.Home, "lab.svg");
        var pngPath = Path.Combine(cli.Home, "lab.png");
        File.WriteAllText(svgPath, svg);
        using (var convert = Process.Start("rsvg-convert", ["-o", pngPath, svgPath])!)
        {
            convert.WaitForExit();
            Assert.Equal(0, convert.ExitCode);
        }

        var png = File.ReadAllBytes(pngPath);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        var height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        Assert.True(width > 200 && height > 200, $"{width}x{height}");
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte PNG is too small to hold the drawing");
    }
}
