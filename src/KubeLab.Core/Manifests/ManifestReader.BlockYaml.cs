using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KubeLab.Core.Manifests;

public static partial class ManifestReader
{
    /// <summary>
    /// The YAML that kubectl and go-yaml print (block mappings and sequences, sequences at their key's indentation,
    /// plain, quoted and literal scalars, <c>{}</c> and <c>[]</c>), read line by line straight into JSON tokens: about
    /// ten times YamlDotNet's parser, which is the cost of a 40 MB dump. Anything outside that subset (anchors, tags,
    /// flow collections, folded or multi-line scalars, tabs, deep nesting) is left to the general reader: false.
    /// </summary>
    internal static bool TryReadBlockYaml(string text, string source, List<ManifestDocument> result) => TryReadBlockYaml(text, source, new ListSink(result, default));

    /// <remarks><see cref="DumpReader"/> reads the same subset from a file's bytes, step for step as this reader (DumpReader.Yaml.cs).</remarks>
    internal static bool TryReadBlockYaml(string text, string source, DocumentSink result)
    {
        var count = result.Count;
        try
        {
            new BlockYaml(text, source, result).ReadStream();
            return true;
        }
        catch (NotBlockYamlException)
        {
            result.Truncate(count);
            return false;
        }
    }

    private sealed class NotBlockYamlException : Exception;

    private sealed class BlockYaml(string text, string source, DocumentSink result)
    {
        private const int MaxDepth = 200; // deeper input goes to the general reader, which applies the API server's limits
        private readonly string text = text;
        private readonly JsonBuffer documentBuffer = new();
        private readonly JsonBuffer itemBuffer = new();
        private int next; // start of the next unread line
        private int lineNumber;

        // The current significant line.
        private int lineStart;
        private int lineEnd;
        private int indent;
        private int line;
        private bool atEnd;
        private bool atSeparator;

        private static NotBlockYamlException Bail() => new();

        public void ReadStream()
        {
            Advance();
            while (true)
            {
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

        /// <summary>Moves to the next line that is neither blank nor a comment, noting a `---` separator or the end.</summary>
        private void Advance()
        {
            while (true)
            {
                if (next >= text.Length)
                {
                    atEnd = true;
                    return;
                }

                lineStart = next;
                var newline = text.IndexOf('\n', next);
                lineEnd = newline < 0 ? text.Length : newline;
                next = newline < 0 ? text.Length : newline + 1;
                lineNumber++;
                var end = lineEnd > lineStart && text[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
                lineEnd = end;
                var i = lineStart;
                while (i < end && text[i] == ' ')
                {
                    i++;
                }

                if (i < end && text[i] == '\t')
                {
                    throw Bail();
                }

                if (i == end || text[i] == '#')
                {
                    continue;
                }

                if (i == lineStart && end - i >= 3 && text.AsSpan(i, 3) is "---" or "...")
                {
                    if (text[i] == '.' || text.AsSpan(i + 3, end - i - 3).Trim().Length > 0)
                    {
                        throw Bail(); // `...`, or content after `---`
                    }

                    atSeparator = true;
                    line = lineNumber;
                    return;
                }

                indent = i - lineStart;
                line = lineNumber;
                return;
            }
        }

        private int Content => lineStart + indent;

        private bool IsSequenceItem => text[Content] == '-' && (Content + 1 == lineEnd || text[Content + 1] == ' ');

        private void ReadDocument()
        {
            if (indent != 0 || IsSequenceItem)
            {
                throw Bail(); // not a mapping at the top: the general reader gives the exact error
            }

            var documentLine = line;
            documentBuffer.Reset();
            var writer = documentBuffer.Writer;
            writer.WriteStartObject();
            string? apiVersion = null, kind = null;
            var list = false;
            var count = result.Count;
            while (!atEnd && !atSeparator && indent == 0 && !IsSequenceItem)
            {
                var (key, valueStart) = Key(Content);
                if (key == "items" && RestIsEmpty(valueStart))
                {
                    Advance();
                    if (!atEnd && !atSeparator && IsSequenceItem)
                    {
                        // kubectl prints the items at column 0, yq indents them: either way each is read on its own
                        list = true;
                        var at = indent;
                        while (!atEnd && !atSeparator && indent == at && IsSequenceItem)
                        {
                            var itemLine = line;
                            itemBuffer.Reset();
                            SequenceItem(itemBuffer.Writer, at, 1);
                            var json = itemBuffer.Complete();
                            if (json.Length == 0 || json[0] != (byte)'{')
                            {
                                throw Bail();
                            }

                            var (itemApiVersion, itemKind) = TypeOf(json);
                            result.Add(json, source, itemLine, itemApiVersion, itemKind);
                        }

                        continue;
                    }

                    writer.WritePropertyName(key);
                    Nested(writer, 0, valueStart, 1);
                    continue;
                }

                if (key == "items" && text.AsSpan(valueStart, TrimComment(valueStart, lineEnd) - valueStart).TrimEnd() is "[]")
                {
                    list = true; // an empty List
                    Advance();
                    continue;
                }

                writer.WritePropertyName(key);
                if (key is "apiVersion" or "kind" && !RestIsEmpty(valueStart))
                {
                    var value = ScalarText(valueStart, out _);
                    if (key == "apiVersion")
                    {
                        apiVersion = value;
                    }
                    else
                    {
                        kind = value;
                    }
                }

                Value(writer, 0, valueStart, 1);
            }

            if (!atEnd && !atSeparator)
            {
                throw Bail(); // a line that does not fit the document's structure
            }

            writer.WriteEndObject();
            EndDocument(result, count, list, documentBuffer, source, documentLine, apiVersion, kind);
        }

        /// <summary>A mapping whose entries are at <paramref name="at"/>, starting with the current line's content at <paramref name="from"/>.</summary>
        private void Mapping(Utf8JsonWriter writer, int at, int from, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Bail();
            }

            writer.WriteStartObject();
            var first = true;
            while (true)
            {
                int start;
                if (first)
                {
                    start = from;
                    first = false;
                }
                else if (!atEnd && !atSeparator && indent == at && !IsSequenceItem)
                {
                    start = Content;
                }
                else
                {
                    break;
                }

                var (key, valueStart) = Key(start);
                writer.WritePropertyName(key);
                Value(writer, at, valueStart, depth);
            }

            if (!atEnd && !atSeparator && indent > at)
            {
                throw Bail();
            }

            writer.WriteEndObject();
        }

        /// <summary>The value of an entry of a mapping at <paramref name="at"/>: on the same line, or the lines below.</summary>
        private void Value(Utf8JsonWriter writer, int at, int valueStart, int depth)
        {
            if (RestIsEmpty(valueStart))
            {
                Advance();
                Nested(writer, at, valueStart, depth);
                return;
            }

            var c = text[valueStart];
            if (c == '|')
            {
                Literal(writer, at, valueStart);
                return;
            }

            if (c == '{' || c == '[')
            {
                var rest = text.AsSpan(valueStart, TrimComment(valueStart, lineEnd) - valueStart).TrimEnd();
                if (rest is "{}")
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else if (rest is "[]")
                {
                    writer.WriteStartArray();
                    writer.WriteEndArray();
                }
                else
                {
                    throw Bail();
                }

                Advance();
                NoContinuation(at);
                return;
            }

            WriteScalarAt(writer, valueStart);
            Advance();
            NoContinuation(at);
        }

        /// <summary>After `key:` with nothing on the line: a block below (deeper, or a sequence at the key's indentation) or null.</summary>
        private void Nested(Utf8JsonWriter writer, int at, int valueStart, int depth)
        {
            _ = valueStart;
            if (atEnd || atSeparator || indent < at || indent == at && !IsSequenceItem)
            {
                writer.WriteNullValue();
                return;
            }

            if (IsSequenceItem)
            {
                Sequence(writer, indent, depth + 1);
                return;
            }

            Mapping(writer, indent, Content, depth + 1);
        }

        private void Sequence(Utf8JsonWriter writer, int at, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Bail();
            }

            writer.WriteStartArray();
            while (!atEnd && !atSeparator && indent == at && IsSequenceItem)
            {
                SequenceItem(writer, at, depth);
            }

            writer.WriteEndArray();
        }

        /// <summary>One `- ` item of a sequence at <paramref name="at"/>: a mapping that starts on its line, a scalar, or a block below.</summary>
        private void SequenceItem(Utf8JsonWriter writer, int at, int depth)
        {
            var start = Content + 1;
            while (start < lineEnd && text[start] == ' ')
            {
                start++;
            }

            if (RestIsEmpty(start))
            {
                Advance();
                if (atEnd || atSeparator || indent <= at)
                {
                    writer.WriteNullValue();
                    return;
                }

                if (IsSequenceItem)
                {
                    Sequence(writer, indent, depth + 1);
                }
                else
                {
                    Mapping(writer, indent, Content, depth + 1);
                }

                return;
            }

            var c = text[start];
            if (c == '-' && (start + 1 == lineEnd || text[start + 1] == ' '))
            {
                throw Bail(); // `- - x`: a sequence in a sequence on one line
            }

            if (c is '{' or '[' or '|' or '>' or '&' or '*' or '!' or '?')
            {
                var rest = text.AsSpan(start, TrimComment(start, lineEnd) - start).TrimEnd();
                if (rest is "{}" or "[]")
                {
                    if (rest is "{}")
                    {
                        writer.WriteStartObject();
                        writer.WriteEndObject();
                    }
                    else
                    {
                        writer.WriteStartArray();
                        writer.WriteEndArray();
                    }

                    Advance();
                    NoContinuation(at);
                    return;
                }

                throw Bail();
            }

            if (KeyEnd(start) >= 0)
            {
                Mapping(writer, start - lineStart, start, depth + 1);
                return;
            }

            WriteScalarAt(writer, start);
            Advance();
            NoContinuation(at);
        }

        /// <summary>After a value on its own line, a deeper line would continue a plain scalar: the general reader's case.</summary>
        private void NoContinuation(int at)
        {
            if (!atEnd && !atSeparator && indent > at)
            {
                throw Bail();
            }
        }

        /// <summary>`key: value` or `key:` at <paramref name="start"/>: the key's text and where its value starts.</summary>
        private (string Key, int ValueStart) Key(int start)
        {
            var end = KeyEnd(start);
            if (end < 0)
            {
                throw Bail();
            }

            string key;
            var c = text[start];
            if (c is '"' or '\'')
            {
                key = Quoted(start, out var after);
                if (after != end)
                {
                    throw Bail();
                }
            }
            else
            {
                key = text[start..end].TrimEnd(' ');
                if (key.Length == 0 || key is "<<" || key[0] is '&' or '*' or '!' or '?' or '{' or '[' or '|' or '>' or '%' or '@' or '`')
                {
                    throw Bail();
                }
            }

            var value = end + 1;
            while (value < lineEnd && text[value] == ' ')
            {
                value++;
            }

            return (key, value);
        }

        /// <summary>Where the `:` that ends a key is (followed by a space or the line's end), or -1.</summary>
        private int KeyEnd(int start)
        {
            var i = start;
            if (i < lineEnd && text[i] is '"' or '\'')
            {
                Quoted(i, out i);
                return i < lineEnd && text[i] == ':' && (i + 1 == lineEnd || text[i + 1] == ' ') ? i : -1;
            }

            for (; i < lineEnd; i++)
            {
                if (text[i] == ':' && (i + 1 == lineEnd || text[i + 1] == ' '))
                {
                    return i;
                }

                if (text[i] == '#' && i > start && text[i - 1] == ' ')
                {
                    return -1;
                }
            }

            return -1;
        }

        private bool RestIsEmpty(int from) => TrimComment(from, lineEnd) == from || text.AsSpan(from, TrimComment(from, lineEnd) - from).Trim().Length == 0;

        /// <summary>Where a ` #` comment starts (or the end), for text that is not quoted.</summary>
        private int TrimComment(int from, int end)
        {
            if (from < end && text[from] == '#')
            {
                return from;
            }

            var hash = text.IndexOf(" #", from, end - from, StringComparison.Ordinal);
            return hash < 0 ? end : hash;
        }

        private void WriteScalarAt(Utf8JsonWriter writer, int start)
        {
            var c = text[start];
            if (c is '"' or '\'')
            {
                writer.WriteStringValue(Quoted(start, out var after));
                if (!RestIsEmpty(after))
                {
                    throw Bail();
                }

                return;
            }

            if (c is '&' or '*' or '!' or '?' or '{' or '[' or '|' or '>' or '%' or '@' or '`')
            {
                throw Bail();
            }

            var value = Plain(start);
            if (TryWriteKeyword(writer, value))
            {
                return;
            }

            if (IsJsonNumber(value))
            {
                writer.WriteRawValue(value, skipInputValidation: true);
            }
            else if (IsOtherYamlNumber(value))
            {
                throw Bail(); // `007`, `0x1f`, `+1`, `1_000`, `.inf`: YAML's other numbers go to the general reader
            }
            else
            {
                writer.WriteStringValue(value);
            }
        }

        private static bool IsOtherYamlNumber(string value)
        {
            var s = value.AsSpan().TrimStart("+-");
            if (s.Length == 0)
            {
                return false;
            }

            if (s[0] == '.' || s.StartsWith("0x") || s.StartsWith("0o"))
            {
                return true;
            }

            var dots = 0;
            foreach (var c in s)
            {
                if (c == '.')
                {
                    dots++;
                }
                else if (!char.IsAsciiDigit(c) && c is not ('_' or 'e' or 'E' or '+' or '-'))
                {
                    return false;
                }
            }

            return dots <= 1 && char.IsAsciiDigit(s[0]);
        }

        /// <summary>The text of the scalar at <paramref name="start"/> (quoted or plain), for apiVersion and kind.</summary>
        private string ScalarText(int start, out int after)
        {
            if (text[start] is '"' or '\'')
            {
                return Quoted(start, out after);
            }

            after = lineEnd;
            return Plain(start);
        }

        private string Plain(int start)
        {
            var end = TrimComment(start, lineEnd);
            var value = text[start..end].TrimEnd(' ');
            if (value.Contains(": ", StringComparison.Ordinal) || value.EndsWith(':'))
            {
                throw Bail();
            }

            return value;
        }

        /// <summary>A single- or double-quoted scalar that ends on its line.</summary>
        private string Quoted(int start, out int after)
        {
            var quote = text[start];
            var builder = new StringBuilder();
            var i = start + 1;
            while (true)
            {
                if (i >= lineEnd)
                {
                    throw Bail(); // continued on the next line
                }

                var c = text[i];
                if (c == quote)
                {
                    if (quote == '\'' && i + 1 < lineEnd && text[i + 1] == '\'')
                    {
                        builder.Append('\'');
                        i += 2;
                        continue;
                    }

                    after = i + 1;
                    return builder.ToString();
                }

                if (c == '\\' && quote == '"')
                {
                    if (i + 1 >= lineEnd)
                    {
                        throw Bail();
                    }

                    var e = text[i + 1];
                    i += 2;
                    switch (e)
                    {
                        case '\\' or '"' or '/' or ' ':
                            builder.Append(e);
                            break;
                        case 'n':
                            builder.Append('\n');
                            break;
                        case 't':
                            builder.Append('\t');
                            break;
                        case 'r':
                            builder.Append('\r');
                            break;
                        case '0':
                            builder.Append('\0');
                            break;
                        case 'x' or 'u' or 'U':
                            var digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                            if (i + digits > lineEnd || !int.TryParse(text.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                            {
                                throw Bail();
                            }

                            builder.Append(char.ConvertFromUtf32(code));
                            i += digits;
                            break;
                        default:
                            throw Bail();
                    }

                    continue;
                }

                builder.Append(c);
                i++;
            }
        }

        /// <summary>`|`, `|-` or `|+`: the following lines deeper than <paramref name="at"/>, with their common indentation removed.</summary>
        private void Literal(Utf8JsonWriter writer, int at, int start)
        {
            var header = text.AsSpan(start, TrimComment(start, lineEnd) - start).TrimEnd();
            var chomp = header is "|-" ? '-' : header is "|+" ? '+' : header is "|" ? ' ' : throw Bail();
            var builder = new StringBuilder();
            var blockIndent = -1;
            var pendingBlank = 0;
            while (next < text.Length)
            {
                var newline = text.IndexOf('\n', next);
                var end = newline < 0 ? text.Length : newline;
                var content = text.AsSpan(next, end - next).TrimEnd('\r');
                var spaces = 0;
                while (spaces < content.Length && content[spaces] == ' ')
                {
                    spaces++;
                }

                if (spaces == content.Length)
                {
                    if (blockIndent >= 0 && content.Length > blockIndent)
                    {
                        throw Bail(); // a line of spaces only, longer than the indentation: keep it simple
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

                    if (content[0] == '\t')
                    {
                        throw Bail();
                    }

                    if (builder.Length > 0 || pendingBlank > 0)
                    {
                        builder.Append('\n', builder.Length > 0 ? pendingBlank + 1 : pendingBlank);
                    }

                    pendingBlank = 0;
                    builder.Append(content[blockIndent..]);
                }

                next = newline < 0 ? text.Length : newline + 1;
                lineNumber++;
            }

            // Chomping: clip keeps one final newline, strip none, keep all (the blank lines that followed).
            if (builder.Length > 0)
            {
                builder.Append(chomp switch { '-' => "", '+' => new string('\n', pendingBlank + 1), _ => "\n" });
            }

            writer.WriteStringValue(builder.ToString());
            Advance();
            if (!atEnd && !atSeparator && indent > at)
            {
                throw Bail();
            }
        }
    }
}
