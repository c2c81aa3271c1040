using System.Globalization;
using System.Text.Json.Nodes;
using KubeLab.Core.Netfilter;

namespace KubeLab.Ui;

/// <summary>
/// A node's nat and filter tables as a chain graph: each chain with its rules as iptables-save lists them and the
/// kernel's counters (<c>iptables-save -c</c> prints <c>[packets:bytes]</c> before each rule and after each built-in
/// chain's policy), and an edge for each jump or goto to another chain of the table.
/// </summary>
public static class RulesGraph
{
    public static readonly IReadOnlyList<string> Tables = ["nat", "filter"];

    public static JsonObject From(string lab, string node, NodeRulesText rules)
    {
        var ruleset = Ruleset.Parse(rules.Text, $"{node}: iptables-save");
        var policies = PolicyCounters(rules.Text);
        var tables = new JsonArray();
        foreach (var table in Tables.Select(ruleset.FindTable).OfType<NetfilterTable>())
        {
            tables.Add(Table(table, rules.Live, policies, new TraceJson.Exec(lab, null, null), node));
        }

        return new JsonObject
        {
            ["node"] = node,
            ["live"] = rules.Live,
            ["command"] = rules.Command,
            ["tables"] = tables,
        };
    }

    private static JsonObject Table(NetfilterTable table, bool live, Dictionary<(string, string), (long Packets, long Bytes)> policies, TraceJson.Exec exec, string node)
    {
        var depth = Depths(table);
        var chains = new JsonArray();
        var edges = new JsonArray();
        foreach (var chain in table.Chains.Values)
        {
            var rules = new JsonArray();
            foreach (var rule in chain.Rules)
            {
                var (counters, text) = SplitCounters(rule.Text);
                var json = new JsonObject
                {
                    ["position"] = rule.Position,
                    ["text"] = text,
                    ["target"] = rule.Target,
                    ["packets"] = live ? counters?.Packets : null,
                    ["bytes"] = live ? counters?.Bytes : null,
                };
                rules.Add(json);
                if (rule.Target is { } target && table.Chains.ContainsKey(target))
                {
                    edges.Add(new JsonObject
                    {
                        ["from"] = chain.Name,
                        ["to"] = target,
                        ["position"] = rule.Position,
                        ["packets"] = live ? counters?.Packets : null,
                        ["goto"] = rule.IsGoto,
                    });
                }
            }

            chains.Add(new JsonObject
            {
                ["name"] = chain.Name,
                ["policy"] = chain.Policy,
                ["policyPackets"] = live && policies.TryGetValue((table.Name, chain.Name), out var policy) ? policy.Packets : null,
                ["depth"] = depth.GetValueOrDefault(chain.Name, -1),
                ["rules"] = rules,
                ["command"] = exec.In(node, "iptables", "-t", table.Name, "-L", chain.Name, "-n", "-v", "--line-numbers"),
            });
        }

        return new JsonObject { ["name"] = table.Name, ["chains"] = chains, ["edges"] = edges };
    }

    /// <summary>Distance from the built-in chains (the hooks) along jumps; chains nothing jumps to get -1.</summary>
    private static Dictionary<string, int> Depths(NetfilterTable table)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var chain in table.Chains.Values.Where(c => c.IsBuiltin))
        {
            depth[chain.Name] = 0;
            queue.Enqueue(chain.Name);
        }

        while (queue.TryDequeue(out var name))
        {
            foreach (var target in table.Chains[name].Rules.Select(r => r.Target).OfType<string>().Where(table.Chains.ContainsKey))
            {
                if (depth.TryAdd(target, depth[name] + 1))
                {
                    queue.Enqueue(target);
                }
            }
        }

        return depth;
    }

    /// <summary>"[12:720] -A CHAIN ..." → (12, 720) and "-A CHAIN ...".</summary>
    internal static ((long Packets, long Bytes)? Counters, string Text) SplitCounters(string line)
    {
        if (!line.StartsWith('['))
        {
            return (null, line);
        }

        var close = line.IndexOf(']', StringComparison.Ordinal);
        return close < 0 ? (null, line) : (Counter(line[..(close + 1)]), line[(close + 1)..].TrimStart());
    }

    private static (long Packets, long Bytes)? Counter(string text)
    {
        var parts = text.Trim('[', ']').Split(':');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var packets)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? (packets, bytes)
            : null;
    }

    /// <summary>The built-in chains' policy counters: ":PREROUTING ACCEPT [12:720]" under "*nat".</summary>
    private static Dictionary<(string, string), (long Packets, long Bytes)> PolicyCounters(string text)
    {
        var result = new Dictionary<(string, string), (long Packets, long Bytes)>();
        var table = "";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..].Trim();
            }
            else if (line.StartsWith(':') && line.Split(' ') is [var name, var policy, var counters] && policy != "-" && Counter(counters) is { } counter)
            {
                result[(table, name[1..])] = counter;
            }
        }

        return result;
    }
}
