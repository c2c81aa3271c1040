using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// The Node objects k3s v1.29.5's agents register, with what kubelet, k3s and flannel write into them:
/// <list type="bullet">
/// <item>kubelet: <c>node.alpha.kubernetes.io/ttl: "0"</c> (written by the node-lifecycle TTL controller for small
/// clusters) and <c>volumes.kubernetes.io/controller-managed-attach-detach: "true"</c>; capacity from the machine
/// and allocatable = capacity − the default hard eviction thresholds (memory.available&lt;100Mi, nodefs.available&lt;10%,
/// the latter printed in bytes); the four conditions with kubelet's reasons and messages (v1.29 adds ". AppArmor
/// enabled" to Ready on a host with AppArmor, as Ubuntu has); nodeInfo;</item>
/// <item>k3s (pkg/agent/nodeconfig, pkg/node): <c>k3s.io/hostname</c>, <c>k3s.io/internal-ip</c>,
/// <c>k3s.io/node-args</c> (the command line as a JSON list, secrets as "********"), <c>k3s.io/node-config-hash</c>
/// (base32 of a SHA-256 over the node's config), and wrangler's <c>wrangler.cattle.io/node</c> finalizer;</item>
/// <item>flannel (kube subnet manager): the backend-data, backend-type, kube-subnet-manager and public-ip annotations.</item>
/// </list>
/// The machine is the cheat sheet's VM (<c>multipass launch --cpus 4 --mem 8G --disk 30G jammy</c>). Its memory and
/// disk sizes, kernel build, boot and machine ids are not read from a real VM: they are values of the right form
/// derived from the node's name, and the config hash is computed over KubeLab's own rendering of the node's config.
/// </summary>
public static class NodeObjects
{
    /// <summary>A jammy VM of May 2024 (22.04.4, the HWE-less GA kernel of that month).</summary>
    public const string OsImage = "Ubuntu 22.04.4 LTS";
    public const string KernelVersion = "5.15.0-107-generic";
    /// <summary>The containerd k3s v1.29.5+k3s1 bundles.</summary>
    public const string ContainerRuntimeVersion = "containerd://1.7.15-k3s1";
    public const string Cpus = "4";
    /// <summary>MemTotal of an 8G VM (what the guest kernel reports, in KiB).</summary>
    public const long MemoryKi = 8_132_036;
    /// <summary>The root file system of a 30G multipass disk, in KiB.</summary>
    public const long EphemeralStorageKi = 30_298_176;

    public static IReadOnlyList<V1Node> For(ClusterState state) => state.Config.Nodes.Select(node => For(state.Config, node)).ToList();

    public static V1Node For(LabConfig config, NodeConfig node)
    {
        var created = config.Created.UtcDateTime;
        var args = node.Role == NodeRole.Server ? System.Text.Json.JsonSerializer.Serialize(K3sAddons.ServerArgs(config)) : "[\"agent\"]";
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(Cpus),
            ["ephemeral-storage"] = new($"{EphemeralStorageKi}Ki"),
            ["hugepages-1Gi"] = new("0"),
            ["hugepages-2Mi"] = new("0"),
            ["memory"] = new($"{MemoryKi}Ki"),
            ["pods"] = new("110"),
        };
        var allocatable = new Dictionary<string, ResourceQuantity>(capacity)
        {
            // nodefs.available<10%: 90% of the file system, in bytes (kubelet's Quantity arithmetic drops the Ki)
            ["ephemeral-storage"] = new((EphemeralStorageKi * 1024 * 9 / 10).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["memory"] = new($"{MemoryKi - 102_400}Ki"),
        };
        V1NodeCondition Condition(string type, string status, string reason, string message) =>
            new() { Type = type, Status = status, Reason = reason, Message = message, LastHeartbeatTime = created, LastTransitionTime = created };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = node.Name,
                CreationTimestamp = created,
                // every stored object has them (the node's lease names it as its owner by uid); the lab's nodes do
                // not post status, so their first version is their only one
                Uid = Api.ApiObjects.StableUid("node/" + node.Name, config.Name),
                ResourceVersion = "1",
                Labels = ControlPlane.NodeLabels(node),
                Annotations = new Dictionary<string, string>
                {
                    ["flannel.alpha.coreos.com/backend-data"] = $"{{\"VNI\":{LabDefaults.VxlanId},\"VtepMAC\":\"{node.VtepMac}\"}}",
                    ["flannel.alpha.coreos.com/backend-type"] = "vxlan",
                    ["flannel.alpha.coreos.com/kube-subnet-manager"] = "true",
                    ["flannel.alpha.coreos.com/public-ip"] = node.InternalIP.ToString(),
                    ["k3s.io/hostname"] = node.Name,
                    ["k3s.io/internal-ip"] = node.InternalIP.ToString(),
                    ["k3s.io/node-args"] = args,
                    ["k3s.io/node-config-hash"] = ConfigHash(config, node, args),
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                },
                Finalizers = ["wrangler.cattle.io/node"],
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
                Capacity = capacity,
                Allocatable = allocatable,
                Conditions =
                [
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status. AppArmor enabled"),
                ],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = "amd64",
                    OperatingSystem = "linux",
                    OsImage = OsImage,
                    KernelVersion = KernelVersion,
                    KubeletVersion = config.K3sVersion,
                    KubeProxyVersion = config.K3sVersion,
                    ContainerRuntimeVersion = ContainerRuntimeVersion,
                    BootID = Uuid(config.Name, node.Name, "boot"),
                    MachineID = Uuid(config.Name, node.Name, "machine").Replace("-", "", StringComparison.Ordinal),
                    SystemUUID = Uuid(config.Name, node.Name, "system"),
                },
            },
        };
    }

    /// <summary>
    /// The node as the node lifecycle controller leaves it once its kubelet stops posting status
    /// (pkg/controller/nodelifecycle, tryUpdateNodeHealth): every condition Unknown with reason NodeStatusUnknown and
    /// message "Kubelet stopped posting node status.", so kubectl's STATUS column says NotReady; and tainted as that
    /// controller taints a node whose Ready condition is Unknown: `node.kubernetes.io/unreachable` NoExecute (with
    /// timeAdded, from its eviction pass) and NoSchedule (from its taint-by-condition pass, no timeAdded), each appended
    /// to the node's own taints unless already there (the order `kubectl describe node` shows on real clusters).
    /// </summary>
    public static V1Node Unreachable(V1Node node, DateTime since)
    {
        since = since.AddTicks(-(since.Ticks % TimeSpan.TicksPerSecond)); // metav1.Time: whole seconds on the wire
        var copy = KubeObjects.Clone(node);
        foreach (var condition in copy.Status?.Conditions ?? [])
        {
            condition.Status = "Unknown";
            condition.Reason = "NodeStatusUnknown";
            condition.Message = "Kubelet stopped posting node status.";
            condition.LastTransitionTime = since;
        }

        copy.Spec ??= new V1NodeSpec();
        var taints = copy.Spec.Taints?.ToList() ?? [];
        foreach (var (effect, timeAdded) in new[] { ("NoExecute", (DateTime?)since), ("NoSchedule", null) })
        {
            if (!taints.Any(t => t.Key == UnreachableTaint && t.Effect == effect))
            {
                taints.Add(new V1Taint { Key = UnreachableTaint, Effect = effect, TimeAdded = timeAdded });
            }
        }

        copy.Spec.Taints = taints;
        return copy;
    }

    /// <summary>The node lifecycle controller's taint for a node whose Ready condition is Unknown.</summary>
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    /// <summary>k3s's form: base32 (padded) of a SHA-256; here over the node's args and addresses.</summary>
    private static string ConfigHash(LabConfig config, NodeConfig node, string args) =>
        Base32(SHA256.HashData(Encoding.UTF8.GetBytes($"{config.Name}/{node.Name}/{node.InternalIP}/{args}")));

    private static string Uuid(string lab, string node, string what)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{lab}/{node}/{what}")).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Base32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var text = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        while (text.Length % 8 != 0)
        {
            text.Append('=');
        }

        return text.ToString();
    }
}
