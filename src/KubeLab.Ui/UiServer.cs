using System.Net;
using System.Text.Json.Nodes;
using KubeLab.Core;
using KubeLab.Core.Lab;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeLab.Ui;

/// <summary>
/// The page and its JSON on 127.0.0.1 only: <c>/</c> (topology), <c>/trace?from=…&amp;to=…</c>, <c>/rules?node=…</c>;
/// <c>/api/topology</c>, <c>/api/trace</c>, <c>/api/rules</c> and <c>/api/events</c> (server-sent events: the topology
/// again whenever it changes). The front end is embedded in this assembly: nothing is fetched from elsewhere.
/// </summary>
public sealed class UiServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private UiServer(WebApplication app, Uri url, IReadOnlyList<string> addresses)
    {
        this.app = app;
        Url = url;
        Addresses = addresses;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Url { get; }

    /// <summary>What Kestrel is bound to (one loopback address).</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>Starts the server; <paramref name="port"/> 0 takes a free port.</summary>
    public static async Task<UiServer> StartAsync(ILabSource source, string driver, int port, TimeSpan? poll = null, CancellationToken cancellation = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(UiServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        // Loopback only, whatever ASPNETCORE_URLS says: endpoints given in code replace configured ones.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        // A page on 127.0.0.1 answers only to its own names (no DNS rebinding from a web page elsewhere).
        builder.Services.AddHostFiltering(options => options.AllowedHosts = ["127.0.0.1", "localhost"]);
        var app = builder.Build();
        app.UseHostFiltering();
        Map(app, source, driver, poll ?? TimeSpan.FromMilliseconds(500));
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw KubeLabException.Usage($"--port: 127.0.0.1:{port} is not free ({e.Message}); pick another port, or --port 0 for any free one");
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        var bound = new Uri(addresses[0]);
        return new UiServer(app, new Uri($"http://127.0.0.1:{bound.Port}/"), addresses);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellation) => app.WaitForShutdownAsync(cancellation);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static void Map(WebApplication app, ILabSource source, string driver, TimeSpan poll)
    {
        foreach (var page in new[] { "/", "/trace", "/rules" })
        {
            app.MapGet(page, () => Asset("index.html"));
        }

        app.MapGet("/assets/{name}", (string name) => Asset(name));
        app.MapGet("/api/topology", () => Json(() => Topology(source, driver)));
        app.MapGet("/api/trace", (string? from, string? to) => Json(() =>
            string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to)
                ? throw KubeLabException.Usage("trace needs from and to (e.g. /api/trace?from=test-pod&to=http://nginx-service/)")
                : TraceJson.Trace(source, from.Trim(), to.Trim())));
        app.MapGet("/api/rules", (string? node) => Json(() =>
            string.IsNullOrWhiteSpace(node)
                ? throw KubeLabException.Usage("rules needs a node (e.g. /api/rules?node=vm1)")
                : RulesGraph.From(source.Lab, node, source.Rules(node))));
        app.MapGet("/api/events", (HttpContext http) => Events(http, source, driver, poll));
    }

    private static JsonObject Topology(ILabSource source, string driver) => TopologyJson.From(LabTopology.Of(source.Snapshot()), driver);

    /// <summary>
    /// Server-sent events: the topology now, then again each time it differs (the lab's state is polled; when the
    /// objects come from an API server's watch, this is where the watch goes).
    /// </summary>
    private static async Task Events(HttpContext http, ILabSource source, string driver, TimeSpan poll)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var cancellation = http.RequestAborted;
        string? last = null;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                string message;
                try
                {
                    message = "event: topology\ndata: " + Topology(source, driver).ToJsonString() + "\n\n";
                }
                catch (KubeLabException e)
                {
                    message = "event: failure\ndata: " + new JsonObject { ["error"] = e.Message }.ToJsonString() + "\n\n";
                }

                if (message != last)
                {
                    await http.Response.WriteAsync(message, cancellation);
                    await http.Response.Body.FlushAsync(cancellation);
                    last = message;
                }

                await Task.Delay(poll, cancellation);
            }
        }
        catch (OperationCanceledException)
        {
            // the page went away
        }
    }

    private static IResult Json(Func<JsonObject> build)
    {
        try
        {
            return Results.Content(build().ToJsonString(), "application/json; charset=utf-8");
        }
        catch (KubeLabException e)
        {
            return Results.Content(new JsonObject { ["error"] = e.Message }.ToJsonString(), "application/json; charset=utf-8", statusCode: e.ExitCode == 2 ? 400 : 500);
        }
    }

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>A file of the embedded front end (wwwroot/), with a policy that allows nothing but this server.</summary>
    private static IResult Asset(string name)
    {
        var stream = typeof(UiServer).Assembly.GetManifestResourceStream("wwwroot/" + name);
        if (stream is null || !ContentTypes.TryGetValue(Path.GetExtension(name), out var type))
        {
            stream?.Dispose();
            return Results.NotFound();
        }

        return new AssetResult(stream, type);
    }

    private sealed class AssetResult(Stream stream, string contentType) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = contentType;
            http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            await using (stream)
            {
                await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
            }
        }
    }
}
