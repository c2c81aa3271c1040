using System.Text;

namespace KubeLab.Core.Netfilter;

/// <summary>
/// What a node's rules lack or have beyond what the programs would write now (<c>kubelab rules --diff</c>): both texts
/// in iptables-save form (counters and comments ignored), compared per table and chain. A chain only on the node is
/// stale (kube-proxy deletes service chains it no longer writes) or another program's; a rule only on one side is
/// listed with "-" (would be written, the node lacks it) or "+" (the node has it, nothing here would write it).
/// </summary>
public static class RulesetDiff
{
    public sealed record Result(string Text, bool Differs);

    public static Result Compare(string wanted, string actual, string actualName)
    {
        var want = Read(wanted);
        var have = Read(actual);
        var text = new StringBuilder();
        var differs = false;
        foreach (var table in want.Keys.Concat(have.Keys).Distinct(StringComparer.Ordinal))
        {
            var wantChains = want.GetValueOrDefault(table) ?? [];
            var haveChains = have.GetValueOrDefault(table) ?? [];
            var lines = new List<string>();
            foreach (var chain in wantChains.Keys.Concat(haveChains.Keys).Distinct(StringComparer.Ordinal))
            {
                var wantRules = wantChains.GetValueOrDefault(chain);
                var haveRules = haveChains.GetValueOrDefault(chain);
                if (haveRules is null && wantRules!.Count == 0 || wantRules is null && haveRules!.Count == 0)
                {
                    continue; // an empty chain on one side only (raw, mangle, canaries): nothing to say
                }

                if (haveRules is null)
                {
                    lines.Add($"chain {chain}: missing on {actualName} ({wantRules!.Count} rules)");
                    lines.AddRange(wantRules.Select(r => "- " + r));
                    continue;
                }

                if (wantRules is null)
                {
                    lines.Add($"chain {chain}: only on {actualName} ({haveRules.Count} rules){(chain.StartsWith("KUBE-SVC-", StringComparison.Ordinal) || chain.StartsWith("KUBE-SEP-", StringComparison.Ordinal) || chain.StartsWith("KUBE-EXT-", StringComparison.Ordinal) || chain.StartsWith("KUBE-SVL-", StringComparison.Ordinal) || chain.StartsWith("KUBE-FW-", StringComparison.Ordinal) ? ": stale, kube-proxy deletes it at its next full sync" : "")}");
                    lines.AddRange(haveRules.Select(r => "+ " + r));
                    continue;
                }

                var missing = Subtract(wantRules, haveRules);
                var extra = Subtract(haveRules, wantRules);
                if (missing.Count + extra.Count > 0)
                {
                    lines.Add($"chain {chain}:");
                    lines.AddRange(missing.Select(r => "- " + r));
                    lines.AddRange(extra.Select(r => "+ " + r));
                }
                else if (!wantRules.SequenceEqual(haveRules, StringComparer.Ordinal))
                {
                    lines.Add($"chain {chain}: the same rules in another order (the first match wins: order matters)");
                }
            }

            if (lines.Count > 0)
            {
                differs = true;
                text.Append('*').Append(table).Append('\n');
                foreach (var line in lines)
                {
                    text.Append(line).Append('\n');
                }
            }
        }

        return new Result(differs ? text.ToString() : $"no differences: {actualName} holds exactly these rules\n", differs);
    }

    /// <summary>Items of <paramref name="from"/> not matched one for one in <paramref name="other"/>, in order.</summary>
    private static List<string> Subtract(List<string> from, List<string> other)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rule in other)
        {
            counts[rule] = counts.GetValueOrDefault(rule) + 1;
        }

        var result = new List<string>();
        foreach (var rule in from)
        {
            if (counts.GetValueOrDefault(rule) > 0)
            {
                counts[rule]--;
            }
            else
            {
                result.Add(rule);
            }
        }

        return result;
    }

    /// <summary>table → chain → rules, from iptables-save or iptables-restore text.</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> Read(string text)
    {
        var tables = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ');
            if (line.StartsWith('[') && line.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
            {
                line = line[(close + 1)..].TrimStart(); // iptables-save -c: "[packets:bytes] -A …"
            }

            if (line.Length == 0 || line[0] == '#' || line == "COMMIT")
            {
                continue;
            }

            if (line[0] == '*')
            {
                current = tables.TryGetValue(line[1..], out var existing) ? existing : tables[line[1..]] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            }
            else if (current is not null && line[0] == ':')
            {
                var name = line[1..].Split(' ')[0];
                current.TryAdd(name, []);
            }
            else if (current is not null && line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var name = line[3..].Split(' ')[0];
                if (!current.TryGetValue(name, out var rules))
                {
                    current[name] = rules = [];
                }

                rules.Add(line);
            }
        }

        return tables;
    }
}
