using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>
/// The lab's topology as pictures: nodes on the host bridge, each node's ens3, flannel.1 and cni0, the pods'
/// veths, the VXLAN mesh between nodes, and the services with their endpoints. Pure text, three dialects.
/// </summary>
public static class TopologyGraph
{
    /// <summary>Box drawing for a terminal, in the spirit of the seed's ASCII sketches.</summary>
    public static string Terminal(ClusterSnapshot snapshot)
    {
        var topology = LabTopology.Of(snapshot);
        var text = new StringBuilder();
        text.Append($"host bridge {topology.Bridge.Name} {topology.Bridge.Gateway}/{topology.Bridge.PrefixLength}\n");
        foreach (var (node, prefix, pods) in topology.Nodes)
        {
            var lines = new List<string>
            {
                $"{NetnsNames.NodeUplink} {node.InternalIP}/{prefix} ── {topology.Bridge.Name}",
            };
            if (snapshot.Config.ExternalVm)
            {
                lines.Add($"{NetnsNames.ExternalUplink} {snapshot.Config.ExternalIPOf(snapshot.Config.Nodes.First(n => n.Name == node.Name))}/{LabDefaults.ExternalNetwork.PrefixLength} ── {NetnsNames.ExternalBridge} (VLAN {LabDefaults.ExternalVlan})");
            }

            lines.AddRange(
            [
                $"{NetnsNames.Vxlan} {node.FlannelAddress}/32  VXLAN id {LabDefaults.VxlanId}, UDP {LabDefaults.VxlanPort}, MTU {LabDefaults.FlannelMtu}",
                pods.Count == 0 ? $"{NetnsNames.PodBridge} (made with the first pod)" : $"{NetnsNames.PodBridge} {node.Cni0Address}/{node.PodCidr.PrefixLength}",
            ]);
            for (var i = 0; i < pods.Count; i++)
            {
                var pod = pods[i];
                lines.Add($"  {(i == pods.Count - 1 ? "└─" : "├─")} {pod.HostVeth} ── eth0 {pod.IP}  {pod.Key}");
            }

            var title = $"─ {node.Name} ({(node.Role == NodeRole.Server ? "server" : "agent")}) {node.PodCidr} ";
            var width = Math.Max(title.Length + 2, lines.Max(l => l.Length) + 4);
            text.Append("│\n");
            text.Append('┌').Append(title).Append(new string('─', width - title.Length - 2)).Append("┐\n");
            foreach (var line in lines)
            {
                text.Append("│ ").Append(line.PadRight(width - 4)).Append(" │\n");
            }

            text.Append('└').Append(new string('─', width - 2)).Append("┘\n");
        }

        if (snapshot.Config.ExternalVm)
        {
            text.Append("│\n");
            text.Append($"vm-ext (not a node) {NetnsNames.ExternalUplink} {LabDefaults.ExternalVmIP}/{LabDefaults.ExternalNetwork.PrefixLength} ── {NetnsNames.ExternalBridge} (VLAN {LabDefaults.ExternalVlan}, host {LabDefaults.HostExternalIP}); no other route\n");
        }

        text.Append("\nVXLAN mesh (flannel: permanent ARP + FDB entry + onlink route per peer):\n");
        foreach (var (a, b) in topology.Vxlan)
        {
            text.Append($"  {a.Name} {a.InternalIP} ⇄ {b.Name} {b.InternalIP}   {a.PodCidr} ⇄ {b.PodCidr}\n");
        }

        if (topology.Services.Count > 0)
        {
            text.Append("\nServices (kube-proxy DNAT in every node's nat table):\n");
            foreach (var service in topology.Services)
            {
                var endpoints = service.ReadyEndpoints.Select(e => e.NodeName is null ? e.Addresses[0].ToString() : $"{e.Addresses[0]} ({e.NodeName})");
                var list = string.Join(", ", endpoints);
                text.Append($"  {service.Service.Key} {service.Service.ClusterIP} → {(list.Length > 0 ? list : "no endpoints")}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>A Mermaid flowchart (renders on GitHub).</summary>
    public static string Mermaid(ClusterSnapshot snapshot)
    {
        var topology = LabTopology.Of(snapshot);
        var text = new StringBuilder("flowchart LR\n");
        text.Append($"  bridge[\"{topology.Bridge.Name}<br/>{topology.Bridge.Gateway}\"]\n");
        foreach (var (node, _, pods) in topology.Nodes)
        {
            var id = Id(node.Name);
            text.Append($"  subgraph {id}[\"{node.Name} {node.InternalIP}\"]\n");
            text.Append($"    {id}_ens3[\"ens3<br/>{node.InternalIP}\"]\n");
            text.Append($"    {id}_flannel[\"flannel.1<br/>{node.FlannelAddress}/32\"]\n");
            text.Append($"    {id}_cni0[\"cni0<br/>{node.Cni0Address}/{node.PodCidr.PrefixLength}\"]\n");
            foreach (var pod in pods)
            {
                text.Append($"    {Id(pod.Namespace + "_" + pod.Name)}([\"{pod.Name}<br/>{pod.IP}\"])\n");
            }

            text.Append("  end\n");
            text.Append($"  {id}_ens3 --- bridge\n");
            foreach (var pod in pods)
            {
                text.Append($"  {id}_cni0 ---|{pod.HostVeth}| {Id(pod.Namespace + "_" + pod.Name)}\n");
            }
        }

        foreach (var (a, b) in topology.Vxlan)
        {
            text.Append($"  {Id(a.Name)}_flannel <-. \"VXLAN 8472\" .-> {Id(b.Name)}_flannel\n");
        }

        foreach (var (service, endpoints) in topology.Services.Where(s => s.Service.Namespace == "default" && s.Service.Name != "kubernetes"))
        {
            var sid = Id("svc_" + service.Namespace + "_" + service.Name);
            text.Append($"  {sid}{{{{\"{service.Name}<br/>{service.ClusterIP}\"}}}}\n");
            foreach (var endpoint in endpoints.Where(e => e.PodKey is not null))
            {
                text.Append($"  {sid} -.-> {Id(endpoint.PodKey!.Replace('/', '_'))}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>Graphviz DOT (for `dot -Tsvg`).</summary>
    public static string Dot(ClusterSnapshot snapshot)
    {
        var topology = LabTopology.Of(snapshot);
        var text = new StringBuilder();
        text.Append("digraph kubelab {\n  rankdir=TB;\n  fontname=\"Helvetica\";\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9, arrowhead=none];\n");
        text.Append($"  bridge [label=\"{topology.Bridge.Name}\\n{topology.Bridge.Gateway}/{topology.Bridge.PrefixLength}\", shape=hexagon, style=filled, fillcolor=\"#e8e8e8\"];\n");
        foreach (var (node, _, pods) in topology.Nodes)
        {
            var id = Id(node.Name);
            text.Append($"  subgraph cluster_{id} {{\n    label=\"{node.Name} ({(node.Role == NodeRole.Server ? "server" : "agent")}) {node.InternalIP}\";\n    style=rounded;\n    labelloc=b;\n");
            text.Append($"    {id}_ens3 [label=\"ens3\\n{node.InternalIP}\"];\n");
            text.Append($"    {id}_flannel [label=\"flannel.1\\n{node.FlannelAddress}/32\\nVXLAN id 1\", style=filled, fillcolor=\"#dbe9ff\"];\n");
            text.Append($"    {id}_cni0 [label=\"cni0\\n{node.Cni0Address}/{node.PodCidr.PrefixLength}\", style=filled, fillcolor=\"#e3f5e1\"];\n");
            foreach (var pod in pods)
            {
                text.Append($"    {Id(pod.Namespace + "_" + pod.Name)} [label=\"{pod.Name}\\n{pod.IP}\", shape=ellipse];\n");
                text.Append($"    {id}_cni0 -> {Id(pod.Namespace + "_" + pod.Name)} [label=\"{pod.HostVeth}\"];\n");
            }

            text.Append("  }\n");
            text.Append($"  {id}_ens3 -> bridge;\n");
        }

        // The mesh's edges carry no label: Graphviz places labels of constraint=false edges between clusters, on
        // top of a node's title. One legend says what the dashed lines are instead, and the node titles sit at the
        // bottom of their boxes, away from the arcs that Graphviz routes over the top.
        foreach (var (a, b) in topology.Vxlan)
        {
            text.Append($"  {Id(a.Name)}_flannel -> {Id(b.Name)}_flannel [style=dashed, color=\"#1f5fbf\", dir=both, arrowhead=normal, arrowtail=normal, constraint=false, tooltip=\"VXLAN {a.Name} ⇄ {b.Name}: UDP {LabDefaults.VxlanPort}, VNI {LabDefaults.VxlanId}\"];\n");
        }

        if (topology.Vxlan.Count > 0)
        {
            text.Append($"  vxlan_legend [shape=plaintext, fontcolor=\"#1f5fbf\", label=\"dashed: VXLAN mesh between flannel.1 VTEPs (UDP {LabDefaults.VxlanPort}, VNI {LabDefaults.VxlanId})\"];\n");
            text.Append("  bridge -> vxlan_legend [style=invis];\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Identifiers safe in Mermaid and DOT: letters, digits and underscores.</summary>
    private static string Id(string text) => "n_" + new string(text.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
