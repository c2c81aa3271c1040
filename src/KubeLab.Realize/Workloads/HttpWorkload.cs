using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeLab.Realize.Netns;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// A small HTTP/1.1 server for an nginx pod where the nginx binary is not installed: port 80 inside the pod's
/// namespace, a page naming the pod and its IP, keep-alive, GET and HEAD. The listening socket is made inside the
/// namespace; accepting and serving run on the root namespace's thread pool.
/// </summary>
public sealed class HttpWorkload : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;

    private readonly Socket listener;
    private readonly byte[] page;
    private readonly WorkloadLog log;
    private readonly string source;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task acceptLoop;
    private long requests;

    private HttpWorkload(Socket listener, string podName, IPAddress podIP, WorkloadLog log, string source)
    {
        this.listener = listener;
        this.log = log;
        this.source = source;
        page = Encoding.UTF8.GetBytes(PodPage.Html(podName, podIP, "KubeLab's built-in HTTP server (nginx is not installed)"));
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public long Requests => Interlocked.Read(ref requests);

    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndPoint!;

    public static HttpWorkload Start(string netns, string podName, IPAddress podIP, WorkloadLog log, int port = 80)
    {
        NetnsThread.WarmUpRuntime();
        var source = $"http {netns}";
        var socket = NetnsThread.CreateSocket(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        log.Write(source, $"serving HTTP on 0.0.0.0:{port} for pod {podName} ({podIP})");
        return new HttpWorkload(socket, podName, podIP, log, source);
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                log.Write(source, $"accept failed: {e.Message}");
                continue;
            }

            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        var remote = client.RemoteEndPoint;
        var buffer = new byte[MaxHeaderBytes];
        var filled = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                int end;
                while ((end = HeaderEnd(buffer, filled)) < 0)
                {
                    if (filled == buffer.Length)
                    {
                        await SendAsync(client, "431 Request Header Fields Too Large", [], close: true, head: false).ConfigureAwait(false);
                        return;
                    }

                    var read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stopping.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                var head = Encoding.ASCII.GetString(buffer, 0, end);
                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                    .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                var http10 = requestLine.Length > 2 && requestLine[2] == "HTTP/1.0";
                var close = headers.TryGetValue("Connection", out var connection)
                    ? connection.Equals("close", StringComparison.OrdinalIgnoreCase) || (http10 && !connection.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
                    : http10;
                var bodyLength = headers.TryGetValue("Content-Length", out var length) && int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

                // Drop the request and its body from the buffer (bodies are read and ignored).
                var consumed = end + 4;
                var available = filled - consumed;
                var skip = Math.Min(bodyLength, available);
                Buffer.BlockCopy(buffer, consumed + skip, buffer, 0, available - skip);
                filled = available - skip;
                for (var left = bodyLength - skip; left > 0;)
                {
                    var read = await client.ReceiveAsync(buffer.AsMemory(filled, Math.Min(left, buffer.Length - filled)), SocketFlags.None, stopping.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    left -= read;
                }

                var method = requestLine[0];
                Interlocked.Increment(ref requests);
                if (method is "GET" or "HEAD")
                {
                    await SendAsync(client, "200 OK", page, close, head: method == "HEAD").ConfigureAwait(false);
                }
                else
                {
                    await SendAsync(client, "405 Not Allowed", [], close, head: false).ConfigureAwait(false);
                }

                if (close)
                {
                    client.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // client went away or we are stopping
        }
        catch (Exception e)
        {
            log.Write(source, $"error serving {remote}: {e.GetType().Name}: {e.Message}");
        }
    }

    private static int HeaderEnd(byte[] buffer, int filled) =>
        buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);

    /// <summary>Header and body in one send: two small writes would meet Nagle and delayed ACK (40 ms a request).</summary>
    private static async Task SendAsync(Socket client, string status, byte[] body, bool close, bool head)
    {
        var header = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nServer: kubelab\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\n"
            + $"Connection: {(close ? "close" : "keep-alive")}\r\n\r\n");
        var response = head ? header : [.. header, .. body];
        await client.SendAsync(response, SocketFlags.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        try
        {
            await acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }

        log.Write(source, "stopped");
    }
}
