using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>Label selector matching (matchLabels and matchExpressions: In, NotIn, Exists, DoesNotExist).</summary>
public static class Selectors
{
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        if (selector.MatchLabels is not null && !Matches(selector.MatchLabels, labels))
        {
            return false;
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var value);
            var ok = e.OperatorProperty switch
            {
                "In" => has && (e.Values ?? []).Contains(value!),
                "NotIn" => !has || !(e.Values ?? []).Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A Service's (or nodeSelector's) map selector: every pair must be present.</summary>
    public static bool Matches(IEnumerable<KeyValuePair<string, string>> selector, IDictionary<string, string>? labels) =>
        selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static string Format(IEnumerable<KeyValuePair<string, string>>? selector) =>
        selector is null || !selector.Any()
            ? "<none>"
            : string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
