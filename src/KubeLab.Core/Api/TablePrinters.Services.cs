using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    private const int LoadBalancerWidth = 16;

    /// <summary>printService: TYPE, CLUSTER-IP (clusterIPs[0]), EXTERNAL-IP (getServiceExternalIP), PORT(S), AGE, SELECTOR.</summary>
    private static object?[] Service(V1Service service, DateTimeOffset now)
    {
        var spec = service.Spec ?? new V1ServiceSpec();
        // The API server defaults type to ClusterIP and keeps clusterIPs[0] equal to clusterIP.
        var type = spec.Type ?? "ClusterIP";
        var clusterIP = spec.ClusterIPs is { Count: > 0 } ips ? ips[0] : OrNone(spec.ClusterIP);
        var ports = PortString(spec.Ports);
        return
        [
            Name(service),
            type,
            clusterIP,
            ExternalIP(service, type),
            ports.Length == 0 ? None : ports,
            Age(service, now),
            LabelSelectorText.FormatLabels(spec.Selector),
        ];
    }

    /// <summary>
    /// getServiceExternalIP with wide=true, as the API server prints: externalIPs for ClusterIP and NodePort
    /// ("&lt;none&gt;" without), the load balancer's ingress IPs or hostnames (sorted, unique) then externalIPs for
    /// LoadBalancer ("&lt;pending&gt;" while it has none), externalName for ExternalName.
    /// </summary>
    private static string ExternalIP(V1Service service, string type)
    {
        var externalIPs = service.Spec?.ExternalIPs ?? [];
        switch (type)
        {
            case "ClusterIP":
            case "NodePort":
                return externalIPs.Count > 0 ? string.Join(",", externalIPs) : None;
            case "LoadBalancer":
                var lbIPs = LoadBalancerStatusText(service.Status?.LoadBalancer, wide: true);
                if (externalIPs.Count > 0)
                {
                    var results = new List<string>();
                    if (lbIPs.Length > 0)
                    {
                        results.AddRange(lbIPs.Split(','));
                    }

                    results.AddRange(externalIPs);
                    return string.Join(",", results);
                }

                return lbIPs.Length > 0 ? lbIPs : "<pending>";
            case "ExternalName":
                return service.Spec?.ExternalName ?? "";
            default:
                return "<unknown>";
        }
    }

    /// <summary>loadBalancerStatusStringer: ingress IPs (or hostnames) as a sorted set; clipped to 16 bytes unless wide.</summary>
    internal static string LoadBalancerStatusText(V1LoadBalancerStatus? status, bool wide)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ingress in status?.Ingress ?? [])
        {
            if (!string.IsNullOrEmpty(ingress.Ip))
            {
                result.Add(ingress.Ip);
            }
            else if (!string.IsNullOrEmpty(ingress.Hostname))
            {
                result.Add(ingress.Hostname);
            }
        }

        var text = string.Join(",", result);
        return !wide && text.Length > LoadBalancerWidth ? text[..(LoadBalancerWidth - 3)] + "..." : text;
    }

    /// <summary>makePortString: "port/protocol" or "port:nodePort/protocol", joined with ",".</summary>
    private static string PortString(IList<V1ServicePort>? ports) =>
        string.Join(",", (ports ?? []).Select(p =>
        {
            // The API server defaults a port's protocol to TCP.
            var protocol = p.Protocol ?? "TCP";
            return p.NodePort is > 0 ? F($"{p.Port}:{p.NodePort}/{protocol}") : F($"{p.Port}/{protocol}");
        }));

    /// <summary>printEndpoints: formatEndpoints with all ports.</summary>
    private static object?[] Endpoints(V1Endpoints endpoints, DateTimeOffset now) =>
        [Name(endpoints), EndpointsText(endpoints.Subsets), Age(endpoints, now)];

    /// <summary>
    /// formatEndpoints: "ip:port" for every port of every subset and every ready address (IPv6 in brackets), just
    /// the IPs for a subset without ports, the first three then " + N more..."; "&lt;none&gt;" without subsets.
    /// </summary>
    private static string EndpointsText(IList<V1EndpointSubset>? subsets)
    {
        if (subsets is null || subsets.Count == 0)
        {
            return None;
        }

        const int max = 3;
        var list = new List<string>();
        var count = 0;
        foreach (var subset in subsets)
        {
            var addresses = subset.Addresses ?? [];
            if (subset.Ports is not { Count: > 0 } ports)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(max - list.Count).Select(a => a.Ip));
                continue;
            }

            foreach (var port in ports)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(max - list.Count).Select(a => JoinHostPort(a.Ip, port.Port)));
            }
        }

        var text = string.Join(",", list);
        return count > max ? F($"{text} + {count - max} more...") : text;
    }

    /// <summary>net.JoinHostPort: a host containing ':' (IPv6) goes in brackets.</summary>
    private static string JoinHostPort(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? F($"[{host}]:{port}") : F($"{host}:{port}");

    /// <summary>printEndpointSlice: ADDRESSTYPE, PORTS (formatDiscoveryPorts), ENDPOINTS (formatDiscoveryEndpoints).</summary>
    private static object?[] EndpointSlice(V1EndpointSlice slice, DateTimeOffset now)
    {
        var ports = (slice.Ports ?? []).Select(p => p.Port is { } port ? F($"{port}") : p.Name ?? "*").ToList();
        var addresses = (slice.Endpoints ?? []).SelectMany(e => e.Addresses ?? []).ToList();
        return [Name(slice), slice.AddressType ?? "", ListWithMore(ports), ListWithMore(addresses), Age(slice, now)];
    }

    /// <summary>listWithMoreString: the first three joined with ",", then " + N more..."; "&lt;unset&gt;" when empty.</summary>
    private static string ListWithMore(IReadOnlyList<string> items)
    {
        const int max = 3;
        var text = string.Join(",", items.Take(max));
        if (items.Count > max)
        {
            return F($"{text} + {items.Count - max} more...");
        }

        return text.Length == 0 ? "<unset>" : text;
    }
}
