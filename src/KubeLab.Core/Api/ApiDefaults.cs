using System.Text.Json.Nodes;
using KubeLab.Core.Control;

namespace KubeLab.Core.Api;

/// <summary>
/// The defaults kube-apiserver v1.29's decoder applies to the built-in kinds before its field manager sees an object
/// (pkg/apis/apps/v1, core/v1 and batch/v1 defaults.go: SetDefaults_Deployment, _ReplicaSet, _DaemonSet, _StatefulSet,
/// _Job, _Pod, _PodSpec, _Container, _Service, _Secret), so that the managed fields name the defaulted fields the real
/// server records (f:progressDeadlineSeconds, f:imagePullPolicy, f:sessionAffinity…). The lab stores objects as sent;
/// these defaults are applied only to the copies the field manager compares.
/// </summary>
internal static class ApiDefaults
{
    public static void Apply(JsonObject value)
    {
        var kind = value["kind"]?.GetValue<string>();
        var spec = value["spec"] as JsonObject;
        switch (kind)
        {
            case "Pod" when spec is not null:
                PodTemplateHash.ApplyDefaults(value);
                Set(spec, "enableServiceLinks", true);
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
