using System.Net;
using k8s;
using k8s.Models;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    /// <summary>
    /// Creates a pod: defaults, admission, scheduling, the CNI's address, and a Running status (images are emulated).
    /// A controller's pod that admission refuses is not made: the refusal is returned (the caller's own create throws it).
    /// </summary>
    private string? CreatePod(ManifestDocument? document, V1Pod pod, IKubernetesObject<V1ObjectMeta>? owner, string? pinnedNode = null, string? pinnedIP = null)
    {
        pod.Metadata.NamespaceProperty ??= "default";
        if (document is null)
        {
            Api.ApiDefaults.Store(pod); // a controller's pod is defaulted as the API server decodes it (a client's was, in Upsert)
        }

        if (AdmitPod(pod) is { } refused)
        {
            if (owner is null)
            {
                throw KubeLabException.Invalid($"{document?.Where}: Error from server (Forbidden): error when creating \"{document?.Source}\": {refused}");
            }

            // the controller's create is refused: it says so on its object and tries again at its next sync
            Record(owner, "Warning", "FailedCreate", $"Error creating: {refused}", ControllerOf(owner.Kind));
            return refused;
        }

        var spec = pod.Spec;

        pinnedIP ??= pod.Metadata.Annotations.Get(PodIPAnnotation);
        if (pinnedIP is not null)
        {
            pod.Metadata.Annotations ??= new Dictionary<string, string>();
            pod.Metadata.Annotations[PodIPAnnotation] = pinnedIP;
        }

        var bound = !string.IsNullOrEmpty(spec.NodeName);
        var node = Schedule(pod, pinnedNode ?? (pinnedIP is null ? null : NodeOfAddress(pinnedIP)), owner);
        var createdAt = now.UtcDateTime;
        var qos = QosClassOf(spec);
        pod.Status = new V1PodStatus { Phase = "Pending", QosClass = qos };
        if (node is not null)
        {
            spec.NodeName = node.Name;
            // a hostNetwork pod (MetalLB's speaker, …) has its node's address and no sandbox of its own
            var ip = spec.HostNetwork == true ? node.InternalIP.ToString() : AllocatePodIP(document, pod, node, pinnedIP);
            pod.Status = new V1PodStatus
            {
                Phase = "Running",
                HostIP = node.InternalIP.ToString(),
                HostIPs = [new V1HostIP { Ip = node.InternalIP.ToString() }],
                PodIP = ip,
                PodIPs = [new V1PodIP { Ip = ip }],
                StartTime = createdAt,
                QosClass = qos,
                // kubelet's generateAPIPodStatus order; PodReadyToStartContainers is beta (on) in v1.29
                Conditions =
                [
                    new V1PodCondition { Type = "PodReadyToStartContainers", Status = "True", LastTransitionTime = createdAt },
                    new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = createdAt },
                    new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = createdAt },
                    new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = createdAt },
                    new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = createdAt },
                ],
                ContainerStatuses = spec.Containers.Select(c => new V1ContainerStatus
                {
                    Name = c.Name,
                    Image = NormalizedImage(c.Image),
                    ImageID = "",
                    ContainerID = ContainerId(pod, c.Name),
                    LastState = new V1ContainerState(),
                    Ready = true,
                    Started = true,
                    RestartCount = 0,
                    State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = createdAt } },
                }).ToList(),
            };
        }
        else
        {
            pod.Status.Conditions =
            [
                new V1PodCondition
                {
                    Type = "PodScheduled",
                    Status = "False",
                    Reason = "Unschedulable",
                    Message = $"0/{config.Nodes.Count} nodes are available: {config.Nodes.Count} node(s) didn't match Pod's node affinity/selector.",
                    LastTransitionTime = createdAt,
                },
            ];
        }

        if (owner is not null)
        {
            pod.Metadata.OwnerReferences =
            [
                new V1OwnerReference { ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = true, Controller = true },
            ];
        }

        Store(pod, existing: null, "Pod");
        if (owner is not null)
        {
            messages.RemoveAt(messages.Count - 1); // kubectl reports the Deployment, not the pods it makes
            // controller_utils.go CreatePods: the owning controller's event on its object
            Record(owner, "Normal", "SuccessfulCreate", $"Created pod: {pod.Metadata.Name}", ControllerOf(owner.Kind));
        }

        if (node is null)
        {
            RecordV1(pod, "Warning", "FailedScheduling", "Scheduling", pod.Status.Conditions[0].Message, "default-scheduler");
            return null;
        }

        if (!bound)
        {
            // the scheduler's binding event (pkg/scheduler/schedule_one.go), then the kubelet starts the containers
            RecordV1(pod, "Normal", "Scheduled", "Binding", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {node.Name}", "default-scheduler");
        }

        RecordContainersStarted(pod);
        if (owner is V1Job)
        {
            CompleteJobPod(pod);
        }

        return null;
    }

    /// <summary>
    /// The image as containerd reports it to the kubelet (docker/reference's ParseNormalizedNamed and TagNameOnly):
    /// Docker Hub's domain and its library/ namespace made explicit, and the tag latest when there is neither tag nor
    /// digest ("nginx" is docker.io/library/nginx:latest).
    /// </summary>
    public static string NormalizedImage(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : image[..slash];
        var named = slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsUpper))
            ? image
            : slash < 0 ? $"docker.io/library/{image}" : $"docker.io/{image}";
        if (named.StartsWith("docker.io/", StringComparison.Ordinal) && named.IndexOf('/', "docker.io/".Length) < 0)
        {
            named = "docker.io/library/" + named["docker.io/".Length..];
        }

        var lastPart = named[(named.LastIndexOf('/') + 1)..];
        return lastPart.Contains(':', StringComparison.Ordinal) || lastPart.Contains('@', StringComparison.Ordinal) ? named : named + ":latest";
    }

    /// <summary>containerd's container id (64 hex digits; random there, reproducible from the pod here).</summary>
    private static string ContainerId(V1Pod pod, string container) =>
        "containerd://" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{pod.Metadata.Uid}/{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}/{container}")));

    /// <summary>
    /// The pod's QoS class (pkg/apis/core/helper/qos GetPodQOS): BestEffort without any cpu or memory request or
    /// limit; Guaranteed when every container limits both and requests what it limits (requests default to limits);
    /// Burstable otherwise.
    /// </summary>
    public static string QosClassOf(V1PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var (name, quantity) in container.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
            {
                if (name is "cpu" or "memory" && quantity.ToDecimal() != 0)
                {
                    requests[name] = requests.GetValueOrDefault(name) + quantity.ToDecimal();
                }
            }

            var limited = 0;
            foreach (var (name, quantity) in container.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
            {
                if (name is "cpu" or "memory" && quantity.ToDecimal() != 0)
                {
                    limited++;
                    limits[name] = limits.GetValueOrDefault(name) + quantity.ToDecimal();
                }
            }

            guaranteed &= limited == 2;
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return "BestEffort";
        }

        return guaranteed && requests.Count == limits.Count && requests.All(r => limits.TryGetValue(r.Key, out var l) && l == r.Value) ? "Guaranteed" : "Burstable";
    }

    private static string ControllerOf(string kind) => kind switch
    {
        "DaemonSet" => "daemonset-controller",
        "Job" => "job-controller",
        _ => "replicaset-controller",
    };

    private void UpdatePod(ManifestDocument document, V1Pod old, V1Pod updated)
    {
        static string SpecOf(V1Pod p)
        {
            var spec = KubeObjects.Clone(p.Spec);
            spec.NodeName = null;
            spec.RestartPolicy = null;
            spec.DnsPolicy = null;
            spec.SchedulerName = null;
            spec.TerminationGracePeriodSeconds = null;
            foreach (var c in spec.Containers)
            {
                c.ImagePullPolicy = null;
                c.TerminationMessagePath = null;
                foreach (var port in c.Ports ?? [])
                {
                    port.Protocol = null;
                }
            }

            return KubeObjects.ToJson(spec);
        }

        if (recordLastApplied)
        {
            KeepAdmitted(old, updated);
        }

        if (SpecOf(old) != SpecOf(updated))
        {
            throw Invalid(document, "spec",
                "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative); delete the pod and apply again");
        }

        old.Metadata.Labels = updated.Metadata.Labels;
        old.Metadata.Annotations = updated.Metadata.Annotations;
        old.Metadata.Finalizers = updated.Metadata.Finalizers;
        old.Metadata.ManagedFields = updated.Metadata.ManagedFields;
        old.Metadata.ResourceVersion = generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private string? NodeOfAddress(string ip) =>
        IPAddress.TryParse(ip, out var address) ? config.Nodes.FirstOrDefault(n => n.PodCidr.Contains(address))?.Name : null;

    /// <summary>
    /// The scheduler: spec.nodeName wins; otherwise the nodes that pass nodeSelector, scored like the
    /// default scheduler's topology spreading (fewest pods of the same owner, then fewest pods).
    /// </summary>
    private NodeConfig? Schedule(V1Pod pod, string? pinnedNode, IKubernetesObject<V1ObjectMeta>? owner)
    {
        var wanted = !string.IsNullOrEmpty(pod.Spec.NodeName) ? pod.Spec.NodeName : pinnedNode;
        if (!string.IsNullOrEmpty(wanted))
        {
            return config.Nodes.First(n => n.Name == wanted);
        }

        var candidates = config.Nodes.Where(n => pod.Spec.NodeSelector is null || Selectors.Matches(pod.Spec.NodeSelector, NodeLabels(n))).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var pods = All<V1Pod>().Where(p => p.Spec?.NodeName is not null).ToList();
        return candidates
            .OrderBy(n => pods.Count(p => p.Spec.NodeName == n.Name && owner is not null
                && p.Metadata.OwnerReferences?.Any(r => r.Uid == owner.Metadata.Uid) == true))
            .ThenBy(n => pods.Count(p => p.Spec.NodeName == n.Name))
            .ThenBy(n => config.Nodes.ToList().IndexOf(n))
            .First();
    }

    /// <summary>The labels kubelet and k3s put on a node.</summary>
    public static IDictionary<string, string> NodeLabels(NodeConfig node)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/instance-type"] = "k3s",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = node.Name,
            ["kubernetes.io/os"] = "linux",
            ["node.kubernetes.io/instance-type"] = "k3s",
        };
        if (node.Role == NodeRole.Server)
        {
            labels["node-role.kubernetes.io/control-plane"] = "true";
            labels["node-role.kubernetes.io/master"] = "true";
        }

        return labels;
    }

    /// <summary>
    /// host-local IPAM (containernetworking/plugins v1.4): range .1–.254 of the node's /24 with the
    /// gateway .1 skipped, round-robin from the last reserved address (a freed address is reused only
    /// after the iterator wraps), or the pinned address.
    /// </summary>
    private string AllocatePodIP(ManifestDocument? document, V1Pod pod, NodeConfig node, string? pinned)
    {
        // a pod that ran to completion has had its sandbox torn down: CNI DEL gave its address back
        var used = All<V1Pod>().Where(p => p.Spec?.NodeName == node.Name && p.Status?.PodIP is not null && p.Status.Phase is not ("Succeeded" or "Failed"))
            .Select(p => p.Status.PodIP).ToHashSet(StringComparer.Ordinal);
        var first = IPMath.Add(node.PodCidr.BaseAddress, 1);
        var last = IPMath.Add(IPMath.Broadcast(node.PodCidr), -1);
        var gateway = first.ToString();
        if (pinned is not null)
        {
            if (pinned == gateway || !node.PodCidr.Contains(IPAddress.Parse(pinned)) || IPMath.Compare(IPAddress.Parse(pinned), first) < 0 || IPMath.Compare(IPAddress.Parse(pinned), last) > 0)
            {
                throw PodError(document, pod, $"failed to allocate for range 0: requested IP address {pinned} is not available in range set {first}-{last}");
            }

            if (used.Contains(pinned))
            {
                var holder = OwnerOf(pinned, node);
                var hint = holder.StartsWith("kube-system/svclb-", StringComparison.Ordinal)
                    ? "; that is a pod of k3s's ServiceLB, which the cheat sheet's cluster ran without: make the lab with `kubelab up --disable servicelb` (as `kubelab up -f seed` does)"
                    : "";
                throw PodError(document, pod, $"failed to allocate for range 0: requested IP address {pinned} is already allocated to container ID {holder}{hint}");
            }

            lastReserved[node.Name] = pinned;
            return pinned;
        }

        var size = IPMath.ToUInt32(last) - IPMath.ToUInt32(first) + 1;
        var start = lastReserved.TryGetValue(node.Name, out var previous) && IPAddress.TryParse(previous, out var prev) && node.PodCidr.Contains(prev)
            ? IPMath.ToUInt32(prev) - IPMath.ToUInt32(first) + 1
            : 0u;
        for (uint i = 0; i < size; i++)
        {
            var candidate = IPMath.Add(first, (start + i) % size).ToString();
            if (candidate != gateway && !used.Contains(candidate))
            {
                lastReserved[node.Name] = candidate;
                return candidate;
            }
        }

        throw PodError(document, pod, $"failed to allocate for range 0: no IP addresses available in range set: {first}-{last}; node {node.Name}'s pod CIDR {node.PodCidr} is full: delete pods or add nodes (kubelab up --nodes)");
    }

    private string OwnerOf(string ip, NodeConfig node) =>
        All<V1Pod>().FirstOrDefault(p => p.Spec?.NodeName == node.Name && p.Status?.PodIP == ip) is { } p ? $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}" : "?";

    private static KubeLabException PodError(ManifestDocument? document, V1Pod pod, string detail) =>
        KubeLabException.Conflict(
            $"{(document is null ? "" : document.Where + ": ")}Pod \"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}\": Failed to create pod sandbox: plugin type=\"host-local\": {detail}");
}
