using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.Api;

/// <summary>
/// The defaults kube-apiserver v1.29's decoder applies to the built-in kinds before its field manager sees an object
/// (pkg/apis/apps/v1, core/v1 and batch/v1 defaults.go: SetDefaults_Deployment, _ReplicaSet, _DaemonSet, _StatefulSet,
/// _Job, _Pod, _PodSpec, _Container, _Service, _Secret), so that the managed fields name the defaulted fields the real
/// server records (f:progressDeadlineSeconds, f:imagePullPolicy, f:sessionAffinity…), and so that the lab stores
/// what the real server stores (<see cref="Store"/>: `kubectl get -o yaml` and `describe` show the defaults).
/// </summary>
internal static class ApiDefaults
{
    /// <summary>
    /// A typed object as the API server's decoder leaves it: its spec defaulted in place (Pods, Deployments,
    /// ReplicaSets, DaemonSets, StatefulSets, Jobs, Services). Other kinds have no spec defaults the lab does not
    /// already apply where it admits them.
    /// </summary>
    public static void Store(IKubernetesObject<V1ObjectMeta> value)
    {
        switch (value)
        {
            case V1Pod { Spec: not null } pod:
                pod.Spec = Defaulted(pod.Spec, "Pod");
                break;
            case V1Deployment { Spec: not null } deployment:
                deployment.Spec = Defaulted(deployment.Spec, "Deployment");
                break;
            case V1ReplicaSet { Spec: not null } replicaSet:
                replicaSet.Spec = Defaulted(replicaSet.Spec, "ReplicaSet");
                break;
            case V1DaemonSet { Spec: not null } daemonSet:
                daemonSet.Spec = Defaulted(daemonSet.Spec, "DaemonSet");
                break;
            case V1StatefulSet { Spec: not null } statefulSet:
                statefulSet.Spec = Defaulted(statefulSet.Spec, "StatefulSet");
                break;
            case V1Job { Spec: not null } job:
                job.Spec = Defaulted(job.Spec, "Job");
                break;
            case V1Service { Spec: not null } service:
                service.Spec = Defaulted(service.Spec, "Service");
                break;
            case V1PriorityClass priorityClass:
                priorityClass.PreemptionPolicy ??= "PreemptLowerPriority";
                break;
            case V1StorageClass storageClass:
                storageClass.ReclaimPolicy ??= "Delete";
                storageClass.VolumeBindingMode ??= "Immediate";
                break;
        }
    }

    private static T Defaulted<T>(T spec, string kind) where T : class
    {
        var value = new JsonObject { ["kind"] = kind, ["spec"] = JsonNode.Parse(KubeObjects.ToJson(spec)) };
        Apply(value);
        return KubernetesJson.Deserialize<T>(value["spec"]!.ToJsonString());
    }

    public static void Apply(JsonObject value)
    {
        var kind = value["kind"]?.GetValue<string>();
        var spec = value["spec"] as JsonObject;
        switch (kind)
        {
            case "Pod" when spec is not null:
                PodTemplateHash.ApplyDefaults(value);
                PodOnly(spec);
                break;
            case "Deployment" when spec is not null:
                Set(spec, "replicas", 1);
                var strategy = spec["strategy"] as JsonObject ?? (JsonObject)(spec["strategy"] = new JsonObject());
                Set(strategy, "type", "RollingUpdate");
                if (strategy["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    var rolling = strategy["rollingUpdate"] as JsonObject ?? (JsonObject)(strategy["rollingUpdate"] = new JsonObject());
                    Set(rolling, "maxUnavailable", "25%");
                    Set(rolling, "maxSurge", "25%");
                }

                Set(spec, "revisionHistoryLimit", 10);
                Set(spec, "progressDeadlineSeconds", 600);
                Template(spec);
                break;
            case "ReplicaSet" when spec is not null:
                Set(spec, "replicas", 1);
                Template(spec);
                break;
            case "DaemonSet" when spec is not null:
                var update = spec["updateStrategy"] as JsonObject ?? (JsonObject)(spec["updateStrategy"] = new JsonObject());
                Set(update, "type", "RollingUpdate");
                if (update["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    var rolling = update["rollingUpdate"] as JsonObject ?? (JsonObject)(update["rollingUpdate"] = new JsonObject());
                    Set(rolling, "maxUnavailable", 1);
                    Set(rolling, "maxSurge", 0);
                }

                Set(spec, "revisionHistoryLimit", 10);
                Template(spec);
                break;
            case "StatefulSet" when spec is not null:
                Set(spec, "replicas", 1);
                Set(spec, "podManagementPolicy", "OrderedReady");
                var statefulUpdate = spec["updateStrategy"] as JsonObject ?? (JsonObject)(spec["updateStrategy"] = new JsonObject());
                Set(statefulUpdate, "type", "RollingUpdate");
                if (statefulUpdate["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    var rolling = statefulUpdate["rollingUpdate"] as JsonObject ?? (JsonObject)(statefulUpdate["rollingUpdate"] = new JsonObject());
                    Set(rolling, "partition", 0);
                }

                var retention = spec["persistentVolumeClaimRetentionPolicy"] as JsonObject ?? (JsonObject)(spec["persistentVolumeClaimRetentionPolicy"] = new JsonObject());
                Set(retention, "whenDeleted", "Retain");
                Set(retention, "whenScaled", "Retain");
                Set(spec, "revisionHistoryLimit", 10);
                Template(spec);
                break;
            case "Job" when spec is not null:
                if (spec["completions"] is null && spec["parallelism"] is null)
                {
                    spec["completions"] = 1;
                    spec["parallelism"] = 1;
                }

                Set(spec, "parallelism", 1);
                Set(spec, "backoffLimit", 6);
                Set(spec, "completionMode", "NonIndexed");
                Set(spec, "suspend", false);
                if (spec["podFailurePolicy"] is null)
                {
                    Set(spec, "podReplacementPolicy", "TerminatingOrFailed"); // JobPodReplacementPolicy is beta (on) in v1.29
                }

                Template(spec);
                break;
            case "PriorityClass":
                Set(value, "preemptionPolicy", "PreemptLowerPriority"); // SetDefaults_PriorityClass
                break;
            case "StorageClass":
                // SetDefaults_StorageClass (pkg/apis/storage/v1/defaults.go): its fields are at the top level
                Set(value, "reclaimPolicy", "Delete");
                Set(value, "volumeBindingMode", "Immediate");
                break;
            case "Service" when spec is not null:
                Set(spec, "sessionAffinity", "None");
                Set(spec, "type", "ClusterIP");
                foreach (var port in (spec["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    Set(port, "protocol", "TCP");
                    if (port["targetPort"] is null || port["targetPort"]!.ToJsonString() is "0" or "\"\"")
                    {
                        port["targetPort"] = port["port"]?.DeepClone();
                    }
                }

                var type = spec["type"]?.GetValue<string>();
                if (type is "ClusterIP" or "NodePort" or "LoadBalancer")
                {
                    Set(spec, "internalTrafficPolicy", "Cluster");
                }

                if (type is "NodePort" or "LoadBalancer")
                {
                    Set(spec, "externalTrafficPolicy", "Cluster");
                }

                if (type is "LoadBalancer")
                {
                    Set(spec, "allocateLoadBalancerNodePorts", true);
                }

                break;
            case "Secret":
                Set(value, "type", "Opaque");
                break;
        }
    }

    /// <summary>
    /// SetDefaults_Pod, which templates do not get: enableServiceLinks, each limit a container does not request is
    /// requested, and a hostNetwork pod's ports are its host's ports.
    /// </summary>
    private static void PodOnly(JsonObject spec)
    {
        Set(spec, "enableServiceLinks", true);
        var hostNetwork = spec["hostNetwork"] is JsonValue h && h.TryGetValue<bool>(out var on) && on;
        foreach (var key in new[] { "initContainers", "containers" })
        {
            foreach (var container in (spec[key] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                if (container["resources"]?["limits"] is JsonObject limits)
                {
                    var requests = container["resources"]!["requests"] as JsonObject ?? (JsonObject)(container["resources"]!["requests"] = new JsonObject());
                    foreach (var (resource, quantity) in limits)
                    {
                        if (requests[resource] is null)
                        {
                            requests[resource] = quantity?.DeepClone();
                        }
                    }
                }

                foreach (var port in hostNetwork ? (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [] : [])
                {
                    if (port["hostPort"] is null || port["hostPort"]!.ToJsonString() == "0")
                    {
                        port["hostPort"] = port["containerPort"]?.DeepClone();
                    }
                }
            }
        }
    }

    private static void Template(JsonObject spec)
    {
        if (spec["template"] is JsonObject template)
        {
            PodTemplateHash.ApplyDefaults(template);
        }
    }

    private static void Set(JsonObject obj, string key, JsonNode value)
    {
        if (obj[key] is null || (obj[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0))
        {
            obj[key] = value;
        }
    }
}
