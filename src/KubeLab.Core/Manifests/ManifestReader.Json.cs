using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KubeLab.Core.Manifests;

public static partial class ManifestReader
{
    /// <summary>
    /// One or more JSON values: objects, or Lists (`kubectl get -o json`). An item of a List is decoded from its own
    /// bytes as soon as the reader has passed it. False when the text is not JSON at its very start (then it is YAML).
    /// </summary>
    private static bool TryReadJson(byte[] bytes, string source, List<ManifestDocument> result, Mode mode)
    {
        var options = new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = ManifestLimits.MaxDepth };
        var reader = new Utf8JsonReader(bytes, options);
        var lines = new LineCounter(bytes);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    // A bare array of objects: each is an object of its own.
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        ReadJsonObject(ref reader, bytes, lines, source, result, mode);
                    }

                    continue;
                }

                ReadJsonObject(ref reader, bytes, lines, source, result, mode);
            }
        }
        catch (JsonException) when (result.Count == 0)
        {
            return false; // e.g. a YAML flow mapping `{a: b}`; the YAML reader reports real syntax errors
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            throw KubeLabException.Invalid($"{source}:{line}: error parsing JSON: {Describe(e)} (line {line}, column {(e.BytePositionInLine ?? 0) + 1}); fix the JSON and try again");
        }

        return true;
    }

    /// <summary>Reads one object starting at the current StartObject token; a List's items are decoded one by one.</summary>
    private static void ReadJsonObject(ref Utf8JsonReader reader, byte[] bytes, LineCounter lines, string source, List<ManifestDocument> result, Mode mode)
    {
        var start = (int)reader.TokenStartIndex;
        var line = lines.LineOf(start);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: the document is not an object; each document must be a Kubernetes object with apiVersion and kind");
        }

        string? apiVersion = null, kind = null;
        var items = false;
        var itemCount = result.Count;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            var isApiVersion = name.SequenceEqual("apiVersion"u8);
            var isKind = name.SequenceEqual("kind"u8);
            var isItems = name.SequenceEqual("items"u8);
            reader.Read();
            if ((isApiVersion || isKind) && reader.TokenType == JsonTokenType.String)
            {
                if (isApiVersion)
                {
                    apiVersion = reader.GetString();
                }
                else
                {
                    kind = reader.GetString();
                }
            }
            else if (isItems && reader.TokenType == JsonTokenType.StartArray)
            {
                // Only Lists have items at the top (kubectl prints them before "kind"): decode each as it completes.
                items = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var itemStart = (int)reader.TokenStartIndex;
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw KubeLabException.Invalid($"{source}:{lines.LineOf(itemStart)}: error decoding List: items: each item must be an object");
                    }

                    reader.Skip();
                    var item = bytes.AsSpan(itemStart, (int)reader.BytesConsumed - itemStart);
                    var (itemApiVersion, itemKind) = TypeOf(item);
                    result.Add(Decode(item, source, lines.LineOf(itemStart), itemApiVersion, itemKind, mode, fromYaml: false));
                }
            }
            else
            {
                reader.Skip();
            }
        }

        var end = (int)reader.BytesConsumed;
        if (items && kind is not null && kind.EndsWith("List", StringComparison.Ordinal))
        {
            return;
        }

        if (items)
        {
            result.RemoveRange(itemCount, result.Count - itemCount);
        }

        result.Add(Decode(bytes.AsSpan(start, end - start), source, line, apiVersion, kind, mode, fromYaml: false));
    }

    /// <summary>apiVersion and kind among an object's top-level fields.</summary>
    internal static (string? ApiVersion, string? Kind) TypeOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ManifestLimits.MaxDepth, CommentHandling = JsonCommentHandling.Skip });
        string? apiVersion = null, kind = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && (apiVersion is null || kind is null))
        {
            var isApiVersion = reader.ValueTextEquals("apiVersion"u8);
            var isKind = reader.ValueTextEquals("kind"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && (isApiVersion || isKind))
            {
                if (isApiVersion)
                {
                    apiVersion = reader.GetString();
                }
                else
                {
                    kind = reader.GetString();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return (apiVersion, kind);
    }

    /// <summary>A string field given a number or a boolean keeps its text (`version: 1` in YAML labels).</summary>
    private sealed class ScalarTextConverter : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => reader.HasValueSequence ? Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence)) : Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => throw new JsonException($"expected a string, got {Token(reader.TokenType)}"),
        };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private static string Token(JsonTokenType type) => type switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "a list",
            _ => type.ToString().ToLowerInvariant(),
        };
    }

    /// <summary>An integer field that also takes a whole number written as a float (1.0, 1e3).</summary>
    private sealed class WholeNumberConverter<T> : JsonConverter<T>
        where T : struct, System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (reader.TryGetInt64(out var whole) && whole >= long.CreateTruncating(T.MinValue) && whole <= long.CreateTruncating(T.MaxValue))
                {
                    return T.CreateTruncating(whole);
                }

                if (reader.TryGetDouble(out var value) && value == Math.Floor(value) && value >= double.CreateTruncating(T.MinValue) && value <= double.CreateTruncating(T.MaxValue))
                {
                    return T.CreateTruncating(value);
                }
            }

            throw new JsonException($"expected an integer of type {typeof(T).Name}, got {(reader.TokenType == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan) : reader.TokenType.ToString().ToLowerInvariant())}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteNumberValue(long.CreateTruncating(value));
    }
}
