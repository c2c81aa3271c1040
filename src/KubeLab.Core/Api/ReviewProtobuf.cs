using System.Text;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// The access reviews kubectl 1.30+ sends as protobuf (application/vnd.kubernetes.protobuf): the "k8s\0" envelope
/// around a runtime.Unknown whose raw bytes are the review (k8s.io/api/authorization/v1 generated.proto), read into
/// the JSON the API server would have decoded. Only the fields a review carries are known; others are skipped.
/// </summary>
public static class ReviewProtobuf
{
    private static readonly byte[] Magic = [(byte)'k', (byte)'8', (byte)'s', 0];

    public static bool IsEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>The review as JSON: {"apiVersion", "kind", "spec": {…}}.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        var unknown = Fields(body[Magic.Length..].ToArray());
        var typeMeta = unknown.TryGetValue(1, out var t) ? Fields(t[0]) : [];
        var raw = unknown.TryGetValue(2, out var r) ? Fields(r[0]) : throw ApiStatusException.BadRequest("the protobuf envelope carries no object");
        var result = new JsonObject
        {
            ["apiVersion"] = typeMeta.TryGetValue(1, out var av) ? Encoding.UTF8.GetString(av[0]) : null,
            ["kind"] = typeMeta.TryGetValue(2, out var k) ? Encoding.UTF8.GetString(k[0]) : null,
        };
        var spec = new JsonObject();
        if (raw.TryGetValue(2, out var s))
        {
            var fields = Fields(s[0]);
            if (result["kind"]?.GetValue<string>() == "SelfSubjectRulesReview")
            {
                // SelfSubjectRulesReviewSpec: namespace
                if (fields.TryGetValue(1, out var ns))
                {
                    spec["namespace"] = Encoding.UTF8.GetString(ns[0]);
                }
            }
            else
            {
                if (fields.TryGetValue(1, out var resource))
                {
                    // ResourceAttributes: namespace, verb, group, version, resource, subresource, name
                    spec["resourceAttributes"] = Strings(Fields(resource[0]), ["namespace", "verb", "group", "version", "resource", "subresource", "name"]);
                }

                if (fields.TryGetValue(2, out var nonResource))
                {
                    // NonResourceAttributes: path, verb
                    spec["nonResourceAttributes"] = Strings(Fields(nonResource[0]), ["path", "verb"]);
                }
            }
        }

        result["spec"] = spec;
        return result;
    }

    private static JsonObject Strings(Dictionary<int, List<byte[]>> fields, string[] names)
    {
        var o = new JsonObject();
        for (var i = 0; i < names.Length; i++)
        {
            if (fields.TryGetValue(i + 1, out var value))
            {
                o[names[i]] = Encoding.UTF8.GetString(value[0]);
            }
        }

        return o;
    }

    /// <summary>A message's length-delimited fields by number (varints and fixed fields skipped).</summary>
    private static Dictionary<int, List<byte[]>> Fields(byte[] message)
    {
        var fields = new Dictionary<int, List<byte[]>>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (length < 0 || at + length > message.Length)
                    {
                        throw ApiStatusException.BadRequest("the protobuf body is truncated");
                    }

                    if (!fields.TryGetValue(number, out var list))
                    {
                        fields[number] = list = [];
                    }

                    list.Add(message[at..(at + length)]);
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw ApiStatusException.BadRequest($"the protobuf body has an unsupported wire type {key & 7}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] data, ref int at)
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
}
