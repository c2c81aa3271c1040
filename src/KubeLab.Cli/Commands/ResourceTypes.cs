using KubeLab.Core;

namespace KubeLab.Cli.Commands;

/// <summary>kubectl's resource names and short names.</summary>
internal static class ResourceTypes
{
    private static readonly Dictionary<string, string> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pods"] = "Pod",
        ["pod"] = "Pod",
        ["po"] = "Pod",
        ["services"] = "Service",
        ["service"] = "Service",
        ["svc"] = "Service",
        ["nodes"] = "Node",
        ["node"] = "Node",
        ["no"] = "Node",
        ["deployments"] = "Deployment",
        ["deployment"] = "Deployment",
        ["deploy"] = "Deployment",
        ["deployments.apps"] = "Deployment",
        ["replicasets"] = "ReplicaSet",
        ["replicaset"] = "ReplicaSet",
        ["rs"] = "ReplicaSet",
        ["daemonsets"] = "DaemonSet",
        ["daemonset"] = "DaemonSet",
        ["ds"] = "DaemonSet",
        ["daemonsets.apps"] = "DaemonSet",
        ["jobs"] = "Job",
        ["job"] = "Job",
        ["jobs.batch"] = "Job",
        ["endpointslices"] = "EndpointSlice",
        ["endpointslice"] = "EndpointSlice",
        ["endpointslices.discovery.k8s.io"] = "EndpointSlice",
        ["configmaps"] = "ConfigMap",
        ["configmap"] = "ConfigMap",
        ["cm"] = "ConfigMap",
        ["namespaces"] = "Namespace",
        ["namespace"] = "Namespace",
        ["ns"] = "Namespace",
        ["endpoints"] = "Endpoints",
        ["ep"] = "Endpoints",
        ["events"] = "Event",
        ["event"] = "Event",
        ["ev"] = "Event",
    };

    public static IEnumerable<string> Names => Kinds.Keys;

    public static string Kind(string type) => Kinds.TryGetValue(type, out var kind)
        ? kind
        : throw KubeLabException.Usage(
            $"the server doesn't have a resource type \"{type}\" (supported: all, nodes, pods, services, endpoints, endpointslices, daemonsets, deployments, replicasets, jobs, configmaps, namespaces, events)");
}
