using System.Text.Json;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Core.Manifests;

/// <summary>
/// The fast front door for dumps of real clusters (<c>rules -f</c>, <c>trace -f</c>; issue 14): a file's bytes are read
/// in chunks, and each Service and EndpointSlice of a <c>kubectl get -o json</c> List (or of kubectl's block YAML, as
/// the JSON tokens <see cref="ManifestReader"/>'s block reader writes) is read straight into KubeLab's model by one
/// pass of <see cref="Utf8JsonReader"/> (<see cref="DumpReader"/>'s Objects part): no KubernetesClient object, no
/// reflection, the input not held. It is optimistic. An object it does not know field for field (a field it has no
/// rule for, a value of another JSON type, a null) is decoded the general way (<see cref="ManifestReader.Decode"/> and
/// <see cref="SnapshotBuilder"/>); anything wrong at all (bad JSON, a field of the wrong type, a missing name, YAML
/// outside the block subset) throws, and the caller reads the input again with <see cref="ManifestReader"/>, so errors
/// keep the general reader's words exactly and a valid input gives the same snapshot either way (tests compare both).
/// </summary>
public sealed partial class DumpReader
{
    /// <summary>An input or an object this reader leaves to the general one.</summary>
    internal sealed class Miss : Exception;

    /// <summary>The largest chunk held at once: above the API server's request limit an object is an error (the general reader says so).</summary>
    private const int MaxBuffer = 4 * ManifestLimits.MaxObjectBytes;

    private readonly List<Service> services = [];
    private readonly List<EndpointSlice> slices = [];
    private readonly List<object> others = []; // decoded the general way: Nodes, Pods, Deployments, ConfigMaps…

    /// <summary>How many objects were decoded the general way (KubernetesClient's model, then <see cref="SnapshotBuilder"/>).</summary>
    public int Decoded { get; private set; }

    /// <summary>The last kubeproxy.config.k8s.io KubeProxyConfiguration read, if any.</summary>
    public KubeProxyConfigurationDocument? ProxyConfiguration { get; private set; }

    /// <summary>The size of the window on the input at first (it grows for an object that does not fit); tests make it small.</summary>
    internal int WindowBytes { get; init; } = 1 << 20;

    /// <summary>Reads one input (UTF-8: JSON values or YAML documents); throws when the general reader must read it.</summary>
    public void Read(Stream utf8, string source)
    {
        var chunks = new Chunks(utf8, WindowBytes);
        chunks.Fill();
        if (chunks.End - chunks.Start >= 3 && chunks.Buffer.AsSpan(chunks.Start, 3).SequenceEqual("\uFEFF"u8))
        {
            chunks.Start += 3;
        }

        var first = chunks.FirstSignificant();
        if (first is (byte)'{' or (byte)'[')
        {
            ReadJson(chunks, source);
            return;
        }

        ReadYaml(chunks, source); // anchors, flow style, folded scalars… throw Miss: the general YAML reader's
    }

    /// <summary>The snapshot of everything read: Services and EndpointSlices as read, the rest as <see cref="SnapshotBuilder"/> makes it.</summary>
    public ClusterSnapshot Snapshot()
    {
        var nodes = others.OfType<V1Node>().Select(SnapshotBuilder.ToNode).ToList();
        return SnapshotBuilder.FromObjects(null, nodes, others) with { Services = services, EndpointSlices = slices };
    }

    /// <summary>One JSON value after another: objects, Lists, bare arrays of objects (as <see cref="ManifestReader"/> takes them).</summary>
    private void ReadJson(Chunks chunks, string source)
    {
        while (chunks.Next(whole: false, out var type, out var start, out _))
        {
            if (type == JsonTokenType.StartArray)
            {
                while (chunks.Next(whole: true, out type, out start, out _) && type != JsonTokenType.EndArray)
                {
                    if (type != JsonTokenType.StartObject)
                    {
                        throw new Miss();
                    }

                    var (apiVersion, kind, items) = TopLevel(chunks.Buffer.AsSpan(start, chunks.Start - start));
                    if (items)
                    {
                        throw new Miss(); // a List inside an array: rare, the general reader's
                    }

                    Item(chunks.Buffer.AsSpan(start, chunks.Start - start), source, apiVersion, kind);
                }

                continue;
            }

            if (type != JsonTokenType.StartObject)
            {
                throw new Miss();
            }

            TopObject(chunks, start, source);
        }
    }

    /// <summary>
    /// A top-level object: a List's items are read one by one as they arrive (the List is never held whole); any other
    /// object is kept in the buffer until its end and read as one object.
    /// </summary>
    private void TopObject(Chunks chunks, int start, string source)
    {
        chunks.Pin = start;
        string? apiVersion = null, kind = null;
        var items = false;
        JsonTokenType type;
        while (chunks.Next(whole: false, out type, out _, out var name) && type == JsonTokenType.PropertyName)
        {
            if (name == "items")
            {
                if (!chunks.Next(whole: false, out type, out _, out _) || type != JsonTokenType.StartArray)
                {
                    throw new Miss();
                }

                items = true;
                chunks.Pin = -1;
                while (chunks.Item(this, source))
                {
                }

                continue;
            }

            chunks.Next(whole: true, out type, out _, out var value);
            if (type == JsonTokenType.String && name is "apiVersion" or "kind")
            {
                (apiVersion, kind) = name == "apiVersion" ? (value, kind) : (apiVersion, value);
            }
        }

        if (type != JsonTokenType.EndObject)
        {
            throw new Miss();
        }

        if (items)
        {
            if (kind is null || !kind.EndsWith("List", StringComparison.Ordinal))
            {
                throw new Miss(); // items in anything but a List: the general reader's error
            }

            return;
        }

        var pinned = chunks.Pin;
        chunks.Pin = -1;
        Item(chunks.Buffer.AsSpan(pinned, chunks.Start - pinned), source, apiVersion, kind);
    }

    /// <summary>apiVersion and kind (the last of each, as the general reader keeps them) and whether "items" is at the top.</summary>
    private static (string? ApiVersion, string? Kind, bool Items) TopLevel(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ManifestLimits.MaxDepth, CommentHandling = JsonCommentHandling.Skip });
        string? apiVersion = null, kind = null;
        var items = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isApiVersion = reader.ValueTextEquals("apiVersion"u8);
            var isKind = reader.ValueTextEquals("kind"u8);
            items |= reader.ValueTextEquals("items"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && (isApiVersion || isKind))
            {
                (apiVersion, kind) = isApiVersion ? (reader.GetString(), kind) : (apiVersion, reader.GetString());
            }
            else
            {
                reader.Skip();
            }
        }

        return (apiVersion, kind, items);
    }

    /// <summary>One complete object: Services and EndpointSlices straight into the model when they fit its rules, anything else decoded.</summary>
    private void Item(ReadOnlySpan<byte> json, string source, string? apiVersion, string? kind)
    {
        var reader = new JsonTokens(new Utf8JsonReader(json));
        reader.Read();
        if (!TryItem(ref reader, json.Length, apiVersion, kind))
        {
            General(json, source, apiVersion, kind);
        }
    }

    /// <summary>
    /// A Service or an EndpointSlice read from <paramref name="reader"/>, which is on the object's first token and
    /// ends on its last; false for anything else, or when the object is the general reader's.
    /// </summary>
    private bool TryItem<T>(ref T reader, int jsonLength, string? apiVersion, string? kind)
        where T : ITokens, allows ref struct
    {
        if (jsonLength > ManifestLimits.MaxObjectBytes)
        {
            throw new Miss();
        }

        try
        {
            if (apiVersion == "v1" && kind == "Service")
            {
                services.Add(ReadService(ref reader));
                return true;
            }

            if (apiVersion == "discovery.k8s.io/v1" && kind == "EndpointSlice")
            {
                slices.Add(ReadEndpointSlice(ref reader));
                return true;
            }
        }
        catch (Exception e) when (e is Miss or JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
        }

        return false;
    }

    /// <summary>Why an object is the general reader's (for tests: the field by field reader's exception, or null).</summary>
    internal static string? WhyGeneral(byte[] json)
    {
        try
        {
            var reader = new JsonTokens(new Utf8JsonReader(json));
            reader.Read();
            var (apiVersion, kind) = ManifestReader.TypeOf(json);
            _ = kind == "Service" ? (object)new DumpReader().ReadService(ref reader) : new DumpReader().ReadEndpointSlice(ref reader);
            return apiVersion is "v1" or "discovery.k8s.io/v1" ? null : "not a Service or an EndpointSlice";
        }
        catch (Exception e)
        {
            return e.ToString();
        }
    }

    private void General(ReadOnlySpan<byte> json, string source, string? apiVersion, string? kind)
    {
        // The general way; its errors end this reader (the caller reads the input again with ManifestReader).
        Decoded++;
        switch (ManifestReader.Decode(json, source, 0, apiVersion, kind).Object)
        {
            case KubeProxyConfigurationDocument proxy:
                ProxyConfiguration = proxy;
                break;
            case V1Service general:
                services.Add(SnapshotBuilder.ToService(general));
                break;
            case V1EndpointSlice general:
                slices.Add(SnapshotBuilder.ToEndpointSlice(general));
                break;
            case var other:
                others.Add(other);
                break;
        }
    }

    /// <summary>A window on the input: tokens are read from it as the bytes arrive, a whole value kept until it is read.</summary>
    private sealed class Chunks(Stream stream, int size)
    {
        public byte[] Buffer = new byte[size];
        public int Start;
        public int End;
        public bool Eof;

        /// <summary>Bytes from here on are kept (an object read to its end), or -1.</summary>
        public int Pin = -1;

        private JsonReaderState state = new(new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = ManifestLimits.MaxDepth });

        /// <summary>Reads more of the input, moving what is still needed to the buffer's start first.</summary>
        public void Fill()
        {
            var keep = Pin >= 0 ? Math.Min(Pin, Start) : Start;
            if (keep > 0)
            {
                Buffer.AsSpan(keep, End - keep).CopyTo(Buffer);
                Start -= keep;
                End -= keep;
                Pin = Pin >= 0 ? Pin - keep : -1;
            }

            if (End == Buffer.Length)
            {
                if (Buffer.Length >= MaxBuffer)
                {
                    throw new Miss();
                }

                Array.Resize(ref Buffer, Buffer.Length * 2);
            }

            var read = stream.Read(Buffer, End, Buffer.Length - End);
            End += read;
            Eof = read == 0;
        }

        public byte FirstSignificant()
        {
            for (var i = Start; ; i++)
            {
                if (i == End)
                {
                    if (Eof)
                    {
                        return 0;
                    }

                    Fill();
                    i = Start - 1;
                    continue;
                }

                if (Buffer[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return Buffer[i];
                }
            }
        }

        /// <summary>
        /// The next item of a List's items (false at their end), read in one pass from the window: the object's end is
        /// found by a scan for braces outside strings, then the window's own reader reads it field by field.
        /// </summary>
        public bool Item(DumpReader owner, string source)
        {
            while (true)
            {
                var reader = new Utf8JsonReader(Buffer.AsSpan(Start, End - Start), Eof, state);
                if (!reader.Read())
                {
                    if (Eof)
                    {
                        throw new Miss();
                    }

                    Fill();
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    Start += (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                    return false;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new Miss();
                }

                var start = Start + (int)reader.TokenStartIndex;
                var end = ObjectEnd(Buffer.AsSpan(0, End), start);
                if (end < 0)
                {
                    if (Eof)
                    {
                        throw new Miss();
                    }

                    Fill();
                    continue;
                }

                var item = Buffer.AsSpan(start, end - start);
                var (apiVersion, kind) = ManifestReader.TypeOf(item);
                var tokens = new JsonTokens(reader);
                var read = owner.TryItem(ref tokens, item.Length, apiVersion, kind);
                reader = tokens.Reader;
                if (!read)
                {
                    owner.General(item, source, apiVersion, kind);
                    reader = new Utf8JsonReader(Buffer.AsSpan(Start, End - Start), Eof, state);
                    reader.Read();
                    if (!reader.TrySkip())
                    {
                        throw new Miss();
                    }
                }

                if (Start + (int)reader.BytesConsumed != end)
                {
                    throw new Miss();
                }

                Start = end;
                state = reader.CurrentState;
                return true;
            }
        }

        private static readonly System.Buffers.SearchValues<byte> Structural = System.Buffers.SearchValues.Create("\"{}/"u8);
        private static readonly System.Buffers.SearchValues<byte> InString = System.Buffers.SearchValues.Create("\"\\"u8);

        /// <summary>
        /// Where the object starting at <paramref name="start"/> ends (after its closing brace), or -1 if the window
        /// has not got it all. Only strings and braces are looked at: the reader checks the rest. A comment is the
        /// general reader's (which refuses comments inside objects).
        /// </summary>
        private static int ObjectEnd(ReadOnlySpan<byte> window, int start)
        {
            var depth = 0;
            var i = start;
            while (true)
            {
                var at = window[i..].IndexOfAny(Structural);
                if (at < 0)
                {
                    return -1;
                }

                i += at;
                switch (window[i])
                {
                    case (byte)'"':
                        i++;
                        while (true)
                        {
                            var q = window[i..].IndexOfAny(InString);
                            if (q < 0)
                            {
                                return -1;
                            }

                            i += q;
                            if (window[i] == (byte)'"')
                            {
                                break;
                            }

                            if (i + 2 > window.Length)
                            {
                                return -1;
                            }

                            i += 2; // an escaped character
                        }

                        i++;
                        break;
                    case (byte)'{':
                        depth++;
                        i++;
                        break;
                    case (byte)'}':
                        depth--;
                        i++;
                        if (depth == 0)
                        {
                            return i;
                        }

                        break;
                    default:
                        throw new Miss();
                }
            }
        }

        /// <summary>
        /// The next token; with <paramref name="whole"/> an object or array is read to its end, its bytes then being
        /// Buffer[start..Start). Names and strings come as text. False at the end of the input.
        /// </summary>
        public bool Next(bool whole, out JsonTokenType type, out int start, out string? text)
        {
            while (true)
            {
                var reader = new Utf8JsonReader(Buffer.AsSpan(Start, End - Start), Eof, state);
                if (!reader.Read())
                {
                    if (Eof)
                    {
                        (type, start, text) = (JsonTokenType.None, Start, null);
                        return false;
                    }

                    Fill();
                    continue;
                }

                type = reader.TokenType;
                start = Start + (int)reader.TokenStartIndex;
                if (whole && type is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    Fill();
                    continue;
                }

                text = type is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null;
                Start += (int)reader.BytesConsumed;
                state = reader.CurrentState;
                return true;
            }
        }
    }
}
