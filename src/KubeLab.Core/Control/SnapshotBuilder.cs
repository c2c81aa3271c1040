using System.Net;
using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>Turns stored Kubernetes objects into the resolved model the node plans are computed from.</summary>
public static class SnapshotBuilder
{
    public static ClusterSnapshot FromState(ClusterState state)
    {
        var config = state.Config;
        var nodes = config.Nodes.Select(n => new Node
        {
            Name = n.Name,
            Role = n.Role,
            InternalIP = n.InternalIP,
            PodCidr = n.PodCidr,
            VtepMac = n.VtepMac,
            Labels = new Dictionary<string, string>(ControlPlane.NodeLabels(n)),
            Created = config.Created,
            KubeletVersion = config.K3sVersion,
        }).ToList();
        return FromObjects(config, nodes, state.Objects.Select(o => (object)o.Object));
    }

    /// <summary>
    /// A snapshot from objects as `kubectl get svc,endpointslices,nodes,pods -A -o yaml` prints them: the
    /// nodes come from the Node objects (InternalIP, podCIDR, flannel's VtepMAC annotation).
    /// </summary>
    public static ClusterSnapshot FromObjects(LabConfig? config, IReadOnlyList<Node>? nodes, IEnumerable<object> objects)
    {
        var list = objects.ToList();
        nodes ??= list.OfType<V1Node>().Select(ToNode).ToList();
        config ??= new LabConfig
        {
            Name = "offline",
            Nodes = nodes.Select(n => new NodeConfig(n.Name, n.Role, n.InternalIP, n.PodCidr, n.VtepMac)).ToList(),
        };
        return new ClusterSnapshot
        {
            Config = config,
            Nodes = nodes,
            Pods = list.OfType<V1Pod>().Select(ToPod).ToList(),
            Services = list.OfType<V1Service>().Select(ToService).ToList(),
            EndpointSlices = list.OfType<V1EndpointSlice>().Select(ToEndpointSlice).ToList(),
            Deployments = list.OfType<V1Deployment>().Select(ToDeployment).ToList(),
            ReplicaSets = list.OfType<V1ReplicaSet>().Select(ToReplicaSet).ToList(),
            NodeHosts = list.OfType<V1ConfigMap>()
                .FirstOrDefault(c => c.Metadata.NamespaceProperty == "kube-system" && c.Metadata.Name == "coredns")?.Data is { } data && data.TryGetValue("NodeHosts", out var hosts) ? hosts : null,
        };
    }

    /// <summary>A placeholder for <see cref="Node.PodCidr"/> when the Node has no spec.podCIDR (see <see cref="Node.HasPodCidr"/>).</summary>
    public static readonly IPNetwork UnknownPodCidr = new(IPAddress.Any, 32);

    public static Node ToNode(V1Node node)
    {
        var name = Meta(node.Metadata, "Node").Name;
        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? throw KubeLabException.Invalid($"Node \"{name}\": status.addresses has no InternalIP; the node's address is needed for its rules");
        if (!IPAddress.TryParse(address, out var internalIP))
        {
            throw KubeLabException.InvalidObject("Node", name, "status.addresses", $"Invalid value: \"{address}\": must be a valid IP address");
        }

        // kube-proxy needs no podCIDR (Calico and Cilium IPAM leave it empty); only flannel's rules and routes do.
        var podCidrText = node.Spec?.PodCIDR ?? node.Spec?.PodCIDRs?.FirstOrDefault();
        IPNetwork? podCidr = null;
        if (!string.IsNullOrEmpty(podCidrText))
        {
            podCidr = IPNetwork.TryParse(podCidrText, out var parsed)
                ? parsed
                : throw KubeLabException.InvalidObject("Node", name, "spec.podCIDR", $"Invalid value: \"{podCidrText}\": must be a valid CIDR (e.g. 10.42.0.0/24)");
        }

        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var mac = "";
        if (node.Metadata.Annotations?.Get("flannel.alpha.coreos.com/backend-data") is { } data)
        {
            var marker = "\"VtepMAC\":\"";
            var at = data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                mac = data[(at + marker.Length)..].Split('"')[0];
            }
        }

        return new Node
        {
            Name = name,
            Role = labels.ContainsKey("node-role.kubernetes.io/control-plane") || labels.ContainsKey("node-role.kubernetes.io/master") ? NodeRole.Server : NodeRole.Agent,
            InternalIP = internalIP,
            PodCidr = podCidr ?? UnknownPodCidr,
            HasPodCidr = podCidr is not null,
            VtepMac = mac,
            Labels = new Dictionary<string, string>(labels),
            Created = Time(node.Metadata.CreationTimestamp),
            Ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? true,
            KubeletVersion = node.Status?.NodeInfo?.KubeletVersion ?? LabDefaults.K3sVersion,
        };
    }

    /// <summary>The object's metadata, or the API server's error for an object without a name.</summary>
    private static V1ObjectMeta Meta(V1ObjectMeta? metadata, string kind) =>
        metadata is { Name.Length: > 0 }
            ? metadata
            : throw KubeLabException.Invalid($"{kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");

    /// <summary>A port's protocol with the API server's wording for anything but TCP, UDP and SCTP.</summary>
    private static Protocol Protocol(string? text, string kind, string key, string field) =>
        text is null or "" or "TCP" or "UDP" or "SCTP"
            ? ProtocolNames.Parse(text)
            : throw KubeLabException.InvalidObject(kind, key, field, $"Unsupported value: \"{text}\": supported values: \"SCTP\", \"TCP\", \"UDP\"");

    /// <summary>The warnings of the pods a change made (in <paramref name="after"/>, not in <paramref name="before"/>) whose image is not emulated.</summary>
    public static IReadOnlyList<string> NotEmulatedWarnings(ClusterState before, ClusterState after)
    {
        if (ReferenceEquals(before.Objects, after.Objects))
        {
            return [];
        }

        var existing = before.Objects.Where(o => o.Object is V1Pod).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        return ImageEmulation.Warnings(after.Objects.Where(o => o.Object is V1Pod && !existing.Contains(o.Key)).Select(o => ToPod((V1Pod)o.Object)));
    }

    public static Pod ToPod(V1Pod pod) => new()
    {
        Namespace = Meta(pod.Metadata, "Pod").NamespaceProperty ?? "default",
        Name = pod.Metadata.Name,
        Labels = Map(pod.Metadata.Labels),
        Annotations = Map(pod.Metadata.Annotations),
        NodeName = pod.Spec?.NodeName,
        IP = pod.Status?.PodIP is { Length: > 0 } ip ? IPAddress.TryParse(ip, out var address) ? address
            : throw KubeLabException.InvalidObject("Pod", $"{pod.Metadata.NamespaceProperty ?? "default"}/{pod.Metadata.Name}", "status.podIP", $"Invalid value: \"{ip}\": must be a valid IP address") : null,
        Containers = (pod.Spec?.Containers ?? []).Select(c => ToContainer(c, "Pod", $"{pod.Metadata.NamespaceProperty ?? "default"}/{pod.Metadata.Name}")).ToList(),
        // a dump without status.phase but with an address is a running pod
        Phase = Enum.TryParse<PodPhase>(pod.Status?.Phase, out var phase) ? phase : pod.Status?.PodIP is null ? PodPhase.Pending : PodPhase.Running,
        Ready = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? pod.Status?.PodIP is not null,
        Terminating = pod.Metadata.DeletionTimestamp is not null,
        HostNetwork = pod.Spec?.HostNetwork ?? false,
        Restarts = pod.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0,
        Hostname = pod.Spec?.Hostname,
        Subdomain = pod.Spec?.Subdomain,
        Owner = pod.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true) is { } owner ? $"{owner.Kind}/{owner.Name}" : null,
        Created = Time(pod.Metadata.CreationTimestamp),
    };

    private static Container ToContainer(V1Container c, string kind, string key) => new()
    {
        Name = c.Name ?? "",
        Image = c.Image ?? "",
        Command = c.Command?.ToList() ?? [],
        Args = c.Args?.ToList() ?? [],
        Ports = (c.Ports ?? []).Select((p, i) => new ContainerPort(p.Name, p.ContainerPort, Protocol(p.Protocol, kind, key, $"spec.containers[{c.Name}].ports[{i}].protocol"), p.HostPort ?? 0)).ToList(),
        Env = (c.Env ?? []).Where(e => e.Value is not null).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
    };

    public static Service ToService(V1Service service)
    {
        var spec = service.Spec ?? new V1ServiceSpec();
        var type = Enum.TryParse<ServiceType>(spec.Type ?? "ClusterIP", out var t) ? t : ServiceType.ClusterIP;
        var headless = spec.ClusterIP == "None";
        var key = $"{Meta(service.Metadata, "Service").NamespaceProperty ?? "default"}/{service.Metadata.Name}";
        return new Service
        {
            Namespace = service.Metadata.NamespaceProperty ?? "default",
            Name = service.Metadata.Name,
            Type = type,
            ClusterIP = !headless && IPAddress.TryParse(spec.ClusterIP, out var ip) ? ip : null,
            Headless = headless,
            Ports = (spec.Ports ?? []).Select((p, i) => new ServicePort
            {
                Name = string.IsNullOrEmpty(p.Name) ? null : p.Name,
                Protocol = Protocol(p.Protocol, "Service", key, $"spec.ports[{i}].protocol"),
                Port = p.Port,
                TargetPort = ToPortRef(p.TargetPort, p.Port),
                NodePort = p.NodePort ?? 0,
            }).ToList(),
            Selector = spec.Selector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
            SessionAffinityClientIP = spec.SessionAffinity == "ClientIP",
            SessionAffinityTimeoutSeconds = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800,
            ExternalTrafficPolicy = spec.ExternalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            InternalTrafficPolicy = spec.InternalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            ExternalIPs = spec.ExternalIPs?.ToList() ?? [],
            LoadBalancerIngress = (service.Status?.LoadBalancer?.Ingress ?? [])
                .Where(i => !string.IsNullOrEmpty(i.Ip) && IPAddress.TryParse(i.Ip, out _)).Select(i => IPAddress.Parse(i.Ip)).ToList(),
            LoadBalancerSourceRanges = spec.LoadBalancerSourceRanges?.ToList() ?? [],
            HealthCheckNodePort = spec.HealthCheckNodePort ?? 0,
            ExternalName = spec.ExternalName,
            PublishNotReadyAddresses = spec.PublishNotReadyAddresses ?? false,
            Annotations = Map(service.Metadata.Annotations),
            Created = Time(service.Metadata.CreationTimestamp),
        };
    }

    private static PortRef ToPortRef(IntOrString? value, int port)
    {
        var text = value?.Value;
        if (string.IsNullOrEmpty(text))
        {
            return PortRef.Of(port);
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? PortRef.Of(number)
            : PortRef.Named(text);
    }

    public static EndpointSlice ToEndpointSlice(V1EndpointSlice slice)
    {
        var key = $"{Meta(slice.Metadata, "EndpointSlice").NamespaceProperty ?? "default"}/{slice.Metadata.Name}";
        var serviceName = slice.Metadata.Labels?.Get(ControlPlane.EndpointSliceServiceLabel)
            ?? throw KubeLabException.Invalid(
                $"EndpointSlice \"{slice.Metadata.NamespaceProperty}/{slice.Metadata.Name}\": metadata.labels: Required value: label \"{ControlPlane.EndpointSliceServiceLabel}\" names its Service; kube-proxy ignores slices without it");
        return new EndpointSlice
        {
            Namespace = slice.Metadata.NamespaceProperty ?? "default",
            Name = slice.Metadata.Name,
            ServiceName = serviceName,
            AddressType = slice.AddressType ?? "IPv4",
            Ports = (slice.Ports ?? []).Select((p, i) => new EndpointPort(string.IsNullOrEmpty(p.Name) ? null : p.Name, p.Port ?? 0,
                Protocol(p.Protocol, "EndpointSlice", key, $"ports[{i}].protocol"))).ToList(),
            Endpoints = (slice.Endpoints ?? []).Select(e => new Endpoint
            {
                Addresses = (e.Addresses ?? []).Where(a => IPAddress.TryParse(a, out _)).Select(IPAddress.Parse).ToList(),
                // EndpointSlice API: a nil condition means "unknown", which consumers treat as true for ready
                // and serving (serving defaults to ready) and false for terminating.
                Ready = e.Conditions?.Ready ?? true,
                Serving = e.Conditions?.Serving ?? e.Conditions?.Ready ?? true,
                Terminating = e.Conditions?.Terminating ?? false,
                NodeName = e.NodeName,
                Hostname = e.Hostname,
                PodKey = e.TargetRef is { Kind: "Pod" } r ? $"{r.NamespaceProperty ?? slice.Metadata.NamespaceProperty}/{r.Name}" : null,
                Zone = e.Zone,
                ZoneHints = e.Hints?.ForZones?.Select(z => z.Name).ToList(),
            }).ToList(),
            Created = Time(slice.Metadata.CreationTimestamp),
        };
    }

    public static Deployment ToDeployment(V1Deployment d) => new()
    {
        Namespace = Meta(d.Metadata, "Deployment").NamespaceProperty ?? "default",
        Name = d.Metadata.Name,
        Replicas = d.Spec?.Replicas ?? 1,
        Selector = Map(d.Spec?.Selector?.MatchLabels),
        ReadyReplicas = d.Status?.ReadyReplicas ?? 0,
        AvailableReplicas = d.Status?.AvailableReplicas ?? 0,
        UpdatedReplicas = d.Status?.UpdatedReplicas ?? 0,
        Containers = (d.Spec?.Template?.Spec?.Containers ?? []).Select(c => ToContainer(c, "Deployment", $"{d.Metadata.NamespaceProperty ?? "default"}/{d.Metadata.Name}")).ToList(),
        Created = Time(d.Metadata.CreationTimestamp),
    };

    public static ReplicaSet ToReplicaSet(V1ReplicaSet rs) => new()
    {
        Namespace = Meta(rs.Metadata, "ReplicaSet").NamespaceProperty ?? "default",
        Name = rs.Metadata.Name,
        Replicas = rs.Spec?.Replicas ?? 1,
        ReadyReplicas = rs.Status?.ReadyReplicas ?? 0,
        Selector = Map(rs.Spec?.Selector?.MatchLabels),
        Containers = (rs.Spec?.Template?.Spec?.Containers ?? []).Select(c => ToContainer(c, "ReplicaSet", $"{rs.Metadata.NamespaceProperty ?? "default"}/{rs.Metadata.Name}")).ToList(),
        Owner = rs.Metadata.OwnerReferences?.FirstOrDefault() is { } o ? $"{o.Kind}/{o.Name}" : null,
        Created = Time(rs.Metadata.CreationTimestamp),
    };

    private static IReadOnlyDictionary<string, string> Map(IDictionary<string, string>? map) =>
        map is null ? new Dictionary<string, string>() : new Dictionary<string, string>(map, StringComparer.Ordinal);

    private static DateTimeOffset Time(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : default;
}
