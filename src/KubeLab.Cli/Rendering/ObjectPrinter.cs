using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using YamlDotNet.RepresentationModel;

namespace KubeLab.Cli.Rendering;

/// <summary>
/// `-o json` and `-o yaml` as kubectl prints them: keys in alphabetical order (kubectl marshals through a
/// map), JSON indented by four blanks, several objects wrapped in a v1 List.
/// </summary>
public static partial class ObjectPrinter
{
    public static string Json(IReadOnlyList<object> items, bool single)
    {
        var node = CustomResourceSchema.Sorted(Document(items, single));
        // Go's encoding/json: quotes and backslashes escaped, other text as it is but for <, > and & (escaped for
        // HTML); those three cannot occur outside strings, so they are replaced after writing
        var text = node!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return text.Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal).Replace("&", "\\u0026", StringComparison.Ordinal) + "\n";
    }

    public static string Yaml(IReadOnlyList<object> items, bool single)
    {
        var yaml = new YamlStream(new YamlDocument(ToYaml(CustomResourceSchema.Sorted(Document(items, single)))));
        var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        // go-yaml v2's emitter: lines folded at 80 columns (libyaml's best width), keys over 128 characters not simple
        yaml.Save(new YamlDotNet.Core.Emitter(writer, YamlDotNet.Core.EmitterSettings.Default.WithBestWidth(80).WithMaxSimpleKeyLength(128)), assignAnchors: false);
        // a tab can only be inside a double-quoted scalar (Scalar gives no other style to text with one), where libyaml
        // escapes it and YamlDotNet does not
        var text = writer.ToString().Replace("\t", "\\t", StringComparison.Ordinal);
        // YamlDotNet ends a document with "...\n"; kubectl does not.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static JsonNode Document(IReadOnlyList<object> items, bool single) =>
        single
            ? JsonNode.Parse(KubeObjects.ToJson(items[0]))!
            : new JsonObject
            {
                ["apiVersion"] = "v1",
                ["items"] = new JsonArray(items.Select(i => JsonNode.Parse(KubeObjects.ToJson(i))).ToArray()),
                ["kind"] = "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
            };


    private static YamlNode ToYaml(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var mapping = new YamlMappingNode();
                foreach (var (key, value) in o)
                {
                    mapping.Add(Scalar(key), ToYaml(value));
                }

                return mapping;
            case JsonArray a:
                return new YamlSequenceNode(a.Select(ToYaml));
            case null:
                return new YamlScalarNode("null") { Style = YamlDotNet.Core.ScalarStyle.Plain };
            default:
                return node.GetValueKind() == JsonValueKind.String
                    ? Scalar(node.GetValue<string>())
                    : new YamlScalarNode(node.ToJsonString()) { Style = YamlDotNet.Core.ScalarStyle.Plain };
        }
    }

    // go-yaml v2's resolve table (kubectl's YAML): these plain scalars are booleans, null or infinities, not strings.
    private static readonly HashSet<string> ResolvesAsNonString = new(StringComparer.Ordinal)
    {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "", "~", "null", "Null", "NULL",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    };

    /// <summary>
    /// A string (a value or a key) as kubectl's YAML (go-yaml v2) writes it: double-quoted when it would read back as
    /// something else (a boolean, null, number or timestamp) or has characters YAML cannot print (a tab), a literal
    /// block when it has line breaks, otherwise plain unless libyaml's emitter finds indicators that forbid it in a
    /// block (then single-quoted).
    /// </summary>
    private static YamlScalarNode Scalar(string text) => new(text)
    {
        Style = text.Any(c => !Printable(c)) ? YamlDotNet.Core.ScalarStyle.DoubleQuoted
            : text.Contains('\n', StringComparison.Ordinal) ? YamlDotNet.Core.ScalarStyle.Literal
            : ResolvesAsOther(text) ? YamlDotNet.Core.ScalarStyle.DoubleQuoted
            : PlainAllowed(text) ? YamlDotNet.Core.ScalarStyle.Plain
            : YamlDotNet.Core.ScalarStyle.SingleQuoted,
    };

    /// <summary>libyaml's printable characters (its emitter's unicode mode, which go-yaml sets); a tab is not one.</summary>
    private static bool Printable(char c) =>
        c is '\n' or (>= ' ' and <= '~') or '\u0085' or (>= '\u00A0' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD') && c != '\uFEFF' || char.IsSurrogate(c);

    /// <summary>libyaml's analysis of a scalar for the plain style in block context (yaml_emitter_analyze_scalar).</summary>
    private static bool PlainAllowed(string text)
    {
        if (text.StartsWith("---", StringComparison.Ordinal) || text.StartsWith("...", StringComparison.Ordinal) || text[0] == ' ' || text[^1] == ' ')
        {
            return false;
        }

        var precededByBlank = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var followedByBlank = i + 1 == text.Length || text[i + 1] is ' ' or '\t' or '\n' or '\r';
            var indicator = i == 0
                ? c is '#' or ',' or '[' or ']' or '{' or '}' or '&' or '*' or '!' or '|' or '>' or '\'' or '"' or '%' or '@' or '`'
                    || (c is '?' or ':' or '-' && followedByBlank)
                : (c == ':' && followedByBlank) || (c == '#' && precededByBlank);
            if (indicator)
            {
                return false;
            }

            precededByBlank = c is ' ' or '\t' or '\n' or '\r';
        }

        return true;
    }

    /// <summary>go-yaml v2's resolve: whether a plain scalar of this text would be read as anything but a string.</summary>
    internal static bool ResolvesAsOther(string text)
    {
        if (ResolvesAsNonString.Contains(text))
        {
            return true;
        }

        switch (text[0])
        {
            case '.':
                return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
            case '+' or '-' or (>= '0' and <= '9'):
                var plain = text.Replace("_", "", StringComparison.Ordinal);
                return Timestamp().IsMatch(text) || GoInteger().IsMatch(plain) || YamlFloat().IsMatch(plain) || Base60Float().IsMatch(text);
            default:
                return false;
        }
    }

    // the timestamps go-yaml v2 reads (2006-1-2, with a time and zone, or a time without one)
    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))|(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?))?$")]
    private static partial System.Text.RegularExpressions.Regex Timestamp();

    // strconv.ParseInt/ParseUint with base 0: decimal, 0x hex, 0o or 0 octal, 0b binary, a sign
    [System.Text.RegularExpressions.GeneratedRegex("^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")]
    private static partial System.Text.RegularExpressions.Regex GoInteger();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex YamlFloat();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")]
    private static partial System.Text.RegularExpressions.Regex Base60Float();
}
