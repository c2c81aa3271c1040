using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.MetalLB;

/// <summary>One VIP announced in layer 2: which node's speaker answers ARP for it.</summary>
public sealed record L2Announcement(string Service, IPAddress VIP, string Node);

/// <summary>
/// MetalLB v0.14.5's layer-2 speakers (speaker/layer2_controller.go ShouldAnnounce): a Service's address is
/// announced only when it has a serving endpoint and its pool is advertised by an L2Advertisement; the eligible nodes
/// are those the advertisements' nodeSelectors select (all nodes when there is none; memberlist-less speakers consider
/// every node), minus nodes labelled node.kubernetes.io/exclude-from-external-load-balancers, and, with
/// externalTrafficPolicy Local, only nodes that have a ready endpoint; when MetalLB's speaker DaemonSet is applied, only
/// nodes whose speaker pod runs (<see cref="MetalLbComponents"/>). Every speaker sorts the eligible nodes by
/// SHA-256 of "node#ip" and the first one announces: deterministic per VIP, no coordination needed.
/// </summary>
public static class L2Speakers
{
    public const string ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

    /// <summary>The announcing node for each LoadBalancer Service with an address from a pool with an L2Advertisement.</summary>
    public static IReadOnlyList<L2Announcement> Announcements(ClusterState state) => [.. Elections(state).Select(e => e.Announcement)];

    /// <summary>Each announcement with the nodes that were eligible for it, in node order (the tour explains the election).</summary>
    public static IReadOnlyList<(L2Announcement Announcement, IReadOnlyList<string> Eligible)> Elections(ClusterState state)
    {
        var pools = state.All<V1beta1IPAddressPool>().ToList();
        var advertisements = state.All<V1beta1L2Advertisement>().ToList();
        if (pools.Count == 0 || advertisements.Count == 0)
        {
            return [];
        }

        var parsed = pools.Select(p =>
        {
            try
            {
                return MetalLbPool.Parse(p);
            }
            catch (FormatException)
            {
                return null;
            }
        }).OfType<MetalLbPool>().ToList();
        var speakers = MetalLbComponents.SpeakerNodes(state.All<V1DaemonSet>(), state.All<V1Pod>());
        var nodes = NodeObjects.For(state).Where(n => speakers?.Contains(n.Metadata.Name) != false).ToList();
        var slices = state.All<V1EndpointSlice>().ToLookup(s => (s.Metadata.NamespaceProperty, s.Metadata.Labels.Get(ControlPlane.EndpointSliceServiceLabel)));
        var result = new List<(L2Announcement, IReadOnlyList<string>)>();
        foreach (var service in state.All<V1Service>())
        {
            if (service.Spec?.Type != "LoadBalancer" || service.Status?.LoadBalancer?.Ingress is not [{ Ip: { } text }]
                || !IPAddress.TryParse(text, out var vip) || MetalLbPool.PoolFor(parsed, vip) is not { } pool)
            {
                continue;
            }

            var endpoints = slices[(service.Metadata.NamespaceProperty, service.Metadata.Name)].SelectMany(s => s.Endpoints ?? []).Where(e => e.Conditions?.Ready != false).ToList();
            if (endpoints.Count == 0)
            {
                continue; // "failed no active endpoints"
            }

            var poolObject = pools.First(p => p.Metadata.Name == pool.Name);
            var eligible = nodes.Where(n => !(n.Metadata.Labels?.ContainsKey(ExcludeLabel) ?? false))
                .Where(n => advertisements.Any(a => Advertises(a, poolObject) && SelectsNode(a, n)))
                .Select(n => n.Metadata.Name)
                .ToList();
            if (service.Spec.ExternalTrafficPolicy == "Local")
            {
                var withEndpoints = endpoints.Select(e => e.NodeName).OfType<string>().ToHashSet(StringComparer.Ordinal);
                eligible = eligible.Where(withEndpoints.Contains).ToList();
            }

            if (Elect(vip, eligible) is { } winner)
            {
                result.Add((new L2Announcement($"{service.Metadata.NamespaceProperty}/{service.Metadata.Name}", vip, winner), eligible));
            }
        }

        return result;
    }

    /// <summary>
    /// The announcements a node's speaker starts between <paramref name="before"/> and <paramref name="after"/>: a VIP
    /// new to that node (announcer.go SetBalancer for an address it did not hold), for which it sends gratuitous ARP.
    /// </summary>
    public static IReadOnlyList<L2Announcement> Taken(IReadOnlyList<L2Announcement> before, IReadOnlyList<L2Announcement> after) =>
        [.. after.Where(a => !before.Any(b => b.Node == a.Node && b.VIP.Equals(a.VIP))).DistinctBy(a => (a.Node, a.VIP))];

    /// <summary>The node whose SHA-256("node#ip") sorts first, bytewise; null when no node is eligible.</summary>
    public static string? Elect(IPAddress vip, IEnumerable<string> eligible) =>
        eligible.Select(n => (Node: n, Hash: SHA256.HashData(Encoding.UTF8.GetBytes($"{n}#{vip}"))))
            .OrderBy(x => x.Hash, ByteOrder.Instance)
            .Select(x => x.Node)
            .FirstOrDefault();

    /// <summary>setL2AdvertisementsToPools: named pools, pools matching a selector, or every pool when neither is given.</summary>
    private static bool Advertises(V1beta1L2Advertisement advertisement, V1beta1IPAddressPool pool)
    {
        var names = advertisement.Spec.IpAddressPools ?? [];
        var selectors = advertisement.Spec.IpAddressPoolSelectors ?? [];
        return (names.Count == 0 && selectors.Count == 0)
            || names.Contains(pool.Metadata.Name)
            || selectors.Any(s => Selectors.Matches(s, pool.Metadata.Labels));
    }

    /// <summary>selectedNodes: no nodeSelectors selects every node.</summary>
    private static bool SelectsNode(V1beta1L2Advertisement advertisement, V1Node node) =>
        advertisement.Spec.NodeSelectors is not { Count: > 0 } selectors || selectors.Any(s => Selectors.Matches(s, node.Metadata.Labels));

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
