using System.Text.RegularExpressions;
using k8s.Models;

namespace KubeLab.Core.Api;

/// <summary>
/// Selectors as text, the way apimachinery prints them: labels.FormatLabels for a map, and
/// metav1.LabelSelectorAsSelector(...).String() / metav1.FormatLabelSelector for a LabelSelector.
/// </summary>
public static partial class LabelSelectorText
{
    /// <summary>labels.FormatLabels: "k1=v1,k2=v2" sorted by key, "&lt;none&gt;" when empty.</summary>
    public static string FormatLabels(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));

    /// <summary>metav1.FormatLabelSelector: the selector's string, "&lt;none&gt;" when it selects everything or nothing, "&lt;error&gt;" when invalid.</summary>
    public static string FormatLabelSelector(V1LabelSelector? selector) =>
        SelectorString(selector) switch
        {
            null => "<error>",
            "" => "<none>",
            var s => s,
        };

    /// <summary>
    /// labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key and joined with ",";
    /// "" for a nil selector (labels.Nothing) or an empty one (labels.Everything); null when the selector is invalid.
    /// </summary>
    public static string? SelectorString(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return "";
        }

        var requirements = new List<(string Key, string Text)>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!IsQualifiedName(key) || !IsLabelValue(value))
            {
                return null;
            }

            requirements.Add((key, key + "=" + value));
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = e.Values ?? [];
            if (!IsQualifiedName(e.Key) || !values.All(IsLabelValue))
            {
                return null;
            }

            // labels.NewRequirement: set operators need values, existence operators take none.
            string? text = e.OperatorProperty switch
            {
                "In" when values.Count > 0 => e.Key + " in (" + ValueList(values) + ")",
                "NotIn" when values.Count > 0 => e.Key + " notin (" + ValueList(values) + ")",
                "Exists" when values.Count == 0 => e.Key,
                "DoesNotExist" when values.Count == 0 => "!" + e.Key,
                _ => null,
            };
            if (text is null)
            {
                return null;
            }

            requirements.Add((e.Key, text));
        }

        // labels.internalSelector.Add sorts requirements by key.
        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    // Requirement.String prints one value as is and several sorted, without changing the selector.
    private static string ValueList(IList<string> values) =>
        values.Count == 1 ? values[0] : string.Join(",", values.Order(StringComparer.Ordinal));

    // validation.IsQualifiedName: an optional DNS-1123 subdomain prefix (253) and "/", then a name of at most 63.
    private static bool IsQualifiedName(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var parts = key.Split('/');
        var name = parts[^1];
        return parts.Length switch
        {
            1 => IsName(name),
            2 => parts[0].Length is > 0 and <= 253 && DnsSubdomain().IsMatch(parts[0]) && IsName(name),
            _ => false,
        };

        static bool IsName(string n) => n.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(n);
    }

    // validation.IsValidLabelValue: empty, or at most 63 alphanumerics with '-', '_', '.' inside.
    private static bool IsLabelValue(string? value) =>
        value is not null && (value.Length == 0 || (value.Length <= 63 && QualifiedNamePart().IsMatch(value)));

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
