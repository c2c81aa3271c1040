using System.Text;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// The sort kube-proxy's unit tests apply before comparing restore input (proxier_test.go
/// sortIPTablesRules): tables by name; chains KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* chains, then
/// the rest, each group in ordinal order; rules grouped per chain keeping their order, except that
/// KUBE-NODEPORTS (filter and nat) and KUBE-SERVICES (filter and nat) are stable-sorted by the service
/// name in their comment (the text before the first space or colon), with nat KUBE-SERVICES' "must be
/// the last rule" rule kept last. Deleted chains (-X) are printed after the rules of their table.
/// </summary>
public static class IptablesNormaliser
{
    public static string Normalise(string restoreInput)
    {
        var tables = Parse(restoreInput);
        tables.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var output = new StringBuilder(restoreInput.Length + 64);
        foreach (var table in tables)
        {
            var chains = table.Chains.Values.ToList();
            chains.Sort(CompareChains);
            output.Append('*').Append(table.Name).Append('\n');
            foreach (var chain in chains)
            {
                output.Append(chain.Line).Append('\n');
            }

            foreach (var chain in chains)
            {
                IEnumerable<string> rules = chain.Rules;
                if (chain.Name is "KUBE-NODEPORTS" || (chain.Name == "KUBE-SERVICES" && table.Name == "filter"))
                {
                    rules = chain.Rules.OrderBy(ServiceNameOfComment, StringComparer.Ordinal);
                }
                else if (chain.Name == "KUBE-SERVICES" && table.Name == "nat")
                {
                    rules = chain.Rules
                        .OrderBy(r => CommentOf(r)?.Contains("must be the last rule", StringComparison.Ordinal) == true ? 1 : 0)
                        .ThenBy(ServiceNameOfComment, StringComparer.Ordinal);
                }

                foreach (var rule in rules)
                {
                    output.Append(rule).Append('\n');
                }
            }

            foreach (var deleted in table.Deleted)
            {
                output.Append("-X ").Append(deleted).Append('\n');
            }

            output.Append("COMMIT\n");
        }

        return output.ToString();
    }

    private static int CompareChains(Chain a, Chain b)
    {
        static int Rank(string name) => name switch
        {
            "KUBE-NODEPORTS" => 0,
            "KUBE-SERVICES" => 1,
            _ when name.StartsWith("KUBE-", StringComparison.Ordinal) => 2,
            _ => 3,
        };

        var c = Rank(a.Name).CompareTo(Rank(b.Name));
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>
    /// The comment's service name. A rule without a comment sorts first (Go's comparator returns false
    /// for it, which in a stable sort keeps it before commented rules only when it was already there;
    /// kube-proxy's sorted chains have comments on every rule).
    /// </summary>
    private static string ServiceNameOfComment(string rule)
    {
        var comment = CommentOf(rule);
        if (comment is null)
        {
            return "";
        }

        var cut = comment.AsSpan().IndexOfAny(' ', ':');
        return cut < 0 ? comment : comment[..cut];
    }

    /// <summary>The value of <c>--comment</c>: the quoted text without quotes, or the next word.</summary>
    internal static string? CommentOf(string rule)
    {
        var at = rule.IndexOf(" --comment ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + " --comment ".Length;
        if (start < rule.Length && rule[start] == '"')
        {
            var end = rule.IndexOf('"', start + 1);
            return end < 0 ? rule[(start + 1)..] : rule[(start + 1)..end];
        }

        var space = rule.IndexOf(' ', start);
        return space < 0 ? rule[start..] : rule[start..space];
    }

    private sealed class Table(string name)
    {
        public string Name { get; } = name;
        public Dictionary<string, Chain> Chains { get; } = new(StringComparer.Ordinal);
        public List<string> Deleted { get; } = [];

        public Chain Get(string chain)
        {
            if (!Chains.TryGetValue(chain, out var c))
            {
                Chains[chain] = c = new Chain(chain, ":" + chain + " - [0:0]");
            }

            return c;
        }
    }

    private sealed class Chain(string name, string line)
    {
        public string Name { get; } = name;
        public string Line { get; set; } = line;
        public List<string> Rules { get; } = [];
    }

    private static List<Table> Parse(string text)
    {
        var tables = new List<Table>();
        Table? current = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '*')
            {
                current = new Table(line[1..].Trim());
                tables.Add(current);
                continue;
            }

            if (current is null)
            {
                throw KubeLabException.Invalid($"iptables-restore input, line {lineNumber}: \"{line}\" is outside a table (expected \"*filter\" or \"*nat\" first)");
            }

            if (line == "COMMIT")
            {
                current = null;
            }
            else if (line[0] == ':')
            {
                var name = line[1..].Split(' ')[0];
                current.Get(name).Line = line;
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var name = line[3..].Split(' ')[0];
                current.Get(name).Rules.Add(line);
            }
            else if (line.StartsWith("-X ", StringComparison.Ordinal))
            {
                var name = line[3..].Trim();
                current.Chains.Remove(name);
                current.Deleted.Add(name);
            }
            else
            {
                throw KubeLabException.Invalid($"iptables-restore input, line {lineNumber}: cannot normalise \"{line}\" (only chain lines, -A and -X are supported)");
            }
        }

        return tables;
    }
}
