using k8s.Models;

namespace KubeLab.Core.MetalLB;

/// <summary>
/// The additionalPrinterColumns of MetalLB v0.14.5's CRDs (config/crd/bases/metallb.io_ipaddresspools.yaml and
/// metallb.io_l2advertisements.yaml, the same in config/manifests/metallb-native.yaml): the lab serves these kinds with
/// its own types, and `kubectl get` shows them as the API server shows the CRDs' custom resources.
/// </summary>
public static class MetalLbPrinterColumns
{
    public static IReadOnlyList<V1CustomResourceColumnDefinition> IPAddressPools { get; } =
    [
        new() { Name = "Auto Assign", Type = "boolean", JsonPath = ".spec.autoAssign" },
        new() { Name = "Avoid Buggy IPs", Type = "boolean", JsonPath = ".spec.avoidBuggyIPs" },
        new() { Name = "Addresses", Type = "string", JsonPath = ".spec.addresses" },
    ];

    /// <summary>Node Selectors has priority 10: kubectl shows it only with -o wide.</summary>
    public static IReadOnlyList<V1CustomResourceColumnDefinition> L2Advertisements { get; } =
    [
        new() { Name = "IPAddressPools", Type = "string", JsonPath = ".spec.ipAddressPools" },
        new() { Name = "IPAddressPool Selectors", Type = "string", JsonPath = ".spec.ipAddressPoolSelectors" },
        new() { Name = "Interfaces", Type = "string", JsonPath = ".spec.interfaces" },
        new() { Name = "Node Selectors", Type = "string", JsonPath = ".spec.nodeSelectors", Priority = 10 },
    ];
}
