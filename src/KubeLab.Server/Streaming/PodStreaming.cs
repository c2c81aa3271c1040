using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeLab.Core.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KubeLab.Server.Streaming;

/// <summary>
/// The pods' streaming subresources, checked as kube-apiserver checks them and carried as the kubelet (with
/// containerd) carries them: exec and attach over SPDY/3.1 (kubectl up to 1.29) or the channel protocol over
/// WebSocket (1.30+), port-forward over SPDY or SPDY tunnelled in WebSocket (1.31+), and the log as plain text.
/// </summary>
/// <param name="mainProcessExited">How an attached main process's end reaches the lab's state (the kubelet's report).</param>
internal sealed class PodStreaming(ClusterFeed feed, IPodRuntime? runtime, Action<PodContainer, int>? mainProcessExited = null)
{
    private const string SpdyUpgrade = "SPDY/3.1";
    private const string ExecProtocol = "v4.channel.k8s.io";
    private const string PortForwardProtocol = "portforward.k8s.io";
    private const string TunnelledPortForward = "SPDY/3.1+portforward.k8s.io";
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan InitialSizeWait = TimeSpan.FromSeconds(1);

    public static bool Handles(ApiResource resource, string? subresource) =>
        resource.Plural == "pods" && resource.Group.Length == 0 && subresource is "exec" or "attach" or "portforward" or "log";

    public async Task HandleAsync(HttpContext http, ApiPath.Resource target, ApiResource resource)
    {
        var method = http.Request.Method;
        var allowed = target.Subresource == "log" ? HttpMethods.IsGet(method) : HttpMethods.IsGet(method) || HttpMethods.IsPost(method);
        if (!allowed || target.Namespace is null || target.Name is null)
        {
            throw ApiStatusException.MethodNotAllowed();
        }

        var (items, _) = feed.List(resource);
        var pod = items.OfType<V1Pod>().FirstOrDefault(p => p.Metadata.Name == target.Name && p.Metadata.NamespaceProperty == target.Namespace)
            ?? throw ApiStatusException.NotFound(resource, target.Name);
        switch (target.Subresource)
        {
            case "log":
                await LogAsync(http, pod);
                return;
            case "portforward":
                await PortForwardAsync(http, pod);
                return;
            default:
                await ExecAsync(http, pod, attach: target.Subresource == "attach");
                return;
        }
    }

    /// <summary>The container a request names, or the pod's only one (the API server's rule).</summary>
    private static PodContainer ContainerOf(V1Pod pod, string? name)
    {
        var containers = pod.Spec?.Containers ?? [];
        if (string.IsNullOrEmpty(name))
        {
            if (containers.Count != 1)
            {
                throw ApiStatusException.BadRequest($"a container name must be specified for pod {pod.Metadata.Name}, choose one of: [{string.Join(' ', containers.Select(c => c.Name))}]");
            }

            name = containers[0].Name;
        }

        var container = containers.FirstOrDefault(c => c.Name == name)
            ?? throw ApiStatusException.BadRequest($"container {name} is not valid for pod {pod.Metadata.Name}");
        return new PodContainer(pod.Metadata.NamespaceProperty, pod.Metadata.Name, container.Name, pod.Spec?.Hostname ?? pod.Metadata.Name, container.Image);
    }

    private IPodRuntime RunningRuntime(PodContainer container)
    {
        if (runtime is not null && runtime.IsRunning(container))
        {
            return runtime;
        }

        // the kubelet's answer for a container it does not run; on a model-only lab, with the reason (kubectl prints
        // no warnings for exec's upgrade, so it goes into the message)
        throw new ApiStatusException(404, "NotFound", runtime is null
            ? $"container not found (\"{container.Container}\"): this lab runs no containers (--driver none); exec, attach, logs and port-forward need a netns lab"
            : $"container not found (\"{container.Container}\")");
    }

    private static bool Flag(IQueryCollection query, string name) => query[name].ToString() is "true" or "1" or "True";

    // ---- exec and attach ----

    private async Task ExecAsync(HttpContext http, V1Pod pod, bool attach)
    {
        var query = http.Request.Query;
        var container = ContainerOf(pod, query["container"]);
        var command = query["command"].Select(c => c ?? "").ToList();
        var (stdin, stdout, stderr, tty) = (Flag(query, "stdin"), Flag(query, "stdout"), Flag(query, "stderr"), Flag(query, "tty"));
        if (!stdin && !stdout && !stderr)
        {
            throw ApiStatusException.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }

        if (tty)
        {
            stderr = false; // a terminal carries both; the kubelet drops stderr the same way
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            throw ApiStatusException.BadRequest($"cannot {(attach ? "attach to" : "exec into")} a container in a completed pod; current phase is {pod.Status.Phase}");
        }

        var pods = RunningRuntime(container);
        if (attach)
        {
            command = [.. AttachCommand(pod, container)];
        }

        if (command.Count == 0)
        {
            throw ApiStatusException.BadRequest("you must specify at least 1 command");
        }

        var channels = await UpgradeExecAsync(http, stdin, stdout, stderr, tty);
        if (channels is null)
        {
            return;
        }

        int? exited;
        try
        {
            exited = await RunAsync(pods, container, command, tty, channels, attach);
        }
        finally
        {
            await channels.CloseAsync();
        }

        if (attach && exited is { } code)
        {
            mainProcessExited?.Invoke(container, code);
        }
    }

    /// <summary>
    /// The lab's pods run no image, so their main process is emulated. One that reads its standard input
    /// (`stdin: true`, as `kubectl run -i/-it` makes it) is run at attach, in the pod as exec runs commands: the
    /// container's command and args, or a shell for the tool images, whose entrypoint is one. Every other main process
    /// has nothing to attach to.
    /// </summary>
    private static IReadOnlyList<string> AttachCommand(V1Pod pod, PodContainer container)
    {
        var spec = pod.Spec?.Containers?.FirstOrDefault(c => c.Name == container.Container);
        if (spec?.Stdin != true)
        {
            throw ApiStatusException.BadRequest($"attach is not supported for container \"{container.Container}\" in pod {container.Namespace}/{container.Pod}: the lab emulates its main process, which reads no input (stdin is false); use exec, or `kubectl run -it`");
        }

        var command = (spec.Command ?? []).Concat(spec.Args ?? []).ToList();
        return command.Count > 0 ? command : ["sh"];
    }

    /// <summary>The streams of one exec, whatever carries them.</summary>
    private sealed record ExecChannels(Stream? Stdin, Stream? Stdout, Stream? Stderr, Stream Error, Stream? Resize, Func<Task> CloseAsync);

    /// <summary>Answers the upgrade (101) and gathers the streams; null when the request was answered with an error instead.</summary>
    private static async Task<ExecChannels?> UpgradeExecAsync(HttpContext http, bool stdin, bool stdout, bool stderr, bool tty)
    {
        if (http.WebSockets.IsWebSocketRequest)
        {
            var offered = http.WebSockets.WebSocketRequestedProtocols;
            var protocol = offered.Contains(WebSocketChannels.V5) ? WebSocketChannels.V5 : offered.Contains(WebSocketChannels.V4) ? WebSocketChannels.V4 : null;
            if (protocol is null)
            {
                await WriteTextAsync(http, 400, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server supports [{WebSocketChannels.V5} {WebSocketChannels.V4}]");
                return null;
            }

            var socket = await http.WebSockets.AcceptWebSocketAsync(protocol);
            var mux = new WebSocketChannels(socket);
            return new ExecChannels(stdin ? mux.Channel(0) : null, stdout ? mux.Channel(1) : null, stderr ? mux.Channel(2) : null, mux.Channel(3), tty ? mux.Channel(4) : null,
                async () =>
                {
                    await mux.CloseAsync(CloseWait);
                    socket.Dispose();
                });
        }

        var session = await UpgradeSpdyAsync(http, ExecProtocol);
        if (session is null)
        {
            return null;
        }

        var wanted = new List<string> { "error" };
        if (stdin)
        {
            wanted.Add("stdin");
        }

        if (stdout)
        {
            wanted.Add("stdout");
        }

        if (stderr)
        {
            wanted.Add("stderr");
        }

        if (tty)
        {
            wanted.Add("resize");
        }

        var streams = new Dictionary<string, SpdyStream>();
        using var timeout = new CancellationTokenSource(StreamCreationTimeout);
        try
        {
            while (wanted.Except(streams.Keys).Any())
            {
                var stream = await session.Streams.ReadAsync(timeout.Token);
                streams[stream.Header("streamtype") ?? ""] = stream;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            await session.DisposeAsync();
            return null; // the client went away, or never opened its streams (the kubelet gives up the same way)
        }

        return new ExecChannels(streams.GetValueOrDefault("stdin"), streams.GetValueOrDefault("stdout"), streams.GetValueOrDefault("stderr"), streams["error"], streams.GetValueOrDefault("resize"),
            async () =>
            {
                await session.GoAwayAsync(CloseWait);
                await session.DisposeAsync();
            });
    }

    /// <summary>The HTTP/1.1 upgrade to SPDY/3.1 with the protocol version negotiated as httpstream.Handshake does.</summary>
    private static async Task<SpdySession?> UpgradeSpdyAsync(HttpContext http, string serverProtocol)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !http.Request.Headers.Upgrade.ToString().Contains(SpdyUpgrade, StringComparison.OrdinalIgnoreCase))
        {
            await WriteTextAsync(http, 400, "Upgrade request required");
            return null;
        }

        var offered = http.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (!offered.Contains(serverProtocol))
        {
            await WriteTextAsync(http, 403, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server supports [{serverProtocol}]");
            return null;
        }

        http.Response.Headers["X-Stream-Protocol-Version"] = serverProtocol;
        http.Response.Headers.Upgrade = SpdyUpgrade;
        http.Response.Headers.Connection = "Upgrade";
        var transport = await upgrade.UpgradeAsync();
        return SpdySession.Start(transport);
    }

    /// <returns>The command's exit code; null when it could not start.</returns>
    private static async Task<int?> RunAsync(IPodRuntime pods, PodContainer container, IReadOnlyList<string> command, bool tty, ExecChannels channels, bool attach)
    {
        // kubectl sends its terminal's size first thing: the command starts with it (a command as quick as `stty size`
        // must not see 0x0), and later sizes resize it
        var sizes = channels.Resize is null ? null : new StreamReader(channels.Resize, Encoding.UTF8);
        (int Width, int Height)? initial = null;
        if (sizes is not null)
        {
            using var wait = new CancellationTokenSource(InitialSizeWait);
            try
            {
                initial = await NextSizeAsync(sizes, wait.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        IPodProcess process;
        try
        {
            process = pods.Exec(container, command, tty, initial);
        }
        catch (ExecStartException e)
        {
            // containerd's and the kubelet's words around runc's reason, as the API server passes them on
            var execId = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            var error = $"error executing command in container: failed to exec in container: failed to start exec \"{execId}\": OCI runtime exec failed: exec failed: unable to start container process: {e.Message}: unknown";
            await WriteStatusAsync(channels.Error, new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"Internal error occurred: {error}",
                ["reason"] = "InternalError",
                ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = error }) },
                ["code"] = 500,
            });
            await FinishAllAsync(channels);
            return null;
        }

        await using (process)
        {
            // stdin and resizes run until the client ends them; the command's end does not wait for them
            _ = channels.Stdin is null ? CloseAsync(process.Stdin) : PumpAsync(channels.Stdin, process.Stdin, closeTarget: true);
            _ = sizes is null ? Task.CompletedTask : ResizeAsync(sizes, process);
            var output = PumpAsync(process.Stdout, channels.Stdout ?? Stream.Null, closeTarget: false);
            var errors = process.Stderr is null ? Task.CompletedTask : PumpAsync(process.Stderr, channels.Stderr ?? Stream.Null, closeTarget: false);
            var code = await process.Exited;
            await Task.WhenAll(output, errors);
            // an attached main process has no exit code to report: its end is the pod's status (the kubelet's)
            await WriteStatusAsync(channels.Error, code == 0 || attach
                ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
                : new JsonObject
                {
                    ["metadata"] = new JsonObject(),
                    ["status"] = "Failure",
                    // containerd's CodeExitError text (Go's %v of the command), under the kubelet's words
                    ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {code.ToString(CultureInfo.InvariantCulture)}",
                    ["reason"] = "NonZeroExitCode",
                    ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code.ToString(CultureInfo.InvariantCulture) }) },
                });
            await FinishAllAsync(channels);
            return code;
        }
    }

    private static async Task FinishAllAsync(ExecChannels channels)
    {
        foreach (var stream in new[] { channels.Stdout, channels.Stderr, channels.Error })
        {
            if (stream is ChannelStream channel)
            {
                await channel.FinishAsync();
            }
        }
    }

    private static async Task WriteStatusAsync(Stream error, JsonObject status) =>
        await error.WriteAsync(Encoding.UTF8.GetBytes(status.ToJsonString()));

    private static async Task CloseAsync(Stream stream) => await stream.DisposeAsync();

    private static async Task PumpAsync(Stream from, Stream to, bool closeTarget)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read));
                await to.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
        }
        finally
        {
            if (closeTarget)
            {
                try
                {
                    await to.DisposeAsync();
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Terminal sizes as client-go sends them: one JSON object per line, {"Width":80,"Height":24}.</summary>
    private static async Task ResizeAsync(StreamReader sizes, IPodProcess process)
    {
        try
        {
            while (await NextSizeAsync(sizes, CancellationToken.None) is { } size)
            {
                process.Resize(size.Width, size.Height);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            sizes.Dispose();
        }
    }

    /// <summary>The next well-formed size, or null at the stream's end.</summary>
    private static async Task<(int Width, int Height)?> NextSizeAsync(StreamReader sizes, CancellationToken cancel)
    {
        while (await sizes.ReadLineAsync(cancel) is { } line)
        {
            try
            {
                using var size = JsonDocument.Parse(line);
                if (size.RootElement.TryGetProperty("Width", out var width) && size.RootElement.TryGetProperty("Height", out var height))
                {
                    return (width.GetInt32(), height.GetInt32());
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
            }
        }

        return null;
    }

    // ---- port-forward ----

    private async Task PortForwardAsync(HttpContext http, V1Pod pod)
    {
        var container = new PodContainer(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Spec?.Containers?.FirstOrDefault()?.Name ?? "", pod.Spec?.Hostname ?? pod.Metadata.Name, null);
        var pods = RunningRuntime(container);
        SpdySession? session;
        System.Net.WebSockets.WebSocket? socket = null;
        if (http.WebSockets.IsWebSocketRequest)
        {
            if (!http.WebSockets.WebSocketRequestedProtocols.Contains(TunnelledPortForward))
            {
                await WriteTextAsync(http, 400, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', http.WebSockets.WebSocketRequestedProtocols)}], server supports [{TunnelledPortForward}]");
                return;
            }

            // kubectl 1.31+: the SPDY connection's bytes ride in binary WebSocket messages
            // .NET refuses '/' in a subprotocol token, so the header is set here and the accept names none
            http.Response.Headers.SecWebSocketProtocol = TunnelledPortForward;
            socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext());
            session = SpdySession.Start(System.Net.WebSockets.WebSocketStream.Create(socket, System.Net.WebSockets.WebSocketMessageType.Binary, ownsWebSocket: false));
        }
        else
        {
            session = await UpgradeSpdyAsync(http, PortForwardProtocol);
        }

        if (session is null)
        {
            return;
        }

        var sandbox = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(pod.Metadata.Uid ?? pod.Metadata.Name))).ToLowerInvariant();
        var errors = new Dictionary<string, SpdyStream>();
        var data = new Dictionary<string, SpdyStream>();
        var forwards = new List<Task>();
        try
        {
            await foreach (var stream in session.Streams.ReadAllAsync(http.RequestAborted))
            {
                var id = stream.Header("requestID") ?? "";
                (stream.Header("streamtype") == "error" ? errors : data)[id] = stream;
                if (errors.TryGetValue(id, out var error) && data.TryGetValue(id, out var payload))
                {
                    errors.Remove(id);
                    data.Remove(id);
                    forwards.Add(ForwardAsync(pods, container, sandbox, payload, error));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await Task.WhenAll(forwards);
            await session.GoAwayAsync(TimeSpan.FromSeconds(1));
            await session.DisposeAsync();
            socket?.Dispose();
        }
    }

    /// <summary>One forwarded connection: to localhost:port in the pod's namespace, both ways, errors in containerd's words.</summary>
    private static async Task ForwardAsync(IPodRuntime pods, PodContainer container, string sandbox, SpdyStream payload, SpdyStream error)
    {
        var portText = payload.Header("port") ?? "";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes($"invalid port {portText}"));
            await error.FinishAsync();
            await payload.FinishAsync();
            return;
        }

        Stream connection;
        try
        {
            connection = await pods.ConnectAsync(container, port, CancellationToken.None);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or KubeLab.Core.KubeLabException)
        {
            var reason = e is System.Net.Sockets.SocketException socket && socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                ? $"dial tcp4 127.0.0.1:{port}: connect: connection refused"
                : e.Message;
            await error.WriteAsync(Encoding.UTF8.GetBytes(
                $"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{sandbox[..8]}-{sandbox[8..12]}-{sandbox[12..16]}-{sandbox[16..20]}-{sandbox[20..32]}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: {reason} IPv6 dial tcp6: address localhost: no suitable address "));
            await error.FinishAsync();
            await payload.FinishAsync();
            return;
        }

        await using (connection)
        {
            var upstream = Task.Run(async () =>
            {
                await PumpAsync(payload, connection, closeTarget: false);
                if (connection is System.Net.Sockets.NetworkStream network)
                {
                    try
                    {
                        network.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                    }
                }
            });
            await PumpAsync(connection, payload, closeTarget: false);
            await payload.FinishAsync();
            await error.FinishAsync();
            await Task.WhenAny(upstream, Task.Delay(CloseWait));
        }
    }

    // ---- log ----

    private async Task LogAsync(HttpContext http, V1Pod pod)
    {
        var query = http.Request.Query;
        var container = ContainerOf(pod, query["container"]);
        if (Flag(query, "previous"))
        {
            throw ApiStatusException.BadRequest($"previous terminated container \"{container.Container}\" in pod \"{container.Pod}\" not found");
        }

        var options = PodLogOptions.Parse(name => query.TryGetValue(name, out var value) ? value.ToString() : null);
        var pods = RunningRuntime(container);
        using var log = pods.OpenLog(container);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        await http.Response.StartAsync(http.RequestAborted);
        var budget = options.LimitBytes ?? long.MaxValue;
        var batch = options.FirstLines(log.ReadNew(), DateTimeOffset.UtcNow);
        try
        {
            while (true)
            {
                foreach (var text in batch)
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    var part = (int)Math.Min(bytes.Length, budget);
                    await http.Response.Body.WriteAsync(bytes.AsMemory(0, part), http.RequestAborted);
                    budget -= part;
                    if (budget == 0)
                    {
                        return;
                    }
                }

                if (!options.Follow)
                {
                    return;
                }

                await http.Response.Body.FlushAsync(http.RequestAborted);
                await Task.Delay(FollowPoll, http.RequestAborted);
                if (!PodExists(pod))
                {
                    return; // the pod is gone: the kubelet ends the stream
                }

                batch = options.NextLines(log.ReadNew());
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private bool PodExists(V1Pod pod) =>
        feed.List(ApiResources.Served.First(r => r.Plural == "pods" && r.Group.Length == 0)).Items.Any(p => p.Metadata.Uid == pod.Metadata.Uid && p.Metadata.Name == pod.Metadata.Name);

    private static async Task WriteTextAsync(HttpContext http, int code, string text)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text + "\n");
    }
}
