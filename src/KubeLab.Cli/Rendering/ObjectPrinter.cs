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
public static class ObjectPrinter
{
    public static string Json(IReadOnlyList<object> items, bool single)
    {
        var node = CustomResourceSchema.Sorted(Document(items, single));
        return node!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }) + "\n";
    }

    public static string Yaml(IReadOnlyList<object> items, bool single)
    {
        var yaml = new YamlStream(new YamlDocument(ToYaml(CustomResourceSchema.Sorted(Document(items, single)))));
        var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        var text = writer.ToString();
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
                    mapping.Add(new YamlScalarNode(key), ToYaml(value));
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

    // go-yaml v2's resolve table (kubectl's YAML): these plain scalars are booleans or null, not strings.
    private static readonly HashSet<string> ResolvesAsNonString = new(StringComparer.Ordinal)
    {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    };

    /// <summary>Strings that YAML would read as something else are quoted, as Go's yaml does.</summary>
    private static YamlScalarNode Scalar(string text)
    {
        var ambiguous = text.Length == 0 || ResolvesAsNonString.Contains(text)
            || double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
            || text.IndexOfAny([':', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`']) >= 0
            || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]) || text.StartsWith('-');
        return new YamlScalarNode(text)
        {
            Style = text.Contains('\n', StringComparison.Ordinal) ? YamlDotNet.Core.ScalarStyle.Literal
                : ambiguous ? YamlDotNet.Core.ScalarStyle.DoubleQuoted : YamlDotNet.Core.ScalarStyle.Plain,
        };
    }
}
