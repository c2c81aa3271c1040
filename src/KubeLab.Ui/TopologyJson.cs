using System.Globalization;
using System.Text.Json.Nodes;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;

namespace KubeLab.Ui;

/// <summary><see cref="LabTopology"/> (what `kubelab graph` draws) as the JSON the page draws.</summary>
public static class TopologyJson
{
    public static JsonObject From(LabTopology topology, string driver) => new()
    {
        ["lab"] = topology.Lab,
        ["driver"] = driver,
        ["bridge"] = new JsonObject
        {
            ["name"] = topology.Bridge.Name,
            ["address"] = $"{topology.Bridge.Gateway}/{topology.Bridge.PrefixLength}",
        },
        ["nodes"] = new JsonArray([.. topology.Nodes.Select(n => (JsonNode?)Node(n))]),
        ["vxlan"] = new JsonArray([.. topology.Vxlan.Select(p => (JsonNode?)new JsonObject
        {
            ["a"] = p.A.Name,
            ["b"] = p.B.Name,
            ["outer"] = $"{p.A.InternalIP} ⇄ {p.B.InternalIP}",
            ["vni"] = LabDefaults.VxlanId,
            ["port"] = LabDefaults.VxlanPort,
        })]),
        ["services"] = new JsonArray([.. topology.Services.Select(s => (JsonNode?)Service(s))]),
    };

    private static JsonObject Node(TopologyNode topologyNode)
    {
        var node = topologyNode.Node;
        return new JsonObject
        {
            ["name"] = node.Name,
            ["role"] = node.Role == NodeRole.Server ? "server" : "agent",
            ["internalIP"] = node.InternalIP.ToString(),
            ["podCidr"] = node.PodCidr.ToString(),
            ["interfaces"] = new JsonArray(
                Interface(NetnsNames.NodeUplink, $"{node.InternalIP}/{topologyNode.UnderlayPrefixLength}", $"on {NetnsNames.HostBridge}"),
                Interface(NetnsNames.Vxlan, $"{node.FlannelAddress}/32", string.Create(CultureInfo.InvariantCulture, $"VXLAN id {LabDefaults.VxlanId}, UDP {LabDefaults.VxlanPort}, MTU {LabDefaults.FlannelMtu}")),
                Interface(NetnsNames.PodBridge, topologyNode.HasCni0 ? $"{node.Cni0Address}/{node.PodCidr.PrefixLength}" : null, topologyNode.HasCni0 ? "bridge" : "made with the first pod")),
            ["pods"] = new JsonArray([.. topologyNode.Pods.Select(p => (JsonNode?)new JsonObject
            {
                ["namespace"] = p.Namespace,
                ["name"] = p.Name,
                ["ip"] = p.IP.ToString(),
                ["veth"] = p.HostVeth,
            })]),
        };
    }

    private static JsonObject Interface(string name, string? address, string detail) => new()
    {
        ["name"] = name,
        ["address"] = address,
        ["detail"] = detail,
    };

    private static JsonObject Service(TopologyService topologyService)
    {
        var service = topologyService.Service;
        return new JsonObject
        {
            ["namespace"] = service.Namespace,
            ["name"] = service.Name,
            ["type"] = service.Type.ToString(),
            ["clusterIP"] = service.ClusterIP?.ToString(),
            ["ports"] = new JsonArray([.. service.Ports.Select(p => (JsonNode?)(p.NodePort > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{p.Port}:{p.NodePort}/{p.Protocol}")
                : string.Create(CultureInfo.InvariantCulture, $"{p.Port}/{p.Protocol}")))]),
            ["endpoints"] = new JsonArray([.. topologyService.Endpoints.Select(e => (JsonNode?)new JsonObject
            {
                ["address"] = e.Addresses[0].ToString(),
                ["node"] = e.NodeName,
                ["pod"] = e.PodKey,
                ["ready"] = e.Ready,
            })]),
        };
    }
}
