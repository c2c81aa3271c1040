using System.Globalization;
using System.Text;
using KubeLab.Core.Dns;

namespace KubeLab.Core.Trace.Render;

/// <summary>A readable tree: the DNS part, then the connection's hops, with one indented branch per statistic choice.</summary>
public static class TextRenderer
{
    public static string Render(TraceResult result)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"trace {result.Protocol} {result.Host}:{result.Port} from {result.Source}\n");
        if (result.Dns is { } dns)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nDNS: {dns.Name} ({dns.Resolver.ToString().ToLowerInvariant()} resolver, ndots {dns.ResolvConf.Ndots}, nameserver {dns.Nameserver})\n");
            sb.Append("  candidates: ").Append(string.Join("  ", dns.Candidates)).Append('\n');
            foreach (var query in dns.Outcome.Queries)
            {
                var answer = query.Answer;
                var text = answer.Rcode switch
                {
                    DnsRcode.NoError when answer.Addresses.Count > 0 => string.Join(", ", answer.Addresses),
                    DnsRcode.NoError => "NOERROR, no records (NODATA)",
                    _ => answer.Rcode.ToString().ToUpperInvariant(),
                };
                sb.Append(CultureInfo.InvariantCulture, $"  query {query.Type,-4} {query.Name} → {text}\n");
            }

            sb.Append("  result: ").Append(dns.Outcome.Summary).Append('\n');
            sb.Append(CultureInfo.InvariantCulture, $"  each query is a udp packet to {dns.Nameserver}:53; its path:\n");
            RenderPath(sb, dns.QueryPath, "    ");
        }

        if (result.Connection is { } connection)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nconnection to {result.Host}:{result.Port}:\n");
            RenderPath(sb, connection, "  ");
            sb.Append("\noutcomes:\n");
            foreach (var outcome in result.Outcomes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {Percent(outcome.Probability),7}  {outcome.Kind.ToString().ToLowerInvariant(),-15} {outcome.Text}\n");
            }
        }

        foreach (var note in result.Notes)
        {
            sb.Append("note: ").Append(note).Append('\n');
        }

        return sb.ToString();
    }

    private static void RenderPath(StringBuilder sb, TracePath path, string indent)
    {
        for (var i = 0; i < path.Hops.Count; i++)
        {
            var hop = path.Hops[i];
            // A statistic decision and the jump it leads to are one rule: print the rule once.
            while (i + 1 < path.Hops.Count && hop.Line is not null && path.Hops[i + 1].Line == hop.Line && path.Hops[i + 1].Chain == hop.Chain && path.Hops[i + 1].Node == hop.Node)
            {
                hop = hop with { Text = hop.Text + "; " + path.Hops[i + 1].Text };
                i++;
            }

            RenderHop(sb, hop, indent);
        }

        for (var i = 0; i < path.Branches.Count; i++)
        {
            var branch = path.Branches[i];
            var last = i == path.Branches.Count - 1;
            sb.Append(indent).Append(last ? "└─ " : "├─ ")
                .Append(CultureInfo.InvariantCulture, $"branch {i + 1}/{path.Branches.Count} ({Percent(branch.Probability)}): {branch.Label}\n");
            RenderPath(sb, branch, indent + (last ? "   " : "│  "));
        }

        if (path.Outcome is { } outcome)
        {
            sb.Append(indent).Append("⇒ ").Append(outcome.Text).Append('\n');
            foreach (var assumption in outcome.Assumptions)
            {
                sb.Append(indent).Append("  assuming ").Append(assumption).Append('\n');
            }

            foreach (var reply in outcome.Reply)
            {
                sb.Append(indent).Append("  ↩ ").Append(reply).Append('\n');
            }
        }
    }

    private static void RenderHop(StringBuilder sb, TraceHop hop, string indent)
    {
        switch (hop.Kind)
        {
            case HopKind.Hook:
                sb.Append(indent).Append("▸ ").Append(hop.Text).Append('\n');
                return;
            case HopKind.Rule or HopKind.Verdict or HopKind.Note when hop.Table is not null:
                sb.Append(indent).Append("    ").Append(hop.Table).Append(' ').Append(hop.Chain);
                if (hop.Line is { } line)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" line {line}: {hop.Rule}\n").Append(indent).Append("      → ");
                }
                else
                {
                    sb.Append(": ");
                }

                sb.Append(hop.Kind == HopKind.Note ? "! " : "").Append(hop.Text).Append('\n');
                return;
            default:
                sb.Append(indent).Append("• ").Append(hop.Node is null ? "" : hop.Node + ": ").Append(hop.Text).Append('\n');
                return;
        }
    }

    internal static string Percent(double probability) => (probability * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
