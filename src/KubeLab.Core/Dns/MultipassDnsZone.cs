using System.Net.Sockets;
using KubeLab.Core.Model;

namespace KubeLab.Core.Dns;

/// <summary>
/// The underlay's resolver: multipass runs dnsmasq on its bridge (mpqemubr0, 10.65.94.1) with the search domain
/// <c>multipass</c>, answering its DHCP clients' names. The lab has no internet, so every other name is NXDOMAIN.
/// [INF] from dnsmasq's defaults, not read in multipass's source: DHCP names are answered with the AA flag and
/// TTL 0 (<c>local-ttl</c> defaults to 0), bare names as well as <c>&lt;name&gt;.multipass</c>, PTR for the leases,
/// RA set (dnsmasq forwards), and NXDOMAIN carries no SOA.
/// </summary>
public sealed class MultipassDnsZone
{
    public const uint LocalTtl = 0;

    private readonly string domain;
    private readonly Dictionary<string, Node> byName = new(StringComparer.OrdinalIgnoreCase);

    public MultipassDnsZone(IEnumerable<Node> nodes, string domain = LabDefaults.HostSearchDomain)
    {
        this.domain = DnsName.Fqdn(domain).ToLowerInvariant();
        foreach (var node in nodes)
        {
            byName[DnsName.Fqdn(node.Name)] = node;
            byName[$"{node.Name}.{this.domain}"] = node;
        }
    }

    public DnsAnswerSet Answer(DnsQuestion question)
    {
        var qname = question.Fqdn;
        if (question.Type == DnsRecordType.PTR && DnsName.AddressFromReverse(qname) is { } address)
        {
            var names = byName.Values.Distinct().Where(n => n.InternalIP.Equals(address))
                .Select(n => new DnsRecord(qname, DnsRecordType.PTR, LocalTtl, new NameRdata($"{n.Name}.{domain}")))
                .ToList();
            return names.Count > 0 ? Found(question, names) : NxDomain(question);
        }

        if (!byName.TryGetValue(qname, out var node))
        {
            return NxDomain(question);
        }

        var records = question.Type == DnsRecordType.A && node.InternalIP.AddressFamily == AddressFamily.InterNetwork
            ? [new DnsRecord(qname, DnsRecordType.A, LocalTtl, new AddressRdata(node.InternalIP))]
            : new List<DnsRecord>();
        return Found(question, records);
    }

    private static DnsAnswerSet Found(DnsQuestion question, List<DnsRecord> records) =>
        new() { Question = question, Authoritative = true, Answer = records, Responder = DnsResponder.Underlay };

    private static DnsAnswerSet NxDomain(DnsQuestion question) =>
        new() { Question = question, Rcode = DnsRcode.NxDomain, Responder = DnsResponder.Underlay };
}
