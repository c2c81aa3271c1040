using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace KubeLab.Core.MetalLB;

/// <summary>
/// MetalLB v0.14.5's metallb.io/v1beta1 IPAddressPool (api/v1beta1/ipaddresspool_types.go): the fields the controller
/// reads. Unknown fields are kept by nothing: like the CRD's structural schema, the API server prunes them.
/// </summary>
public sealed class V1beta1IPAddressPool : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeGroup = "metallb.io";
    public const string KubeVersion = "v1beta1";
    public const string KubeKind = "IPAddressPool";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{KubeGroup}/{KubeVersion}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public IPAddressPoolSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public object? Status { get; set; }
}

public sealed class IPAddressPoolSpec
{
    /// <summary>CIDRs ("10.123.123.64/26") or ranges ("10.123.123.64-10.123.123.127").</summary>
    [JsonPropertyName("addresses")]
    public IList<string>? Addresses { get; set; }

    /// <summary>Defaults to true (the CRD's default).</summary>
    [JsonPropertyName("autoAssign")]
    public bool? AutoAssign { get; set; }

    [JsonPropertyName("avoidBuggyIPs")]
    public bool? AvoidBuggyIPs { get; set; }

    /// <summary>
    /// Which services may take addresses from this pool, and its priority (v0.13.10+): kept as written so that apply's
    /// strict decoding takes MetalLB's own examples; the emulated controller does not honour it (every pool serves every
    /// service, in the order MetalLB uses without it).
    /// </summary>
    [JsonPropertyName("serviceAllocation")]
    public object? ServiceAllocation { get; set; }
}

/// <summary>MetalLB v0.14.5's metallb.io/v1beta1 L2Advertisement (api/v1beta1/l2advertisement_types.go).</summary>
public sealed class V1beta1L2Advertisement : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeKind = "L2Advertisement";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{V1beta1IPAddressPool.KubeGroup}/{V1beta1IPAddressPool.KubeVersion}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public L2AdvertisementSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public object? Status { get; set; }
}

public sealed class L2AdvertisementSpec
{
    /// <summary>Pool names; with no pools and no selectors, every pool is advertised.</summary>
    [JsonPropertyName("ipAddressPools")]
    public IList<string>? IpAddressPools { get; set; }

    [JsonPropertyName("ipAddressPoolSelectors")]
    public IList<V1LabelSelector>? IpAddressPoolSelectors { get; set; }

    /// <summary>Nodes that may announce; none means all.</summary>
    [JsonPropertyName("nodeSelectors")]
    public IList<V1LabelSelector>? NodeSelectors { get; set; }

    /// <summary>Interfaces to answer on; none means all.</summary>
    [JsonPropertyName("interfaces")]
    public IList<string>? Interfaces { get; set; }
}
