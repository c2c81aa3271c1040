using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>The Node objects kubelet and flannel would register for a lab's nodes.</summary>
public static class NodeObjects
{
    public static IReadOnlyList<V1Node> For(ClusterState state) => state.Config.Nodes.Select(node => new V1Node
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta
        {
            Name = node.Name,
            CreationTimestamp = state.Config.Created.UtcDateTime,
            Labels = ControlPlane.NodeLabels(node),
            Annotations = new Dictionary<string, string>
            {
                ["flannel.alpha.coreos.com/backend-data"] = $"{{\"VNI\":{LabDefaults.VxlanId},\"VtepMAC\":\"{node.VtepMac}\"}}",
                ["flannel.alpha.coreos.com/backend-type"] = "vxlan",
                ["flannel.alpha.coreos.com/kube-subnet-manager"] = "true",
                ["flannel.alpha.coreos.com/public-ip"] = node.InternalIP.ToString(),
                ["k3s.io/node-args"] = node.Role == NodeRole.Server ? "[\"server\",\"--disable\",\"servicelb\"]" : "[\"agent\"]",
            },
        },
        Spec = new V1NodeSpec
        {
            PodCIDR = node.PodCidr.ToString(),
            PodCIDRs = [node.PodCidr.ToString()],
            ProviderID = $"k3s://{node.Name}",
        },
        Status = new V1NodeStatus
        {
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = node.InternalIP.ToString() },
                new V1NodeAddress { Type = "Hostname", Address = node.Name },
            ],
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status" }],
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = "amd64",
                OperatingSystem = "linux",
                OsImage = "Ubuntu 22.04.4 LTS",
                KubeletVersion = state.Config.K3sVersion,
                KubeProxyVersion = state.Config.K3sVersion,
                ContainerRuntimeVersion = "containerd://1.7.15-k3s1",
                KernelVersion = "",
                BootID = "",
                MachineID = "",
                SystemUUID = "",
            },
        },
    }).ToList();
}
