using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeLab.Core.Manifests;

/// <summary>
/// The API server's decoder, as far as its errors go: an object's JSON is checked against the kind's Go type before it
/// is decoded, the way sigs.k8s.io/json decodes a request body with strict field validation (what kubectl sends by
/// default). A value of the wrong JSON type is encoding/json's <c>UnmarshalTypeError</c> (<c>json: cannot unmarshal
/// string into Go struct field ServicePort.spec.ports.port of type int32</c>: the innermost struct, the path of field
/// names without indices, the Go type); a field the type does not have is a strict decoding error
/// (<c>unknown field "spec.ports[0].prot"</c>, with indices). As in Go, the first type error wins and every unknown
/// field is listed. KubernetesClient's models stand in for the Go types: their JSON names are the Go fields' tags.
/// </summary>
public static class StrictDecoder
{
    /// <summary>What the decoder found: the first type error (which fails the request in any field validation mode) and the unknown fields.</summary>
    public sealed record Result(Problem? TypeError, IReadOnlyList<Problem> Unknown)
    {
        public bool Ok => TypeError is null && Unknown.Count == 0;

        /// <summary>The problem whose place an error message points at: the type error, else the first unknown field.</summary>
        public Problem? First => TypeError ?? (Unknown.Count > 0 ? Unknown[0] : null);

        /// <summary>The API server's message: <c>Service in version "v1" cannot be handled as a Service: …</c>.</summary>
        public string Message(string kind, string version) =>
            TypeError is not null ? CannotHandle(kind, version, TypeError.Text) : UnknownFieldsMessage(kind, version, Unknown.Select(u => u.Text));
    }

    /// <summary>Strict field validation's refusal of <paramref name="unknown"/> fields (paths), in the API server's words.</summary>
    public static string UnknownFieldsMessage(string kind, string version, IEnumerable<string> unknown) =>
        CannotHandle(kind, version, "strict decoding error: " + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));

    private static string CannotHandle(string kind, string version, string detail) => $"{kind} in version \"{version}\" cannot be handled as a {kind}: {detail}";

    /// <summary>How encoding/json names a JSON value in its type errors; "number" without its text.</summary>
    internal static string ValueName(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "bool",
        JsonTokenType.StartArray => "array",
        _ => "object",
    };

    /// <summary>
    /// One problem: its text (the type error's message, or the unknown field's path), where it is as keys and indices
    /// from the object's root, and the byte offset of its field name (or value) in the JSON that was checked.
    /// </summary>
    public sealed record Problem(string Text, IReadOnlyList<object> Path, long Offset);

    /// <summary>sigs.k8s.io/json keeps at most this many strict errors.</summary>
    private const int MaxUnknown = 100;

    /// <summary>Deeper than this the model's own recursion (a CRD's schema) is not followed: the rest is taken as it is.</summary>
    private const int MaxCheckedDepth = 64;

    /// <summary>Shapes made so far; a struct's shape is in it before its fields are (the types are recursive), so it is only used under its lock.</summary>
    private static readonly Dictionary<Type, Shape> Shapes = [];

    /// <summary>
    /// Checks <paramref name="json"/> (one object) against <paramref name="type"/>. <paramref name="fromYaml"/>: the
    /// JSON was converted from YAML, where sigs.k8s.io/yaml writes a whole float such as <c>1.0</c> as <c>1</c>, so an
    /// integer field takes it.
    /// </summary>
    public static Result Check(ReadOnlySpan<byte> json, Type type, bool fromYaml = false)
    {
        var walker = new Walker(fromYaml);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ManifestLimits.MaxDepth + 8, CommentHandling = JsonCommentHandling.Skip });
        if (reader.Read())
        {
            Shape shape;
            lock (Shapes)
            {
                shape = ShapeOf(type);
            }

            walker.Value(ref reader, shape, null, 0);
        }

        return new Result(walker.TypeError, walker.Unknown);
    }

    /// <summary>What a .NET model type stands for in Go: its kind, its Go name, and for structs the fields by JSON name.</summary>
    private sealed class Shape
    {
        public required ShapeKind Kind { get; init; }

        public required string GoName { get; init; }

        /// <summary>The struct's name in Go errors (<c>ServicePort</c>), for structs.</summary>
        public string StructName { get; init; } = "";

        public Shape? Element { get; set; }

        public Dictionary<string, Shape>? Fields { get; set; }
    }

    private enum ShapeKind
    {
        Any,
        String,
        Bool,
        Int32,
        Int64,
        Float,
        Bytes,
        Time,
        IntOrString,
        Quantity,
        List,
        Map,
        Struct,
    }

    private static Shape ShapeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Shapes.TryGetValue(type, out var known))
        {
            return known;
        }

        if (type == typeof(string))
        {
            return new Shape { Kind = ShapeKind.String, GoName = "string" };
        }

        if (type == typeof(bool))
        {
            return new Shape { Kind = ShapeKind.Bool, GoName = "bool" };
        }

        if (type == typeof(int))
        {
            return new Shape { Kind = ShapeKind.Int32, GoName = "int32" };
        }

        if (type == typeof(long))
        {
            return new Shape { Kind = ShapeKind.Int64, GoName = "int64" };
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return new Shape { Kind = ShapeKind.Float, GoName = "float64" };
        }

        if (type == typeof(byte[]))
        {
            return new Shape { Kind = ShapeKind.Bytes, GoName = "[]uint8" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new Shape { Kind = ShapeKind.Time, GoName = "v1.Time" };
        }

        if (type.Name == "IntOrString")
        {
            return new Shape { Kind = ShapeKind.IntOrString, GoName = "intstr.IntOrString" };
        }

        if (type.Name == "ResourceQuantity")
        {
            return new Shape { Kind = ShapeKind.Quantity, GoName = "resource.Quantity" };
        }

        if (type != typeof(string) && GenericArgument(type, typeof(IDictionary<,>), 1) is { } value)
        {
            var element = ShapeOf(value);
            return new Shape { Kind = ShapeKind.Map, GoName = $"map[string]{element.GoName}", Element = element };
        }

        if (GenericArgument(type, typeof(IEnumerable<>), 0) is { } item && type != typeof(string))
        {
            var element = ShapeOf(item);
            return new Shape { Kind = ShapeKind.List, GoName = $"[]{element.GoName}", Element = element };
        }

        var fields = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetIndexParameters().Length == 0)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p))
            .Where(p => p.Name is not null)
            .ToList();
        if (type == typeof(object) || type.Name is "JsonElement" or "JsonNode" || fields.Count == 0)
        {
            return new Shape { Kind = ShapeKind.Any, GoName = "interface {}" };
        }

        var (package, name) = GoTypeName(type);
        var shape = new Shape { Kind = ShapeKind.Struct, GoName = $"{package}.{name}", StructName = name, Fields = new Dictionary<string, Shape>(StringComparer.Ordinal) };
        Shapes[type] = shape; // before its fields: the types are recursive (a CRD's schema)
        foreach (var (field, property) in fields)
        {
            var fieldShape = ShapeOf(property.PropertyType);
            shape.Fields[field!] = NamedTypes.TryGetValue($"{name}.{field}", out var named)
                ? new Shape { Kind = fieldShape.Kind, GoName = named, Element = fieldShape.Element, Fields = fieldShape.Fields, StructName = fieldShape.StructName }
                : fieldShape;
        }

        return shape;
    }

    private static Type? GenericArgument(Type type, Type generic, int index)
    {
        var match = type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
        return match?.GetGenericArguments()[index];
    }

    /// <summary>KubernetesClient's <c>V1ServicePort</c> is Go's <c>v1.ServicePort</c>; <c>V1beta1IPAddressPool</c> is <c>v1beta1.IPAddressPool</c>.</summary>
    private static (string Package, string Name) GoTypeName(Type type)
    {
        var name = type.Name;
        if (name.Length > 2 && name[0] == 'V' && char.IsAsciiDigit(name[1]))
        {
            var end = 2;
            while (end < name.Length && char.IsAsciiDigit(name[end]))
            {
                end++;
            }

            foreach (var stage in new[] { "alpha", "beta" })
            {
                if (string.CompareOrdinal(name, end, stage, 0, stage.Length) == 0)
                {
                    end += stage.Length;
                    while (end < name.Length && char.IsAsciiDigit(name[end]))
                    {
                        end++;
                    }
                }
            }

            return (name[..end].ToLowerInvariant(), name[end..]);
        }

        return ("v1", name);
    }

    /// <summary>
    /// Fields whose Go type is a named type (a string or a list of strings by another name), as the Go error prints
    /// it; KubernetesClient has only <c>string</c> for them. The common ones of the kinds the lab takes.
    /// </summary>
    private static readonly Dictionary<string, string> NamedTypes = new(StringComparer.Ordinal)
    {
        ["ServiceSpec.type"] = "v1.ServiceType",
        ["ServiceSpec.sessionAffinity"] = "v1.ServiceAffinity",
        ["ServiceSpec.externalTrafficPolicy"] = "v1.ServiceExternalTrafficPolicy",
        ["ServiceSpec.internalTrafficPolicy"] = "v1.ServiceInternalTrafficPolicy",
        ["ServiceSpec.ipFamilyPolicy"] = "v1.IPFamilyPolicy",
        ["ServiceSpec.ipFamilies"] = "[]v1.IPFamily",
        ["ServicePort.protocol"] = "v1.Protocol",
        ["ContainerPort.protocol"] = "v1.Protocol",
        ["EndpointPort.protocol"] = "v1.Protocol",
        ["CoreV1EndpointPort.protocol"] = "v1.Protocol",
        ["DiscoveryV1EndpointPort.protocol"] = "v1.Protocol",
        ["Container.imagePullPolicy"] = "v1.PullPolicy",
        ["PodSpec.restartPolicy"] = "v1.RestartPolicy",
        ["PodSpec.dnsPolicy"] = "v1.DNSPolicy",
        ["EndpointSlice.addressType"] = "v1.AddressType",
        ["DeploymentStrategy.type"] = "v1.DeploymentStrategyType",
        ["ResourceRequirements.limits"] = "v1.ResourceList",
        ["ResourceRequirements.requests"] = "v1.ResourceList",
        ["Secret.type"] = "v1.SecretType",
        ["NamespaceSpec.finalizers"] = "[]v1.FinalizerName",
    };

    private sealed class Walker(bool fromYaml)
    {
        private readonly List<object> path = [];

        /// <summary>The Go field path (names only) and the innermost struct, as encoding/json's error context keeps them.</summary>
        private readonly List<string> fieldStack = [];

        private string structName = "";

        public Problem? TypeError { get; private set; }

        public List<Problem> Unknown { get; } = [];

        public void Value(ref Utf8JsonReader reader, Shape shape, string? fieldName, int depth)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return; // null leaves a Go value as it is
            }

            if (depth > MaxCheckedDepth)
            {
                reader.Skip();
                return;
            }

            switch (shape.Kind)
            {
                case ShapeKind.Any:
                    reader.Skip();
                    return;
                case ShapeKind.Struct:
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        Mismatch(ref reader, shape);
                        return;
                    }

                    Struct(ref reader, shape, depth);
                    return;
                case ShapeKind.Map:
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        Mismatch(ref reader, shape);
                        return;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        path.Add(reader.GetString()!);
                        reader.Read();
                        Value(ref reader, shape.Element!, null, depth + 1);
                        path.RemoveAt(path.Count - 1);
                    }

                    return;
                case ShapeKind.List:
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        Mismatch(ref reader, shape);
                        return;
                    }

                    var index = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        path.Add(index++);
                        Value(ref reader, shape.Element!, null, depth + 1);
                        path.RemoveAt(path.Count - 1);
                    }

                    return;
                default:
                    Scalar(ref reader, shape);
                    return;
            }
        }

        private void Struct(ref Utf8JsonReader reader, Shape shape, int depth)
        {
            var outerStruct = structName;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var offset = reader.TokenStartIndex;
                var name = reader.GetString()!;
                reader.Read();
                path.Add(name);
                if (shape.Fields!.TryGetValue(name, out var field))
                {
                    fieldStack.Add(name);
                    structName = shape.StructName;
                    Value(ref reader, field, name, depth + 1);
                    fieldStack.RemoveAt(fieldStack.Count - 1);
                }
                else
                {
                    if (Unknown.Count < MaxUnknown)
                    {
                        Unknown.Add(new Problem(UnknownPath(), [.. path], offset));
                    }

                    reader.Skip();
                }

                path.RemoveAt(path.Count - 1);
            }

            structName = outerStruct;
        }

        private void Scalar(ref Utf8JsonReader reader, Shape shape)
        {
            var token = reader.TokenType;
            var fits = shape.Kind switch
            {
                ShapeKind.String or ShapeKind.Bytes or ShapeKind.Time => token == JsonTokenType.String,
                ShapeKind.Bool => token is JsonTokenType.True or JsonTokenType.False,
                ShapeKind.IntOrString => token is JsonTokenType.String || (token is JsonTokenType.Number && WholeNumber(ref reader, int.MinValue, int.MaxValue)),
                ShapeKind.Quantity => token is JsonTokenType.String or JsonTokenType.Number,
                ShapeKind.Int32 => token is JsonTokenType.Number && WholeNumber(ref reader, int.MinValue, int.MaxValue),
                ShapeKind.Int64 => token is JsonTokenType.Number && WholeNumber(ref reader, long.MinValue, long.MaxValue),
                ShapeKind.Float => token is JsonTokenType.Number,
                _ => true,
            };
            if (!fits)
            {
                Mismatch(ref reader, shape);
            }
            else if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        private bool WholeNumber(ref Utf8JsonReader reader, long min, long max)
        {
            if (reader.TryGetInt64(out var whole))
            {
                return whole >= min && whole <= max;
            }

            // sigs.k8s.io/yaml writes YAML's 1.0 or 1e3 as 1 and 1000; JSON's own 1.0 is refused as Go refuses it
            return fromYaml && reader.TryGetDouble(out var value) && value == Math.Floor(value) && value >= min && value <= max;
        }

        /// <summary>encoding/json's UnmarshalTypeError, kept if it is the first.</summary>
        private void Mismatch(ref Utf8JsonReader reader, Shape shape)
        {
            var offset = reader.TokenStartIndex;
            var value = reader.TokenType == JsonTokenType.Number ? NumberText(ref reader, shape) : ValueName(reader.TokenType);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            if (TypeError is not null)
            {
                return;
            }

            // IntOrString and Time decode themselves (UnmarshalJSON into an int32 or a string): their errors have no field context
            var where = shape.Kind switch
            {
                ShapeKind.IntOrString => "Go value of type int32",
                ShapeKind.Time => "Go value of type string",
                _ when fieldStack.Count == 0 => $"Go value of type {shape.GoName}",
                _ => $"Go struct field {structName}.{string.Join('.', fieldStack)} of type {shape.GoName}",
            };
            TypeError = shape.Kind == ShapeKind.Quantity
                ? new Problem("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", [.. path], offset)
                : new Problem($"json: cannot unmarshal {value} into {where}", [.. path], offset);
        }

        /// <summary>A number that does not fit an integer is named with its text (<c>number 1.5</c>); one of the wrong kind is just "number".</summary>
        private static string NumberText(ref Utf8JsonReader reader, Shape shape) =>
            shape.Kind is ShapeKind.Int32 or ShapeKind.Int64 or ShapeKind.IntOrString
                ? "number " + System.Text.Encoding.UTF8.GetString(reader.ValueSpan)
                : "number";

        private string UnknownPath()
        {
            var text = new System.Text.StringBuilder();
            foreach (var part in path)
            {
                if (part is int i)
                {
                    text.Append('[').Append(i.ToString(CultureInfo.InvariantCulture)).Append(']');
                }
                else
                {
                    if (text.Length > 0)
                    {
                        text.Append('.');
                    }

                    text.Append((string)part);
                }
            }

            return text.ToString();
        }
    }
}
