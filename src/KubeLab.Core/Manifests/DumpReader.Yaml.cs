using System.Buffers;
using System.Text;
using System.Text.Json;

namespace KubeLab.Core.Manifests;

public sealed partial class DumpReader
{
    /// <summary>
    /// kubectl's block YAML read from the input's bytes: each List item (or document) becomes the tokens its JSON would
    /// have (<see cref="YamlTokenList"/>) and is read from them field by field. It follows <see cref="ManifestReader"/>'s
    /// block reader (ManifestReader.BlockYaml.cs) step for step, so that the tokens are those of the JSON that reader
    /// writes; where that reader leaves an input to YamlDotNet (anchors, tags, flow collections, folded or multi-line
    /// scalars, tabs, deep nesting), this one throws <see cref="Miss"/> and the general reader reads the input.
    /// </summary>
    private void ReadYaml(Chunks chunks, string source) => new YamlBlock(this, chunks, source).ReadStream();

    /// <summary>One object's tokens: read field by field, or written as JSON for the general way.</summary>
    private void YamlItem(YamlTokenList tokens, long yamlBytes, string source, string? apiVersion, string? kind)
    {
        Objects?.Add((Encoding.UTF8.GetString(JsonOf(tokens)), apiVersion, kind));
        // A JSON text is at most ~6 times its block YAML (`<` is `\u003C`): a large object goes through its JSON, whose
        // size the API server's limit is about (TryItem gives it to the general reader, which says so).
        if (yamlBytes > ManifestLimits.MaxObjectBytes / 8)
        {
            Item(JsonOf(tokens), source, apiVersion, kind);
            return;
        }

        var reader = new YamlTokens(tokens);
        reader.Read();
        if (!TryItem(ref reader, 0, apiVersion, kind))
        {
            General(JsonOf(tokens), source, apiVersion, kind);
        }
    }

    /// <summary>For tests: each YAML object as the JSON its tokens stand for, with its apiVersion and kind.</summary>
    internal List<(string Json, string? ApiVersion, string? Kind)>? Objects { get; init; }

    private readonly ArrayBufferWriter<byte> jsonBuffer = new(64 * 1024);
    private Utf8JsonWriter? jsonWriter;

    private ReadOnlySpan<byte> JsonOf(YamlTokenList tokens)
    {
        jsonBuffer.ResetWrittenCount();
        jsonWriter ??= new Utf8JsonWriter(jsonBuffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = ManifestLimits.MaxDepth + 8 });
        jsonWriter.Reset(jsonBuffer);
        tokens.WriteJson(jsonWriter);
        return jsonBuffer.WrittenSpan;
    }

    /// <summary>
    /// The block reader over bytes. The window on the input (<see cref="Chunks"/>) reaches from the current line to the
    /// end of the next line at column 0 (a top-level key, a List item, a `---`); tokens copy their values, so the window
    /// moves freely.
    /// </summary>
    private sealed class YamlBlock(DumpReader owner, Chunks chunks, string source)
    {
        private const int MaxDepth = 200; // as the block reader: deeper input is the general reader's
        private static readonly SearchValues<byte> PlainStart = SearchValues.Create("&*!?{[|>%@`"u8);
        private static readonly SearchValues<byte> ItemStart = SearchValues.Create("{[|>&*!?"u8);
        private readonly YamlTokenList document = new();
        private readonly YamlTokenList item = new();
        private readonly YamlTokenList scratch = new();
        private long shifted; // bytes let go at the window's start: a buffer index i is the input's byte shifted + i
        private int next = chunks.Start; // start of the next unread line

        // The current significant line.
        private int lineStart = chunks.Start;
        private int lineEnd;
        private int indent;
        private bool atEnd;
        private bool atSeparator;

        private static Miss Bail() => new();

        private byte[] Text => chunks.Buffer;

        private int Length => chunks.End;

        public void ReadStream()
        {
            Ensure();
            Advance();
            while (true)
            {
                Ensure();
                if (atSeparator)
                {
                    atSeparator = false;
                    Advance();
                    continue;
                }

                if (atEnd)
                {
                    return;
                }

                ReadDocument();
            }
        }

        /// <summary>The window reaches to the end of the next line that starts at column 0; the lines before the current one are let go.</summary>
        private void Ensure()
        {
            while (!chunks.Eof && NextTopLineEnd() < 0)
            {
                var cut = Math.Min(lineStart, next);
                chunks.Start = cut;
                chunks.Fill();
                var moved = cut - chunks.Start;
                lineStart -= moved;
                lineEnd -= moved;
                next -= moved;
                shifted += moved;
            }
        }

        private int NextTopLineEnd()
        {
            var text = Text;
            var i = next;
            while (i < Length)
            {
                var newline = text.AsSpan(i, Length - i).IndexOf((byte)'\n');
                newline = newline < 0 ? -1 : i + newline;
                if (text[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'#'))
                {
                    return newline;
                }

                if (newline < 0)
                {
                    return -1;
                }

                i = newline + 1;
            }

            return -1;
        }

        private void Advance()
        {
            var text = Text;
            while (true)
            {
                if (next >= Length)
                {
                    atEnd = true;
                    return;
                }

                lineStart = next;
                var newline = text.AsSpan(next, Length - next).IndexOf((byte)'\n');
                lineEnd = newline < 0 ? Length : next + newline;
                next = newline < 0 ? Length : lineEnd + 1;
                if (lineEnd > lineStart && text[lineEnd - 1] == (byte)'\r')
                {
                    lineEnd--;
                }

                var i = lineStart;
                while (i < lineEnd && text[i] == (byte)' ')
                {
                    i++;
                }

                if (i < lineEnd && text[i] == (byte)'\t')
                {
                    throw Bail();
                }

                if (i == lineEnd || text[i] == (byte)'#')
                {
                    continue;
                }

                if (i == lineStart && lineEnd - i >= 3 && text.AsSpan(i, 3) is var three && (three.SequenceEqual("---"u8) || three.SequenceEqual("..."u8)))
                {
                    if (text[i] == (byte)'.' || !IsBlank(text.AsSpan(i + 3, lineEnd - i - 3)))
                    {
                        throw Bail();
                    }

                    atSeparator = true;
                    return;
                }

                indent = i - lineStart;
                return;
            }
        }

        private int Content => lineStart + indent;

        private bool IsSequenceItem => Text[Content] == (byte)'-' && (Content + 1 == lineEnd || Text[Content + 1] == (byte)' ');

        private bool More => !atEnd && !atSeparator;

        private void ReadDocument()
        {
            if (indent != 0 || IsSequenceItem)
            {
                throw Bail();
            }

            var documentStart = shifted + lineStart;
            document.Reset();
            document.Add(JsonTokenType.StartObject);
            string? apiVersion = null, kind = null;
            var list = false;
            while (More && indent == 0 && !IsSequenceItem)
            {
                Ensure();
                var mark = document.Mark;
                var (valueStart, escaped) = Key(Content, document);
                var key = document.Since(mark);
                if (key.SequenceEqual("items"u8) && RestIsEmpty(valueStart))
                {
                    Advance();
                    if (More && IsSequenceItem)
                    {
                        // at column 0 (kubectl) or indented (yq); indented items are held in the window all at once
                        list = true;
                        var at = indent;
                        while (More && indent == at && IsSequenceItem)
                        {
                            Ensure();
                            var itemStart = shifted + lineStart;
                            item.Reset();
                            SequenceItem(item, at, 1);
                            if (item.Count == 0 || item.TypeAt(0) != JsonTokenType.StartObject)
                            {
                                throw Bail();
                            }

                            var (itemApiVersion, itemKind) = item.TypeOf();
                            owner.YamlItem(item, Position - itemStart, source, itemApiVersion, itemKind);
                        }

                        continue;
                    }

                    document.AddFrom(JsonTokenType.PropertyName, mark, escaped);
                    Nested(document, 0, 1);
                    continue;
                }

                if (key.SequenceEqual("items"u8) && TrimUnicode(Text.AsSpan(valueStart, TrimComment(valueStart, lineEnd) - valueStart), start: false).SequenceEqual("[]"u8))
                {
                    list = true; // an empty List
                    Advance();
                    continue;
                }

                document.AddFrom(JsonTokenType.PropertyName, mark, escaped);
                var isApiVersion = key.SequenceEqual("apiVersion"u8);
                if ((isApiVersion || key.SequenceEqual("kind"u8)) && !RestIsEmpty(valueStart))
                {
                    var value = ScalarText(valueStart);
                    (apiVersion, kind) = isApiVersion ? (value, kind) : (apiVersion, value);
                }

                Value(document, 0, valueStart, 1);
            }

            if (More)
            {
                throw Bail();
            }

            document.Add(JsonTokenType.EndObject);
            if (list)
            {
                // a List's items were read as they came; items in anything but a List: the general reader's error
                if (kind is null || !kind.EndsWith("List", StringComparison.Ordinal))
                {
                    throw new Miss();
                }

                return;
            }

            owner.YamlItem(document, Position - documentStart, source, apiVersion, kind);
        }

        /// <summary>Where the input is now (the current line's start, or its end).</summary>
        private long Position => shifted + (atEnd ? Length : lineStart);

        private void Mapping(YamlTokenList t, int at, int from, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Bail();
            }

            t.Add(JsonTokenType.StartObject);
            var first = true;
            while (true)
            {
                int start;
                if (first)
                {
                    start = from;
                    first = false;
                }
                else if (More && indent == at && !IsSequenceItem)
                {
                    start = Content;
                }
                else
                {
                    break;
                }

                var mark = t.Mark;
                var (valueStart, escaped) = Key(start, t);
                t.AddFrom(JsonTokenType.PropertyName, mark, escaped);
                Value(t, at, valueStart, depth);
            }

            if (More && indent > at)
            {
                throw Bail();
            }

            t.Add(JsonTokenType.EndObject);
        }

        private void Value(YamlTokenList t, int at, int valueStart, int depth)
        {
            if (RestIsEmpty(valueStart))
            {
                Advance();
                Nested(t, at, depth);
                return;
            }

            var c = Text[valueStart];
            if (c == (byte)'|')
            {
                Literal(t, at, valueStart);
                return;
            }

            if (c is (byte)'{' or (byte)'[')
            {
                EmptyCollection(t, valueStart);
                Advance();
                NoContinuation(at);
                return;
            }

            ScalarAt(t, valueStart);
            Advance();
            NoContinuation(at);
        }

        /// <summary>`{}` or `[]`; other flow collections are the general reader's.</summary>
        private void EmptyCollection(YamlTokenList t, int start)
        {
            var rest = TrimUnicode(Text.AsSpan(start, TrimComment(start, lineEnd) - start), start: false);
            if (rest.SequenceEqual("{}"u8))
            {
                t.Add(JsonTokenType.StartObject);
                t.Add(JsonTokenType.EndObject);
            }
            else if (rest.SequenceEqual("[]"u8))
            {
                t.Add(JsonTokenType.StartArray);
                t.Add(JsonTokenType.EndArray);
            }
            else
            {
                throw Bail();
            }
        }

        private void Nested(YamlTokenList t, int at, int depth)
        {
            if (!More || indent < at || indent == at && !IsSequenceItem)
            {
                t.Add(JsonTokenType.Null);
                return;
            }

            if (IsSequenceItem)
            {
                Sequence(t, indent, depth + 1);
                return;
            }

            Mapping(t, indent, Content, depth + 1);
        }

        private void Sequence(YamlTokenList t, int at, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Bail();
            }

            t.Add(JsonTokenType.StartArray);
            while (More && indent == at && IsSequenceItem)
            {
                if (at == 0)
                {
                    Ensure();
                }

                SequenceItem(t, at, depth);
            }

            t.Add(JsonTokenType.EndArray);
        }

        private void SequenceItem(YamlTokenList t, int at, int depth)
        {
            var text = Text;
            var start = Content + 1;
            while (start < lineEnd && text[start] == (byte)' ')
            {
                start++;
            }

            if (RestIsEmpty(start))
            {
                Advance();
                if (!More || indent <= at)
                {
                    t.Add(JsonTokenType.Null);
                    return;
                }

                if (IsSequenceItem)
                {
                    Sequence(t, indent, depth + 1);
                }
                else
                {
                    Mapping(t, indent, Content, depth + 1);
                }

                return;
            }

            var c = text[start];
            if (c == (byte)'-' && (start + 1 == lineEnd || text[start + 1] == (byte)' '))
            {
                throw Bail();
            }

            if (ItemStart.Contains(c))
            {
                EmptyCollection(t, start);
                Advance();
                NoContinuation(at);
                return;
            }

            if (KeyEnd(start) >= 0)
            {
                Mapping(t, start - lineStart, start, depth + 1);
                return;
            }

            ScalarAt(t, start);
            Advance();
            NoContinuation(at);
        }

        private void NoContinuation(int at)
        {
            if (More && indent > at)
            {
                throw Bail();
            }
        }

        /// <summary>The key at <paramref name="start"/>, its bytes appended to <paramref name="t"/>'s arena; where its value starts.</summary>
        private (int ValueStart, bool Escaped) Key(int start, YamlTokenList t)
        {
            var end = KeyEnd(start);
            if (end < 0)
            {
                throw Bail();
            }

            var text = Text;
            var escaped = false;
            if (text[start] is (byte)'"' or (byte)'\'')
            {
                escaped = Quoted(start, out var after, t);
                if (after != end)
                {
                    throw Bail();
                }
            }
            else
            {
                var key = text.AsSpan(start, end - start).TrimEnd((byte)' ');
                if (key.Length == 0 || key.SequenceEqual("<<"u8) || PlainStart.Contains(key[0]))
                {
                    throw Bail();
                }

                t.Append(key);
            }

            var value = end + 1;
            while (value < lineEnd && text[value] == (byte)' ')
            {
                value++;
            }

            return (value, escaped);
        }

        private int KeyEnd(int start)
        {
            var text = Text;
            var i = start;
            if (i < lineEnd && text[i] is (byte)'"' or (byte)'\'')
            {
                Quoted(i, out i, null);
                return i < lineEnd && text[i] == (byte)':' && (i + 1 == lineEnd || text[i + 1] == (byte)' ') ? i : -1;
            }

            for (; i < lineEnd; i++)
            {
                if (text[i] == (byte)':' && (i + 1 == lineEnd || text[i + 1] == (byte)' '))
                {
                    return i;
                }

                if (text[i] == (byte)'#' && i > start && text[i - 1] == (byte)' ')
                {
                    return -1;
                }
            }

            return -1;
        }

        private bool RestIsEmpty(int from)
        {
            var end = TrimComment(from, lineEnd);
            return end == from || IsBlank(Text.AsSpan(from, end - from));
        }

        private int TrimComment(int from, int end)
        {
            if (from < end && Text[from] == (byte)'#')
            {
                return from;
            }

            var hash = Text.AsSpan(from, end - from).IndexOf(" #"u8);
            return hash < 0 ? end : from + hash;
        }

        private void ScalarAt(YamlTokenList t, int start)
        {
            var c = Text[start];
            if (c is (byte)'"' or (byte)'\'')
            {
                var mark = t.Mark;
                var escaped = Quoted(start, out var after, t);
                if (!RestIsEmpty(after))
                {
                    throw Bail();
                }

                t.AddFrom(JsonTokenType.String, mark, escaped);
                return;
            }

            if (PlainStart.Contains(c))
            {
                throw Bail();
            }

            var value = Plain(start);
            if (Keyword(value) is { } keyword)
            {
                t.Add(keyword);
            }
            else if (IsJsonNumber(value))
            {
                t.Add(JsonTokenType.Number, value, escaped: false);
            }
            else if (IsOtherYamlNumber(value))
            {
                throw Bail();
            }
            else
            {
                t.Add(JsonTokenType.String, value, escaped: false);
            }
        }

        /// <summary>A document's apiVersion or kind as the block reader takes it (the scalar's text, whatever its type).</summary>
        private string ScalarText(int start)
        {
            if (Text[start] is (byte)'"' or (byte)'\'')
            {
                scratch.Reset();
                Quoted(start, out _, scratch);
                return Encoding.UTF8.GetString(scratch.Since(0));
            }

            return Encoding.UTF8.GetString(Plain(start));
        }

        private ReadOnlySpan<byte> Plain(int start)
        {
            var end = TrimComment(start, lineEnd);
            var value = Text.AsSpan(start, end - start).TrimEnd((byte)' ');
            if (value.IndexOf(": "u8) >= 0 || value.EndsWith(":"u8))
            {
                throw Bail();
            }

            return value;
        }

        /// <summary>
        /// A single- or double-quoted scalar that ends on its line: its end (after the quote) in <paramref name="after"/>,
        /// its value appended to <paramref name="into"/>'s arena (when given); true when the value is not the text as written.
        /// </summary>
        private bool Quoted(int start, out int after, YamlTokenList? into)
        {
            var text = Text;
            var quote = text[start];
            var i = start + 1;
            var run = i;
            var escaped = false;
            Span<byte> utf8 = stackalloc byte[4];
            while (true)
            {
                var at = quote == (byte)'"' ? text.AsSpan(i, lineEnd - i).IndexOfAny((byte)'"', (byte)'\\') : text.AsSpan(i, lineEnd - i).IndexOf((byte)'\'');
                if (at < 0)
                {
                    throw Bail(); // continued on the next line
                }

                i += at;
                if (text[i] == quote)
                {
                    if (quote == (byte)'\'' && i + 1 < lineEnd && text[i + 1] == (byte)'\'')
                    {
                        into?.Append(text.AsSpan(run, i + 1 - run));
                        i += 2;
                        run = i;
                        escaped = true;
                        continue;
                    }

                    into?.Append(text.AsSpan(run, i - run));
                    after = i + 1;
                    return escaped; // bytes that are not UTF-8 become U+FFFD when read, as they did in the block reader's text

                }

                // a backslash in a double-quoted scalar
                into?.Append(text.AsSpan(run, i - run));
                escaped = true;
                if (i + 1 >= lineEnd)
                {
                    throw Bail();
                }

                var e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case (byte)'\\' or (byte)'"' or (byte)'/' or (byte)' ':
                        into?.AppendRepeated(e, 1);
                        break;
                    case (byte)'n':
                        into?.AppendRepeated((byte)'\n', 1);
                        break;
                    case (byte)'t':
                        into?.AppendRepeated((byte)'\t', 1);
                        break;
                    case (byte)'r':
                        into?.AppendRepeated((byte)'\r', 1);
                        break;
                    case (byte)'0':
                        into?.AppendRepeated(0, 1);
                        break;
                    case (byte)'x' or (byte)'u' or (byte)'U':
                        var digits = e == (byte)'x' ? 2 : e == (byte)'u' ? 4 : 8;
                        if (i + digits > lineEnd)
                        {
                            throw Bail();
                        }

                        var code = 0u;
                        foreach (var d in text.AsSpan(i, digits))
                        {
                            var value = d is >= (byte)'0' and <= (byte)'9' ? d - '0' : d is >= (byte)'a' and <= (byte)'f' ? d - 'a' + 10 : d is >= (byte)'A' and <= (byte)'F' ? d - 'A' + 10 : throw Bail();
                            code = (code << 4) | (uint)value;
                        }

                        if (!Rune.IsValid(code))
                        {
                            throw new Miss(); // a surrogate or past U+10FFFF: the block reader fails on it too
                        }

                        into?.Append(utf8[..new Rune(code).EncodeToUtf8(utf8)]);
                        i += digits;
                        break;
                    default:
                        throw Bail();
                }

                run = i;
            }
        }

        /// <summary>`|`, `|-` or `|+`: the following lines deeper than <paramref name="at"/>, their common indentation removed.</summary>
        private void Literal(YamlTokenList t, int at, int start)
        {
            var text = Text;
            var header = TrimUnicode(text.AsSpan(start, TrimComment(start, lineEnd) - start), start: false);
            var chomp = header.SequenceEqual("|-"u8) ? '-' : header.SequenceEqual("|+"u8) ? '+' : header.SequenceEqual("|"u8) ? ' ' : throw Bail();
            var mark = t.Mark;
            var blockIndent = -1;
            var pendingBlank = 0;
            while (next < Length)
            {
                var newline = text.AsSpan(next, Length - next).IndexOf((byte)'\n');
                var end = newline < 0 ? Length : next + newline;
                var content = text.AsSpan(next, end - next).TrimEnd((byte)'\r');
                var spaces = 0;
                while (spaces < content.Length && content[spaces] == (byte)' ')
                {
                    spaces++;
                }

                if (spaces == content.Length)
                {
                    if (blockIndent >= 0 && content.Length > blockIndent)
                    {
                        throw Bail();
                    }

                    pendingBlank++;
                }
                else
                {
                    if (blockIndent < 0)
                    {
                        if (spaces <= at)
                        {
                            break;
                        }

                        blockIndent = spaces;
                    }
                    else if (spaces < blockIndent)
                    {
                        if (spaces > at)
                        {
                            throw Bail();
                        }

                        break;
                    }

                    if (content[0] == (byte)'\t')
                    {
                        throw Bail();
                    }

                    var written = t.Mark - mark;
                    if (written > 0 || pendingBlank > 0)
                    {
                        t.AppendRepeated((byte)'\n', written > 0 ? pendingBlank + 1 : pendingBlank);
                    }

                    pendingBlank = 0;
                    t.Append(content[blockIndent..]);
                }

                next = newline < 0 ? Length : end + 1;
            }

            if (t.Mark > mark)
            {
                t.AppendRepeated((byte)'\n', chomp switch { '-' => 0, '+' => pendingBlank + 1, _ => 1 });
            }

            t.AddFrom(JsonTokenType.String, mark, escaped: true);
            Advance();
            if (More && indent > at)
            {
                throw Bail();
            }
        }

        private static JsonTokenType? Keyword(ReadOnlySpan<byte> value) => ManifestReader.YamlKeyword(value);

        /// <summary>JSON's number grammar, as the block reader checks it: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</summary>
        private static bool IsJsonNumber(ReadOnlySpan<byte> s)
        {
            var i = 0;
            if (i < s.Length && s[i] == (byte)'-')
            {
                i++;
            }

            if (i >= s.Length || !char.IsAsciiDigit((char)s[i]))
            {
                return false;
            }

            if (s[i] == (byte)'0')
            {
                i++;
            }
            else
            {
                while (i < s.Length && char.IsAsciiDigit((char)s[i]))
                {
                    i++;
                }
            }

            if (i < s.Length && s[i] == (byte)'.')
            {
                i++;
                var digits = i;
                while (i < s.Length && char.IsAsciiDigit((char)s[i]))
                {
                    i++;
                }

                if (i == digits)
                {
                    return false;
                }
            }

            if (i < s.Length && s[i] is (byte)'e' or (byte)'E')
            {
                i++;
                if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
                {
                    i++;
                }

                var digits = i;
                while (i < s.Length && char.IsAsciiDigit((char)s[i]))
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

        /// <summary>YAML's other numbers (`007`, `0x1f`, `+1`, `1_000`, `.inf`), which the block reader leaves to the general one.</summary>
        private static bool IsOtherYamlNumber(ReadOnlySpan<byte> value)
        {
            var s = value.TrimStart("+-"u8);
            if (s.Length == 0)
            {
                return false;
            }

            if (s[0] == (byte)'.' || s.StartsWith("0x"u8) || s.StartsWith("0o"u8))
            {
                return true;
            }

            var dots = 0;
            foreach (var c in s)
            {
                if (c == (byte)'.')
                {
                    dots++;
                }
                else if (!char.IsAsciiDigit((char)c) && c is not ((byte)'_' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
                {
                    return false;
                }
            }

            return dots <= 1 && char.IsAsciiDigit((char)s[0]);
        }

        private static bool IsBlank(ReadOnlySpan<byte> s) => TrimUnicode(s, start: true).IsEmpty;

        /// <summary>string.Trim()/TrimEnd()'s white space (char.IsWhiteSpace), on UTF-8.</summary>
        private static ReadOnlySpan<byte> TrimUnicode(ReadOnlySpan<byte> s, bool start)
        {
            while (s.Length > 0)
            {
                var last = s[^1];
                if (last < 0x80)
                {
                    if (last is not ((byte)' ' or >= 0x09 and <= 0x0D))
                    {
                        break;
                    }

                    s = s[..^1];
                    continue;
                }

                if (Rune.DecodeLastFromUtf8(s, out var rune, out var length) != OperationStatus.Done || !Rune.IsWhiteSpace(rune))
                {
                    break;
                }

                s = s[..^length];
            }

            while (start && s.Length > 0)
            {
                var first = s[0];
                if (first < 0x80)
                {
                    if (first is not ((byte)' ' or >= 0x09 and <= 0x0D))
                    {
                        break;
                    }

                    s = s[1..];
                    continue;
                }

                if (Rune.DecodeFromUtf8(s, out var rune, out var length) != OperationStatus.Done || !Rune.IsWhiteSpace(rune))
                {
                    break;
                }

                s = s[length..];
            }

            return s;
        }
    }
}
