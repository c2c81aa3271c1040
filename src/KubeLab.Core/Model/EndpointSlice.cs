using System.Net;

namespace KubeLab.Core.Model;

public sealed record EndpointPort(string? Name, int Port, Protocol Protocol = Protocol.TCP);

public sealed record Endpoint
{
    public required IReadOnlyList<IPAddress> Addresses { get; init; }
    public bool Ready { get; init; } = true;
    public bool Serving { get; init; } = true;
    public bool Terminating { get; init; }
    public string? NodeName { get; init; }
    public string? Hostname { get; init; }
    /// <summary>targetRef: the pod ("default/nginx-deployment-7c79c4bf97-gk7cj").</summary>
    public string? PodKey { get; init; }
    /// <summary>endpoints[].zone.</summary>
    public string? Zone { get; init; }
    /// <summary>endpoints[].hints.forZones[].name; null or empty when the slice carries no hints (kube-proxy topology).</summary>
    public IReadOnlyList<string>? ZoneHints { get; init; }
}

public sealed record EndpointSlice
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    /// <summary>The kubernetes.io/service-name label.</summary>
    public required string ServiceName { get; init; }
    public string AddressType { get; init; } = "IPv4";
    public IReadOnlyList<EndpointPort> Ports { get; init; } = [];
    public IReadOnlyList<Endpoint> Endpoints { get; init; } = [];
    public DateTimeOffset Created { get; init; }

    public string ServiceKey => $"{Namespace}/{ServiceName}";
}
