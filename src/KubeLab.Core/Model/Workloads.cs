namespace KubeLab.Core.Model;

public sealed record Deployment
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public int Replicas { get; init; } = 1;
    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();
    public int ReadyReplicas { get; init; }
    public int AvailableReplicas { get; init; }
    public int UpdatedReplicas { get; init; }
    public IReadOnlyList<Container> Containers { get; init; } = [];
    public DateTimeOffset Created { get; init; }
}

public sealed record ReplicaSet
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public int Replicas { get; init; }
    public int ReadyReplicas { get; init; }
    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<Container> Containers { get; init; } = [];
    public string? Owner { get; init; }
    public DateTimeOffset Created { get; init; }
}
