using System.Net;

namespace KubeLab.Core.Model;

/// <param name="HostPort">the node's port that the CNI portmap plugin forwards to it (0: none)</param>
public sealed record ContainerPort(string? Name, int Port, Protocol Protocol = Protocol.TCP, int HostPort = 0);

public sealed record Container
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyList<ContainerPort> Ports { get; init; } = [];
    /// <summary>The container's literal environment (variables with a value; valueFrom ones are left out).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
}

public sealed record Pod
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public string? NodeName { get; init; }
    public IPAddress? IP { get; init; }
    public IReadOnlyList<Container> Containers { get; init; } = [];
    public PodPhase Phase { get; init; } = PodPhase.Running;
    public bool Ready { get; init; } = true;
    public bool Terminating { get; init; }
    public bool HostNetwork { get; init; }
    public int Restarts { get; init; }
    public string? Hostname { get; init; }
    public string? Subdomain { get; init; }
    /// <summary>The controller that owns the pod ("ReplicaSet/nginx-deployment-7c79c4bf97"), if any.</summary>
    public string? Owner { get; init; }
    public DateTimeOffset Created { get; init; }

    public string Key => $"{Namespace}/{Name}";

    /// <summary>The first container's image: what decides which workload KubeLab emulates.</summary>
    public string Image => Containers.Count > 0 ? Containers[0].Image : "";
}
