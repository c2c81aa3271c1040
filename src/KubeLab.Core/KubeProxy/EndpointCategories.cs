using KubeLab.Core.Model;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// pkg/proxy/topology.go CategorizeEndpoints (v1.29): which endpoints the Cluster and Local policy chains
/// use, and which endpoints need a KUBE-SEP chain on this node.
/// </summary>
internal readonly record struct EndpointCategories(
    List<EndpointInfo> Cluster,
    List<EndpointInfo> Local,
    List<EndpointInfo> AllLocallyReachable,
    bool HasAnyEndpoints)
{
    private const string ZoneLabel = "topology.kubernetes.io/zone";

    public static EndpointCategories For(ServicePortInfo port, Node node)
    {
        var endpoints = port.Endpoints;
        List<EndpointInfo> cluster = [];
        List<EndpointInfo> local = [];
        var hasAny = false;
        var useTopology = false;

        if (port.UsesClusterEndpoints)
        {
            useTopology = CanUseTopology(port, node, out var zone);
            foreach (var ep in endpoints)
            {
                if (ep.Ready && (!useTopology || ep.ZoneHints!.Contains(zone!)))
                {
                    cluster.Add(ep);
                }
            }

            // No ready endpoints anywhere: fall back to serving-and-terminating ones (KEP-1669).
            if (cluster.Count == 0)
            {
                foreach (var ep in endpoints)
                {
                    if (ep.Serving && ep.Terminating)
                    {
                        cluster.Add(ep);
                    }
                }
            }

            hasAny = cluster.Count > 0;
        }

        if (!port.UsesLocalEndpoints)
        {
            return new(cluster, local, cluster, hasAny);
        }

        bool hasLocalReady = false, hasLocalServingTerminating = false;
        foreach (var ep in endpoints)
        {
            if (ep.Ready)
            {
                hasAny = true;
                hasLocalReady |= ep.IsLocal;
            }
            else if (ep.Serving && ep.Terminating)
            {
                hasAny = true;
                hasLocalServingTerminating |= ep.IsLocal;
            }
        }

        var useServingTerminating = false;
        if (hasLocalReady)
        {
            local = endpoints.Where(ep => ep.IsLocal && ep.Ready).ToList();
        }
        else if (hasLocalServingTerminating)
        {
            useServingTerminating = true;
            local = endpoints.Where(ep => ep.IsLocal && ep.Serving && ep.Terminating).ToList();
        }

        if (!port.UsesClusterEndpoints)
        {
            return new(cluster, local, local, hasAny);
        }

        if (!useTopology && !useServingTerminating)
        {
            // cluster holds every ready endpoint, a superset of local.
            return new(cluster, local, cluster, hasAny);
        }

        // kube-proxy merges the two lists through a Go map (random order); KubeLab keeps the sorted order,
        // which the tests' normalisation makes equivalent (each SEP chain is its own block).
        var merged = cluster.Concat(local).DistinctBy(ep => ep.Endpoint, StringComparer.Ordinal)
            .OrderBy(ep => ep.Endpoint, StringComparer.Ordinal).ToList();
        return new(cluster, local, merged, hasAny);
    }

    /// <summary>
    /// topology.go canUseTopology: the Service asks for it (topology-aware-hints annotation, else
    /// topology-mode; any value but empty/"disabled"/"Disabled"), the node has a zone label, every ready
    /// endpoint has zone hints, and at least one ready endpoint hints this node's zone.
    /// </summary>
    private static bool CanUseTopology(ServicePortInfo port, Node node, out string? zone)
    {
        zone = null;
        var annotations = port.Service.Annotations;
        if (!annotations.TryGetValue("service.kubernetes.io/topology-aware-hints", out var hints))
        {
            annotations.TryGetValue("service.kubernetes.io/topology-mode", out hints);
        }

        if (string.IsNullOrEmpty(hints) || hints is "disabled" or "Disabled")
        {
            return false;
        }

        if (!node.Labels.TryGetValue(ZoneLabel, out zone) || string.IsNullOrEmpty(zone))
        {
            return false;
        }

        var hasEndpointForZone = false;
        foreach (var ep in port.Endpoints)
        {
            if (!ep.Ready)
            {
                continue;
            }

            if (ep.ZoneHints is null || ep.ZoneHints.Count == 0)
            {
                return false;
            }

            hasEndpointForZone |= ep.ZoneHints.Contains(zone);
        }

        return hasEndpointForZone;
    }
}
