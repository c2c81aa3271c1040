using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace KubeLab.Core.Manifests;

public sealed partial class DumpReader
{
    /// <summary>
    /// The tokens the field-by-field reader (<see cref="DumpReader"/>'s Objects part) reads an object from, with
    /// <see cref="Utf8JsonReader"/>'s meaning: a JSON input through <see cref="JsonTokens"/>, kubectl's block YAML
    /// through <see cref="YamlTokens"/> (the tokens its JSON would have had, without writing or reading that JSON). The
    /// reader is generic over them, so the JIT compiles it once for each, with the calls inlined.
    /// </summary>
    internal interface ITokens
    {
        /// <summary>Moves to the next token (false past the last one).</summary>
        bool Read();

        JsonTokenType TokenType { get; }

        /// <summary>True when <see cref="ValueSpan"/> is not the value's text as it is (JSON escapes; YAML escapes and block scalars).</summary>
        bool ValueIsEscaped { get; }

        /// <summary>A name's, a string's or a number's bytes (as written when not <see cref="ValueIsEscaped"/>).</summary>
        ReadOnlySpan<byte> ValueSpan { get; }

        string? GetString();

        bool TryGetInt32(out int value);

        bool TryGetInt64(out long value);

        /// <summary>A string token as KubernetesClient's timestamp converter reads it (the general reader's).</summary>
        DateTime Timestamp();
    }

    /// <summary><see cref="Utf8JsonReader"/> as <see cref="ITokens"/>.</summary>
    internal ref struct JsonTokens(Utf8JsonReader reader) : ITokens
    {
        public Utf8JsonReader Reader = reader;

        public readonly JsonTokenType TokenType
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Reader.TokenType;
        }

        public readonly bool ValueIsEscaped
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Reader.ValueIsEscaped;
        }

        public readonly ReadOnlySpan<byte> ValueSpan
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => Reader.ValueSpan;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Read() => Reader.Read();

        public readonly string? GetString() => Reader.GetString();

        public readonly bool TryGetInt32(out int value) => Reader.TryGetInt32(out value);

        public readonly bool TryGetInt64(out long value) => Reader.TryGetInt64(out value);

        public DateTime Timestamp() => Timestamps.Read(ref Reader, typeof(DateTime), TimestampOptions);
    }

    /// <summary>One object of block YAML as tokens (<see cref="YamlBlock"/> makes them), read by <see cref="YamlTokens"/>.</summary>
    internal sealed class YamlTokenList
    {
        private struct Token
        {
            public JsonTokenType Type;
            public bool Escaped;
            public int Start; // in the arena
            public int Length;
        }

        private Token[] tokens = new Token[256];
        private byte[] arena = new byte[4096];
        private int arenaLength;

        public int Count { get; private set; }

        public void Reset() => (Count, arenaLength) = (0, 0);

        public JsonTokenType TypeAt(int i) => tokens[i].Type;

        public bool EscapedAt(int i) => tokens[i].Escaped;

        public ReadOnlySpan<byte> ValueAt(int i) => arena.AsSpan(tokens[i].Start, tokens[i].Length);

        public void Add(JsonTokenType type) => Add(type, [], escaped: false);

        /// <summary>A token whose value is <paramref name="value"/> (copied: the tokens outlive the window on the input).</summary>
        public void Add(JsonTokenType type, ReadOnlySpan<byte> value, bool escaped)
        {
            var start = Append(value);
            Push(type, start, value.Length, escaped);
        }

        /// <summary>The bytes appended to the arena since <paramref name="mark"/>.</summary>
        public ReadOnlySpan<byte> Since(int mark) => arena.AsSpan(mark, arenaLength - mark);

        /// <summary>The arena's end, where a value being decoded (<see cref="Append"/>ed piece by piece) starts.</summary>
        public int Mark => arenaLength;

        /// <summary>A token for the bytes appended since <paramref name="mark"/>.</summary>
        public void AddFrom(JsonTokenType type, int mark, bool escaped) => Push(type, mark, arenaLength - mark, escaped);

        public int Append(ReadOnlySpan<byte> bytes)
        {
            if (arenaLength + bytes.Length > arena.Length)
            {
                Array.Resize(ref arena, Math.Max(arena.Length * 2, arenaLength + bytes.Length));
            }

            var start = arenaLength;
            bytes.CopyTo(arena.AsSpan(arenaLength));
            arenaLength += bytes.Length;
            return start;
        }

        public void AppendRepeated(byte b, int times)
        {
            if (arenaLength + times > arena.Length)
            {
                Array.Resize(ref arena, Math.Max(arena.Length * 2, arenaLength + times));
            }

            arena.AsSpan(arenaLength, times).Fill(b);
            arenaLength += times;
        }

        private void Push(JsonTokenType type, int start, int length, bool escaped)
        {
            if (Count == tokens.Length)
            {
                Array.Resize(ref tokens, tokens.Length * 2);
            }

            tokens[Count++] = new Token { Type = type, Escaped = escaped, Start = start, Length = length };
        }

        /// <summary>
        /// The top-level apiVersion and kind as <see cref="ManifestReader.TypeOf"/> finds them in the JSON these tokens
        /// stand for (string values only; it stops once it has both).
        /// </summary>
        public (string? ApiVersion, string? Kind) TypeOf()
        {
            string? apiVersion = null, kind = null;
            var i = 1;
            while (i < Count && tokens[i].Type == JsonTokenType.PropertyName && (apiVersion is null || kind is null))
            {
                var isApiVersion = !tokens[i].Escaped && ValueAt(i).SequenceEqual("apiVersion"u8);
                var isKind = !tokens[i].Escaped && ValueAt(i).SequenceEqual("kind"u8);
                i++;
                if (tokens[i].Type == JsonTokenType.String && (isApiVersion || isKind))
                {
                    var value = Encoding.UTF8.GetString(ValueAt(i));
                    (apiVersion, kind) = isApiVersion ? (value, kind) : (apiVersion, value);
                }

                i = Skip(i);
            }

            return (apiVersion, kind);
        }

        /// <summary>The index after the value that starts at <paramref name="i"/>.</summary>
        private int Skip(int i)
        {
            var depth = 0;
            do
            {
                depth += tokens[i].Type switch
                {
                    JsonTokenType.StartObject or JsonTokenType.StartArray => 1,
                    JsonTokenType.EndObject or JsonTokenType.EndArray => -1,
                    _ => 0,
                };
                i++;
            }
            while (depth > 0);
            return i;
        }

        /// <summary>The JSON these tokens stand for, as the block reader of <see cref="ManifestReader"/> writes it (for the general reader).</summary>
        public void WriteJson(Utf8JsonWriter writer)
        {
            for (var i = 0; i < Count; i++)
            {
                switch (tokens[i].Type)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(Encoding.UTF8.GetString(ValueAt(i)));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(Encoding.UTF8.GetString(ValueAt(i)));
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(ValueAt(i), skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    default:
                        writer.WriteNullValue();
                        break;
                }
            }

            writer.Flush();
        }
    }

    /// <summary>A <see cref="YamlTokenList"/> as <see cref="ITokens"/>, from its first token.</summary>
    internal struct YamlTokens(YamlTokenList list) : ITokens
    {
        private int index = -1;

        public readonly JsonTokenType TokenType
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => list.TypeAt(index);
        }

        public readonly bool ValueIsEscaped
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => list.EscapedAt(index);
        }

        public readonly ReadOnlySpan<byte> ValueSpan
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => list.ValueAt(index);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Read()
        {
            if (index + 1 >= list.Count)
            {
                return false;
            }

            index++;
            return true;
        }

        public readonly string? GetString() => TokenType switch
        {
            JsonTokenType.String or JsonTokenType.PropertyName => Encoding.UTF8.GetString(ValueSpan),
            JsonTokenType.Null => null,
            _ => throw new InvalidOperationException($"a {TokenType} token is not a string"),
        };

        // Utf8JsonReader.TryGetInt32/64: Utf8Parser over the number's whole text.
        public readonly bool TryGetInt32(out int value)
        {
            Check(JsonTokenType.Number);
            return Utf8Parser.TryParse(ValueSpan, out value, out var consumed) && consumed == ValueSpan.Length || Fail(out value);
        }

        public readonly bool TryGetInt64(out long value)
        {
            Check(JsonTokenType.Number);
            return Utf8Parser.TryParse(ValueSpan, out value, out var consumed) && consumed == ValueSpan.Length || Fail(out value);
        }

        /// <summary>The converter reads the value as the JSON string the block reader would have written.</summary>
        public readonly DateTime Timestamp()
        {
            Check(JsonTokenType.String);
            var value = ValueSpan;
            if (value.Length > 256 || value.ContainsAny("\"\\"u8) || value.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
            {
                throw new Miss(); // escapes needed: the general reader's
            }

            Span<byte> json = stackalloc byte[value.Length + 2];
            json[0] = json[^1] = (byte)'"';
            value.CopyTo(json[1..]);
            var reader = new Utf8JsonReader(json);
            reader.Read();
            return Timestamps.Read(ref reader, typeof(DateTime), TimestampOptions);
        }

        private readonly void Check(JsonTokenType type)
        {
            if (TokenType != type)
            {
                throw new InvalidOperationException($"a {TokenType} token is not a {type}");
            }
        }

        private static bool Fail<TValue>(out TValue value)
        {
            value = default!;
            return false;
        }
    }
}
