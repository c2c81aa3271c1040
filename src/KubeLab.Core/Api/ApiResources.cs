using System.Collections.Frozen;
namespace KubeLab.Core.Api;

/// <summary>One resource the lab's API server serves, as discovery describes it (metav1.APIResource).</summary>
public sealed record ApiResource(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> Categories)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"pods", "deployments.apps": the name the API server's errors use.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ListKind => Kind + "List";

    /// <summary>For a resource a CustomResourceDefinition defines: the definition and the version served.</summary>
    public CustomResourceVersion? Custom { get; init; }

    /// <summary>A resource is its group, version and plural (a CRD's resource stays the same one across its updates).</summary>
    public bool Equals(ApiResource? other) =>
        other is not null && Group == other.Group && Version == other.Version && Plural == other.Plural;

    public override int GetHashCode() => HashCode.Combine(Group, Version, Plural);
}

/// <summary>A served version of a CustomResourceDefinition.</summary>
public sealed record CustomResourceVersion(k8s.Models.V1CustomResourceDefinition Definition, k8s.Models.V1CustomResourceDefinitionVersion Version);

/// <summary>
/// The resources a k3s v1.29.5 server offers that the lab serves, with their discovery facts (short names, verbs,
/// categories) as the real API server lists them (`kubectl api-resources -o wide` against k3s).
/// </summary>
public static class ApiResources
{
    private static readonly string[] Crud = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] NoCollectionDelete = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] All = ["all"];
    private static readonly string[] Create = ["create"];

    public static IReadOnlyList<ApiResource> Served { get; } =
    [
        Core("configmaps", "configmap", "ConfigMap", true, ["cm"]),
        Core("endpoints", "endpoints", "Endpoints", true, ["ep"]),
        Core("events", "event", "Event", true, ["ev"]),
        Core("namespaces", "namespace", "Namespace", false, ["ns"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        Core("nodes", "node", "Node", false, ["no"]),
        Core("pods", "pod", "Pod", true, ["po"], categories: All),
        Core("secrets", "secret", "Secret", true, []),
        Core("serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"]),
        Core("services", "service", "Service", true, ["svc"], NoCollectionDelete, All),
        new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], Crud, All),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], Crud, All),
        new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], Crud, All),
        new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], Crud, All),
        new("batch", "v1", "jobs", "job", "Job", true, [], Crud, All),
        new("authorization.k8s.io", "v1", "localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", true, [], Create, []),
        new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, [], Create, []),
        new("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false, [], Create, []),
        new("authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, [], Create, []),
        new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, [], Crud, []),
        new("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false, [], Crud, []),
        new("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, ["sc"], Crud, []),
        new("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, ["pc"], Crud, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, [], Crud, []),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, [], Crud, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, [], Crud, []),
        new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, [], Crud, []),
        new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, [], Crud, []),
        new("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"], Crud, []),
        // MetalLB v0.14.5's CRDs (config/crd): no short names, no categories
        new("metallb.io", "v1beta1", "ipaddresspools", "ipaddresspool", "IPAddressPool", true, [], Crud, []),
        new("metallb.io", "v1beta1", "l2advertisements", "l2advertisement", "L2Advertisement", true, [], Crud, []),
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, [], Crud, ["api-extensions"]),
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, [], Crud, ["api-extensions"]),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, ["crd", "crds"], Crud, ["api-extensions"]),
    ];

    /// <summary>
    /// API groups in the order kube-apiserver v1.29 lists them in /apis (its group priority: apps, events.k8s.io,
    /// authorization.k8s.io, batch, networking.k8s.io, rbac.authorization.k8s.io, storage.k8s.io, admissionregistration.k8s.io, …, apiextensions.k8s.io, scheduling.k8s.io, coordination.k8s.io, discovery.k8s.io), then the CRDs' groups (metallb.io, when MetalLB is
    /// installed; the lab always serves it); the legacy core group is /api.
    /// </summary>
    public static IReadOnlyList<string> Groups { get; } = ["apps", "events.k8s.io", "authorization.k8s.io", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "metallb.io"];

    public static ApiResource? Find(string group, string version, string plural) =>
        Served.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ApiResource? ForKind(string kind) => ByKind.GetValueOrDefault(kind);

    /// <summary>Whether the control plane stores objects of a resource (custom resources, and the kinds KubeLab has a type for but Node).</summary>
    public static bool Stored(ApiResource resource) =>
        resource.Custom is not null || (Manifests.SupportedKinds.Types.ContainsKey($"{resource.GroupVersion}/{resource.Kind}") && resource.Kind is not "Node");

    /// <summary>The lab's API server's answer (405) to a write of a resource it serves but does not store.</summary>
    public static string NotStored(ApiResource resource) =>
        $"KubeLab's control plane does not store {resource.QualifiedPlural} yet (it stores {string.Join(", ", Served.Where(Stored).Select(r => r.QualifiedPlural))})";

    /// <summary>Each kind's resource (the core Event, not events.k8s.io's): the control plane asks for every object it stores.</summary>
    private static readonly FrozenDictionary<string, ApiResource> ByKind = Served
        .Where(r => r.Group != "events.k8s.io")
        .GroupBy(r => r.Kind, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal)
        .ToFrozenDictionary(StringComparer.Ordinal);

    private static ApiResource Core(string plural, string singular, string kind, bool namespaced, string[] shortNames, string[]? verbs = null, string[]? categories = null) =>
        new("", "v1", plural, singular, kind, namespaced, shortNames, verbs ?? NoCollectionDeleteOrCrud(plural), categories ?? []);

    private static string[] NoCollectionDeleteOrCrud(string plural) => plural is "nodes" or "pods" or "configmaps" or "endpoints" or "events" or "secrets" or "serviceaccounts" ? Crud : NoCollectionDelete;
}
