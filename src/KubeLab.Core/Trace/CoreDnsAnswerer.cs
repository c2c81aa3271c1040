using System.Net;
using KubeLab.Core.Dns;
using KubeLab.Core.Model;

namespace KubeLab.Core.Trace;

/// <summary>
/// The trace's DNS answers with CoreDNS's semantics (<see cref="CoreDnsZone"/>: k3s's Corefile, kubernetes and
/// hosts plugins); names CoreDNS forwards go to the lab's upstream, multipass's resolver on the underlay.
/// </summary>
public sealed class CoreDnsAnswerer(ClusterSnapshot snapshot) : IDnsAnswerer
{
    private readonly CoreDnsZone zone = new(snapshot);
    private readonly MultipassDnsZone upstream = new(snapshot.Nodes, snapshot.Config.HostSearchDomain ?? LabDefaults.HostSearchDomain);

    public DnsAnswer Resolve(string name, DnsType type)
    {
        var question = new DnsQuestion(name, type == DnsType.A ? DnsRecordType.A : DnsRecordType.AAAA);
        var answer = zone.Answer(question);
        var note = answer.Responder.ToString();
        if (answer.IsForwarded)
        {
            answer = upstream.Answer(answer.Upstream ?? question);
            note = $"forwarded by CoreDNS to the node's resolver ({snapshot.Config.Gateway}): {(answer.Rcode == DnsRcode.NxDomain ? "the lab has no internet" : "multipass's DNS")}";
        }

        var addresses = answer.Answer.Select(r => r.Data).OfType<AddressRdata>().Select(a => a.Address)
            .Where(a => a.AddressFamily == (type == DnsType.A ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6))
            .ToList<IPAddress>();
        var records = string.Join("; ", answer.Answer.Select(r => r.ToString()));
        return new DnsAnswer(answer.Rcode, addresses, records.Length > 0 ? $"{note}: {records}" : note);
    }
}
