using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    private const string ControllerRevisionHashLabel = "controller-revision-hash";

    /// <summary>
    /// The DaemonSet controller (pkg/controller/daemon, Kubernetes v1.29): one pod per eligible node (the template's
    /// nodeSelector; the lab's nodes have no taints), named <c>&lt;ds&gt;-&lt;5 random&gt;</c>, labelled with
    /// controller-revision-hash and pod-template-generation, pinned to its node by the node affinity the controller writes
    /// (ReplaceDaemonSetPodNodeNameNodeAffinity) and given the daemon pods' tolerations (AddOrUpdateDaemonPodTolerations);
    /// pods on nodes that are no longer eligible are deleted, pods of an older template replaced (unless the update
    /// strategy is OnDelete); then the status counts.
    /// </summary>
    private void ReconcileDaemonSets()
    {
        foreach (var ds in All<V1DaemonSet>().Where(d => d.Metadata.DeletionTimestamp is null).ToList())
        {
            var ns = ds.Metadata.NamespaceProperty;
            var hash = DaemonSetRevisionHash(ds.Spec.Template, ds.Status?.CollisionCount);
            var pods = All<V1Pod>().Where(p => p.Metadata.NamespaceProperty == ns && p.Metadata.DeletionTimestamp is null
                && p.Metadata.OwnerReferences?.Any(r => r.Uid == ds.Metadata.Uid) == true).ToList();
            var nodeSelector = ds.Spec.Template.Spec?.NodeSelector;
            var eligible = config.Nodes.Where(n => nodeSelector is null || Selectors.Matches(nodeSelector, NodeLabels(n))).ToList();
            if (ds.Spec.UpdateStrategy?.Type != "OnDelete")
            {
                // RollingUpdate, the default (maxSurge 0, maxUnavailable 1; daemon/update.go rollingUpdate): a pod made
                // from an older template is deleted and its node gets one from the current template, node after node
                // until every pod is updated. The lab's controllers converge in one pass: the end state, at once.
                foreach (var old in pods.Where(p => p.Metadata.Labels.Get(ControllerRevisionHashLabel) != hash && eligible.Any(n => n.Name == p.Spec?.NodeName)).ToList())
                {
                    DeleteDaemonPod(ds, old, pods);
                }
            }

            foreach (var node in eligible.Where(n => !pods.Any(p => p.Spec?.NodeName == n.Name)))
            {
                var labels = new Dictionary<string, string>(ds.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>())
                {
                    [ControllerRevisionHashLabel] = hash,
                    ["pod-template-generation"] = (ds.Metadata.Generation ?? 1).ToString(CultureInfo.InvariantCulture),
                };
                var spec = KubeObjects.Clone(ds.Spec.Template.Spec ?? new V1PodSpec { Containers = [] });
                spec.Affinity ??= new V1Affinity();
                spec.Affinity.NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms =
                        [
                            new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [node.Name] }] },
                        ],
                    },
                };
                spec.Tolerations = [.. spec.Tolerations ?? [], .. DaemonPodTolerations(spec.HostNetwork == true)
                    .Where(t => spec.Tolerations?.Any(e => e.Key == t.Key && e.Effect == t.Effect) != true)];
                var pod = new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"{ds.Metadata.Name}-{Names.RandomSuffix(random)}",
                        GenerateName = $"{ds.Metadata.Name}-",
                        NamespaceProperty = ns,
                        Labels = labels,
                        Annotations = ds.Spec.Template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                    },
                    Spec = spec,
                };
                CreatePod(document: null, pod, ds, node.Name);
                pods.Add(pod);
            }

            foreach (var stray in pods.Where(p => !eligible.Any(n => n.Name == p.Spec?.NodeName)).ToList())
            {
                DeleteDaemonPod(ds, stray, pods);
            }

            var ready = pods.Count(p => p.Status?.Phase == "Running");
            var status = new V1DaemonSetStatus
            {
                DesiredNumberScheduled = eligible.Count,
                CurrentNumberScheduled = pods.Count,
                NumberMisscheduled = 0,
                NumberReady = ready,
                UpdatedNumberScheduled = pods.Count(p => p.Metadata.Labels.Get(ControllerRevisionHashLabel) == hash),
                NumberAvailable = ready == 0 ? null : ready,
                NumberUnavailable = eligible.Count - ready == 0 ? null : eligible.Count - ready,
                ObservedGeneration = ds.Metadata.Generation ?? 1,
                CollisionCount = ds.Status?.CollisionCount,
            };
            if (KubeObjects.ToJson(status) != KubeObjects.ToJson(ds.Status ?? new V1DaemonSetStatus()))
            {
                ds.Status = status;
                Touch(ds);
            }
        }
    }

    /// <summary>The controller deletes one of its pods: the event, the object gone, and out of the pods it counts.</summary>
    private void DeleteDaemonPod(V1DaemonSet ds, V1Pod pod, List<V1Pod> pods)
    {
        Record(ds, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}", "daemonset-controller");
        objects.RemoveAll(o => ReferenceEquals(o.Object, pod));
        pods.Remove(pod);
    }

    /// <summary>pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates.</summary>
    private static IEnumerable<V1Toleration> DaemonPodTolerations(bool hostNetwork)
    {
        yield return new V1Toleration { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute" };
        yield return new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" };
        yield return new V1Toleration { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" };
        yield return new V1Toleration { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" };
        yield return new V1Toleration { Key = "node.kubernetes.io/pid-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" };
        yield return new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" };
        if (hostNetwork)
        {
            yield return new V1Toleration { Key = "node.kubernetes.io/network-unavailable", OperatorProperty = "Exists", Effect = "NoSchedule" };
        }
    }

    /// <summary>
    /// The controller-revision-hash of a DaemonSet's template as pkg/controller/history HashControllerRevision computes
    /// it: FNV-32 (not 1a) over the ControllerRevision's data, which the DaemonSet controller makes with getPatch — the
    /// JSON of <c>{"spec":{"template":{…,"$patch":"replace"}}}</c> re-marshalled from a map, so every object's keys are
    /// sorted — then the collision count in decimal, and rand.SafeEncodeString. The template is the API-server-defaulted
    /// one (<see cref="PodTemplateHash.ApplyDefaults"/>) with the two fields Go's encoder writes although they are empty
    /// (metadata.creationTimestamp: null, a container's resources: {}); other zero-valued fields that Go would write
    /// without omitempty are not reproduced, so a hash can differ from a real cluster's for templates that have them.
    /// </summary>
    public static string DaemonSetRevisionHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var json = JsonNode.Parse(KubeObjects.ToJson(template))!.AsObject();
        PodTemplateHash.ApplyDefaults(json);
        if (json["metadata"] is not JsonObject metadata)
        {
            json["metadata"] = metadata = [];
        }

        metadata.TryAdd("creationTimestamp", null);
        foreach (var container in (json["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            container["resources"] ??= new JsonObject();
        }

        json["$patch"] = "replace";
        var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = json } };
        var bytes = Encoding.UTF8.GetBytes(GoJson(patch));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash *= 16777619u;
            hash ^= b;
        }

        if (collisionCount is { } count)
        {
            foreach (var b in Encoding.UTF8.GetBytes(count.ToString(CultureInfo.InvariantCulture)))
            {
                hash *= 16777619u;
                hash ^= b;
            }
        }

        return Names.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>encoding/json's Marshal of a map[string]interface{}: keys sorted, compact, HTML characters escaped.</summary>
    private static string GoJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonObject obj:
                return "{" + string.Join(',', obj.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => GoString(kv.Key) + ":" + GoJson(kv.Value))) + "}";
            case JsonArray array:
                return "[" + string.Join(',', array.Select(GoJson)) + "]";
            default:
                var value = node.AsValue();
                return value.TryGetValue<string>(out var s) ? GoString(s) : value.ToJsonString();
        }
    }

    private static string GoString(string s) =>
        JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default });
}
