using System.Net;

namespace KubeLab.Core.Model;

/// <summary>k3s v1.29.5+k3s1 defaults (k3s server --help) and the seed lab's addresses.</summary>
public static class LabDefaults
{
    public const string K3sVersion = "v1.29.5+k3s1";
    public const string ClusterDomain = "cluster.local";
    public static readonly IPNetwork ClusterCidr = IPNetwork.Parse("10.42.0.0/16");
    public static readonly IPNetwork ServiceCidr = IPNetwork.Parse("10.43.0.0/16");
    public static readonly IPAddress KubernetesServiceIP = IPAddress.Parse("10.43.0.1");
    public static readonly IPAddress ClusterDnsIP = IPAddress.Parse("10.43.0.10");
    /// <summary>The CoreDNS pod of the seed: the first pod address on vm1.</summary>
    public static readonly IPAddress CoreDnsPodIP = IPAddress.Parse("10.42.0.2");
    public const int NodeCidrMaskSize = 24;
    public const int NodePortMin = 30000;
    public const int NodePortMax = 32767;
    public const int ApiServerPort = 6443;

    /// <summary>The multipass host bridge network of the seed (mpqemubr0).</summary>
    public static readonly IPNetwork UnderlayNetwork = IPNetwork.Parse("10.65.94.0/24");
    public static readonly IPAddress UnderlayGateway = IPAddress.Parse("10.65.94.1");
    /// <summary>The search domain multipass's dnsmasq hands to its VMs; kubelet copies it into pods.</summary>
    public const string HostSearchDomain = "multipass";
    public const int UnderlayMtu = 1500;
    /// <summary>flannel VXLAN: external MTU − 50.</summary>
    public const int FlannelMtu = 1450;
    public const int VxlanId = 1;
    /// <summary>Linux's default VXLAN port; flannel leaves Port 0 so the kernel default applies.</summary>
    public const int VxlanPort = 8472;

    /// <summary>
    /// The later cheat sheet's external network (robric/k8s-svc-and-lb-testing, external-net.sh): VLAN 100 on the
    /// host bridge, nodes on ens3.100 with 10.123.123.1–3, the host's mpqemubr0.100 10.123.123.254, vm-ext .4.
    /// </summary>
    public static readonly IPNetwork ExternalNetwork = IPNetwork.Parse("10.123.123.0/24");
    public static readonly IPAddress ExternalVmIP = IPAddress.Parse("10.123.123.4");
    public static readonly IPAddress HostExternalIP = IPAddress.Parse("10.123.123.254");
    public const int ExternalVlan = 100;

    /// <summary>The seed's node addresses, in registration order.</summary>
    public static readonly IReadOnlyList<IPAddress> SeedNodeIPs =
    [
        IPAddress.Parse("10.65.94.238"),
        IPAddress.Parse("10.65.94.199"),
        IPAddress.Parse("10.65.94.95"),
    ];
}
