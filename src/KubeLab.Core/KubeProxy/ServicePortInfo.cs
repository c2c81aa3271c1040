using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KubeLab.Core.Model;

namespace KubeLab.Core.KubeProxy;

/// <summary>One endpoint of a service port as kube-proxy's EndpointSliceCache sees it.</summary>
internal sealed class EndpointInfo
{
    /// <summary>"ip:port", built from the address text (kube-proxy's endpointInfo.String()).</summary>
    public required string Endpoint { get; init; }
    /// <summary>The address, canonical (used for <c>-s</c>).</summary>
    public required string IP { get; init; }
    public bool IsLocal { get; init; }
    public bool Ready { get; init; }
    public bool Serving { get; init; }
    public bool Terminating { get; init; }
    public IReadOnlyList<string>? ZoneHints { get; init; }
    public string ChainName { get; set; } = "";
    /// <summary>Its place among the slices' endpoints, which decides between duplicates.</summary>
    internal int Arrival { get; init; }
}

/// <summary>
/// One service port as kube-proxy's ServiceChangeTracker builds it (pkg/proxy/service.go): everything the
/// rule writer needs, already filtered to the IPv4 family.
/// </summary>
internal sealed class ServicePortInfo
{
    public required Service Service { get; init; }
    /// <summary>"namespace/name", computed once (the sort key).</summary>
    public required string ServiceKey { get; init; }
    public required ServicePort Port { get; init; }
    /// <summary>"ns/name:port" or "ns/name" (unnamed port).</summary>
    public required string Name { get; init; }
    public required string Protocol { get; init; }
    public required string ClusterIP { get; init; }
    public required IReadOnlyList<string> ExternalIPs { get; init; }
    public required IReadOnlyList<string> LoadBalancerVips { get; init; }
    public required IReadOnlyList<string> SourceRanges { get; init; }
    public required IReadOnlyList<IPNetwork> SourceRangeNetworks { get; init; }
    public int HealthCheckNodePort { get; init; }
    public bool ExternalPolicyLocal { get; init; }
    public bool InternalPolicyLocal { get; init; }
    /// <summary>ClientIP affinity timeout in seconds; 0 = no affinity.</summary>
    public int StickySeconds { get; init; }
    public List<EndpointInfo> Endpoints { get; } = [];

    public int NodePort => Port.NodePort;

    public bool ExternallyAccessible => NodePort != 0 || LoadBalancerVips.Count > 0 || ExternalIPs.Count > 0;

    public bool UsesClusterEndpoints => !InternalPolicyLocal || ExternallyAccessible;

    public bool UsesLocalEndpoints => InternalPolicyLocal || (ExternalPolicyLocal && ExternallyAccessible);

    /// <summary>
    /// The service ports this proxier handles, sorted by (service key, port name, protocol) ordinally: the
    /// order the upstream tests' normalisation gives (kube-proxy itself walks a Go map, i.e. random order).
    /// Headless, ExternalName and IPv6-only services are skipped (utilproxy.ShouldSkipService and
    /// GetClusterIPByFamily).
    /// </summary>
    public static List<ServicePortInfo> Collect(ClusterSnapshot snapshot, string nodeName)
    {
        var slicesByService = new Dictionary<string, List<EndpointSlice>>(StringComparer.Ordinal);
        foreach (var slice in snapshot.EndpointSlices)
        {
            if (!slicesByService.TryGetValue(slice.ServiceKey, out var list))
            {
                slicesByService[slice.ServiceKey] = list = [];
            }

            list.Add(slice);
        }

        var result = new List<ServicePortInfo>();
        foreach (var service in snapshot.Services)
        {
            if (service.Type == ServiceType.ExternalName || service.Headless || service.ClusterIP is null
                || service.ClusterIP.AddressFamily != AddressFamily.InterNetwork)
            {
                continue;
            }

            var externalIPs = service.ExternalIPs.Where(IsIPv4Text).ToList();
            var vips = service.LoadBalancerIngress
                .Where(ip => ip.AddressFamily == AddressFamily.InterNetwork)
                .Select(ip => ip.ToString())
                .ToList();
            var ranges = new List<string>();
            var rangeNetworks = new List<IPNetwork>();
            foreach (var raw in service.LoadBalancerSourceRanges)
            {
                // service.go: strings.TrimSpace, then kept if it parses as a CIDR of this family.
                var trimmed = raw.Trim();
                if (TryParseIPv4Cidr(trimmed, out var network))
                {
                    ranges.Add(trimmed);
                    rangeNetworks.Add(network);
                }
            }

            var externalLocal = service.Type is ServiceType.NodePort or ServiceType.LoadBalancer
                && service.ExternalTrafficPolicy == TrafficPolicy.Local;
            var healthCheck = service.Type == ServiceType.LoadBalancer && externalLocal ? service.HealthCheckNodePort : 0;
            var serviceKey = service.Key;
            slicesByService.TryGetValue(serviceKey, out var slices);

            foreach (var port in service.Ports)
            {
                var info = new ServicePortInfo
                {
                    Service = service,
                    ServiceKey = serviceKey,
                    Port = port,
                    Name = service.PortName(port),
                    Protocol = port.Protocol.Lower(),
                    ClusterIP = service.ClusterIP.ToString(),
                    ExternalIPs = externalIPs,
                    LoadBalancerVips = vips,
                    SourceRanges = ranges,
                    SourceRangeNetworks = rangeNetworks,
                    HealthCheckNodePort = healthCheck,
                    ExternalPolicyLocal = externalLocal,
                    InternalPolicyLocal = service.InternalTrafficPolicy == TrafficPolicy.Local,
                    StickySeconds = service.SessionAffinityClientIP ? service.SessionAffinityTimeoutSeconds : 0,
                };
                if (slices is not null)
                {
                    AddEndpoints(info, slices, nodeName);
                }

                result.Add(info);
            }
        }

        result.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.ServiceKey, b.ServiceKey);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Port.Name ?? "", b.Port.Name ?? "");
            }

            return c != 0 ? c : string.CompareOrdinal(a.Protocol, b.Protocol);
        });
        return result;
    }

    /// <summary>
    /// endpointslicecache.go: a slice port serves this service port when name and protocol match (port 0
    /// ignored); each endpoint contributes its first address; duplicates merge with the local one winning;
    /// the list is sorted by the "ip:port" string (so 10.0.0.10:80 sorts before 10.0.0.9:80).
    /// </summary>
    private static void AddEndpoints(ServicePortInfo info, List<EndpointSlice> slices, string nodeName)
    {
        var found = info.Endpoints;
        var portName = info.Port.Name ?? "";
        foreach (var slice in slices)
        {
            if (slice.AddressType != "IPv4")
            {
                continue;
            }

            foreach (var slicePort in slice.Ports)
            {
                if (slicePort.Port == 0 || slicePort.Protocol != info.Port.Protocol || (slicePort.Name ?? "") != portName)
                {
                    continue;
                }

                var portText = slicePort.Port.ToString(CultureInfo.InvariantCulture);
                foreach (var endpoint in slice.Endpoints)
                {
                    if (endpoint.Addresses.Count == 0 || endpoint.Addresses[0].AddressFamily != AddressFamily.InterNetwork)
                    {
                        continue;
                    }

                    var ip = endpoint.Addresses[0].ToString();
                    found.Add(new EndpointInfo
                    {
                        Endpoint = ip + ":" + portText,
                        IP = ip,
                        IsLocal = endpoint.NodeName == nodeName,
                        Ready = endpoint.Ready,
                        Serving = endpoint.Serving,
                        Terminating = endpoint.Terminating,
                        ZoneHints = endpoint.ZoneHints,
                        Arrival = found.Count,
                    });
                }
            }
        }

        // Sorted by text, duplicates side by side in arrival order; of each run, the last local one or else the first stays.
        found.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Endpoint, b.Endpoint);
            return c != 0 ? c : a.Arrival.CompareTo(b.Arrival);
        });
        var kept = 0;
        for (var i = 0; i < found.Count;)
        {
            var winner = found[i];
            var next = i + 1;
            for (; next < found.Count && found[next].Endpoint == winner.Endpoint; next++)
            {
                if (found[next].IsLocal)
                {
                    winner = found[next];
                }
            }

            found[kept++] = winner;
            i = next;
        }

        found.RemoveRange(kept, found.Count - kept);
        foreach (var endpoint in found)
        {
            endpoint.ChainName = ChainNames.Endpoint(info.Name, info.Protocol, endpoint.Endpoint);
        }
    }

    /// <summary>Go's net.ParseIP for IPv4: four dotted decimal octets, nothing else.</summary>
    internal static bool IsIPv4Text(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    /// <summary>Go's net.ParseCIDR for IPv4 ("a.b.c.d/n"; the address need not be the network address).</summary>
    internal static bool TryParseIPv4Cidr(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IsIPv4Text(text[..slash]))
        {
            return false;
        }

        var bits = text[(slash + 1)..];
        if (bits.Length is 0 or > 2 || !bits.All(char.IsAsciiDigit) || int.Parse(bits, CultureInfo.InvariantCulture) > 32)
        {
            return false;
        }

        var prefix = int.Parse(bits, CultureInfo.InvariantCulture);
        var address = IPMath.ToUInt32(IPAddress.Parse(text[..slash]));
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        network = new IPNetwork(IPMath.FromUInt32(address & mask), prefix);
        return true;
    }
}
