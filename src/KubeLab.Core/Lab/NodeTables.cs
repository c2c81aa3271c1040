using System.Text;
using KubeLab.Core.Cni;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>
/// A node's routing state as the kernel prints it (`ip route show`, `ip neigh show`, `bridge fdb show`,
/// `ip -o addr show`), derived from the model: what a netns lab's node holds, for labs without a kernel.
/// </summary>
public static class NodeTables
{
    public static string Routes(ClusterSnapshot snapshot, string nodeName)
    {
        var config = snapshot.Config;
        var node = snapshot.GetNode(nodeName);
        var text = new StringBuilder();
        text.Append($"default via {config.Gateway} dev {NetnsNames.NodeUplink} proto dhcp src {node.InternalIP} metric 100 \n");
        // the kernel lists a table in address order
        var routes = snapshot.Nodes.Where(n => n.Name != nodeName)
            .Select(peer => (peer.PodCidr, Line: $"{peer.PodCidr} via {peer.FlannelAddress} dev {NetnsNames.Vxlan} onlink \n"))
            .ToList();
        if (HasPods(snapshot, nodeName))
        {
            routes.Add((node.PodCidr, $"{node.PodCidr} dev {NetnsNames.PodBridge} proto kernel scope link src {node.Cni0Address} \n"));
        }

        foreach (var (_, line) in routes.OrderBy(r => IPMath.ToUInt32(r.PodCidr.BaseAddress)))
        {
            text.Append(line);
        }

        return text.ToString();
    }

    /// <summary>
    /// The underlay's connected route, which the netns lab keeps in the local table (so that `ip route show`
    /// matches the seed's vm1); lookups see it first. Tracing needs it with the main table's routes.
    /// </summary>
    public static string LocalTableRoutes(ClusterSnapshot snapshot, string nodeName)
    {
        var node = snapshot.GetNode(nodeName);
        return $"{snapshot.Config.Underlay} dev {NetnsNames.NodeUplink} proto kernel scope link src {node.InternalIP} \n";
    }

    public static string Neighbours(ClusterSnapshot snapshot, string nodeName)
    {
        var text = new StringBuilder();
        foreach (var peer in snapshot.Nodes.Where(n => n.Name != nodeName))
        {
            text.Append($"{peer.FlannelAddress} dev {NetnsNames.Vxlan} lladdr {peer.VtepMac} PERMANENT\n");
        }

        return text.ToString();
    }

    public static string Fdb(ClusterSnapshot snapshot, string nodeName)
    {
        var text = new StringBuilder();
        foreach (var peer in snapshot.Nodes.Where(n => n.Name != nodeName))
        {
            text.Append($"{peer.VtepMac} dev {NetnsNames.Vxlan} dst {peer.InternalIP} self permanent\n");
        }

        return text.ToString();
    }

    public static string Addresses(ClusterSnapshot snapshot, string nodeName)
    {
        var config = snapshot.Config;
        var node = snapshot.GetNode(nodeName);
        var text = new StringBuilder();
        text.Append("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n");
        text.Append($"2: {NetnsNames.NodeUplink}    inet {node.InternalIP}/{config.Underlay.PrefixLength} scope global noprefixroute {NetnsNames.NodeUplink}\\       valid_lft forever preferred_lft forever\n");
        text.Append($"3: {NetnsNames.Vxlan}    inet {node.FlannelAddress}/32 scope global {NetnsNames.Vxlan}\\       valid_lft forever preferred_lft forever\n");
        if (HasPods(snapshot, nodeName))
        {
            text.Append($"4: {NetnsNames.PodBridge}    inet {node.Cni0Address}/{node.PodCidr.PrefixLength} scope global {NetnsNames.PodBridge}\\       valid_lft forever preferred_lft forever\n");
        }

        return text.ToString();
    }

    private static bool HasPods(ClusterSnapshot snapshot, string nodeName) => NetnsPlan.LabPods(snapshot).Any(p => p.NodeName == nodeName);

    /// <summary>The host-side veth of every pod on the node, for explanations.</summary>
    public static IReadOnlyDictionary<string, string> Veths(ClusterSnapshot snapshot, string nodeName) =>
        NetnsPlan.LabPods(snapshot).Where(p => p.NodeName == nodeName).ToDictionary(p => p.Key, p => PodFiles.HostVethName(snapshot.Config.Name, p));
}
