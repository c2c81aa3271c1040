using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Model;

namespace KubeLab.Core.Dns;

public sealed partial class CoreDnsZone
{
    /// <summary>What CoreDNS's msg.Service carries: an address or a name (CNAME), a port, and the record's domain.</summary>
    private readonly record struct Backend(string Host, int Port, string Domain, uint Ttl = KubernetesTtl, string? Text = null);

    /// <summary>The parsed query name (plugin/kubernetes parse.go recordRequest).</summary>
    private sealed record RecordRequest(string PodOrSvc, string Namespace, string Service, string Endpoint, string Port, string Protocol);

    private enum Lookup { Found, NameError }

    private DnsAnswerSet AnswerFromKubernetes(DnsQuestion question, string qname, string name, string lowerZone)
    {
        var zone = qname[^lowerZone.Length..]; // handler.go keeps the case of the query in the zone
        var records = new List<DnsRecord>();
        var extra = new List<DnsRecord>();
        DnsQuestion? upstream = null;
        Lookup lookup;

        switch (question.Type)
        {
            case DnsRecordType.A or DnsRecordType.AAAA:
                lookup = Addresses(qname, lowerZone, zone, question.Type, [], records, out upstream);
                break;
            case DnsRecordType.TXT:
                lookup = Services(name, lowerZone, zone, DnsRecordType.TXT, out var txt);
                records.AddRange(txt.Where(s => s.Text is not null)
                    .Select(s => new DnsRecord(qname, DnsRecordType.TXT, s.Ttl, new TxtRdata(s.Text!))));
                break;
            case DnsRecordType.CNAME:
                lookup = Services(name, lowerZone, zone, DnsRecordType.CNAME, out var cnames);
                if (cnames.Count > 0 && DnsName.ParseGoIP(cnames[0].Host) is null)
                {
                    records.Add(new DnsRecord(qname, DnsRecordType.CNAME, cnames[0].Ttl, new NameRdata(DnsName.Fqdn(cnames[0].Host))));
                }

                break;
            case DnsRecordType.PTR:
                lookup = Pointers(qname, name, lowerZone, zone, records);
                break;
            case DnsRecordType.MX:
                // No kubernetes record is a mail exchanger: the lookup only decides NODATA vs NXDOMAIN.
                lookup = Services(name, lowerZone, zone, DnsRecordType.MX, out _);
                break;
            case DnsRecordType.SRV:
                lookup = ServiceLocations(qname, name, lowerZone, zone, records, extra);
                break;
            case DnsRecordType.SOA:
                lookup = Lookup.Found;
                if (name == lowerZone)
                {
                    records.Add(Soa(zone));
                }

                break;
            case DnsRecordType.AXFR or DnsRecordType.IXFR:
                return new DnsAnswerSet { Question = question, Rcode = DnsRcode.Refused, Responder = DnsResponder.Kubernetes };
            case DnsRecordType.NS when name == lowerZone:
                lookup = NameServers(qname, zone, records, extra);
                break;
            default:
                // handler.go: a fake A lookup tells NODATA from NXDOMAIN.
                lookup = Addresses(qname, lowerZone, zone, DnsRecordType.A, [], [], out _);
                break;
        }

        if (lookup == Lookup.NameError)
        {
            // fallthrough in-addr.arpa ip6.arpa: reverse names nobody in the cluster owns go to forward.
            if (lowerZone != clusterZone)
            {
                return Forwarded(question);
            }

            return Negative(question, DnsRcode.NxDomain, zone);
        }

        if (records.Count == 0)
        {
            return Negative(question, DnsRcode.NoError, zone);
        }

        return new DnsAnswerSet
        {
            Question = question,
            Authoritative = true,
            Answer = records,
            Additional = extra,
            Responder = DnsResponder.Kubernetes,
            Upstream = upstream,
        };
    }

    private DnsAnswerSet Negative(DnsQuestion question, DnsRcode rcode, string zone) => new()
    {
        Question = question,
        Rcode = rcode,
        Authoritative = true,
        Authority = [Soa(zone)],
        Responder = DnsResponder.Kubernetes,
    };

    /// <summary>backend_lookup.go A/AAAA: addresses of the backends, CNAMEs chased inside the zone, or upstream.</summary>
    private Lookup Addresses(string qname, string lowerZone, string zone, DnsRecordType type, List<DnsRecord> previous,
        List<DnsRecord> records, out DnsQuestion? upstream)
    {
        upstream = null;
        var name = qname.ToLowerInvariant();
        if (Services(name, lowerZone, zone, type, out var backends) == Lookup.NameError)
        {
            return Lookup.NameError;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backend in backends)
        {
            var ip = DnsName.ParseGoIP(backend.Host);
            if (ip is null)
            {
                var target = DnsName.Fqdn(backend.Host);
                if (string.Equals(target, name, StringComparison.OrdinalIgnoreCase) || previous.Count > 7
                    || previous.Any(r => r.Type == DnsRecordType.CNAME && r.Data is NameRdata n
                        && string.Equals(n.Target, target, StringComparison.OrdinalIgnoreCase)))
                {
                    continue; // x CNAME x, too long a chain, or a loop
                }

                var cname = new DnsRecord(qname, DnsRecordType.CNAME, backend.Ttl, new NameRdata(target));
                if (DnsName.IsSubDomain(lowerZone, target))
                {
                    var chased = new List<DnsRecord>();
                    if (Addresses(target, lowerZone, DnsName.Fqdn(target)[^zone.Length..], type, [.. previous, cname], chased, out var further) == Lookup.Found
                        && chased.Count > 0)
                    {
                        records.Add(cname);
                        records.AddRange(chased);
                        upstream ??= further;
                    }

                    continue;
                }

                // plugin/kubernetes Lookup → the upstream (forward) resolves the target; its answers follow the CNAME.
                records.Add(cname);
                upstream ??= new DnsQuestion(target, type);
                continue;
            }

            var family = type == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            if (ip.AddressFamily == family && seen.Add(backend.Host))
            {
                records.Add(new DnsRecord(qname, type, backend.Ttl, new AddressRdata(ip)));
            }
        }

        return Lookup.Found;
    }

    /// <summary>backend_lookup.go SRV: priority 0, weight floor(100/N) (at least 1), targets' addresses in additional.</summary>
    private Lookup ServiceLocations(string qname, string name, string lowerZone, string zone, List<DnsRecord> records, List<DnsRecord> extra)
    {
        if (Services(name, lowerZone, zone, DnsRecordType.SRV, out var backends) == Lookup.NameError)
        {
            return Lookup.NameError;
        }

        // Every backend weighs 100 at priority 0, including the port -1 sentinels that are dropped below.
        var total = 100.0 * backends.Count;
        var seenSrv = new HashSet<(string, int)>();
        var seenAddress = new HashSet<(string, string)>();
        foreach (var backend in backends)
        {
            if (backend.Port == -1 || DnsName.ParseGoIP(backend.Host) is not { } ip)
            {
                continue;
            }

            var weight = (ushort)Math.Max(1, Math.Floor(100.0 / total * 100));
            var target = backend.Domain;
            if (seenSrv.Add((target.ToLowerInvariant(), backend.Port)))
            {
                records.Add(new DnsRecord(qname, DnsRecordType.SRV, backend.Ttl, new SrvRdata(0, weight, (ushort)backend.Port, target)));
            }

            if (seenAddress.Add((target.ToLowerInvariant(), backend.Host)))
            {
                var type = ip.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
                extra.Add(new DnsRecord(target, type, backend.Ttl, new AddressRdata(ip)));
            }
        }

        return Lookup.Found;
    }

    /// <summary>reverse.go: a ClusterIP names its service; else each ready endpoint with that address names itself.</summary>
    private Lookup Pointers(string qname, string name, string lowerZone, string zone, List<DnsRecord> records)
    {
        if (DnsName.AddressFromReverse(name) is not { } ip)
        {
            return Services(name, lowerZone, zone, DnsRecordType.PTR, out _);
        }

        var targets = new List<string>();
        if (servicesByClusterIP.TryGetValue(ip, out var service))
        {
            targets.Add($"{service.Name}.{service.Namespace}.svc.{clusterZone}");
        }
        else
        {
            foreach (var set in allEndpoints)
            {
                targets.AddRange(set.Addresses.Where(a => a.IP.Equals(ip))
                    .Select(a => $"{EndpointHostname(a)}.{set.ServiceIndex}.svc.{clusterZone}"));
            }
        }

        if (targets.Count == 0)
        {
            return Lookup.NameError;
        }

        records.AddRange(targets.Distinct(StringComparer.Ordinal)
            .Select(t => new DnsRecord(qname, DnsRecordType.PTR, KubernetesTtl, new NameRdata(t))));
        return Lookup.Found;
    }

    /// <summary>backend_lookup.go NS: the zone's name server is the service fronting the CoreDNS pod.</summary>
    private Lookup NameServers(string qname, string zone, List<DnsRecord> records, List<DnsRecord> extra)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (nsName, ip) in NameServerAddresses(zone))
        {
            var type = ip.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
            extra.Add(new DnsRecord(nsName, type, KubernetesTtl, new AddressRdata(ip)));
            if (seen.Add(nsName))
            {
                records.Add(new DnsRecord(qname, DnsRecordType.NS, KubernetesTtl, new NameRdata(nsName)));
            }
        }

        return Lookup.Found;
    }

    /// <summary>ns.go nsAddrs: the services whose endpoints hold a CoreDNS pod address, else the pod address itself.</summary>
    private List<(string Name, IPAddress Address)> NameServerAddresses(string zone)
    {
        var result = new List<(string, IPAddress)>();
        var found = false;
        foreach (var local in localIPs)
        {
            foreach (var set in allEndpoints.Where(e => e.Addresses.Any(a => a.IP.Equals(local))))
            {
                found = true;
                if (!services.TryGetValue(set.ServiceIndex, out var service))
                {
                    continue;
                }

                var serviceName = $"{service.Name}.{service.Namespace}.svc.{zone}";
                if (IsHeadless(service))
                {
                    result.AddRange(set.Addresses.Select(a => ($"{EndpointHostname(a)}.{serviceName}", a.IP)));
                }
                else if (service.ClusterIP is { } clusterIP)
                {
                    result.Add((serviceName, clusterIP));
                }
            }
        }

        if (!found)
        {
            result.AddRange(localIPs.Select(ip => ("ns.dns." + zone, ip)));
        }

        return result;
    }

    /// <summary>kubernetes.go Services: the special names (dns-version TXT, NS, ns.dns.&lt;zone&gt;), then Records.</summary>
    private Lookup Services(string name, string lowerZone, string zone, DnsRecordType type, out List<Backend> backends)
    {
        backends = [];
        if (type == DnsRecordType.TXT)
        {
            if (TrimZone(name, lowerZone) == "dns-version")
            {
                backends.Add(new Backend("", 0, name, DnsVersionTtl, DnsSchemaVersion));
                return Lookup.Found;
            }

            // Another type exists under this name: NOERROR without records; else NXDOMAIN.
            _ = Records(name, lowerZone, zone, out var others);
            return others.Count > 0 ? Lookup.Found : Lookup.NameError;
        }

        if (name.StartsWith("ns.dns.", StringComparison.Ordinal) && name.IndexOf(lowerZone, StringComparison.Ordinal) == "ns.dns.".Length)
        {
            var family = type == DnsRecordType.A ? AddressFamily.InterNetwork
                : type == DnsRecordType.AAAA ? AddressFamily.InterNetworkV6
                : AddressFamily.Unknown;
            backends.AddRange(NameServerAddresses(zone).Where(n => n.Address.AddressFamily == family)
                .Select(n => new Backend(n.Address.ToString(), 0, name)));
            return Lookup.Found;
        }

        var lookup = Records(name, lowerZone, zone, out backends);
        if (type == DnsRecordType.SRV)
        {
            backends.RemoveAll(b => DnsName.ParseGoIP(b.Host) is null); // no SRV for ExternalName services
        }

        return lookup;
    }

    /// <summary>kubernetes.go Records: parse the name, check the namespace, then pods or services.</summary>
    private Lookup Records(string name, string lowerZone, string zone, out List<Backend> backends)
    {
        backends = [];
        if (Parse(name, lowerZone) is not { } request)
        {
            return Lookup.NameError;
        }

        if (request.PodOrSvc.Length == 0)
        {
            return Lookup.Found; // the apex, svc.<zone>, pod.<zone>: NODATA
        }

        if (DnsName.ReverseKind(name) > 0 || !namespaces.Contains(request.Namespace))
        {
            return Lookup.NameError;
        }

        return request.PodOrSvc == "pod" ? FindPods(request, zone, backends) : FindServices(request, zone, backends);
    }

    /// <summary>
    /// parse.go: <c>[_port._proto.|endpoint.]service.namespace.(svc|pod).zone</c>. Null for an invalid name (NXDOMAIN).
    /// </summary>
    private static RecordRequest? Parse(string name, string lowerZone)
    {
        var empty = new RecordRequest("", "", "", "", "", "");
        var trimmed = TrimZone(name, lowerZone);
        if (trimmed is "" or "svc" or "pod")
        {
            return empty;
        }

        var segments = trimmed.Split('.');
        var last = segments.Length - 1;
        var podOrSvc = segments[last];
        if (podOrSvc is not ("svc" or "pod"))
        {
            return null;
        }

        var ns = segments[last - 1];
        var service = last >= 2 ? segments[last - 2] : "";
        return (last - 2) switch
        {
            <= 0 => new RecordRequest(podOrSvc, ns, service, "", "", ""),
            1 => new RecordRequest(podOrSvc, ns, service, segments[0], "", ""),
            2 => new RecordRequest(podOrSvc, ns, service, "", StripUnderscore(segments[0]), StripUnderscore(segments[1])),
            _ => null,
        };
    }

    private static string StripUnderscore(string label) => label.StartsWith('_') ? label[1..] : label;

    private static string TrimZone(string name, string lowerZone) =>
        name.Length <= lowerZone.Length ? "" : name[..^(lowerZone.Length + 1)];

    /// <summary><c>pods insecure</c>: any well-formed dashed address in an existing namespace (the pod is not looked up).</summary>
    private static Lookup FindPods(RecordRequest request, string zone, List<Backend> backends)
    {
        if (request.Service.Length == 0)
        {
            return Lookup.Found;
        }

        var label = request.Service;
        var text = label.Count(c => c == '-') == 3 && !label.Contains("--", StringComparison.Ordinal)
            ? label.Replace('-', '.')
            : label.Replace('-', ':');
        if (DnsName.ParseGoIP(text) is null)
        {
            return Lookup.NameError;
        }

        // Extra labels (an "endpoint" or _port._proto) are parsed but ignored for pods, as in CoreDNS.
        backends.Add(new Backend(text, 0, $"{label}.{request.Namespace}.pod.{zone}"));
        return Lookup.Found;
    }

    /// <summary>kubernetes.go findServices: ExternalName → CNAME; headless or endpoint names → ready endpoints; else ClusterIP.</summary>
    private Lookup FindServices(RecordRequest request, string zone, List<Backend> backends)
    {
        if (request.Service.Length == 0)
        {
            return Lookup.Found; // <namespace>.svc.<zone>: NODATA
        }

        var index = ServiceIndex(request.Service, request.Namespace);
        if (!services.TryGetValue(index, out var service))
        {
            return Lookup.NameError;
        }

        var lookup = Lookup.NameError;
        var domain = $"{service.Name}.{service.Namespace}.svc.{zone}";
        if (service.Type == ServiceType.ExternalName)
        {
            if (request.Endpoint.Length == 0 && !string.IsNullOrEmpty(service.ExternalName)
                && DnsName.ParseGoIP(service.ExternalName) is null)
            {
                backends.Add(new Backend(service.ExternalName, 0, domain));
                lookup = Lookup.Found;
            }

            return lookup;
        }

        if (IsHeadless(service) || request.Endpoint.Length > 0)
        {
            foreach (var set in endpointsByService.GetValueOrDefault(index) ?? [])
            {
                foreach (var address in set.Addresses)
                {
                    var hostname = EndpointHostname(address);
                    if (request.Endpoint.Length > 0 && !string.Equals(request.Endpoint, hostname, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    foreach (var port in set.Ports.Where(p => Matches(request, p)))
                    {
                        backends.Add(new Backend(address.IP.ToString(), port.Port, $"{hostname}.{domain}"));
                        lookup = Lookup.Found;
                    }
                }
            }

            return lookup;
        }

        var ports = service.Ports.Count == 0
            ? [PortSpec.None]
            : service.Ports.Select(p => new PortSpec(p.Name ?? "", p.Port, p.Protocol.ToString())).ToList();
        foreach (var port in ports.Where(p => Matches(request, p)))
        {
            lookup = Lookup.Found;
            if (service.ClusterIP is { } ip)
            {
                backends.Add(new Backend(ip.ToString(), port.Port, domain));
            }
        }

        return lookup;
    }

    private static bool IsHeadless(Service service) => service.Headless || (service.ClusterIP is null && service.Type != ServiceType.ExternalName);

    /// <summary>matchPortAndProtocol: an empty request part matches anything; names compare case-insensitively.</summary>
    private static bool Matches(RecordRequest request, PortSpec port) =>
        (request.Port.Length == 0 || string.Equals(request.Port, port.Name, StringComparison.OrdinalIgnoreCase))
        && (request.Protocol.Length == 0 || string.Equals(request.Protocol, port.Protocol, StringComparison.OrdinalIgnoreCase));
}
