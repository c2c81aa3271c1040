using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeLab.Core.Manifests;

/// <summary>
/// Checks a manifest object against its API type before it is decoded, as the API server's decoder does, and
/// says what is wrong in its words: a value of the wrong JSON type is encoding/json's
/// `json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`, a field the
/// type does not have is the strict field validation's `strict decoding error: unknown field "spec.prots"`
/// (kubectl's default, --validate=strict). Type errors win: the decoder reports unknown fields only when
/// the object decoded. YAML becomes JSON as kubectl converts it (YAML 1.1 scalars: a plain 80 is a number,
/// a quoted "80" a string, yes/no/true/false booleans).
/// </summary>
public static partial class StrictDecoding
{
    /// <summary>
    /// Null when the object decodes; otherwise the API server's message (after "Kind in version … cannot be handled
    /// as a Kind: ") and the YAML line (1-based, in the object's text) of the first value or field it names.
    /// </summary>
    public static (string Reason, long Line)? Check(YamlMappingNode mapping, Type type)
    {
        var unknown = new List<(string Field, long Line)>();
        var typeError = Walk(mapping, type, "", type, unknown);
        return typeError ?? (unknown.Count == 0
            ? null
            : ("strict decoding error: " + string.Join(", ", unknown.Select(f => $"unknown field \"{f.Field}\"")), unknown[0].Line));
    }

    /// <summary>kubectl's whole line for a rejected object: `Service in version "v1" cannot be handled as a Service: …`.</summary>
    public static string CannotBeHandled(string apiVersion, string kind, string reason) =>
        $"{kind} in version \"{apiVersion[(apiVersion.LastIndexOf('/') + 1)..]}\" cannot be handled as a {kind}: {reason}";

    private static (string Reason, long Line)? Walk(YamlNode node, Type type, string path, Type owner, List<(string Field, long Line)> unknown)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var json = JsonKind(node);
        if (json == "null" || type == typeof(object) || type == typeof(IntOrString) || type == typeof(ResourceQuantity)
            || type == typeof(DateTime) || type == typeof(byte[]) || type.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true)
        {
            return null;
        }

        (string, long) Mismatch() => ($"json: cannot unmarshal {json} into Go struct field {GoName(owner, qualified: false)}.{path} of type {GoName(type, qualified: true)}", node.Start.Line);

        if (type == typeof(string))
        {
            return json == "string" ? null : Mismatch();
        }

        if (type == typeof(bool))
        {
            return json == "bool" ? null : Mismatch();
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(double))
        {
            if (json != "number")
            {
                return Mismatch();
            }

            var text = ((YamlScalarNode)node).Value!;
            var fits = type == typeof(double) || (type == typeof(int)
                ? int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
            return fits ? null : ($"json: cannot unmarshal number {text} into Go struct field {GoName(owner, qualified: false)}.{path} of type {GoName(type, qualified: true)}", node.Start.Line);
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            if (node is not YamlMappingNode map)
            {
                return Mismatch();
            }

            foreach (var (_, value) in map.Children)
            {
                if (Walk(value, valueType, path, owner, unknown) is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        if (ListItemType(type) is { } itemType)
        {
            if (node is not YamlSequenceNode sequence)
            {
                return Mismatch();
            }

            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var before = unknown.Count;
                if (Walk(sequence.Children[i], itemType, path, itemType.IsClass && itemType != typeof(string) ? itemType : owner, unknown) is { } error)
                {
                    return error;
                }

                // unknown fields are named with the item's index: spec.ports[0].prots
                for (var u = before; u < unknown.Count; u++)
                {
                    unknown[u] = (path + $"[{i}]" + unknown[u].Field[path.Length..], unknown[u].Line);
                }
            }

            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            return Mismatch();
        }

        var properties = Properties(type);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var field = path.Length == 0 ? key : path + "." + key;
            if (!properties.TryGetValue(key, out var property))
            {
                if (path.Length > 0 || key is not ("apiVersion" or "kind"))
                {
                    unknown.Add((field, keyNode.Start.Line));
                }

                continue;
            }

            if (Walk(value, property.PropertyType, field, type, unknown) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>kubectl's error for a List whose items are not a list (it decodes a List before anything else).</summary>
    public static string? ListItems(YamlNode items) => items is YamlSequenceNode || JsonKind(items) == "null"
        ? null
        : $"json: cannot unmarshal {JsonKind(items)} into Go struct field decodeList.items of type []json.RawMessage";

    /// <summary>The JSON type kubectl's YAML-to-JSON conversion gives a node (YAML 1.1 resolution, as go-yaml v2 does).</summary>
    private static string JsonKind(YamlNode node) => node switch
    {
        YamlMappingNode => "object",
        YamlSequenceNode => "array",
        YamlScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded } => "string",
        YamlScalarNode { Value: null or "" or "~" or "null" or "Null" or "NULL" } => "null",
        YamlScalarNode { Value: "y" or "Y" or "yes" or "Yes" or "YES" or "n" or "N" or "no" or "No" or "NO" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE" or "on" or "On" or "ON" or "off" or "Off" or "OFF" } => "bool",
        YamlScalarNode s when IsNumber(s.Value!) => "number",
        _ => "string",
    };

    // go-yaml v2's resolver: decimal, 0x/0o/0b integers (with _ separators) and its float pattern, plus .inf/.nan.
    private static bool IsNumber(string text) =>
        YamlNumber().IsMatch(text.Replace("_", "", StringComparison.Ordinal));

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?0(x[0-9a-fA-F]+|o?[0-7]+|b[01]+)|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex YamlNumber();

    private static Dictionary<string, PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p))
            .Where(p => p.Name is not null)
            .ToDictionary(p => p.Name!, p => p.Property, StringComparer.Ordinal);

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? ListItemType(Type type) =>
        type != typeof(string) && type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var item]
            ? item
            : null;

    /// <summary>The Go name of a KubernetesClient model or CLR type: V1ServicePort is v1.ServicePort (ServicePort in a field path).</summary>
    private static string GoName(Type type, bool qualified)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int))
        {
            return "int32";
        }

        if (type == typeof(long))
        {
            return "int64";
        }

        if (type == typeof(double))
        {
            return "float64";
        }

        if (type == typeof(string) || type == typeof(bool))
        {
            return type == typeof(string) ? "string" : "bool";
        }

        if (DictionaryValueType(type) is { } value)
        {
            return $"map[string]{GoName(value, qualified: true)}";
        }

        if (ListItemType(type) is { } item)
        {
            return "[]" + GoName(item, qualified: true);
        }

        var name = type.Name;
        var version = "";
        if (name.Length > 1 && name[0] == 'V' && char.IsAsciiDigit(name[1]))
        {
            var end = 1;
            while (end < name.Length && (char.IsAsciiDigit(name[end]) || char.IsAsciiLetterLower(name[end])))
            {
                end++;
            }

            version = "v" + name[1..end];
            name = name[end..];
        }

        return qualified && version.Length > 0 ? $"{version}.{name}" : name;
    }
}
