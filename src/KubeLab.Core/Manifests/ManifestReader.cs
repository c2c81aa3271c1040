using System.Buffers;
using System.Text;
using System.Text.Json;
using k8s;

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
        return copy;
    });

    /// <summary>A file's bytes (UTF-8): JSON is read from them as they are, without a string copy of a large dump.</summary>
    public static IReadOnlyList<ManifestDocument> Read(byte[] utf8, string source)
    {
        var start = utf8.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var first = start;
        while (first < utf8.Length && utf8[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        if (first < utf8.Length && utf8[first] is (byte)'{' or (byte)'[')
        {
            var result = new List<ManifestDocument>();
            if (TryReadJson(start == 0 ? utf8 : utf8[start..], source, result))
            {
                return result;
            }
        }

        return Read(System.Text.Encoding.UTF8.GetString(utf8, start, utf8.Length - start), source);
    }

    public static IReadOnlyList<ManifestDocument> Read(string text, string source)
    {
        var result = new List<ManifestDocument>();
        var first = FirstSignificant(text);
        if (first is '{' or '[')
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (TryReadJson(bytes, source, result))
            {
                return result;
            }

            result.Clear(); // not JSON after all (a YAML flow mapping such as `{a: b}`): read it as YAML
        }

        if (!TryReadBlockYaml(text, source, new ListSink(result)))
        {
            ReadYaml(text, source, result);
        }

        return result;
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

    /// <summary>Decodes one complete object (JSON bytes) into its model type.</summary>
    internal static ManifestDocument Decode(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind)
    {
        if (json.Length > ManifestLimits.MaxObjectBytes)
        {
            throw KubeLabException.Invalid($"{source}:{line}: Request entity too large: limit is {ManifestLimits.MaxObjectBytes} (the API server's request size limit; this object is {json.Length} bytes as JSON)");
        }

        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            var missing = string.IsNullOrEmpty(apiVersion) ? "apiVersion" : "kind";
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: {missing} not set; every object needs apiVersion and kind");
        }

        var key = $"{apiVersion}/{kind}";
        if (!SupportedKinds.Types.TryGetValue(key, out var type))
        {
            throw KubeLabException.Invalid(
                $"{source}:{line}: no matches for kind \"{kind}\" in version \"{apiVersion}\"; supported kinds: {SupportedKinds.List}");
        }

        try
        {
            object value = type == typeof(KubeProxyConfigurationDocument)
                ? new KubeProxyConfigurationDocument(ToPlain(JsonSerializer.Deserialize<JsonElement>(json, Options.Value)) as IReadOnlyDictionary<string, object?>
                    ?? new Dictionary<string, object?>())
                : JsonSerializer.Deserialize(json, type, Options.Value)
                    ?? throw KubeLabException.Invalid($"{source}:{line}: error validating data: the document is null");
            return new ManifestDocument(source, line, apiVersion, kind, value);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            var path = e is JsonException { Path: { Length: > 1 } p } ? p.TrimStart('$').TrimStart('.') + ": " : "";
            throw KubeLabException.Invalid(
                $"{source}:{line}: error decoding {kind}: {path}{Describe(e)}; check the field names and types against the Kubernetes API ({apiVersion} {kind})");
        }
    }

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

    private sealed class ListSink(List<ManifestDocument> result) : DocumentSink
    {
        public override int Count => result.Count;

        public override void Add(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind) =>
            result.Add(Decode(json, source, line, apiVersion, kind));

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
