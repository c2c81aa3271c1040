using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using KubeLab.Core.Dns;
using KubeLab.Core.Model;
using KubeLab.Realize.Netns;
using CoreQuestion = KubeLab.Core.Dns.DnsQuestion;

namespace KubeLab.Realize.Workloads;

/// <summary>Where and how the CoreDNS pod's server runs.</summary>
public sealed record DnsWorkloadOptions
{
    /// <summary>The CoreDNS pod's network namespace (<c>kl-&lt;lab&gt;-…</c>).</summary>
    public required string Netns { get; init; }

    /// <summary>The address to listen on; CoreDNS's <c>.:53</c> listens on all addresses.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    public int Port { get; init; } = 53;

    /// <summary>
    /// <c>forward . /etc/resolv.conf</c>: the pod's upstream (k3s gives CoreDNS the node's resolv.conf, which on
    /// multipass names the bridge's dnsmasq, 10.65.94.1). Null: names CoreDNS does not own get SERVFAIL.
    /// </summary>
    public IPEndPoint? Upstream { get; init; }

    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Everything but the serial, which the workload sets from the clock at each reconcile.</summary>
    public CoreDnsOptions Zone { get; init; } = new();

    /// <summary>loadbalance: shuffle the address records of each answer.</summary>
    public bool ShuffleAddresses { get; init; } = true;

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The CoreDNS pod: UDP and TCP port 53 inside the pod's namespace, answering from <see cref="CoreDnsZone"/>.
/// <see cref="Reconcile"/> swaps the cluster snapshot atomically (CoreDNS's informers; the SOA serial becomes the
/// time of the change). Upstream queries go out from a socket made inside the same namespace.
/// </summary>
public sealed class DnsWorkload : IDisposable
{
    private readonly DnsWorkloadOptions options;
    private readonly WorkloadLog log;
    private readonly string source;
    private readonly CoreDnsCache cache = new();
    private CoreDnsZone zone;
    private DnsWireServer? server;

    private DnsWorkload(DnsWorkloadOptions options, ClusterSnapshot snapshot, WorkloadLog log)
    {
        this.options = options;
        this.log = log;
        source = $"dns {options.Netns}";
        zone = BuildZone(snapshot);
    }

    public string Netns => options.Netns;

    public IPEndPoint Endpoint => new(options.ListenAddress, options.Port);

    /// <summary>Queries answered since start.</summary>
    public long Queries => server?.Queries ?? 0;

    /// <summary>The answers currently served (for `trace` and tests).</summary>
    public CoreDnsZone Zone => Volatile.Read(ref zone);

    public static DnsWorkload Start(DnsWorkloadOptions options, ClusterSnapshot snapshot, WorkloadLog log)
    {
        var workload = new DnsWorkload(options, snapshot, log);
        workload.server = DnsWireServer.Start(options.Netns, workload.Endpoint, workload.AnswerAsync, recursionAvailable: false, log, workload.source, echoCookie: true);
        return workload;
    }

    /// <summary>Serves <paramref name="snapshot"/> from now on.</summary>
    public void Reconcile(ClusterSnapshot snapshot)
    {
        Volatile.Write(ref zone, BuildZone(snapshot));
        log.Write(source, $"reconciled: {snapshot.Services.Count} services, {snapshot.EndpointSlices.Count} endpoint slices, {snapshot.Nodes.Count} nodes");
    }

    /// <summary>What this server answers to <paramref name="question"/>, upstream included.</summary>
    public async Task<DnsAnswerSet> AnswerAsync(CoreQuestion question)
    {
        // cache 30 sits first in CoreDNS's plugin chain: a hit never reaches hosts, kubernetes or forward
        var now = options.Clock.GetUtcNow();
        var answer = cache.Lookup(question, now);
        if (answer is null)
        {
            answer = await ResolveAsync(question, depth: 0).ConfigureAwait(false);
            cache.Store(answer, now);
        }

        return options.ShuffleAddresses ? ShuffleAddresses(answer) : answer;
    }

    private async Task<DnsAnswerSet> ResolveAsync(CoreQuestion question, int depth)
    {
        var current = Zone;
        var answer = current.Answer(question);
        if (answer.IsForwarded)
        {
            var upstream = await AskUpstreamAsync(question).ConfigureAwait(false);
            return upstream is null
                ? answer with { Rcode = DnsRcode.ServFail }
                : CoreDnsZone.ApplyCacheTtl(upstream with { Question = question, Responder = DnsResponder.Forward, Upstream = question });
        }

        if (answer.Upstream is not { } target)
        {
            return answer;
        }

        // An ExternalName's target: CoreDNS's upstream.Lookup sends it through its own plugin chain again
        // (hosts, kubernetes, forward) and appends the answers after the CNAME; a failed lookup drops the CNAME.
        var chased = depth < 8 ? await ResolveAsync(target, depth + 1).ConfigureAwait(false) : null;
        if (chased is null || chased.Rcode == DnsRcode.ServFail)
        {
            return answer with { Answer = [], Authority = [current.Soa(current.ClusterZone)], Upstream = null };
        }

        return CoreDnsZone.ApplyCacheTtl(answer with { Answer = [.. answer.Answer, .. chased.Answer], Upstream = null });
    }

    private CoreDnsZone BuildZone(ClusterSnapshot snapshot) =>
        new(snapshot, options.Zone with { Serial = (uint)options.Clock.GetUtcNow().ToUnixTimeSeconds() });

    private async Task<DnsAnswerSet?> AskUpstreamAsync(CoreQuestion question)
    {
        if (options.Upstream is not { } upstream)
        {
            return null;
        }

        try
        {
            using var socket = NetnsThread.CreateSocket(options.Netns, upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
            await socket.SendToAsync(DnsWire.EncodeQuery(id, question), SocketFlags.None, upstream).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(options.UpstreamTimeout);
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token).ConfigureAwait(false);
                var message = DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, received.ReceivedBytes));
                if (message.TransactionID != id)
                {
                    continue;
                }

                return new DnsAnswerSet
                {
                    Question = question,
                    Rcode = (DnsRcode)(int)message.ReturnCode,
                    Authoritative = message.IsAuthoritiveAnswer,
                    RecursionAvailable = message.IsRecursionAllowed,
                    Answer = message.AnswerRecords.Select(DnsWire.FromRecord).OfType<DnsRecord>().ToList(),
                    Authority = message.AuthorityRecords.Select(DnsWire.FromRecord).OfType<DnsRecord>().ToList(),
                    Responder = DnsResponder.Forward,
                };
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            log.Write(source, $"upstream {upstream} did not answer {question}: {e.Message}");
            return null;
        }
    }

    /// <summary>plugin/loadbalance: a random order for the A/AAAA records; CNAMEs and the rest keep their places.</summary>
    private static DnsAnswerSet ShuffleAddresses(DnsAnswerSet answer)
    {
        var slots = answer.Answer.Select((r, i) => (r, i)).Where(x => x.r.Type is Core.Dns.DnsRecordType.A or Core.Dns.DnsRecordType.AAAA).ToList();
        if (slots.Count < 2)
        {
            return answer;
        }

        var shuffled = slots.Select(x => x.r).ToArray();
        Random.Shared.Shuffle(shuffled);
        var records = answer.Answer.ToArray();
        for (var k = 0; k < slots.Count; k++)
        {
            records[slots[k].i] = shuffled[k];
        }

        return answer with { Answer = records };
    }

    public void Dispose()
    {
        server?.Dispose();
        log.Write(source, "stopped");
    }
}
