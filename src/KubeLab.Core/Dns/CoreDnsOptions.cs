using System.Net;

namespace KubeLab.Core.Dns;

/// <summary>What CoreDNS knows besides the cluster objects.</summary>
public sealed record CoreDnsOptions
{
    /// <summary>The kubernetes block's zone; defaults to the lab's cluster domain (k3s: <c>cluster.local</c>).</summary>
    public string? ClusterDomain { get; init; }

    /// <summary>The NodeHosts entries; defaults to one per node, as k3s writes them.</summary>
    public IReadOnlyList<NodeHost>? NodeHosts { get; init; }

    /// <summary>The SOA serial. CoreDNS uses the Unix time of the last change it saw from the API; the caller owns the clock.</summary>
    public uint Serial { get; init; }

    /// <summary>
    /// The CoreDNS pod's own addresses, used for NS and <c>ns.dns.&lt;zone&gt;</c> (CoreDNS finds the service whose
    /// endpoints hold one of its addresses). Defaults to the IPs of kube-system pods labelled <c>k8s-app=kube-dns</c>.
    /// </summary>
    public IReadOnlyList<IPAddress>? CoreDnsPodIPs { get; init; }

    /// <summary>The namespaces that exist; defaults to k3s's four plus every namespace an object lives in.</summary>
    public IReadOnlyCollection<string>? Namespaces { get; init; }
}
