using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace KubeLab.Server.Streaming;

/// <summary>
/// The server side of a SPDY/3.1 connection as client-go uses it for exec, attach and port-forward (after an HTTP/1.1
/// upgrade to "SPDY/3.1"): the client opens every stream (SYN_STREAM with a "streamtype" header), the server accepts
/// each with a SYN_REPLY, data flows both ways in DATA frames, FIN half-closes, PINGs are echoed, GOAWAY ends it.
/// spdystream does no flow control, so WINDOW_UPDATE and SETTINGS are read and ignored, as it does.
/// </summary>
internal sealed class SpdySession : IAsyncDisposable
{
    private const int MaxFrame = 16 * 1024 * 1024;
    private const int Version = 3;

    private readonly Stream transport;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly SpdyHeaders.Compressor compressor = new();
    private readonly SpdyHeaders.Decompressor decompressor = new();
    private readonly ConcurrentDictionary<int, SpdyStream> streams = new();
    private readonly Channel<SpdyStream> accepted = Channel.CreateUnbounded<SpdyStream>();
    private int lastStreamId;
    private bool goneAway;

    private SpdySession(Stream transport)
    {
        this.transport = transport;
        Completion = Task.Run(ReadLoopAsync);
    }

    /// <summary>Streams the client opened, in order, already replied to.</summary>
    public ChannelReader<SpdyStream> Streams => accepted.Reader;

    /// <summary>Ends when the client closes the connection or sends GOAWAY.</summary>
    public Task Completion { get; }

    public static SpdySession Start(Stream transport) => new(transport);

    private async Task ReadLoopAsync()
    {
        var head = new byte[8];
        try
        {
            while (true)
            {
                await transport.ReadExactlyAsync(head);
                var length = (head[5] << 16) | (head[6] << 8) | head[7];
                if (length > MaxFrame)
                {
                    throw new InvalidDataException($"a SPDY frame of {length} bytes");
                }

                var payload = new byte[length];
                await transport.ReadExactlyAsync(payload);
                var flags = head[4];
                if ((head[0] & 0x80) == 0)
                {
                    var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(head) & 0x7fffffff);
                    if (streams.TryGetValue(id, out var stream))
                    {
                        await stream.ReceiveAsync(payload, fin: (flags & 1) != 0);
                    }

                    continue;
                }

                var version = ((head[0] & 0x7f) << 8) | head[1];
                var type = (head[2] << 8) | head[3];
                if (version != Version)
                {
                    throw new InvalidDataException($"SPDY version {version}");
                }

                if (!await ControlAsync(type, flags, payload))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            foreach (var stream in streams.Values)
            {
                stream.EndInbound();
            }

            accepted.Writer.TryComplete();
        }
    }

    /// <summary>One control frame; false when the client went away.</summary>
    private async Task<bool> ControlAsync(int type, byte flags, byte[] payload)
    {
        switch (type)
        {
            case 1: // SYN_STREAM: id, associated id, priority, slot, header block
                {
                    var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                    var headers = decompressor.Decompress(payload.AsSpan(10));
                    var stream = new SpdyStream(this, id, headers);
                    streams[id] = stream;
                    lastStreamId = id;
                    await SendControlAsync(2, 0, id, compressor.Compress([]));
                    if ((flags & 1) != 0)
                    {
                        stream.EndInbound();
                    }

                    await accepted.Writer.WriteAsync(stream);
                    return true;
                }

            case 3: // RST_STREAM
                {
                    var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                    if (streams.TryRemove(id, out var stream))
                    {
                        stream.Reset();
                    }

                    return true;
                }

            case 6: // PING: the client's (odd ids) are echoed
                await WriteFrameAsync(ControlHeader(6, 0, 4), payload);
                return true;
            case 7: // GOAWAY
                return false;
            case 8: // HEADERS: decoded to keep the zlib stream in step, then ignored
                decompressor.Decompress(payload.AsSpan(4));
                return true;
            default: // SYN_REPLY (the server opens no streams), SETTINGS, WINDOW_UPDATE
                return true;
        }
    }

    private async Task SendControlAsync(int type, byte flags, int id, byte[] block)
    {
        var body = new byte[4 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)id);
        block.CopyTo(body, 4);
        await WriteFrameAsync(ControlHeader(type, flags, body.Length), body);
    }

    private static byte[] ControlHeader(int type, byte flags, int length)
    {
        var head = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(head, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), (ushort)type);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), ((uint)flags << 24) | (uint)length);
        return head;
    }

    internal async Task SendDataAsync(int id, ReadOnlyMemory<byte> data, bool fin, CancellationToken cancel = default)
    {
        const int chunk = 32 * 1024;
        do
        {
            var part = data[..Math.Min(chunk, data.Length)];
            data = data[part.Length..];
            var head = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(head, (uint)id & 0x7fffffff);
            BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), ((uint)(fin && data.IsEmpty ? 1 : 0) << 24) | (uint)part.Length);
            await WriteFrameAsync(head, part, cancel);
        }
        while (!data.IsEmpty);
    }

    private async Task WriteFrameAsync(byte[] head, ReadOnlyMemory<byte> body, CancellationToken cancel = default)
    {
        await writeLock.WaitAsync(cancel);
        try
        {
            await transport.WriteAsync(head, cancel);
            await transport.WriteAsync(body, cancel);
            await transport.FlushAsync(cancel);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>GOAWAY, then waits (a little) for the client to close its side, so that nothing it still sends is answered with a reset.</summary>
    public async Task GoAwayAsync(TimeSpan wait)
    {
        if (!goneAway)
        {
            goneAway = true;
            var body = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(body, (uint)lastStreamId);
            try
            {
                await WriteFrameAsync(ControlHeader(7, 0, 8), body);
            }
            catch (IOException)
            {
            }
        }

        await Task.WhenAny(Completion, Task.Delay(wait));
    }

    public async ValueTask DisposeAsync()
    {
        await transport.DisposeAsync();
        await Completion;
        compressor.Dispose();
        decompressor.Dispose();
        writeLock.Dispose();
    }
}

/// <summary>One SPDY stream as a .NET stream: reads what the client sends on it, writes DATA frames to it.</summary>
internal sealed class SpdyStream(SpdySession session, int id, IReadOnlyList<(string Name, string Value)> headers) : ChannelStream
{
    private readonly Pipe inbound = new();
    private int finished;

    public int Id { get; } = id;

    public IReadOnlyList<(string Name, string Value)> Headers { get; } = headers;

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    internal async Task ReceiveAsync(byte[] data, bool fin)
    {
        if (data.Length > 0)
        {
            await inbound.Writer.WriteAsync(data);
        }

        if (fin)
        {
            EndInbound();
        }
    }

    internal void EndInbound() => inbound.Writer.Complete();

    internal void Reset()
    {
        EndInbound();
        Interlocked.Exchange(ref finished, 1);
    }

    /// <summary>Half-closes the server's side (an empty DATA frame with FIN), once.</summary>
    public override async Task FinishAsync()
    {
        if (Interlocked.Exchange(ref finished, 1) == 0)
        {
            try
            {
                await session.SendDataAsync(Id, ReadOnlyMemory<byte>.Empty, fin: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await inbound.Reader.ReadAsync(cancellationToken);
        if (result.Buffer.IsEmpty && result.IsCompleted)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, result.Buffer.Length);
        System.Buffers.BuffersExtensions.CopyTo(result.Buffer.Slice(0, n), buffer.Span);
        inbound.Reader.AdvanceTo(result.Buffer.GetPosition(n));
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length > 0 && Volatile.Read(ref finished) == 0)
        {
            await session.SendDataAsync(Id, buffer, fin: false, cancellationToken);
        }
    }
}
