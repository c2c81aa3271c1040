using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeLab.Core.Trace;
using KubeLab.Core.Trace.Render;

namespace KubeLab.Ui;

/// <summary>
/// `kubelab trace FROM TARGET -o json` for the page: the tracer's own JSON (<see cref="JsonRenderer.ToJson"/>), and
/// beside each hop the real commands that show what the hop read (<c>"commands"</c>), so a learner can check it.
/// </summary>
public static partial class TraceJson
{
    public static JsonObject Trace(ILabSource source, string from, string to)
    {
        var (snapshot, nodes) = source.TraceInputs();
        var result = Tracer.Trace(new TraceRequest { From = from, Target = to }, nodes, snapshot, new CoreDnsAnswerer(snapshot));
        return WithCommands(JsonRenderer.ToJson(result), result, source.Lab);
    }

    /// <summary>Adds <c>commands</c> to each hop, the DNS part and each outcome's reply, walking the JSON tree.</summary>
    public static JsonObject WithCommands(JsonObject json, TraceResult result, string lab)
    {
        var exec = new Exec(lab, result.SourceKind == SourceKind.Pod ? result.Request.From : result.SourceNode, result.SourceNode);
        if (json["dns"] is JsonObject dns)
        {
            if (exec.Source is { } client)
            {
                dns["commands"] = Strings(exec.In(client, "cat", "/etc/resolv.conf"));
                foreach (var query in dns["queries"]!.AsArray().OfType<JsonObject>())
                {
                    query["commands"] = Strings(exec.In(client, "dig", $"@{dns["nameserver"]}", (string)query["name"]!, (string)query["type"]!));
                }
            }

            Path(dns["queryPath"]!.AsObject(), exec);
        }

        if (json["connection"] is JsonObject connection)
        {
            Path(connection, exec);
        }

        foreach (var outcome in json["outcomes"]!.AsArray().OfType<JsonObject>())
        {
            Outcome(outcome, exec);
        }

        return json;
    }

    private static void Path(JsonObject path, Exec exec)
    {
        foreach (var hop in path["hops"]!.AsArray().OfType<JsonObject>())
        {
            var commands = HopCommands(hop, exec);
            if (commands.Count > 0)
            {
                hop["commands"] = Strings([.. commands]);
            }
        }

        foreach (var branch in path["branches"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            Path(branch, exec);
        }

        if (path["outcome"] is JsonObject outcome)
        {
            Outcome(outcome, exec);
        }
    }

    private static void Outcome(JsonObject outcome, Exec exec)
    {
        // conntrack holds the connection on the node whose nat table rewrote it: the client's node.
        if (exec.SourceNode is { } node && outcome["reply"] is JsonArray { Count: > 0 })
        {
            outcome["commands"] = Strings(exec.In(node, "conntrack", "-L"));
        }
    }

    /// <summary>The command that prints what the hop read: the chain it matched in, the route, the FDB, the VTEP.</summary>
    internal static List<string> HopCommands(JsonObject hop, Exec exec)
    {
        var node = (string?)hop["node"];
        if (node is null)
        {
            return [];
        }

        var text = (string?)hop["text"] ?? "";
        return (string?)hop["kind"] switch
        {
            "send" => [exec.In(exec.Source ?? node, "ip", "-4", "addr", "show")],
            "route" when text.StartsWith("pod route", StringComparison.Ordinal) && exec.Source is not null => [exec.In(exec.Source, "ip", "route", "show")],
            "route" when RouteTo().Match(text) is { Success: true } m => [exec.In(node, "ip", "route", "get", m.Groups[1].Value)],
            "route" => [exec.In(node, "ip", "route", "show")],
            "hook" when (string?)hop["hook"] is { } hook => [exec.In(node, "iptables", "-t", hook is "FORWARD" or "INPUT" ? "filter" : "nat", "-L", hook, "-n", "-v", "--line-numbers")],
            "rule" or "verdict" when (string?)hop["chain"] is { } chain => [exec.In(node, "iptables", "-t", (string?)hop["table"] ?? "filter", "-L", chain, "-n", "-v", "--line-numbers")],
            "encapsulate" => [exec.In(node, "ip", "neigh", "show", "dev", "flannel.1"), exec.In(node, "bridge", "fdb", "show", "dev", "flannel.1")],
            "underlay" or "decapsulate" => [exec.In(node, "ip", "-d", "link", "show", "flannel.1")],
            "deliver" => [exec.In(node, "bridge", "link", "show")],
            _ => [],
        };
    }

    private static JsonArray Strings(params string[] values) => new([.. values.Select(v => (JsonNode?)v)]);

    [GeneratedRegex(@"^route to (\S+)")]
    private static partial Regex RouteTo();

    /// <summary>`kubelab exec TARGET -- CMD` for the lab (with --name unless it is the default lab).</summary>
    internal sealed record Exec(string Lab, string? Source, string? SourceNode)
    {
        public string In(string target, params string[] command) =>
            $"kubelab exec {target}{(Lab == Realize.Store.LabStore.DefaultLab ? "" : " --name " + Lab)} -- {string.Join(' ', command.Select(Quote))}";

        private static string Quote(string word) => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:@=,+".Contains(c)) ? word : $"'{word}'";
    }
}
