namespace KubeLab.Core.Control;

/// <summary>
/// kubectl's `-l/--selector` text (k8s.io/apimachinery labels.Parse): comma-separated requirements
/// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists) and `!k` (does not exist).
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Parse(string text)
    {
        var selector = new LabelSelector();
        foreach (var requirement in SplitTopLevel(text))
        {
            var r = requirement.Trim();
            if (r.Length == 0)
            {
                continue;
            }

            selector.requirements.Add(ParseRequirement(r));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        var set = labels ?? new Dictionary<string, string>();
        return requirements.All(r => r(set));
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string r)
    {
        if (r.StartsWith('!'))
        {
            var key = Key(r[1..].Trim());
            return l => !l.ContainsKey(key);
        }

        foreach (var (op, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var at = r.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(r[..at].Trim());
                var list = r[(at + op.Length)..].Trim();
                if (!list.StartsWith('(') || !list.EndsWith(')'))
                {
                    throw Invalid(r, "expected '(' and ')' around the values");
                }

                var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                return negate
                    ? l => !l.TryGetValue(key, out var v) || !values.Contains(v)
                    : l => l.TryGetValue(key, out var v) && values.Contains(v);
            }
        }

        foreach (var (op, negate) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = r.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(r[..at].Trim());
                var value = r[(at + op.Length)..].Trim();
                return negate
                    ? l => !l.TryGetValue(key, out var v) || v != value
                    : l => l.TryGetValue(key, out var v) && v == value;
            }
        }

        var exists = Key(r);
        return l => l.ContainsKey(exists);
    }

    private static string Key(string key) =>
        key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!' or ',')
            ? throw Invalid(key, "invalid label key")
            : key;

    private static KubeLabException Invalid(string requirement, string why) =>
        KubeLabException.Usage($"error: unable to parse requirement: {requirement}: {why}");

    /// <summary>Commas separate requirements, except inside the parentheses of in/notin.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
