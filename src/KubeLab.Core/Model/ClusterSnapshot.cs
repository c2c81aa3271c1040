namespace KubeLab.Core.Model;

/// <summary>
/// The resolved cluster: every object with its allocations (pod IPs, cluster IPs, node ports) and the
/// EndpointSlices the controller derived. The node plans, rules, DNS and trace are functions of this.
/// </summary>
public sealed record ClusterSnapshot
{
    public required LabConfig Config { get; init; }
    public required IReadOnlyList<Node> Nodes { get; init; }
    public IReadOnlyList<Pod> Pods { get; init; } = [];
    public IReadOnlyList<Service> Services { get; init; } = [];
    public IReadOnlyList<EndpointSlice> EndpointSlices { get; init; } = [];
    public IReadOnlyList<Deployment> Deployments { get; init; } = [];
    public IReadOnlyList<ReplicaSet> ReplicaSets { get; init; } = [];
    /// <summary>The kube-system/coredns ConfigMap's NodeHosts (CoreDNS's /etc/coredns/NodeHosts), if the cluster has it.</summary>
    public string? NodeHosts { get; init; }

    public Node? FindNode(string name) => Nodes.FirstOrDefault(n => n.Name == name);

    public Node GetNode(string name) => FindNode(name)
        ?? throw KubeLabException.NotFound($"node \"{name}\" not found (nodes: {string.Join(", ", Nodes.Select(n => n.Name))})");

    public Pod? FindPod(string ns, string name) => Pods.FirstOrDefault(p => p.Namespace == ns && p.Name == name);

    public Service? FindService(string ns, string name) => Services.FirstOrDefault(s => s.Namespace == ns && s.Name == name);

    public IEnumerable<EndpointSlice> SlicesFor(Service service) =>
        EndpointSlices.Where(s => s.Namespace == service.Namespace && s.ServiceName == service.Name);
}
