using System.Net;

namespace KubeLab.Core.Model;

/// <summary>A targetPort: a number, or the name of a container port.</summary>
public sealed record PortRef(int? Number, string? Name)
{
    public static PortRef Of(int number) => new(number, null);
    public static PortRef Named(string name) => new(null, name);
    public override string ToString() => Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Name ?? "";
}

public sealed record ServicePort
{
    public string? Name { get; init; }
    public Protocol Protocol { get; init; } = Protocol.TCP;
    public required int Port { get; init; }
    public required PortRef TargetPort { get; init; }
    public int NodePort { get; init; }
}

public sealed record Service
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public ServiceType Type { get; init; } = ServiceType.ClusterIP;
    /// <summary>Null for headless services (clusterIP: None) and ExternalName services.</summary>
    public IPAddress? ClusterIP { get; init; }
    public bool Headless { get; init; }
    public IReadOnlyList<ServicePort> Ports { get; init; } = [];
    /// <summary>Null means no selector (endpoints are managed by hand).</summary>
    public IReadOnlyDictionary<string, string>? Selector { get; init; }
    public bool SessionAffinityClientIP { get; init; }
    public int SessionAffinityTimeoutSeconds { get; init; } = 10800;
    public TrafficPolicy ExternalTrafficPolicy { get; init; } = TrafficPolicy.Cluster;
    public TrafficPolicy InternalTrafficPolicy { get; init; } = TrafficPolicy.Cluster;
    /// <summary>spec.externalIPs as written (kube-proxy v1.29 prints them as written).</summary>
    public IReadOnlyList<string> ExternalIPs { get; init; } = [];
    public IReadOnlyList<IPAddress> LoadBalancerIngress { get; init; } = [];
    /// <summary>spec.loadBalancerSourceRanges as written (kube-proxy trims and validates them).</summary>
    public IReadOnlyList<string> LoadBalancerSourceRanges { get; init; } = [];
    public int HealthCheckNodePort { get; init; }
    public string? ExternalName { get; init; }
    public bool PublishNotReadyAddresses { get; init; }
    /// <summary>metadata.annotations (kube-proxy reads service.kubernetes.io/topology-mode and topology-aware-hints).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset Created { get; init; }

    public string Key => $"{Namespace}/{Name}";

    /// <summary>kube-proxy's service-port name: "ns/name" plus ":port" when the port is named.</summary>
    public string PortName(ServicePort port) =>
        string.IsNullOrEmpty(port.Name) ? Key : $"{Key}:{port.Name}";
}
