using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// Request bodies in application/vnd.kubernetes.protobuf — what client-go's typed clients send (kubectl 1.30+'s
/// `create deployment|secret|namespace|…`, the access reviews, k9s) — read into the JSON object the API server would
/// have decoded from the same object sent as JSON. The body is the "k8s\0" magic and a runtime.Unknown
/// (k8s.io/apimachinery/pkg/runtime/generated.proto: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
/// 4 contentType) whose raw bytes are the object's message (k8s.io/api's generated.proto, without TypeMeta).
/// <para>
/// The messages are read through <see cref="KubernetesProtobufMessages"/>, a table of field numbers and JSON names;
/// the JSON is what Go's encoding/json writes for the decoded struct (what the apiserver's decode-then-use amounts
/// to): non-pointer scalars with omitempty only when not zero, pointers when present, non-pointer structs always
/// (`"resources":{}`, `"status":{}`, a zero metav1.Time as null), slices and maps without omitempty as null when
/// empty, inline structs merged into their parent. Fields the table does not know (newer than v1.29) are dropped, as
/// a v1.29 API server's protobuf decoder drops them.
/// </para>
/// </summary>
public static class KubernetesProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [(byte)'k', (byte)'8', (byte)'s', 0];

    public static bool IsMediaType(string contentType) => contentType.StartsWith(MediaType, StringComparison.OrdinalIgnoreCase);

    public static bool IsEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>The object as JSON: {"kind", "apiVersion", then its fields in the Go type's order}.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        // runtime/serializer/protobuf's own errors for a body that is not an envelope
        if (body.Length == 0)
        {
            throw ApiStatusException.BadRequest("empty data");
        }

        if (!IsEnvelope(body))
        {
            throw ApiStatusException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        if (body.Length == Magic.Length)
        {
            throw ApiStatusException.BadRequest("empty body");
        }

        var unknown = Wire.Read(body[Magic.Length..].ToArray());
        var typeMeta = Wire.Read(unknown.Bytes(1));
        var apiVersion = typeMeta.String(1);
        var kind = typeMeta.String(2);
        var encoding = unknown.String(3);
        if (encoding.Length > 0)
        {
            throw Unsupported($"a protobuf body with contentEncoding \"{encoding}\"");
        }

        if (!KubernetesProtobufMessages.ForKind(apiVersion, kind, out var message))
        {
            throw Unsupported(kind.Length == 0 ? "a protobuf body without a kind" : $"{kind} ({apiVersion}) in protobuf");
        }

        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        Fill(result, message, unknown.Bytes(2));
        return result;
    }

    /// <summary>415 for what the lab cannot read, naming it, with the way out.</summary>
    private static ApiStatusException Unsupported(string what) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (this lab's API server decodes protobuf for {KubernetesProtobufMessages.KindList} only, and {what} was sent: send it as JSON, e.g. `kubectl create … --dry-run=client -o yaml | kubectl apply -f -`)", new JsonObject());

    private static JsonObject Message(string message, byte[] bytes)
    {
        var result = new JsonObject();
        Fill(result, message, bytes);
        return result;
    }

    private static void Fill(JsonObject into, string message, byte[] bytes)
    {
        var wire = Wire.Read(bytes);
        foreach (var field in KubernetesProtobufMessages.Fields(message))
        {
            var values = wire.All(field.Number);
            if (field.Inline)
            {
                Fill(into, field.Message!, Concat(values));
                continue;
            }

            var value = field.Shape switch
            {
                ProtobufShape.Repeated => values.Count == 0
                    ? (field.Always ? Null : Omit)
                    : new JsonArray([.. Elements(field, values)]),
                ProtobufShape.Map => values.Count == 0
                    ? (field.Always ? Null : Omit)
                    : MapOf(field, values),
                _ => Single(field, values),
            };
            if (!ReferenceEquals(value, Omit))
            {
                into[field.Name] = ReferenceEquals(value, Null) ? null : value;
            }
        }
    }

    // markers: leave the member out, or write it as null
    private static readonly JsonNode Omit = new JsonObject();
    private static readonly JsonNode Null = new JsonObject();

    private static JsonNode Single(ProtobufField field, List<WireValue> values)
    {
        if (field.Type == ProtobufType.Message)
        {
            if (values.Count == 0 && field.Pointer)
            {
                return Omit;
            }

            // repeated occurrences of a message field merge, as concatenated encodings do
            return Special(field.Message!, Concat(values)) ?? Null;
        }

        if (values.Count == 0)
        {
            return field.Always ? Zero(field.Type) ?? Null : Omit;
        }

        var node = Scalar(field.Type, values[^1]);
        return !field.Pointer && !field.Always && IsZero(field.Type, values[^1]) ? Omit : node;
    }

    private static IEnumerable<JsonNode?> Elements(ProtobufField field, List<WireValue> values)
    {
        foreach (var value in values)
        {
            if (field.Type == ProtobufType.Message)
            {
                yield return Special(field.Message!, value.Bytes);
            }
            else if (value.Wire == 2 && field.Type is ProtobufType.Int or ProtobufType.Bool)
            {
                // a packed repeated scalar: varints back to back
                var at = 0;
                while (at < value.Bytes.Length)
                {
                    yield return Scalar(field.Type, new WireValue(0, Wire.Varint(value.Bytes, ref at), []));
                }
            }
            else
            {
                yield return Scalar(field.Type, value);
            }
        }
    }

    /// <summary>A map is a repeated entry message {1 key, 2 value}; encoding/json writes its keys sorted.</summary>
    private static JsonObject MapOf(ProtobufField field, List<WireValue> entries)
    {
        var map = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var pair = Wire.Read(entry.Bytes);
            var key = pair.String(1);
            var value = pair.All(2);
            map[key] = field.Type == ProtobufType.Message
                ? Special(field.Message!, Concat(value))
                : value.Count == 0 ? Zero(field.Type) : Scalar(field.Type, value[^1]);
        }

        return new JsonObject(map);
    }

    /// <summary>The apimachinery types with a JSON form of their own; others are ordinary messages.</summary>
    private static JsonNode? Special(string message, byte[] bytes)
    {
        switch (message)
        {
            case "Time":
                {
                    // metav1.Time: {1 seconds, 2 nanos}; zero is encoded as nothing and written as null; JSON has seconds (RFC 3339, UTC)
                    if (bytes.Length == 0)
                    {
                        return null;
                    }

                    var time = Wire.Read(bytes);
                    return DateTimeOffset.FromUnixTimeSeconds(time.Int(1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                }

            case "Quantity":
                // resource.Quantity: {1 string}, already canonical as the client wrote it
                return Wire.Read(bytes).String(1) is { Length: > 0 } quantity ? quantity : "0";
            case "IntOrString":
                {
                    // intstr.IntOrString: {1 type (0 int, 1 string), 2 intVal, 3 strVal}
                    var value = Wire.Read(bytes);
                    return value.Int(1) == 1 ? JsonValue.Create(value.String(3)) : JsonValue.Create(value.Int(2));
                }

            case "FieldsV1":
                // metav1.FieldsV1: {1 raw}, the JSON of the field set itself
                return Wire.Read(bytes).Bytes(1) is { Length: > 0 } raw ? ParseRaw(raw) : null;
            case "ExtraValue":
                // authorization/v1 ExtraValue: {1 items}, a JSON array of strings
                return new JsonArray([.. Wire.Read(bytes).All(1).Select(v => (JsonNode)JsonValue.Create(Encoding.UTF8.GetString(v.Bytes)))]);
            default:
                return Message(message, bytes);
        }
    }

    private static JsonNode? ParseRaw(byte[] raw)
    {
        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the protobuf body carries a field set that is not JSON: {e.Message}");
        }
    }

    private static JsonNode Scalar(ProtobufType type, WireValue value) => type switch
    {
        ProtobufType.String => JsonValue.Create(Encoding.UTF8.GetString(value.Bytes)),
        ProtobufType.Bytes => JsonValue.Create(Convert.ToBase64String(value.Bytes)),
        ProtobufType.Bool => JsonValue.Create(value.Number != 0),
        // int32 and int64 alike: a negative int32 is sign-extended to ten bytes on the wire
        _ => JsonValue.Create((long)value.Number),
    };

    private static bool IsZero(ProtobufType type, WireValue value) => type switch
    {
        ProtobufType.String or ProtobufType.Bytes => value.Bytes.Length == 0,
        _ => value.Number == 0,
    };

    private static JsonNode? Zero(ProtobufType type) => type switch
    {
        ProtobufType.String => JsonValue.Create(""),
        ProtobufType.Bool => JsonValue.Create(false),
        ProtobufType.Bytes => null,
        _ => JsonValue.Create(0),
    };

    private static byte[] Concat(List<WireValue> values) => values.Count switch
    {
        0 => [],
        1 => values[0].Bytes,
        _ => [.. values.SelectMany(v => v.Bytes)],
    };

    private readonly record struct WireValue(int Wire, ulong Number, byte[] Bytes);

    /// <summary>One message's fields by number, in the order they came (the protocol buffers wire format).</summary>
    private sealed class Wire
    {
        private readonly Dictionary<int, List<WireValue>> fields = [];

        public List<WireValue> All(int number) => fields.TryGetValue(number, out var list) ? list : [];

        public byte[] Bytes(int number) => All(number) is { Count: > 0 } list ? list[^1].Bytes : [];

        public string String(int number) => Encoding.UTF8.GetString(Bytes(number));

        public long Int(int number) => All(number) is { Count: > 0 } list ? (long)list[^1].Number : 0;

        public static Wire Read(byte[] message)
        {
            var wire = new Wire();
            var at = 0;
            while (at < message.Length)
            {
                var key = Varint(message, ref at);
                var number = (int)(key >> 3);
                var type = (int)(key & 7);
                if (number <= 0)
                {
                    throw ApiStatusException.BadRequest("the protobuf body has a field numbered 0");
                }

                WireValue value;
                switch (type)
                {
                    case 0:
                        value = new(0, Varint(message, ref at), []);
                        break;
                    case 1:
                        value = new(1, Fixed(message, ref at, 8), []);
                        break;
                    case 2:
                        var length = Varint(message, ref at);
                        if (length > (ulong)(message.Length - at))
                        {
                            throw ApiStatusException.BadRequest("the protobuf body is truncated");
                        }

                        value = new(2, 0, message[at..(at + (int)length)]);
                        at += (int)length;
                        break;
                    case 5:
                        value = new(5, Fixed(message, ref at, 4), []);
                        break;
                    default:
                        throw ApiStatusException.BadRequest($"the protobuf body has an unsupported wire type {type}");
                }

                if (!wire.fields.TryGetValue(number, out var list))
                {
                    wire.fields[number] = list = [];
                }

                list.Add(value);
            }

            return wire;
        }

        public static ulong Varint(byte[] data, ref int at)
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (at >= data.Length)
                {
                    throw ApiStatusException.BadRequest("the protobuf body is truncated");
                }

                var b = data[at++];
                value |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw ApiStatusException.BadRequest("the protobuf body has a malformed varint");
        }

        private static ulong Fixed(byte[] data, ref int at, int size)
        {
            if (at + size > data.Length)
            {
                throw ApiStatusException.BadRequest("the protobuf body is truncated");
            }

            ulong value = 0;
            for (var i = size - 1; i >= 0; i--)
            {
                value = (value << 8) | data[at + i];
            }

            at += size;
            return value;
        }
    }
}
