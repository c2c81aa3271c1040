using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeLab.Realize.Netns;

namespace KubeLab.Realize.Workloads;

/// <summary>A request as the emulated server reads it: the request line, the headers in order, the peer and the body (up to 64 KiB).</summary>
public sealed record HttpRequestHead(string Method, string Target, string Version, IReadOnlyList<KeyValuePair<string, string>> Headers, EndPoint? Remote, byte[] Body);

/// <summary>An answer: the status line's code and reason, headers in the order they are sent (Content-Length and Connection are added), the body.</summary>
public sealed record HttpReply(string Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>What an emulated image answers.</summary>
public delegate HttpReply HttpResponder(HttpRequestHead request);

/// <summary>
/// A small HTTP/1.1 server inside a pod's namespace: for an nginx pod where the nginx binary is not installed (port 80,
/// a page naming the pod and its IP, GET and HEAD), and for the emulated echo servers (<see cref="EchoResponders"/>).
/// Keep-alive; the listening socket is made inside the namespace; accepting and serving run on the root namespace's
/// thread pool.
/// </summary>
public sealed class HttpWorkload : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;
    private const int MaxBodyBytes = 64 * 1024;

    private readonly Socket listener;
    private readonly HttpResponder responder;
    private readonly WorkloadLog log;
    private readonly string source;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task acceptLoop;
    private long requests;

    private HttpWorkload(Socket listener, HttpResponder responder, WorkloadLog log, string source)
    {
        this.listener = listener;
        this.log = log;
        this.source = source;
        this.responder = responder;
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The nginx pod's page for GET and HEAD, 405 for other methods (nginx's answer for a static file).</summary>
    public static HttpResponder NginxPage(string podName, IPAddress podIP)
    {
        var page = Encoding.UTF8.GetBytes(PodPage.Html(podName, podIP, "KubeLab's built-in HTTP server (nginx is not installed)"));
        KeyValuePair<string, string>[] headers = [new("Server", "kubelab"), new("Content-Type", "text/html")];
        return request => request.Method is "GET" or "HEAD" ? new HttpReply("200 OK", headers, page) : new HttpReply("405 Not Allowed", headers, []);
    }

    public long Requests => Interlocked.Read(ref requests);

    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndPoint!;

    public static HttpWorkload Start(string netns, string podName, IPAddress podIP, WorkloadLog log, int port = 80, HttpResponder? responder = null, string what = "HTTP")
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

        log.Write(source, $"serving {what} on 0.0.0.0:{port} for pod {podName} ({podIP})");
        return new HttpWorkload(socket, responder ?? NginxPage(podName, podIP), log, source);
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
                        await SendAsync(client, new HttpReply("431 Request Header Fields Too Large", [], []), close: true, head: false).ConfigureAwait(false);
                        return;
                    }

                    var read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stopping.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                var head = Encoding.Latin1.GetString(buffer, 0, end);
                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                var ordered = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                    .Select(p => new KeyValuePair<string, string>(p[0].Trim(), p[1].Trim())).ToList();
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var (key, value) in ordered)
                {
                    headers.TryAdd(key, value);
                }

                var http10 = requestLine.Length > 2 && requestLine[2] == "HTTP/1.0";
                var close = headers.TryGetValue("Connection", out var connection)
                    ? connection.Equals("close", StringComparison.OrdinalIgnoreCase) || (http10 && !connection.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
                    : http10;
                var bodyLength = headers.TryGetValue("Content-Length", out var length) && int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

                // Take the request and its body out of the buffer (the first 64 KiB of a body are kept for echo servers).
                var consumed = end + 4;
                var available = filled - consumed;
                var skip = Math.Min(bodyLength, available);
                using var body = new MemoryStream();
                body.Write(buffer, consumed, Math.Min(skip, MaxBodyBytes));
                Buffer.BlockCopy(buffer, consumed + skip, buffer, 0, available - skip);
                filled = available - skip;
                for (var left = bodyLength - skip; left > 0;)
                {
                    var read = await client.ReceiveAsync(buffer.AsMemory(filled, Math.Min(left, buffer.Length - filled)), SocketFlags.None, stopping.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    body.Write(buffer, filled, (int)Math.Min(read, Math.Max(0, MaxBodyBytes - body.Length)));
                    left -= read;
                }

                var method = requestLine[0];
                Interlocked.Increment(ref requests);
                var request = new HttpRequestHead(method, requestLine.Length > 1 ? requestLine[1] : "/", requestLine.Length > 2 ? requestLine[2] : "HTTP/1.0", ordered, remote, body.ToArray());
                var reply = responder(request);
                await SendAsync(client, reply, close, head: method == "HEAD").ConfigureAwait(false);

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
    private static async Task SendAsync(Socket client, HttpReply reply, bool close, bool head)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {reply.Status}\r\n");
        var lengthWritten = false;
        foreach (var (name, value) in reply.Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            lengthWritten |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);
        }

        if (!lengthWritten)
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Length: {reply.Body.Length}\r\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Connection: {(close ? "close" : "keep-alive")}\r\n\r\n");
        var header = Encoding.Latin1.GetBytes(text.ToString());
        var response = head ? header : [.. header, .. reply.Body];
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
