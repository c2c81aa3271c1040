using System.IO.Pipelines;
using System.Net.WebSockets;

namespace KubeLab.Server.Streaming;

/// <summary>
/// The Kubernetes channel protocol over WebSocket ("v4.channel.k8s.io", "v5.channel.k8s.io"), what kubectl 1.30+
/// speaks for exec and attach: every binary message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 error,
/// 4 resize); v5 adds the CLOSE signal, a message on channel 255 naming the channel that ended (the client's stdin).
/// </summary>
internal sealed class WebSocketChannels
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    private const byte CloseSignal = 255;

    private readonly WebSocket socket;
    private readonly bool closeSignal;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly Pipe[] inbound = [new(), new(), new(), new(), new()];

    public WebSocketChannels(WebSocket socket)
    {
        this.socket = socket;
        closeSignal = socket.SubProtocol == V5;
        Completion = Task.Run(ReadLoopAsync);
    }

    /// <summary>Ends when the client closes.</summary>
    public Task Completion { get; }

    public Stream Channel(int channel) => new WebSocketChannel(this, channel);

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var message = new MemoryStream();
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var bytes = message.ToArray();
                message.SetLength(0);
                if (bytes.Length == 0)
                {
                    continue;
                }

                if (bytes[0] == CloseSignal && closeSignal && bytes.Length > 1 && bytes[1] < inbound.Length)
                {
                    await inbound[bytes[1]].Writer.CompleteAsync();
                }
                else if (bytes[0] < inbound.Length && bytes.Length > 1)
                {
                    await inbound[bytes[0]].Writer.WriteAsync(bytes.AsMemory(1));
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            foreach (var pipe in inbound)
            {
                await pipe.Writer.CompleteAsync();
            }
        }
    }

    private async Task SendAsync(byte[] message, CancellationToken cancel = default)
    {
        await sendLock.WaitAsync(cancel);
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cancel);
            }
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>Closes the server's side, then waits (a little) for the client's close.</summary>
    public async Task CloseAsync(TimeSpan wait)
    {
        await sendLock.WaitAsync();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
        }
        finally
        {
            sendLock.Release();
        }

        await Task.WhenAny(Completion, Task.Delay(wait));
    }

    private sealed class WebSocketChannel(WebSocketChannels owner, int channel) : ChannelStream
    {
        private readonly Stream reader = channel < owner.inbound.Length ? owner.inbound[channel].Reader.AsStream() : Null;

        /// <summary>
        /// Nothing to send: client-go takes no CLOSE signal from the server (it discards channel 255 as unknown);
        /// the server's channels end when the WebSocket closes, as the API server's stream translator ends them.
        /// </summary>
        public override Task FinishAsync() => Task.CompletedTask;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => reader.ReadAsync(buffer, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0)
            {
                return;
            }

            var message = new byte[buffer.Length + 1];
            message[0] = (byte)channel;
            buffer.CopyTo(message.AsMemory(1));
            await owner.SendAsync(message, cancellationToken);
        }
    }
}
