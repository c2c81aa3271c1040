using System.Net;
using KubeLab.Core.Dns;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// multipass's dnsmasq on the underlay bridge: <c>&lt;node&gt;.multipass</c> A records, NXDOMAIN for everything else
/// (the lab has no internet: an offline dnsmasq with no upstream answers so). Serves UDP and TCP 53 on the gateway
/// address inside the underlay namespace. With <c>up --upstream-dns</c> (a host resolver given), names outside
/// multipass's are forwarded, as dnsmasq forwards to the host's resolv.conf: the query leaves from a socket in this
/// machine's own network namespace (the agent's threads that never entered a lab namespace) to the resolver in this
/// machine's /etc/resolv.conf, never to a lab address.
/// </summary>
public sealed class UnderlayDns : IDisposable
{
    private readonly DnsWireServer server;
    private readonly WorkloadLog log;
    private readonly string source;
    private readonly Holder zone;
    private readonly Dictionary<string, DnsWireServer> stubs = new(StringComparer.Ordinal);

    private UnderlayDns(Holder zone, DnsWireServer server, WorkloadLog log, string source)
    {
        this.zone = zone;
        this.server = server;
        this.log = log;
        this.source = source;
    }

    public long Queries => server.Queries;

    public static UnderlayDns Start(string netns, IPAddress gateway, IEnumerable<Node> nodes, WorkloadLog log,
        string domain = LabDefaults.HostSearchDomain, int port = 53, IPEndPoint? hostResolver = null)
    {
        var source = $"underlay-dns {netns}";
        var zone = new Holder { Zone = new MultipassDnsZone(nodes, domain) };
        var server = DnsWireServer.Start(netns, new IPEndPoint(gateway, port),
            q => AnswerAsync(zone.Zone, q, hostResolver, log, source), recursionAvailable: true, log, source);
        return new UnderlayDns(zone, server, log, source);
    }

    private static async Task<DnsAnswerSet> AnswerAsync(MultipassDnsZone zone, DnsQuestion question, IPEndPoint? hostResolver, WorkloadLog log, string source)
    {
        var answer = zone.Answer(question);
        if (hostResolver is null || answer.Rcode != DnsRcode.NxDomain)
        {
            return answer;
        }

        return await HostResolver.AskAsync(hostResolver, question, TimeSpan.FromSeconds(2), log, source).ConfigureAwait(false)
            ?? answer with { Rcode = DnsRcode.ServFail };
    }

    /// <summary>New DHCP leases: the nodes the lab has now.</summary>
    public void Reconcile(IEnumerable<Node> nodes, string domain = LabDefaults.HostSearchDomain)
    {
        zone.Zone = new MultipassDnsZone(nodes, domain);
        log.Write(source, "reconciled");
    }

    /// <summary>
    /// systemd-resolved's stub listener in a node (127.0.0.53:53, which the VM's /etc/resolv.conf names): resolved
    /// forwards to multipass's dnsmasq, so it answers the same names; here it answers from the same zone.
    /// </summary>
    public void AddNodeStub(string nodeNetns)
    {
        lock (stubs)
        {
            if (stubs.ContainsKey(nodeNetns))
            {
                return;
            }

            var stubSource = $"systemd-resolved stub {nodeNetns}";
            stubs[nodeNetns] = DnsWireServer.Start(nodeNetns, new IPEndPoint(NodeFiles.ResolvedStub, 53),
                q => Task.FromResult(zone.Zone.Answer(q)), recursionAvailable: true, log, stubSource);
        }
    }

    public void Dispose()
    {
        server.Dispose();
        lock (stubs)
        {
            foreach (var stub in stubs.Values)
            {
                stub.Dispose();
            }

            stubs.Clear();
        }
    }

    private sealed class Holder
    {
        private MultipassDnsZone zone = null!;

        public MultipassDnsZone Zone
        {
            get => Volatile.Read(ref zone);
            set => Volatile.Write(ref zone, value);
        }
    }
}
