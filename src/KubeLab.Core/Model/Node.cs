using System.Net;

namespace KubeLab.Core.Model;

/// <summary>A cluster node as kubelet registers it and flannel annotates it.</summary>
public sealed record Node
{
    public required string Name { get; init; }
    public NodeRole Role { get; init; } = NodeRole.Agent;
    public required IPAddress InternalIP { get; init; }
    /// <summary>node.spec.podCIDR, a /24 per node handed out in registration order.</summary>
    public required IPNetwork PodCidr { get; init; }
    /// <summary>
    /// False for a dumped Node without spec.podCIDR (Calico or Cilium IPAM, or kube-proxy's unit tests): then
    /// <see cref="PodCidr"/> is a placeholder and nothing derived from it (flannel's rules and routes, cni0) is known.
    /// </summary>
    public bool HasPodCidr { get; init; } = true;
    /// <summary>flannel.alpha.coreos.com/backend-data VtepMAC.</summary>
    public string VtepMac { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset Created { get; init; }
    public bool Ready { get; init; } = true;
    public string KubeletVersion { get; init; } = LabDefaults.K3sVersion;

    /// <summary>The address flannel puts on flannel.1: the pod CIDR's network address, /32.</summary>
    public IPAddress FlannelAddress => PodCidr.BaseAddress;

    /// <summary>The cni0 gateway: the first address of the pod CIDR.</summary>
    public IPAddress Cni0Address => IPMath.Add(PodCidr.BaseAddress, 1);
}
