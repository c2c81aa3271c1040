using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using KubeLab.Server.Pki;
using KubeLab.Server.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace KubeLab.Server;

/// <summary>Where the API server listens: a loopback port of this machine, and sockets made elsewhere (vm1's namespace).</summary>
public sealed record ApiServerOptions(int LoopbackPort, IReadOnlyList<Socket> ExtraListeners, string AdvertisedAddress);

/// <summary>
/// The lab's Kubernetes API server on Kestrel: HTTPS with the lab's serving certificate, HTTP/1.1 and HTTP/2
/// (250 streams per connection, Go's default, since client-go multiplexes every watch on one connection),
/// client certificates checked against the lab's client CA, requests up to 3 MiB as the API server allows.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    public const long MaxRequestBytes = 3 * 1024 * 1024;
    private const long HardRequestBytes = 32 * 1024 * 1024;

    private readonly WebApplication app;
    private readonly PodTerminations? terminations;

    private ApiServer(WebApplication app, PodTerminations? terminations)
    {
        this.app = app;
        this.terminations = terminations;
    }

    public static async Task<ApiServer> StartAsync(LabPki pki, ClusterFeed feed, ApiServerOptions options, ILabWriter? writer, TextWriter log, Func<DateTimeOffset> clock, CancellationToken cancel, IPodRuntime? pods = null)
    {
        var serving = pki.LoadServing();
        var clientCa = pki.LoadClientCa();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TextWriterLoggerProvider(log));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // the handler refuses bodies over MaxRequestBytes after reading them out; Kestrel cuts off beyond this
            kestrel.Limits.MaxRequestBodySize = HardRequestBytes;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 250;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
            void Https(ListenOptions listen)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serving,
                    ServerCertificateChain = [X509CertificateLoader.LoadCertificateFromFile(pki.ServerCaCertificate)],
                    // tls.VerifyClientCertIfGiven, as kube-apiserver: no certificate is an anonymous request (refused
                    // with 401 by the handler), a certificate the client CA did not sign fails the handshake.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (certificate, _, _) => LabPki.IsIssuedBy(certificate, clientCa),
                    CheckCertificateRevocation = false,
                });
            }

            kestrel.Listen(IPAddress.Loopback, options.LoopbackPort, Https);
            foreach (var socket in options.ExtraListeners)
            {
                kestrel.ListenHandle((ulong)socket.Handle.ToInt64(), Https);
            }
        });
        var app = builder.Build();
        var handler = new ApiHandler(feed, options.AdvertisedAddress, clock, writer, pods);
        app.UseWebSockets(); // exec and attach from kubectl 1.30+, port-forward from 1.31+
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancel);
        return new ApiServer(app, writer is null ? null : new PodTerminations(feed, writer, clock, log));
    }

    public async ValueTask DisposeAsync()
    {
        if (terminations is not null)
        {
            await terminations.DisposeAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync();
    }

    /// <summary>Kestrel's warnings and errors into the agent's log, one line each.</summary>
    private sealed class TextWriterLoggerProvider(TextWriter log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(TextWriter log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [apiserver] {logLevel}: {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
                }
            }
        }
    }
}
