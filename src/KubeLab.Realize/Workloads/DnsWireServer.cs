using System.Net;
using ARSoft.Tools.Net.Dns;
using KubeLab.Core.Dns;
using KubeLab.Realize.Netns;
using CoreQuestion = KubeLab.Core.Dns.DnsQuestion;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// A DNS server on UDP and TCP inside a network namespace. ARSoft's transports create their sockets in their
/// constructors, so only the constructors run on the namespace thread; the server starts on the caller's thread
/// (which must be in the root namespace, with the runtime warmed up).
/// </summary>
internal sealed class DnsWireServer : IDisposable
{
    private const int UdpTimeoutMs = 5000;
    private const int TcpTimeoutMs = 5000;
    private const int TcpKeepAliveMs = 10000;

    private readonly DnsServer server;
    private readonly Func<CoreQuestion, Task<DnsAnswerSet>> answer;
    private readonly bool recursionAvailable;
    private readonly WorkloadLog log;
    private readonly string source;
    private readonly bool echoCookie;
    private long queries;
    private int disposed;

    private DnsWireServer(DnsServer server, Func<CoreQuestion, Task<DnsAnswerSet>> answer, bool recursionAvailable, WorkloadLog log, string source, bool echoCookie)
    {
        this.echoCookie = echoCookie;
        this.server = server;
        this.answer = answer;
        this.recursionAvailable = recursionAvailable;
        this.log = log;
        this.source = source;
        server.QueryReceived += OnQueryAsync;
        server.ExceptionThrown += (_, e) =>
        {
            log.Write(source, $"error: {e.Exception.GetType().Name}: {e.Exception.Message}");
            return Task.CompletedTask;
        };
    }

    public long Queries => Interlocked.Read(ref queries);

    public static DnsWireServer Start(string netns, IPEndPoint endpoint, Func<CoreQuestion, Task<DnsAnswerSet>> answer,
        bool recursionAvailable, WorkloadLog log, string source, bool echoCookie = false)
    {
        NetnsThread.WarmUpRuntime();
        var transports = NetnsThread.Run(netns, () => new IServerTransport[]
        {
            new UdpServerTransport(endpoint, UdpTimeoutMs),
            new TcpServerTransport(endpoint, TcpTimeoutMs, TcpKeepAliveMs),
        });
        var server = new DnsServer(transports);
        var wire = new DnsWireServer(server, answer, recursionAvailable, log, source, echoCookie);
        server.Start();
        log.Write(source, $"serving DNS on {endpoint} udp+tcp in netns {netns}");
        return wire;
    }

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return;
        }

        if (query.Questions.Count != 1)
        {
            var error = query.CreateResponseInstance();
            error.ReturnCode = ReturnCode.FormatError;
            e.Response = error;
            return;
        }

        var question = DnsWire.ToQuestion(query.Questions[0]);
        DnsAnswerSet result;
        try
        {
            result = await answer(question).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.Write(source, $"error answering {question}: {ex.GetType().Name}: {ex.Message}");
            result = new DnsAnswerSet { Question = question, Rcode = DnsRcode.ServFail };
        }

        e.Response = DnsWire.ToResponse(query, result, recursionAvailable, echoCookie);
        Interlocked.Increment(ref queries);
        log.Write(source, DnsWire.Describe(e.RemoteEndpoint, e.TransportProtocol, question, result));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            server.Stop();
        }
    }
}
