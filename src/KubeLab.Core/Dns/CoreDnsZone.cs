using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Model;

namespace KubeLab.Core.Dns;

/// <summary>
/// CoreDNS 1.10 as k3s v1.29 configures it, as a pure function from the cluster to answers. The Corefile k3s ships
/// (manifests/coredns.yaml; the seed lab's ConfigMap is identical):
/// <code>
/// .:53 {
///     errors
///     health
///     ready
///     kubernetes cluster.local in-addr.arpa ip6.arpa {
///       pods insecure
///       fallthrough in-addr.arpa ip6.arpa
///     }
///     hosts /etc/coredns/NodeHosts {
///       ttl 60
///       reload 15s
///       fallthrough
///     }
///     prometheus :9153
///     forward . /etc/resolv.conf
///     cache 30
///     loop
///     reload
///     loadbalance
///     import /etc/coredns/custom/*.override
/// }
/// import /etc/coredns/custom/*.server
/// </code>
/// Plugins run in plugin.cfg order, not Corefile order: cache → hosts → kubernetes → forward. The kubernetes block
/// sets no <c>ttl</c>, so records carry the plugin's default of 5 s; the cache then rewrites every TTL of a response
/// to the smallest one clamped to [5, 30] (hosts' 60 → 30). Answers here are what a client sees on a cache miss.
/// loadbalance's shuffle is left to the server (this function is deterministic).
/// Behaviour follows coredns/coredns@v1.10.1 plugin/kubernetes (handler.go, kubernetes.go, parse.go, reverse.go,
/// ns.go, object/), plugin/backend_lookup.go, plugin/hosts and plugin/cache.
/// </summary>
public sealed partial class CoreDnsZone
{
    /// <summary>plugin/kubernetes defaultTTL (k3s's Corefile has no <c>ttl</c> line).</summary>
    public const uint KubernetesTtl = 5;

    /// <summary>k3s's Corefile: <c>hosts /etc/coredns/NodeHosts { ttl 60 }</c>.</summary>
    public const uint HostsTtl = 60;

    /// <summary>k3s's Corefile: <c>cache 30</c> caps positive and negative TTLs at 30 s.</summary>
    public const uint CacheMaxTtl = 30;

    /// <summary>plugin/cache's default minimum TTL (dnsutil.MinimalDefaultTTL).</summary>
    public const uint CacheMinTtl = 5;

    /// <summary>The TTL of <c>dns-version.&lt;zone&gt;</c> TXT before the cache caps it.</summary>
    public const uint DnsVersionTtl = 28800;

    /// <summary>The Kubernetes DNS schema version CoreDNS reports.</summary>
    public const string DnsSchemaVersion = "1.1.0";

    /// <summary>Namespaces every k3s cluster has.</summary>
    public static readonly IReadOnlyList<string> BuiltinNamespaces = ["default", "kube-node-lease", "kube-public", "kube-system"];

    private readonly string clusterZone;
    private readonly string[] zones;
    private readonly uint serial;
    private readonly Dictionary<string, Service> services = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<EndpointSet>> endpointsByService = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<EndpointSet> allEndpoints = [];
    private readonly Dictionary<IPAddress, Service> servicesByClusterIP = [];
    private readonly HashSet<string> namespaces;
    private readonly Dictionary<string, List<IPAddress>> hostsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IPAddress, List<string>> hostsByAddress = [];
    private readonly IReadOnlyList<IPAddress> localIPs;

    public CoreDnsZone(ClusterSnapshot snapshot, CoreDnsOptions? options = null)
    {
        options ??= new CoreDnsOptions();
        clusterZone = DnsName.Fqdn(options.ClusterDomain ?? snapshot.Config.ClusterDomain).ToLowerInvariant();
        zones = [clusterZone, DnsName.InAddrArpa, DnsName.Ip6Arpa];
        serial = options.Serial;

        foreach (var service in snapshot.Services)
        {
            services[ServiceIndex(service.Name, service.Namespace)] = service;
            if (service.ClusterIP is { } ip && !service.Headless && service.Type != ServiceType.ExternalName)
            {
                servicesByClusterIP.TryAdd(ip, service);
            }
        }

        foreach (var slice in snapshot.EndpointSlices.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            var set = EndpointSet.From(slice);
            allEndpoints.Add(set);
            var index = ServiceIndex(slice.ServiceName, slice.Namespace);
            if (!endpointsByService.TryGetValue(index, out var list))
            {
                endpointsByService[index] = list = [];
            }

            list.Add(set);
        }

        namespaces = new HashSet<string>(options.Namespaces ?? DefaultNamespaces(snapshot), StringComparer.Ordinal);

        // hosts /etc/coredns/NodeHosts { reload 15s }: the file is the coredns ConfigMap's NodeHosts key, lines users
        // add included (k3s's node controller keeps them); without the ConfigMap, one line per node as k3s writes them.
        foreach (var host in options.NodeHosts ?? (snapshot.NodeHosts is { } text ? NodeHosts.Parse(text) : NodeHosts.For(snapshot)))
        {
            var name = DnsName.Fqdn(host.Name).ToLowerInvariant();
            if (!hostsByName.TryGetValue(name, out var addresses))
            {
                hostsByName[name] = addresses = [];
            }

            addresses.Add(host.Address);
            if (!hostsByAddress.TryGetValue(host.Address, out var names))
            {
                hostsByAddress[host.Address] = names = [];
            }

            names.Add(name);
        }

        localIPs = options.CoreDnsPodIPs ?? snapshot.Pods
            .Where(p => p.Namespace == "kube-system" && p.IP is not null
                && p.Labels.TryGetValue("k8s-app", out var app) && app == "kube-dns")
            .Select(p => p.IP!)
            .ToList();
    }

    /// <summary>The kubernetes block's forward zone, lower case with a trailing dot (<c>cluster.local.</c>).</summary>
    public string ClusterZone => clusterZone;

    /// <summary>Answers one question the way the CoreDNS pod would (hosts, then kubernetes, else forward).</summary>
    public DnsAnswerSet Answer(DnsQuestion question)
    {
        var qname = question.Fqdn;
        var name = qname.ToLowerInvariant();

        if (AnswerFromHosts(question, qname, name) is { } fromHosts)
        {
            return ApplyCacheTtl(fromHosts);
        }

        var zone = zones.Where(z => DnsName.IsSubDomain(z, name)).OrderByDescending(z => z.Length).FirstOrDefault();
        if (zone is null)
        {
            return Forwarded(question);
        }

        var answer = AnswerFromKubernetes(question, qname, name, zone);
        return answer.IsForwarded ? answer : ApplyCacheTtl(answer);
    }

    /// <summary>A question CoreDNS hands to <c>forward . /etc/resolv.conf</c>.</summary>
    public static DnsAnswerSet Forwarded(DnsQuestion question) =>
        new() { Question = question, Responder = DnsResponder.Forward, Upstream = question };

    /// <summary>
    /// plugin/cache on a miss: every TTL in the response (answer, authority, additional) becomes the smallest TTL in it,
    /// clamped to [<see cref="CacheMinTtl"/>, <see cref="CacheMaxTtl"/>]. Call again after appending upstream records.
    /// </summary>
    public static DnsAnswerSet ApplyCacheTtl(DnsAnswerSet answer)
    {
        var all = answer.Answer.Concat(answer.Authority).Concat(answer.Additional).ToList();
        if (all.Count == 0)
        {
            return answer;
        }

        var ttl = Math.Clamp(all.Min(r => r.Ttl), CacheMinTtl, CacheMaxTtl);
        return answer with
        {
            Answer = answer.Answer.Select(r => r.WithTtl(ttl)).ToList(),
            Authority = answer.Authority.Select(r => r.WithTtl(ttl)).ToList(),
            Additional = answer.Additional.Select(r => r.WithTtl(ttl)).ToList(),
        };
    }

    /// <summary>CoreDNS's negative-answer SOA: <c>&lt;zone&gt; SOA ns.dns.&lt;zone&gt;. hostmaster.&lt;zone&gt;. serial 7200 1800 86400 ttl</c>.</summary>
    public DnsRecord Soa(string zone)
    {
        // plugin/backend_lookup.go SOA: header TTL = min(MinTTL, 300); MinTTL is the kubernetes ttl.
        var ttl = Math.Min(KubernetesTtl, 300u);
        var data = new SoaRdata("ns.dns." + zone, "hostmaster." + zone, serial, 7200, 1800, 86400, KubernetesTtl);
        return new DnsRecord(zone, DnsRecordType.SOA, ttl, data);
    }

    private DnsAnswerSet? AnswerFromHosts(DnsQuestion question, string qname, string name)
    {
        // plugin/hosts: the server block's origin is ".", so every name is looked at; PTRs of unknown addresses and
        // names the file does not hold fall through to the next plugin. A name that exists with another type is
        // NOERROR with no records and, unlike the kubernetes plugin, no SOA.
        var answers = new List<DnsRecord>();
        switch (question.Type)
        {
            case DnsRecordType.PTR:
                if (DnsName.AddressFromReverse(name) is not { } address || !hostsByAddress.TryGetValue(address, out var names))
                {
                    return null;
                }

                answers.AddRange(names.Select(n => new DnsRecord(qname, DnsRecordType.PTR, HostsTtl, new NameRdata(n))));
                break;
            case DnsRecordType.A or DnsRecordType.AAAA:
                var family = question.Type == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (hostsByName.TryGetValue(name, out var addresses))
                {
                    answers.AddRange(addresses.Where(a => a.AddressFamily == family)
                        .Select(a => new DnsRecord(qname, question.Type, HostsTtl, new AddressRdata(a))));
                }

                break;
        }

        if (answers.Count == 0 && !hostsByName.ContainsKey(name))
        {
            return null;
        }

        return new DnsAnswerSet { Question = question, Authoritative = true, Answer = answers, Responder = DnsResponder.Hosts };
    }

    private static IEnumerable<string> DefaultNamespaces(ClusterSnapshot snapshot) =>
        BuiltinNamespaces
            .Concat(snapshot.Pods.Select(p => p.Namespace))
            .Concat(snapshot.Services.Select(s => s.Namespace))
            .Concat(snapshot.EndpointSlices.Select(s => s.Namespace))
            .Concat(snapshot.Deployments.Select(d => d.Namespace))
            .Concat(snapshot.ReplicaSets.Select(r => r.Namespace));

    private static string ServiceIndex(string name, string ns) => $"{name}.{ns}";

    /// <summary>CoreDNS's endpointHostname: the EndpointSlice hostname, else the address with '.'/':' turned into '-'.</summary>
    private static string EndpointHostname(EndpointAddress address) =>
        !string.IsNullOrEmpty(address.Hostname) ? address.Hostname
        : address.IP.ToString().Replace('.', '-').Replace(':', '-');

    /// <summary>A port of a service or slice; port -1 with empty name and protocol is CoreDNS's "no ports" sentinel.</summary>
    private sealed record PortSpec(string Name, int Port, string Protocol)
    {
        public static readonly PortSpec None = new("", -1, "");
    }

    private sealed record EndpointAddress(IPAddress IP, string? Hostname);

    /// <summary>CoreDNS's object.Endpoints made from one EndpointSlice: only ready addresses (nil ready counts as ready).</summary>
    private sealed record EndpointSet(string ServiceIndex, IReadOnlyList<PortSpec> Ports, IReadOnlyList<EndpointAddress> Addresses)
    {
        public static EndpointSet From(EndpointSlice slice) => new(
            CoreDnsZone.ServiceIndex(slice.ServiceName, slice.Namespace),
            slice.Ports.Count == 0 ? [PortSpec.None] : slice.Ports.Select(p => new PortSpec(p.Name ?? "", p.Port, p.Protocol.ToString())).ToList(),
            slice.Endpoints.Where(e => e.Ready).SelectMany(e => e.Addresses.Select(a => new EndpointAddress(a, e.Hostname))).ToList());
    }
}
