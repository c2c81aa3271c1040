using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KubeLab.Core.Tests.Multipass;

/// <summary>
/// A k3s API server stand-in on 127.0.0.1 (never another address): serves the recorded list responses in
/// Golden/live, answers create (201, or 409 when the object exists), read, replace and delete, and records
/// every request.
/// </summary>
internal sealed partial class RecordedApiServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public RecordedApiServer()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(Serve);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Objects that exist (path of the object → its JSON), for create conflicts, reads and deletes.</summary>
    public ConcurrentDictionary<string, string> Existing { get; } = new();

    public ConcurrentQueue<(string Method, string Path, string Body)> Requests { get; } = new();

    /// <summary>A kubeconfig for this server (plain HTTP, a bearer token).</summary>
    public string Kubeconfig(string folder)
    {
        var path = Path.Combine(folder, "recorded.kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: {Url}
              name: recorded
            contexts:
            - context:
                cluster: recorded
                user: recorded
              name: recorded
            current-context: recorded
            users:
            - name: recorded
              user:
                token: not-a-secret
            """);
        return path;
    }

    private async Task Serve()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (context.Request.IsWebSocketRequest && context.Request.Url!.AbsolutePath.EndsWith("/exec", StringComparison.Ordinal))
            {
                _ = Task.Run(() => Exec(context)); // a stream of its own: the next request must not wait for it
                continue;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var method = context.Request.HttpMethod;
            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue((method, path, body));
            var (status, text) = Answer(method, path, body);
            var bytes = Encoding.UTF8.GetBytes(text);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    /// <summary>
    /// The exec subresource as the kubelet streams it (channel.k8s.io: one byte of channel, then data; 1 stdout,
    /// 2 stderr, 3 the final v1.Status). `cat /etc/resolv.conf` prints the seed pod's file; other commands exit 1.
    /// </summary>
    private async Task Exec(HttpListenerContext context)
    {
        var query = context.Request.Url!.Query;
        Requests.Enqueue(("EXEC", context.Request.Url.AbsolutePath, Uri.UnescapeDataString(query)));
        var offered = (context.Request.Headers["Sec-WebSocket-Protocol"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var protocol = offered.FirstOrDefault(p => p == "v4.channel.k8s.io") ?? offered.FirstOrDefault();
        var socket = (await context.AcceptWebSocketAsync(protocol).ConfigureAwait(false)).WebSocket;
        var commands = System.Web.HttpUtility.ParseQueryString(query).GetValues("command") ?? [];
        async Task Send(byte channel, string text)
        {
            var bytes = new[] { channel }.Concat(Encoding.UTF8.GetBytes(text)).ToArray();
            await socket.SendAsync(bytes, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
        }

        if (commands is ["nsenter", "-t", "1", "-m", "-u", "-n", "-i", "--", "iptables-save"])
        {
            await Send(1, NodeIptables).ConfigureAwait(false);
            await Send(3, """{"metadata":{},"status":"Success"}""").ConfigureAwait(false);
        }
        else if (commands is ["nsenter", "-t", "1", "-m", "-u", "-n", "-i", "--", "sh", "-c", var script] && script == KubeLab.Realize.Drivers.NodeTexts.Script)
        {
            // the node reader's all-in-one dump, from the seed lab's node fixtures (the trace tests' k3s nodes)
            var node = NodeOfReaderPod().Match(context.Request.Url.AbsolutePath).Groups[1].Value;
            var folder = Path.Combine(AppContext.BaseDirectory, "Golden", "trace", "seed");
            string Part(string file) => File.ReadAllText(Path.Combine(folder, $"{node}.{file}"));
            const string marker = "----kubelab-node-state----\n";
            await Send(1, Part("iptables-save") + marker + Part("ip-route") + marker + Part("ip-neigh") + marker + Part("bridge-fdb") + marker).ConfigureAwait(false);
            await Send(3, """{"metadata":{},"status":"Success"}""").ConfigureAwait(false);
        }
        else if (commands is ["cat", "/etc/resolv.conf"])
        {
            await Send(1, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "live", "test-pod.resolv.conf"))).ConfigureAwait(false);
            await Send(3, """{"metadata":{},"status":"Success"}""").ConfigureAwait(false);
        }
        else
        {
            await Send(2, $"{commands.FirstOrDefault()}: failed\n").ConfigureAwait(false);
            await Send(3, """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [false], exit code 1","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}""").ConfigureAwait(false);
        }

        // Close our side and drain until the client closes its side (it does once it has read every channel).
        await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1024];
        try
        {
            while (socket.State == System.Net.WebSockets.WebSocketState.CloseSent)
            {
                await socket.ReceiveAsync(buffer, drain.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
        }

        socket.Dispose();
    }

    [System.Text.RegularExpressions.GeneratedRegex("kubelab-node-reader-([a-z0-9]+)-[0-9a-f]{6}/exec$")]
    private static partial System.Text.RegularExpressions.Regex NodeOfReaderPod();

    /// <summary>What the node reader answers for `iptables-save` in the node's namespaces.</summary>
    public const string NodeIptables = "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports\" -j KUBE-NODEPORTS\nCOMMIT\n";

    private (int Status, string Body) Answer(string method, string path, string body)
    {
        var recorded = path switch
        {
            "/api/v1/nodes" => "nodes",
            "/api/v1/pods" => "pods",
            "/api/v1/services" => "services",
            "/apis/discovery.k8s.io/v1/endpointslices" => "endpointslices",
            _ => null,
        };
        if (method == "GET" && recorded is not null)
        {
            return (200, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "live", recorded + ".json")));
        }

        switch (method)
        {
            case "POST":
                var name = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("metadata").GetProperty("name").GetString();
                var objectPath = $"{path}/{name}";
                if (path.EndsWith("/pods", StringComparison.Ordinal))
                {
                    // The scheduler and kubelet at their fastest: the pod runs as soon as it exists.
                    var running = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
                    running["status"] = new System.Text.Json.Nodes.JsonObject { ["phase"] = "Running" };
                    body = running.ToJsonString();
                }

                return Existing.TryAdd(objectPath, body)
                    ? (201, body)
                    : (409, Status(409, "AlreadyExists", $"\"{name}\" already exists"));
            case "GET" when Existing.TryGetValue(path, out var existing):
                return (200, existing.Replace("\"metadata\":{", "\"metadata\":{\"resourceVersion\":\"4242\",", StringComparison.Ordinal));
            case "PUT" when Existing.ContainsKey(path):
                Existing[path] = body;
                return (200, body);
            case "PATCH" when Existing.TryGetValue(path, out var live):
                // kubectl apply's patch: a strategic merge into the object as the API server merges it
                var patched = KubeLab.Core.Api.JsonPatches.StrategicMerge(System.Text.Json.Nodes.JsonNode.Parse(live), System.Text.Json.Nodes.JsonNode.Parse(body))!.ToJsonString();
                Existing[path] = patched;
                return (200, patched);
            case "DELETE" when Existing.TryRemove(path, out _):
                return (200, Status(200, "Success", "deleted"));
            default:
                return (404, Status(404, "NotFound", $"{path} not found"));
        }
    }

    private static string Status(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"{{(code < 300 ? "Success" : "Failure")}}","message":{{System.Text.Json.JsonSerializer.Serialize(message)}},"reason":"{{reason}}","code":{{code}}}""";

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        stop.Cancel();
        // Close alone: after Stop, the managed HttpListener's Close looks the endpoint up again, binds the port anew to
        // remove its prefix, and throws "Address already in use" when another test has taken the port meanwhile
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
