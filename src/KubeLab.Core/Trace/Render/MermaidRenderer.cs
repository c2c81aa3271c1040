using System.Globalization;
using System.Text;
using KubeLab.Core.Dns;

namespace KubeLab.Core.Trace.Render;

/// <summary>
/// A Mermaid sequenceDiagram (renders on GitHub): the client, the nodes and the receiving pods as participants;
/// NAT decisions as notes; statistic branches as alt/else blocks with their probabilities.
/// </summary>
public static class MermaidRenderer
{
    public static string Render(TraceResult result)
    {
        var participants = new Participants();
        var body = new StringBuilder();
        var client = participants.Id("client", Clean(result.Source));
        if (result.Dns is { } dns)
        {
            body.Append(CultureInfo.InvariantCulture, $"    Note over {client}: resolve {Clean(dns.Name)} ({dns.Resolver.ToString().ToLowerInvariant()}, ndots {dns.ResolvConf.Ndots}) via {dns.Nameserver}\n");
            RenderPath(body, dns.QueryPath, participants, client, "    ");
            foreach (var query in dns.Outcome.Queries)
            {
                var answer = query.Answer.Addresses.Count > 0 ? string.Join(", ", query.Answer.Addresses) : query.Answer.Rcode == DnsRcode.NoError ? "NODATA" : query.Answer.Rcode.ToString().ToUpperInvariant();
                body.Append(CultureInfo.InvariantCulture, $"    Note over {client}: {query.Type} {Clean(query.Name)} → {Clean(answer)}\n");
            }
        }

        if (result.Connection is { } connection)
        {
            body.Append(CultureInfo.InvariantCulture, $"    Note over {client}: connect {result.Protocol} {Clean(result.Host)}:{result.Port}\n");
            RenderPath(body, connection, participants, client, "    ");
        }

        var sb = new StringBuilder("sequenceDiagram\n");
        foreach (var (id, label) in participants.All)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    participant {id} as {label}\n");
        }

        return sb.Append(body).ToString();
    }

    private static void RenderPath(StringBuilder sb, TracePath path, Participants participants, string client, string indent, string? current = null)
    {
        var natNotes = new List<string>();
        string? natNode = null;
        void FlushNotes()
        {
            if (natNotes.Count > 0 && natNode is not null)
            {
                sb.Append(indent).Append(CultureInfo.InvariantCulture, $"Note over {participants.Id(natNode, natNode)}: {Clean(string.Join(", ", natNotes))}\n");
                natNotes.Clear();
            }
        }

        foreach (var hop in path.Hops)
        {
            var node = hop.Node is null ? null : participants.Id(hop.Node, hop.Node);
            switch (hop.Kind)
            {
                case HopKind.Send when node is not null:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{client}->>{node}: {Clean(hop.After?.ToString() ?? hop.Text)}\n");
                    current = node;
                    break;
                case HopKind.Rule when hop.Table == "nat" && hop.After is not null && hop.Before is not null:
                    current = node;
                    FlushNotes();
                    natNode = hop.Node;
                    natNotes.Add($"{hop.Hook} {hop.Chain}: {hop.Text}");
                    FlushNotes();
                    break;
                case HopKind.Rule when hop.BranchProbability is not null && hop.Text.Contains("not taken", StringComparison.Ordinal) == false:
                    break;
                case HopKind.Encapsulate when node is not null:
                    FlushNotes();
                    current = node;
                    break;
                case HopKind.Decapsulate when node is not null:
                    var from = current ?? client;
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{from}->>{node}: VXLAN udp 8472 VNI 1, inner {Clean(hop.After?.ToString() ?? "")}\n");
                    current = node;
                    break;
                case HopKind.Underlay when node is not null:
                    current = node;
                    break;
                case HopKind.Note:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"Note over {node ?? client}: {Clean(hop.Text)}\n");
                    break;
            }
        }

        FlushNotes();
        if (path.Branches.Count > 0)
        {
            for (var i = 0; i < path.Branches.Count; i++)
            {
                var branch = path.Branches[i];
                sb.Append(indent).Append(i == 0 ? "alt " : "else ").Append(CultureInfo.InvariantCulture, $"{TextRenderer.Percent(branch.Probability)} {Clean(branch.Label ?? "")}\n");
                RenderPath(sb, branch, participants, client, indent + "    ", current);
            }

            sb.Append(indent).Append("end\n");
        }

        if (path.Outcome is { } outcome)
        {
            var at = outcome.Node is null ? client : participants.Id(outcome.Node, outcome.Node);
            switch (outcome.Kind)
            {
                case OutcomeKind.Delivered when outcome.Pod is not null:
                    var pod = participants.Id("pod:" + outcome.Pod, outcome.Pod.Split('/')[^1]);
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{at}->>{pod}: {Clean($"{outcome.ClientAddressSeen} → {outcome.Address}:{outcome.Port}")}{(outcome.Masqueraded ? " (masqueraded)" : "")}\n");
                    var replyFrom = outcome.Reply.Count > 0 ? outcome.Reply[^1] : "reply";
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{pod}-->>{client}: {Clean(replyFrom)}\n");
                    break;
                case OutcomeKind.Rejected:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{at}--x{client}: {Clean(outcome.Text)}\n");
                    break;
                default:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"Note over {at}: {Clean(outcome.Text)}\n");
                    break;
            }
        }
    }

    /// <summary>Mermaid reads ";" as a statement end and "#" as an entity; keep messages on one line.</summary>
    private static string Clean(string text) =>
        text.Replace(";", ",", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private sealed class Participants
    {
        private readonly Dictionary<string, string> ids = new(StringComparer.Ordinal);

        public List<(string Id, string Label)> All { get; } = [];

        public string Id(string key, string label)
        {
            if (!ids.TryGetValue(key, out var id))
            {
                id = "p" + (All.Count + 1).ToString(CultureInfo.InvariantCulture);
                ids.Add(key, id);
                All.Add((id, Clean(label).Replace(":", " ", StringComparison.Ordinal)));
            }

            return id;
        }
    }
}
