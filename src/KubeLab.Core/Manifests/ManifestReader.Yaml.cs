using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubeLab.Core.Manifests;

public static partial class ManifestReader
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>
    /// Multi-document YAML, read as parser events (YamlDotNet's parser keeps its own stack, so deep nesting cannot
    /// overflow ours). Each object's events are written once as JSON tokens and decoded; a List's items one by one.
    /// </summary>
    private static void ReadYaml(string text, string source, List<ManifestDocument> result, Mode mode)
    {
        var parser = new Parser(new StringReader(text));
        var documentBuffer = new JsonBuffer();
        var itemBuffer = new JsonBuffer();
        try
        {
            Expect<StreamStart>(parser, source);
            while (Next(parser, source) is DocumentStart start)
            {
                var document = new YamlDocumentReader(parser, source);
                ReadDocument(document, (int)start.Start.Line, source, result, documentBuffer, itemBuffer, mode);
            }
        }
        catch (YamlException e)
        {
            throw KubeLabException.Invalid(
                $"{source}:{e.Start.Line}: error parsing YAML: {FirstLine(e.Message)} (line {e.Start.Line}, column {e.Start.Column}); fix the YAML and try again");
        }
    }

    private static void ReadDocument(YamlDocumentReader document, int documentLine, string source, List<ManifestDocument> result, JsonBuffer documentBuffer, JsonBuffer itemBuffer, Mode mode)
    {
        var first = document.Next();
        if (first is DocumentEnd)
        {
            return;
        }

        if (first is Scalar { Value: "" or "~" or "null" } && document.Next() is DocumentEnd)
        {
            return; // an empty document, e.g. a trailing `---`
        }

        var line = (int)first.Start.Line;
        if (first is not MappingStart)
        {
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: the document is not a mapping; each document must be a Kubernetes object with apiVersion and kind");
        }

        documentBuffer.Reset();
        var writer = documentBuffer.Writer;
        writer.WriteStartObject();
        string? apiVersion = null, kind = null;
        var list = false;
        var itemCount = result.Count;
        document.Enter();
        while (document.Next() is var key && key is not MappingEnd)
        {
            if (key is not Scalar { Value: var name })
            {
                throw KubeLabException.Invalid($"{source}:{key.Start.Line}: error validating data: a top-level key is not a plain name");
            }

            var value = document.Next();
            if (name == "items" && value is SequenceStart)
            {
                // Only Lists have items at the top (`kubectl get -o yaml` prints them before `kind`): decode each item
                // as soon as its events are complete.
                list = true;
                document.Enter();
                while (document.Next() is var item && item is not SequenceEnd)
                {
                    itemBuffer.Reset();
                    document.WriteNode(item, itemBuffer);
                    var json = itemBuffer.Complete();
                    var (itemApiVersion, itemKind) = json.Length > 0 && json[0] == (byte)'{' ? TypeOf(json) : (null, null);
                    if (json.Length == 0 || json[0] != (byte)'{')
                    {
                        throw KubeLabException.Invalid($"{source}:{item.Start.Line}: error decoding List: items: each item must be a mapping");
                    }

                    result.Add(Decode(json, source, (int)item.Start.Line, itemApiVersion, itemKind, mode, fromYaml: true));
                    document.ResetCounts();
                }

                document.Leave();
                continue;
            }

            if (value is Scalar { Style: ScalarStyle.Plain or ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted } scalar && name is "apiVersion" or "kind")
            {
                if (name == "apiVersion")
                {
                    apiVersion = scalar.Value;
                }
                else
                {
                    kind = scalar.Value;
                }
            }

            writer.WritePropertyName(name);
            document.WriteNode(value, documentBuffer);
        }

        document.Leave();
        writer.WriteEndObject();
        if (document.Next() is not DocumentEnd)
        {
            throw KubeLabException.Invalid($"{source}:{documentLine}: error parsing YAML: more than one node in a document");
        }

        EndDocument(new ListSink(result, mode), itemCount, list, documentBuffer, source, line, apiVersion, kind);
    }

    private static ParsingEvent Next(IParser parser, string source)
    {
        if (!parser.MoveNext())
        {
            throw KubeLabException.Invalid($"{source}: error parsing YAML: unexpected end of the stream");
        }

        return parser.Current!;
    }

    private static void Expect<T>(IParser parser, string source) where T : ParsingEvent
    {
        if (Next(parser, source) is not T)
        {
            throw KubeLabException.Invalid($"{source}: error parsing YAML: expected {typeof(T).Name}");
        }
    }

    private static string FirstLine(string message)
    {
        var index = message.IndexOf('\n', StringComparison.Ordinal);
        return (index < 0 ? message : message[..index]).Trim();
    }

    /// <summary>
    /// One document's events: anchors are recorded as they pass and replayed for their aliases, with go-yaml's
    /// bound on alias expansion, the request size bound on what a node expands to and Go's JSON depth bound.
    /// </summary>
    private sealed class YamlDocumentReader(IParser parser, string source)
    {
        private readonly Dictionary<string, List<ParsingEvent>> anchors = new(StringComparer.Ordinal);
        private readonly List<(string Name, List<ParsingEvent> Events, int Depth)> recording = [];
        private readonly Stack<IEnumerator<ParsingEvent>> replays = new();
        private int depth;
        private long decoded;
        private long aliased;

        public void Enter() => depth++;

        public void Leave() => depth--;

        public void ResetCounts()
        {
            decoded = 0;
            aliased = 0;
        }

        /// <summary>The next event: from an alias being replayed, else from the parser (recorded for open anchors).</summary>
        public ParsingEvent Next()
        {
            while (replays.Count > 0)
            {
                if (replays.Peek().MoveNext())
                {
                    aliased += replays.Peek().Current is Scalar or MappingStart or SequenceStart ? 1 : 0;
                    return replays.Peek().Current;
                }

                replays.Pop().Dispose();
            }

            var next = ManifestReader.Next(parser, source);
            foreach (var (_, events, _) in recording)
            {
                events.Add(next);
            }

            return next;
        }

        /// <summary>Writes the node that begins with <paramref name="first"/> (already read) and everything up to its end.</summary>
        public void WriteNode(ParsingEvent first, JsonBuffer buffer)
        {
            var writer = buffer.Writer;
            var isMapping = new Stack<bool>();
            var expectKey = new Stack<bool>();
            var current = first;
            while (true)
            {
                if (current is AnchorAlias alias)
                {
                    if (!anchors.TryGetValue(alias.Value.Value, out var events))
                    {
                        throw KubeLabException.Invalid($"{source}:{alias.Start.Line}: error parsing YAML: unknown anchor '{alias.Value.Value}' referenced");
                    }

                    replays.Push(events.GetEnumerator());
                    current = Next();
                    continue;
                }

                if (current is NodeEvent { Anchor.IsEmpty: false } anchored && replays.Count == 0)
                {
                    recording.Add((anchored.Anchor.Value, [current], depth));
                }

                if (isMapping.Count > 0 && isMapping.Peek() && expectKey.Peek() && current is not (Scalar or MappingEnd))
                {
                    throw KubeLabException.Invalid($"{source}:{current.Start.Line}: error decoding: a mapping key is not a scalar; Kubernetes objects have plain keys");
                }

                switch (current)
                {
                    case Scalar scalar when isMapping.Count > 0 && isMapping.Peek() && expectKey.Peek():
                        Count(scalar);
                        writer.WritePropertyName(scalar.Value);
                        expectKey.Pop();
                        expectKey.Push(false);
                        CloseAnchors();
                        current = Next();
                        continue;
                    case Scalar scalar:
                        Count(scalar);
                        WriteScalar(writer, scalar);
                        break;
                    case MappingStart or SequenceStart:
                        Count(current);
                        depth++;
                        if (depth > ManifestLimits.MaxDepth)
                        {
                            throw KubeLabException.Invalid($"{source}:{current.Start.Line}: error decoding: exceeded max depth {ManifestLimits.MaxDepth} (the API server's JSON decoder refuses deeper nesting)");
                        }

                        var mapping = current is MappingStart;
                        if (mapping)
                        {
                            writer.WriteStartObject();
                        }
                        else
                        {
                            writer.WriteStartArray();
                        }

                        isMapping.Push(mapping);
                        expectKey.Push(mapping);
                        current = Next();
                        continue;
                    case MappingEnd or SequenceEnd:
                        if (current is MappingEnd)
                        {
                            writer.WriteEndObject();
                        }
                        else
                        {
                            writer.WriteEndArray();
                        }

                        depth--;
                        isMapping.Pop();
                        expectKey.Pop();
                        break;
                    default:
                        throw KubeLabException.Invalid($"{source}:{current.Start.Line}: error parsing YAML: unexpected {current.GetType().Name}");
                }

                // A node ended: close anchors opened at this depth; in a mapping the next event is a key again.
                CloseAnchors();
                if (buffer.Length > ManifestLimits.MaxObjectBytes)
                {
                    throw KubeLabException.Invalid($"{source}:{first.Start.Line}: Request entity too large: limit is {ManifestLimits.MaxObjectBytes} (the API server's request size limit; this object grows past it{(aliased > 0 ? " as its aliases expand" : "")})");
                }

                if (isMapping.Count == 0)
                {
                    return;
                }

                if (isMapping.Peek())
                {
                    expectKey.Pop();
                    expectKey.Push(true);
                }

                current = Next();
            }
        }

        private void Count(ParsingEvent node)
        {
            decoded++;
            // go-yaml (sigs.k8s.io/yaml, what kubectl and the API server use): "document contains excessive aliasing"
            if (aliased > 100 && decoded > 1000 && (double)aliased / decoded > ManifestLimits.AllowedAliasRatio(decoded))
            {
                throw KubeLabException.Invalid($"{source}:{node.Start.Line}: error parsing YAML: document contains excessive aliasing (its anchors expand to {decoded} nodes, {aliased} of them through aliases)");
            }
        }

        private void CloseAnchors()
        {
            for (var i = recording.Count - 1; i >= 0; i--)
            {
                if (recording[i].Depth == depth)
                {
                    anchors[recording[i].Name] = recording[i].Events;
                    recording.RemoveAt(i);
                }
            }
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
    {
        var value = scalar.Value;
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == StringTag))
        {
            writer.WriteStringValue(value);
            return;
        }

        if (value.Length == 0)
        {
            writer.WriteNullValue(); // an empty plain scalar is null
            return;
        }

        if (TryWriteKeyword(writer, value))
        {
            return;
        }

        if (IsJsonNumber(value))
        {
            writer.WriteRawValue(value, skipInputValidation: true); // keeps "1.10" as written for string fields
        }
        else if (TryParseYamlInteger(value, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    /// <summary>
    /// A plain scalar that is null or a boolean, for both YAML readers; false for any other. kubectl reads YAML with
    /// sigs.k8s.io/yaml, that is go-yaml v2, which resolves YAML 1.1's words: <c>yes</c>, <c>on</c>, <c>y</c> are true and
    /// <c>no</c>, <c>off</c>, <c>n</c> false (so <c>value: yes</c> is a boolean and a string field refuses it, as on a
    /// real cluster).
    /// </summary>
    private static bool TryWriteKeyword(Utf8JsonWriter writer, string value)
    {
        if (value.Length > 5)
        {
            return false;
        }

        Span<byte> ascii = stackalloc byte[5];
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] > 127)
            {
                return false;
            }

            ascii[i] = (byte)value[i];
        }

        switch (YamlKeyword(ascii[..value.Length]))
        {
            case JsonTokenType.Null:
                writer.WriteNullValue();
                return true;
            case JsonTokenType.True:
                writer.WriteBooleanValue(true);
                return true;
            case JsonTokenType.False:
                writer.WriteBooleanValue(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>go-yaml v2's null and boolean words (its resolve table), for every YAML reader; null for any other scalar.</summary>
    internal static JsonTokenType? YamlKeyword(ReadOnlySpan<byte> v) => v.Length switch
    {
        1 => v[0] switch
        {
            (byte)'~' => JsonTokenType.Null,
            (byte)'y' or (byte)'Y' => JsonTokenType.True,
            (byte)'n' or (byte)'N' => JsonTokenType.False,
            _ => null,
        },
        2 when v.SequenceEqual("on"u8) || v.SequenceEqual("On"u8) || v.SequenceEqual("ON"u8) => JsonTokenType.True,
        2 when v.SequenceEqual("no"u8) || v.SequenceEqual("No"u8) || v.SequenceEqual("NO"u8) => JsonTokenType.False,
        3 when v.SequenceEqual("yes"u8) || v.SequenceEqual("Yes"u8) || v.SequenceEqual("YES"u8) => JsonTokenType.True,
        3 when v.SequenceEqual("off"u8) || v.SequenceEqual("Off"u8) || v.SequenceEqual("OFF"u8) => JsonTokenType.False,
        4 when v.SequenceEqual("null"u8) || v.SequenceEqual("Null"u8) || v.SequenceEqual("NULL"u8) => JsonTokenType.Null,
        4 when v.SequenceEqual("true"u8) || v.SequenceEqual("True"u8) || v.SequenceEqual("TRUE"u8) => JsonTokenType.True,
        5 when v.SequenceEqual("false"u8) || v.SequenceEqual("False"u8) || v.SequenceEqual("FALSE"u8) => JsonTokenType.False,
        _ => null,
    };

    /// <summary>
    /// go-yaml v2's integers beyond JSON's grammar: underscores dropped, then Go's ParseInt with base 0 — a leading
    /// <c>0</c> is octal (<c>defaultMode: 0644</c> is 420, as the API documents it), <c>0x</c> hex, <c>0o</c> octal,
    /// <c>0b</c> binary, a sign allowed. <c>08</c> is no octal number; go-yaml takes it as the float 8.
    /// </summary>
    internal static bool TryParseYamlInteger(string value, out long result)
    {
        result = 0;
        var plain = value.Replace("_", "", StringComparison.Ordinal).AsSpan();
        var negative = plain.StartsWith("-");
        var digits = plain.StartsWith("-") || plain.StartsWith("+") ? plain[1..] : plain;
        if (digits.Length == 0 || !char.IsAsciiDigit(digits[0]))
        {
            return false;
        }

        var (radix, skip) = digits switch
        {
            ['0', 'x' or 'X', ..] => (16, 2),
            ['0', 'o' or 'O', ..] => (8, 2),
            ['0', 'b' or 'B', ..] => (2, 2),
            ['0', _, ..] when digits.ContainsAnyExcept("01234567") => (10, 0), // 08, 09: the float go-yaml makes of them
            ['0', _, ..] => (8, 1),
            _ => (10, 0),
        };
        var body = digits[skip..];
        if (body.Length == 0)
        {
            return false;
        }

        long magnitude = 0;
        foreach (var c in body)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigit(c) ? (c | 0x20) - 'a' + 10 : radix;
            if (digit >= radix || magnitude > (long.MaxValue - digit) / radix)
            {
                return false;
            }

            magnitude = (magnitude * radix) + digit;
        }

        result = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</summary>
    private static bool IsJsonNumber(string s)
    {
        var i = 0;
        if (i < s.Length && s[i] == '-')
        {
            i++;
        }

        if (i >= s.Length || !char.IsAsciiDigit(s[i]))
        {
            return false;
        }

        if (s[i] == '0')
        {
            i++;
        }
        else
        {
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            var digits = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return false;
            }
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }

            var digits = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return false;
            }
        }

        return i == s.Length;
    }
}
