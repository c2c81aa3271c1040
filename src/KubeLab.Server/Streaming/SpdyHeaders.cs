using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace KubeLab.Server.Streaming;

/// <summary>
/// SPDY/3 name/value header blocks (draft 3, section 2.6.10): a count, then length-prefixed names and values, the
/// whole compressed with one zlib stream per direction for the connection's life, seeded with the draft's fixed
/// dictionary and sync-flushed after each block. client-go's SPDY transport (moby/spdystream) speaks exactly this.
/// </summary>
internal static class SpdyHeaders
{
    /// <summary>The draft's dictionary: its length-prefixed words, then its run of status codes, dates and types.</summary>
    public static readonly byte[] Dictionary = BuildDictionary();

    private static byte[] BuildDictionary()
    {
        string[] words =
        [
            "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
            "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
            "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5",
            "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host", "if-match",
            "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
            "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after",
            "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
            "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public",
            "set-cookie", "keep-alive", "origin",
        ];
        const string tail = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
            + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
            + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
            + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
            + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
            + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
        var bytes = new List<byte>();
        foreach (var word in words)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, word.Length);
            bytes.AddRange(length);
            bytes.AddRange(Encoding.ASCII.GetBytes(word));
        }

        bytes.AddRange(Encoding.ASCII.GetBytes(tail));
        return [.. bytes];
    }

    /// <summary>The plain block: count, then each name and value with a 32-bit big-endian length.</summary>
    public static byte[] Encode(IReadOnlyList<(string Name, string Value)> headers)
    {
        using var block = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, headers.Count);
        block.Write(word);
        foreach (var (name, value) in headers)
        {
            foreach (var text in new[] { name, value })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteInt32BigEndian(word, bytes.Length);
                block.Write(word);
                block.Write(bytes);
            }
        }

        return block.ToArray();
    }

    /// <summary>One direction's compressor: each call returns one frame's block, sync-flushed.</summary>
    public sealed class Compressor : IDisposable
    {
        private readonly MemoryStream output = new();
        private readonly ZLibStream zlib;

        public Compressor() => zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true);

        public byte[] Compress(IReadOnlyList<(string Name, string Value)> headers)
        {
            // Without a preset dictionary (the zlib header says so): a peer's reader seeded with the dictionary
            // decodes it all the same, since nothing refers back into the dictionary.
            zlib.Write(Encode(headers));
            zlib.Flush(); // Z_SYNC_FLUSH: the block ends on a byte boundary with everything decodable
            var block = output.ToArray();
            output.SetLength(0);
            return block;
        }

        public void Dispose()
        {
            zlib.Dispose();
            output.Dispose();
        }
    }

    /// <summary>
    /// One direction's decompressor. .NET's inflater takes no preset dictionary, so the raw deflate stream is primed
    /// with a stored block holding the dictionary (the same window contents a preset dictionary gives) and the
    /// dictionary's bytes are skipped from the output; the peer's zlib header (with its dictionary id) is checked
    /// and stripped.
    /// </summary>
    public sealed class Decompressor : IDisposable
    {
        private readonly Feed feed = new();
        private readonly DeflateStream inflate;
        private bool started;

        public Decompressor()
        {
            inflate = new DeflateStream(feed, CompressionMode.Decompress);
            var stored = new byte[5 + Dictionary.Length];
            stored[0] = 0; // BFINAL 0, BTYPE 00 (stored), padding to the byte
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(1), (ushort)Dictionary.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(3), (ushort)~Dictionary.Length);
            Dictionary.CopyTo(stored, 5);
            feed.Add(stored);
            ReadExactly(new byte[Dictionary.Length]);
        }

        public IReadOnlyList<(string Name, string Value)> Decompress(ReadOnlySpan<byte> block)
        {
            if (!started)
            {
                if (block.Length < 2 || (block[0] & 0x0f) != 8 || ((block[0] << 8) | block[1]) % 31 != 0)
                {
                    throw new InvalidDataException("the header block does not start with a zlib header");
                }

                var skip = 2;
                if ((block[1] & 0x20) != 0)
                {
                    if (block.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(block[2..]) != Adler32(Dictionary))
                    {
                        throw new InvalidDataException("the header block asks for a dictionary other than SPDY/3's");
                    }

                    skip = 6;
                }

                block = block[skip..];
                started = true;
            }

            feed.Add(block.ToArray());
            Span<byte> word = stackalloc byte[4];
            ReadExactly(word);
            var count = BinaryPrimitives.ReadInt32BigEndian(word);
            if (count is < 0 or > 1024)
            {
                throw new InvalidDataException($"a header block with {count} headers");
            }

            var headers = new List<(string, string)>(count);
            for (var i = 0; i < count; i++)
            {
                headers.Add((ReadText(), ReadText()));
            }

            return headers;
        }

        private string ReadText()
        {
            Span<byte> word = stackalloc byte[4];
            ReadExactly(word);
            var length = BinaryPrimitives.ReadInt32BigEndian(word);
            if (length is < 0 or > 64 * 1024)
            {
                throw new InvalidDataException($"a header of {length} bytes");
            }

            var bytes = new byte[length];
            ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }

        private void ReadExactly(Span<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var read = inflate.Read(buffer);
                if (read == 0)
                {
                    throw new InvalidDataException("the header block ends in the middle of a header");
                }

                buffer = buffer[read..];
            }
        }

        public void Dispose() => inflate.Dispose();

        /// <summary>
        /// The compressed bytes given so far; reads never wait. What a block leaves unread (its sync flush's empty stored
        /// block) produces no output and is consumed with the next block.
        /// </summary>
        private sealed class Feed : Stream
        {
            private readonly Queue<byte[]> chunks = new();
            private int offset;

            public void Add(byte[] chunk)
            {
                if (chunk.Length > 0)
                {
                    chunks.Enqueue(chunk);
                }
            }

            public override int Read(byte[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

            public override int Read(Span<byte> buffer)
            {
                if (chunks.Count == 0)
                {
                    return 0;
                }

                var head = chunks.Peek();
                var n = Math.Min(buffer.Length, head.Length - offset);
                head.AsSpan(offset, n).CopyTo(buffer);
                offset += n;
                if (offset == head.Length)
                {
                    chunks.Dequeue();
                    offset = 0;
                }

                return n;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        return (b << 16) | a;
    }
}
