using System.Net;

namespace KubeLab.Core.Model;

public sealed record NodeConfig(string Name, NodeRole Role, IPAddress InternalIP, IPNetwork PodCidr, string VtepMac);

/// <summary>A lab: its name, driver and topology, with k3s's defaults.</summary>
public sealed record LabConfig
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "none";
    public required IReadOnlyList<NodeConfig> Nodes { get; init; }
    public IPNetwork ClusterCidr { get; init; } = LabDefaults.ClusterCidr;
    public IPNetwork ServiceCidr { get; init; } = LabDefaults.ServiceCidr;
    public string ClusterDomain { get; init; } = LabDefaults.ClusterDomain;
    public IPAddress ClusterDns { get; init; } = LabDefaults.ClusterDnsIP;
    public string K3sVersion { get; init; } = LabDefaults.K3sVersion;
    public IPNetwork Underlay { get; init; } = LabDefaults.UnderlayNetwork;
    public IPAddress Gateway { get; init; } = LabDefaults.UnderlayGateway;
    /// <summary>The node's own resolv.conf search domain (multipass's), appended to pods' search lists.</summary>
    public string? HostSearchDomain { get; init; } = LabDefaults.HostSearchDomain;
    public DateTimeOffset Created { get; init; }
    /// <summary>The later cheat sheet's vm-ext on VLAN 100 (`up --vm-ext`): nodes get ens3.100, the host mpqemubr0.100.</summary>
    public bool ExternalVm { get; init; }
    /// <summary>
    /// k3s server's <c>--disable</c> values as given (<c>up --disable servicelb</c>, also "traefik,servicelb"): the packaged
    /// components the lab leaves out (<see cref="Control.K3sAddons"/>). A lab without any runs all of them, as a default k3s server.
    /// </summary>
    public IReadOnlyList<string> Disable { get; init; } = [];
    /// <summary>
    /// <c>up --upstream-dns</c>: CoreDNS's <c>forward . /etc/resolv.conf</c> reaches this machine's resolver for names
    /// outside the cluster. Off by default: the lab answers them as an offline resolver does (NXDOMAIN).
    /// </summary>
    public bool UpstreamDns { get; init; }
    /// <summary>
    /// The PEM of the CA that signs the lab's own API server's certificate (its pki/server-ca.crt), published in every
    /// namespace as the ConfigMap kube-root-ca.crt; null for a lab whose API server is real k3s (multipass).
    /// </summary>
    public string? RootCaCertificate { get; init; }

    /// <summary>Nodes with an address on the external VLAN: the cheat sheet's three, then .(10 + index), below the MetalLB pool's .64.</summary>
    public const int MaxExternalNodes = 54;

    public NodeConfig Server => Nodes.First(n => n.Role == NodeRole.Server);

    public const int MaxNodes = 200;

    /// <summary>A node's ens3.100 address: vm1–vm3 10.123.123.1–3 as in external-net.sh, vm4 on .13, vm5 .14, ... (at most .63)</summary>
    public IPAddress ExternalIPOf(NodeConfig node)
    {
        var index = Nodes.ToList().FindIndex(n => n.Name == node.Name);
        return IPMath.Add(LabDefaults.ExternalNetwork.BaseAddress, index < 3 ? index + 1 : 10 + index);
    }

    /// <summary>
    /// The seed's topology: vm1 (server) 10.65.94.238, vm2 .199, vm3 .95, pod CIDRs 10.42.N.0/24 in
    /// registration order. Nodes past the seed's three get .101, .102, ...
    /// </summary>
    public static LabConfig Default(string name, int nodes = 3, string driver = "none", DateTimeOffset created = default)
    {
        if (nodes < 1 || nodes > MaxNodes)
        {
            throw KubeLabException.Usage($"--nodes: Invalid value: {nodes}: must be between 1 and {MaxNodes}");
        }

        var list = new List<NodeConfig>();
        for (var i = 0; i < nodes; i++)
        {
            var ip = i < LabDefaults.SeedNodeIPs.Count
                ? LabDefaults.SeedNodeIPs[i]
                : IPMath.Add(LabDefaults.UnderlayNetwork.BaseAddress, 100 + i - LabDefaults.SeedNodeIPs.Count + 1);
            var podCidr = new IPNetwork(IPMath.Add(LabDefaults.ClusterCidr.BaseAddress, (long)i << 8), LabDefaults.NodeCidrMaskSize);
            list.Add(new NodeConfig($"vm{i + 1}", i == 0 ? NodeRole.Server : NodeRole.Agent, ip, podCidr, VtepMacFor(name, i)));
        }

        // the API server keeps timestamps to the second (metav1.Time): the built-in namespaces and nodes made from this
        // time print as every other object's creationTimestamp does
        var wholeSeconds = created.AddTicks(-(created.Ticks % TimeSpan.TicksPerSecond));
        return new LabConfig { Name = name, Driver = driver, Nodes = list, Created = wholeSeconds };
    }

    /// <summary>
    /// flannel sets a random locally administered unicast MAC (b[0] = b[0]&amp;0xfe | 0x02). KubeLab derives it
    /// from the lab name and node index so that plans are reproducible.
    /// </summary>
    public static string VtepMacFor(string lab, int index)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{lab}/{index}"));
        hash[0] = (byte)((hash[0] & 0xfe) | 0x02);
        return string.Join(':', hash.Take(6).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
