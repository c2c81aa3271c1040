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
internal sealed class RecordedApiServer : IDisposable
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
                return Existing.TryAdd(objectPath, body)
                    ? (201, body)
                    : (409, Status(409, "AlreadyExists", $"\"{name}\" already exists"));
            case "GET" when Existing.TryGetValue(path, out var existing):
                return (200, existing.Replace("\"metadata\":{", "\"metadata\":{\"resourceVersion\":\"4242\",", StringComparison.Ordinal));
            case "PUT" when Existing.ContainsKey(path):
                Existing[path] = body;
                return (200, body);
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
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
