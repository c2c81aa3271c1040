using System.Net;
using KubeLab.Core.Dns;
using KubeLab.Core.Model;

namespace KubeLab.Core.Trace;

public enum DnsType { A, AAAA }

/// <summary>An answer: NOERROR with addresses, NOERROR with none (NODATA), or an error code. NXDOMAIN is an answer, not a failure.</summary>
public sealed record DnsAnswer(DnsRcode Rcode, IReadOnlyList<IPAddress> Addresses, string? Note = null)
{
    public static DnsAnswer NxDomain(string? note = null) => new(DnsRcode.NxDomain, [], note);

    public static DnsAnswer NoData(string? note = null) => new(DnsRcode.NoError, [], note);

    public bool HasAddresses => Rcode == DnsRcode.NoError && Addresses.Count > 0;
}

/// <summary>Answers a query the way the cluster DNS server would (the lead wires CoreDNS's real semantics here).</summary>
public interface IDnsAnswerer
{
    DnsAnswer Resolve(string name, DnsType type);
}

/// <summary>
/// A small stand-in for CoreDNS's kubernetes plugin over a snapshot: <c>svc.ns.svc.DOMAIN</c> → the ClusterIP
/// (headless: ready endpoint addresses), node names → InternalIP (k3s's NodeHosts), everything else NXDOMAIN.
/// AAAA on an IPv4 service is NODATA, as CoreDNS answers.
/// </summary>
public sealed class SnapshotDnsAnswerer(ClusterSnapshot snapshot) : IDnsAnswerer
{
    public DnsAnswer Resolve(string name, DnsType type)
    {
        var fqdn = name.TrimEnd('.').ToLowerInvariant();
        var domain = snapshot.Config.ClusterDomain;
        var node = snapshot.Nodes.FirstOrDefault(n => n.Name == fqdn);
        if (node is not null)
        {
            return type == DnsType.A ? new DnsAnswer(DnsRcode.NoError, [node.InternalIP], "hosts plugin (NodeHosts)") : DnsAnswer.NoData("hosts plugin (NodeHosts)");
        }

        if (!fqdn.EndsWith("." + domain, StringComparison.Ordinal))
        {
            return DnsAnswer.NxDomain("not in the cluster domain: CoreDNS forwards it upstream (not modelled)");
        }

        var labels = fqdn[..^(domain.Length + 1)].Split('.');
        if (labels.Length == 3 && labels[2] == "svc")
        {
            var service = snapshot.FindService(labels[1], labels[0]);
            if (service is null)
            {
                return DnsAnswer.NxDomain($"no service {labels[1]}/{labels[0]}");
            }

            IReadOnlyList<IPAddress> addresses = service.ClusterIP is not null
                ? [service.ClusterIP]
                : snapshot.SlicesFor(service).SelectMany(s => s.Endpoints).Where(e => e.Ready).Select(e => e.Addresses[0]).Distinct().ToList();
            if (service.ClusterIP is null && addresses.Count == 0)
            {
                return DnsAnswer.NxDomain($"headless service {service.Key} has no ready endpoints");
            }

            var family = type == DnsType.A ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
            var matching = addresses.Where(a => a.AddressFamily == family).ToList();
            return matching.Count > 0 ? new DnsAnswer(DnsRcode.NoError, matching, $"service {service.Key}") : DnsAnswer.NoData($"service {service.Key} has no {type} address");
        }

        return DnsAnswer.NxDomain();
    }
}
