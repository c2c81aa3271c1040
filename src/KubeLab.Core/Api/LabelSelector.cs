using System.Text.RegularExpressions;

namespace KubeLab.Core.Api;

/// <summary>
/// A parsed `labelSelector` query (k8s.io/apimachinery/pkg/labels: "a=b,c!=d,e in (x,y),f notin (z),g,!h").
/// </summary>
public sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Func<IDictionary<string, string>, bool>> requirements;

    private LabelSelector(IReadOnlyList<Func<IDictionary<string, string>, bool>> requirements) => this.requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool Matches(IDictionary<string, string>? labels)
    {
        var set = labels ?? new Dictionary<string, string>();
        return requirements.All(r => r(set));
    }

    [GeneratedRegex(@"^\s*(?<key>[^\s=!,()]+)\s+(?<op>in|notin)\s+\((?<values>[^)]*)\)\s*$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^\s*(?<key>[^\s=!<>,()]+)\s*(?<op>==|=|!=|>|<)\s*(?<value>[^\s=!<>,()]*)\s*$")]
    private static partial Regex Comparison();

    [GeneratedRegex(@"^\s*(?<not>!)?\s*(?<key>[^\s=!<>,()]+)\s*$")]
    private static partial Regex Existence();

    /// <summary>Parses a selector; throws <see cref="ApiStatusException"/> (400) with the API server's wording when it does not parse.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var result = new List<Func<IDictionary<string, string>, bool>>();
        foreach (var part in SplitTopLevel(text))
        {
            if (SetRequirement().Match(part) is { Success: true } set)
            {
                var key = set.Groups["key"].Value;
                var values = set.Groups["values"].Value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
                if (values.Count == 0)
                {
                    throw ApiStatusException.BadRequest($"unable to parse requirement: found ')', expected: identifier");
                }

                result.Add(set.Groups["op"].Value == "in"
                    ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                    : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v));
            }
            else if (Comparison().Match(part) is { Success: true } comparison)
            {
                var key = comparison.Groups["key"].Value;
                var value = comparison.Groups["value"].Value;
                result.Add(comparison.Groups["op"].Value switch
                {
                    "!=" => labels => !labels.TryGetValue(key, out var v) || v != value,
                    ">" => labels => labels.TryGetValue(key, out var v) && long.TryParse(v, out var n) && long.TryParse(value, out var m) && n > m,
                    "<" => labels => labels.TryGetValue(key, out var v) && long.TryParse(v, out var n) && long.TryParse(value, out var m) && n < m,
                    _ => labels => labels.TryGetValue(key, out var v) && v == value,
                });
            }
            else if (Existence().Match(part) is { Success: true } existence)
            {
                var key = existence.Groups["key"].Value;
                result.Add(existence.Groups["not"].Success ? labels => !labels.ContainsKey(key) : labels => labels.ContainsKey(key));
            }
            else
            {
                throw ApiStatusException.BadRequest($"unable to parse requirement: <nil>: Invalid value: \"{part.Trim()}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
            }
        }

        return new LabelSelector(result);
    }

    /// <summary>Commas separate requirements except inside "in (a,b)".</summary>
    internal static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}
