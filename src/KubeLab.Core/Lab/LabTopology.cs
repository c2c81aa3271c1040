using System.Net;
using KubeLab.Core.Cni;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>
/// What `kubelab graph` draws and `kubelab ui` shows: the host bridge, each node's ens3, flannel.1 and cni0, the
/// pods on cni0 with their host-side veths, the VXLAN mesh (one pair per two nodes) and the services with their
/// endpoints. One model, several pictures (<see cref="TopologyGraph"/> and the browser).
/// </summary>
public sealed record LabTopology
{
    public required string Lab { get; init; }
    public required TopologyBridge Bridge { get; init; }
    public required IReadOnlyList<TopologyNode> Nodes { get; init; }
    public required IReadOnlyList<TopologyVxlanPair> Vxlan { get; init; }
    public required IReadOnlyList<TopologyService> Services { get; init; }

    public static LabTopology Of(ClusterSnapshot snapshot)
    {
        var config = snapshot.Config;
        var pods = NetnsPlan.LabPods(snapshot);
        var nodes = snapshot.Nodes.Select(node =>
        {
            var mine = pods.Where(p => p.NodeName == node.Name)
                .Select(p => new TopologyPod(p.Namespace, p.Name, p.IP!, PodFiles.HostVethName(config.Name, p), node.Name))
                .ToList();
            return new TopologyNode(node, config.Underlay.PrefixLength, mine);
        }).ToList();
        var pairs = new List<TopologyVxlanPair>();
        for (var i = 0; i < snapshot.Nodes.Count; i++)
        {
            for (var j = i + 1; j < snapshot.Nodes.Count; j++)
            {
                pairs.Add(new TopologyVxlanPair(snapshot.Nodes[i], snapshot.Nodes[j]));
            }
        }

        var services = snapshot.Services.Where(s => s.ClusterIP is not null)
            .Select(s => new TopologyService(s, snapshot.SlicesFor(s).SelectMany(slice => slice.Endpoints).ToList()))
            .ToList();
        return new LabTopology
        {
            Lab = config.Name,
            Bridge = new TopologyBridge(NetnsNames.HostBridge, config.Gateway, config.Underlay.PrefixLength),
            Nodes = nodes,
            Vxlan = pairs,
            Services = services,
        };
    }
}

/// <summary>The underlay: multipass's bridge on the host, the nodes' default gateway.</summary>
public sealed record TopologyBridge(string Name, IPAddress Gateway, int PrefixLength);

/// <summary>A node with its three interfaces (ens3 on the bridge, flannel.1, cni0) and its pods.</summary>
public sealed record TopologyNode(Node Node, int UnderlayPrefixLength, IReadOnlyList<TopologyPod> Pods)
{
    public string Name => Node.Name;

    /// <summary>cni0 exists once the bridge plugin set up the node's first pod.</summary>
    public bool HasCni0 => Pods.Count > 0;
}

/// <summary>A pod's eth0 and the host end of its veth pair, a port of the node's cni0.</summary>
public sealed record TopologyPod(string Namespace, string Name, IPAddress IP, string HostVeth, string Node)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>Two flannel.1 VTEPs that reach each other over VXLAN (permanent ARP + FDB entry + onlink route each way).</summary>
public sealed record TopologyVxlanPair(Node A, Node B);

/// <summary>A Service with a ClusterIP and the endpoints its EndpointSlices list.</summary>
public sealed record TopologyService(Service Service, IReadOnlyList<Endpoint> Endpoints)
{
    public IEnumerable<Endpoint> ReadyEndpoints => Endpoints.Where(e => e.Ready);
}
