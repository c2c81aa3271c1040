using System.Buffers;
using System.Text;
using System.Text.Json;
using k8s;
using KubeLab.Core.Control;

namespace KubeLab.Core.Manifests;

/// <summary>
/// Reads what <c>kubectl apply -f</c> takes and <c>kubectl get -o json|yaml</c> prints: JSON objects and Lists (also
/// several JSON values one after another), and multi-document YAML with <c>kind: List</c> documents, into
/// KubernetesClient's own models. JSON goes straight to System.Text.Json; YAML is read as a stream of parser events
/// that are written once as JSON tokens and handed to the same deserialiser: no YAML tree, no YAML re-emitted. Every
/// object (a document or one List item) is decoded as soon as it is complete, so memory follows the output.
/// Errors name the source and line; limits follow the API server (see <see cref="ManifestLimits"/>).
/// </summary>
public static partial class ManifestReader
{
    private static readonly Lazy<JsonSerializerOptions> Options = new(() =>
    {
        // KubernetesClient's own options (its date, quantity and IntOrString handling), copied, not changed.
        JsonSerializerOptions? copy = null;
        KubernetesJson.AddJsonOptions(o => copy = new JsonSerializerOptions(o));
        copy ??= new JsonSerializerOptions();
        copy.MaxDepth = ManifestLimits.MaxDepth + 1;
        // YAML gives `version: 1` as a number where the model wants a string; keep its text (as YamlDotNet did).
        copy.Converters.Insert(0, new ScalarTextConverter());
        // YAML's 1.0 is the integer 1, as sigs.k8s.io/yaml writes it (JSON's own 1.0 is refused by the strict check before)
        copy.Converters.Insert(0, new WholeNumberConverter<int>());
        copy.Converters.Insert(0, new WholeNumberConverter<long>());
        return copy;
    });

    /// <summary>
    /// A file's bytes (UTF-8): JSON is read from them as they are, without a string copy of a large dump.
    /// <paramref name="strict"/>: each object is checked as the API server decodes a request with strict field
    /// validation (what kubectl apply sends): a value of the wrong type or a field its kind does not have is an error
    /// in the API server's words, at the field's line. Dumps of real clusters are read without it.
    /// <paramref name="custom"/>: a kind KubeLab has no type for is read as a <see cref="CustomObject"/> (a custom
    /// resource, or a kind in a version nobody serves) for the API server's discovery and the CRD's schema to judge, as
    /// kubectl leaves them to its REST mapper; without it, such a kind is an error here.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> Read(byte[] utf8, string source, bool strict = false, bool custom = false)
    {
        var mode = new Mode(strict, custom);
        var start = utf8.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var first = start;
        while (first < utf8.Length && utf8[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        if (first < utf8.Length && utf8[first] is (byte)'{' or (byte)'[')
        {
            var result = new List<ManifestDocument>();
            if (ReadJson(start == 0 ? utf8 : utf8[start..], source, result, mode))
            {
                return result;
            }
        }

        return Read(System.Text.Encoding.UTF8.GetString(utf8, start, utf8.Length - start), source, strict, custom);
    }

    public static IReadOnlyList<ManifestDocument> Read(string text, string source, bool strict = false, bool custom = false)
    {
        var mode = new Mode(strict, custom);
        var result = new List<ManifestDocument>();
        var first = FirstSignificant(text);
        if (first is '{' or '[')
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (ReadJson(bytes, source, result, mode))
            {
                return result;
            }

            result.Clear(); // not JSON after all (a YAML flow mapping such as `{a: b}`): read it as YAML
        }

        try
        {
            if (!TryReadBlockYaml(text, source, new ListSink(result, mode)))
            {
                ReadYaml(text, source, result, mode);
            }
        }
        catch (FieldDecodingException e)
        {
            // the JSON that was checked was written from the YAML: the field's line is found in the YAML itself
            throw KubeLabException.Invalid($"{source}:{YamlLines.LineOf(text, e.ObjectLine, e.Path) ?? e.ObjectLine}: {e.Message}");
        }

        return result;
    }

    private static bool ReadJson(byte[] bytes, string source, List<ManifestDocument> result, Mode mode)
    {
        try
        {
            return TryReadJson(bytes, source, result, mode);
        }
        catch (FieldDecodingException e)
        {
            throw KubeLabException.Invalid($"{source}:{e.JsonLine}: {e.Message}");
        }
    }

    /// <summary>
    /// An object the strict decoder refused, on its way to the reader that knows the text: the message without a place,
    /// the object's first line, the field's path in it, and the field's line if the JSON checked was the input itself.
    /// </summary>
    private sealed class FieldDecodingException(string message, int objectLine, IReadOnlyList<object> path, int jsonLine) : Exception(message)
    {
        public int ObjectLine { get; } = objectLine;

        public IReadOnlyList<object> Path { get; } = path;

        public int JsonLine { get; } = jsonLine;
    }

    private static char FirstSignificant(string text)
    {
        foreach (var c in text)
        {
            if (c is not (' ' or '\t' or '\r' or '\n' or '\uFEFF'))
            {
                return c;
            }
        }

        return '\0';
    }

    /// <summary>How objects are decoded: checked as a strict API server checks them; kinds without a type kept as custom objects.</summary>
    internal readonly record struct Mode(bool Strict, bool Custom);

    /// <summary>Decodes one complete object (JSON bytes) into its model type.</summary>
    internal static ManifestDocument Decode(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind, Mode mode = default, bool fromYaml = false)
    {
        var strict = mode.Strict;
        if (json.Length > ManifestLimits.MaxObjectBytes)
        {
            throw KubeLabException.Invalid($"{source}:{line}: Request entity too large: limit is {ManifestLimits.MaxObjectBytes} (the API server's request size limit; this object is {json.Length} bytes as JSON)");
        }

        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            var missing = string.IsNullOrEmpty(apiVersion) ? "apiVersion" : "kind";
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: {missing} not set; every object needs apiVersion and kind");
        }

        if (apiVersion == "v1" && kind == "List")
        {
            ListItemsNotAList(json, source, line, strict);
        }

        var key = $"{apiVersion}/{kind}";
        if (!SupportedKinds.Types.TryGetValue(key, out var type))
        {
            // kept for the server's resources and the CRD's schema to judge (the fields are checked there)
            type = mode.Custom ? typeof(CustomObject) : throw KubeLabException.Invalid(
                $"{source}:{line}: no matches for kind \"{kind}\" in version \"{apiVersion}\"; supported kinds: {SupportedKinds.List}");
        }

        if (strict && type != typeof(KubeProxyConfigurationDocument) && type != typeof(CustomObject) && StrictDecoder.Check(json, type, fromYaml) is { Ok: false } checkedFields)
        {
            var at = checkedFields.First!;
            var slash = apiVersion.LastIndexOf('/');
            throw new FieldDecodingException(checkedFields.Message(kind, apiVersion[(slash + 1)..]), line, at.Path,
                LineAt(json, line, at.Offset));
        }

        try
        {
            object value = type == typeof(KubeProxyConfigurationDocument)
                ? new KubeProxyConfigurationDocument(ToPlain(JsonSerializer.Deserialize<JsonElement>(json, Options.Value)) as IReadOnlyDictionary<string, object?>
                    ?? new Dictionary<string, object?>())
                : JsonSerializer.Deserialize(json, type, Options.Value)
                    ?? throw KubeLabException.Invalid($"{source}:{line}: error validating data: the document is null");
            if (strict && value is CustomObject custom)
            {
                custom.UnknownMetadata = Api.CustomResourceSchema.UnknownMetadata(System.Text.Json.Nodes.JsonNode.Parse(json)?["metadata"]);
            }

            return new ManifestDocument(source, line, apiVersion, kind, value);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            var path = e is JsonException { Path: { Length: > 1 } p } ? p.TrimStart('$').TrimStart('.') + ": " : "";
            throw KubeLabException.Invalid(
                $"{source}:{line}: error decoding {kind}: {path}{Describe(e)}; check the field names and types against the Kubernetes API ({apiVersion} {kind})");
        }
    }

    /// <summary>
    /// A <c>kind: List</c> whose items are not a list reaches the decoder as one object; kubectl's own decoding of a
    /// List (its decodeList type) refuses it before anything is sent: <c>unable to decode "x.yaml": json: cannot
    /// unmarshal number into Go struct field decodeList.items of type []json.RawMessage</c>.
    /// </summary>
    private static void ListItemsNotAList(ReadOnlySpan<byte> json, string source, int line, bool strict)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ManifestLimits.MaxDepth + 8 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var offset = reader.TokenStartIndex;
            var isItems = reader.ValueTextEquals("items"u8);
            reader.Read();
            if (isItems && reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.Null))
            {
                var message = $"unable to decode \"{source}\": json: cannot unmarshal {StrictDecoder.ValueName(reader.TokenType)} into Go struct field decodeList.items of type []json.RawMessage";
                var jsonLine = LineAt(json, line, offset);
                throw strict ? new FieldDecodingException(message, line, ["items"], jsonLine) : KubeLabException.Invalid($"{source}:{jsonLine}: {message}");
            }

            reader.Skip();
        }
    }

    /// <summary>The line of a byte offset in an object's JSON that starts at <paramref name="line"/> (the object's own line for JSON written from YAML, which has no line breaks).</summary>
    private static int LineAt(ReadOnlySpan<byte> json, int line, long offset) => line + json[..(int)Math.Min(offset, json.Length)].Count((byte)'\n');

    private static string Describe(Exception e)
    {
        while (e.InnerException is not null && e is not KubeLabException)
        {
            e = e.InnerException;
        }

        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim().TrimEnd('.');
    }

    /// <summary>JSON to plain dictionaries, lists and strings (for documents KubernetesClient has no model for).</summary>
    internal static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ToPlain(g.Last().Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>1-based lines of byte offsets in UTF-8 text, counted onwards from the last offset asked for.</summary>
    private sealed class LineCounter(byte[] bytes)
    {
        private int offset;
        private int line = 1;

        public int LineOf(long at)
        {
            var end = (int)Math.Min(at, bytes.Length);
            if (end < offset)
            {
                (offset, line) = (0, 1);
            }

            line += bytes.AsSpan(offset, end - offset).Count((byte)'\n');
            offset = end;
            return line;
        }
    }

    /// <summary>
    /// The end of one YAML document, for both YAML readers: a List's items were added as they were read; items in
    /// anything but a List are refused (and taken out again); any other document is one object.
    /// </summary>
    private static void EndDocument(DocumentSink result, int firstItem, bool list, JsonBuffer document, string source, int line, string? apiVersion, string? kind)
    {
        if (list && kind is not null && kind.EndsWith("List", StringComparison.Ordinal))
        {
            return;
        }

        if (list)
        {
            result.Truncate(firstItem);
            throw KubeLabException.Invalid($"{source}:{line}: error decoding {kind ?? "object"}: items: only a List (kind: List) has items at its top level");
        }

        result.Add(document.Complete(), source, line, apiVersion, kind);
    }

    /// <summary>Where a reader puts each complete object (its JSON bytes): decoded into a <see cref="ManifestDocument"/> (tests look at the JSON).</summary>
    internal abstract class DocumentSink
    {
        public abstract int Count { get; }

        public abstract void Add(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind);

        /// <summary>Takes out the objects added after the first <paramref name="count"/>.</summary>
        public abstract void Truncate(int count);
    }

    /// <summary>The YAML readers' sink: each object decoded as <paramref name="mode"/> says (strictly checked; custom kinds kept).</summary>
    private sealed class ListSink(List<ManifestDocument> result, Mode mode) : DocumentSink
    {
        public override int Count => result.Count;

        public override void Add(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind) =>
            result.Add(Decode(json, source, line, apiVersion, kind, mode, fromYaml: true));

        public override void Truncate(int count) => result.RemoveRange(count, result.Count - count);
    }

    /// <summary>Writes JSON into a buffer that is reused for every object.</summary>

    private sealed class JsonBuffer
    {
        private readonly ArrayBufferWriter<byte> buffer = new(64 * 1024);

        public Utf8JsonWriter Writer { get; private set; }

        public JsonBuffer() => Writer = New();

        private Utf8JsonWriter New() => new(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = ManifestLimits.MaxDepth + 8 });

        public long Length => buffer.WrittenCount + Writer.BytesPending;

        public ReadOnlySpan<byte> Complete()
        {
            Writer.Flush();
            return buffer.WrittenSpan;
        }

        public void Reset()
        {
            buffer.ResetWrittenCount();
            Writer.Reset(buffer);
        }
    }
}

/// <summary>The API server's limits on one request, applied to each object read.</summary>
public static class ManifestLimits
{
    /// <summary>kube-apiserver's request body limit (--max-request-bytes default, 3 MiB): "Request entity too large: limit is 3145728".</summary>
    public const int MaxObjectBytes = 3 * 1024 * 1024;

    /// <summary>Go's encoding/json (which the API server decodes with): "exceeded max depth" past 10,000 levels.</summary>
    public const int MaxDepth = 10_000;

    /// <summary>go-yaml's alias check (sigs.k8s.io/yaml): below this many decoded nodes 99 % may come from aliases.</summary>
    public const int AliasRatioRangeLow = 400_000;

    /// <summary>… above this many, only 10 %; in between the allowed ratio falls linearly.</summary>
    public const int AliasRatioRangeHigh = 4_000_000;

    /// <summary>go-yaml's allowedAliasRatio: the share of decoded nodes that may come from expanding aliases.</summary>
    public static double AllowedAliasRatio(long decoded) => decoded <= AliasRatioRangeLow ? 0.99
        : decoded >= AliasRatioRangeHigh ? 0.10
        : 0.99 - (0.89 * (decoded - AliasRatioRangeLow) / (AliasRatioRangeHigh - AliasRatioRangeLow));
}
