using System.Reflection;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>JSON round trips of KubernetesClient models (deep copies, comparisons, the store's format).</summary>
public static class KubeObjects
{
    private static readonly MethodInfo DeserializeMethod = typeof(KubernetesJson).GetMethods()
        .First(m => m.Name == nameof(KubernetesJson.Deserialize) && m.IsGenericMethod
            && m.GetParameters() is [{ ParameterType: var p }, ..] && p == typeof(string));

    public static string ToJson(object value) => KubernetesJson.Serialize(value);

    private static readonly ConditionalWeakTable<object, string> Encodings = [];

    /// <summary>
    /// A stored object's JSON, made once per instance. Only for objects a state holds: those are never changed in
    /// place (the control plane changes copies, <see cref="CopyOfStored"/>), so the text stays true for the
    /// instance's life, and a lab's store writes an unchanged object without encoding it again.
    /// </summary>
    public static string Encoded(object value) => Encodings.GetValue(value, ToJson);

    /// <summary>Records the text a stored object was read from (its encoding, as <see cref="Encoded"/> gives it).</summary>
    public static void RememberEncoding(object value, string json) => Encodings.AddOrUpdate(value, json);

    /// <summary>A deep copy of a stored object, decoded from its cached encoding.</summary>
    public static T CopyOfStored<T>(T value) where T : class => (T)FromJson(Encoded(value), value.GetType());

    public static object FromJson(string json, Type type)
    {
        var args = new object?[DeserializeMethod.GetParameters().Length];
        args[0] = json;
        try
        {
            return DeserializeMethod.MakeGenericMethod(type).Invoke(null, args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw KubeLabException.Invalid($"cannot decode {type.Name}: {e.InnerException.Message}");
        }
    }

    public static T Clone<T>(T value) where T : class => (T)FromJson(ToJson(value), value.GetType());

    public static string ToYaml(object value) => KubernetesYaml.Serialize(value);

    public static Type TypeOfKind(string kind) => kind switch
    {
        "Pod" => typeof(V1Pod),
        "Service" => typeof(V1Service),
        "Node" => typeof(V1Node),
        "ConfigMap" => typeof(V1ConfigMap),
        "Namespace" => typeof(V1Namespace),
        "Deployment" => typeof(V1Deployment),
        "ReplicaSet" => typeof(V1ReplicaSet),
        "DaemonSet" => typeof(V1DaemonSet),
        "Job" => typeof(V1Job),
        "EndpointSlice" => typeof(V1EndpointSlice),
        "Event" => typeof(Corev1Event),
        "IPAddressPool" => typeof(MetalLB.V1beta1IPAddressPool),
        "L2Advertisement" => typeof(MetalLB.V1beta1L2Advertisement),
        "Secret" => typeof(V1Secret),
        "ServiceAccount" => typeof(V1ServiceAccount),
        "Endpoints" => typeof(V1Endpoints),
        "Lease" => typeof(V1Lease),
        "StorageClass" => typeof(V1StorageClass),
        "IngressClass" => typeof(V1IngressClass),
        "PriorityClass" => typeof(V1PriorityClass),
        "Role" => typeof(V1Role),
        "ClusterRole" => typeof(V1ClusterRole),
        "RoleBinding" => typeof(V1RoleBinding),
        "ClusterRoleBinding" => typeof(V1ClusterRoleBinding),
        "CustomResourceDefinition" => typeof(V1CustomResourceDefinition),
        "ValidatingWebhookConfiguration" => typeof(V1ValidatingWebhookConfiguration),
        "MutatingWebhookConfiguration" => typeof(V1MutatingWebhookConfiguration),
        // any other kind is a custom resource (its CRD's group in its apiVersion)
        _ => typeof(CustomObject),
    };

    /// <summary>The API group of a built-in kind the lab stores ("" for the core group).</summary>
    public static string GroupOfKind(string kind) => kind switch
    {
        "Deployment" or "ReplicaSet" or "DaemonSet" => "apps",
        "Job" => "batch",
        "EndpointSlice" => "discovery.k8s.io",
        "IPAddressPool" or "L2Advertisement" => "metallb.io",
        "Lease" => "coordination.k8s.io",
        "StorageClass" => "storage.k8s.io",
        "IngressClass" => "networking.k8s.io",
        "PriorityClass" => "scheduling.k8s.io",
        "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding" => "rbac.authorization.k8s.io",
        "CustomResourceDefinition" => "apiextensions.k8s.io",
        "ValidatingWebhookConfiguration" or "MutatingWebhookConfiguration" => "admissionregistration.k8s.io",
        _ => "",
    };

    /// <summary>kubectl's resource names: "deployment.apps/web", "service/web".</summary>
    public static string ResourceName(string kind, string name, string? group = null) => $"{GroupKind(kind, group)}/{name}";

    /// <summary>What `kubectl delete` prints for a deleted object: <c>deployment.apps "web" deleted</c>, <c>pod "p" deleted</c>.</summary>
    public static string Deleted(string kind, string name, string? group = null) => $"{GroupKind(kind, group)} \"{name}\" deleted";

    /// <summary>"deployment.apps", "pod": the kind in lower case with its group (the kind's known one when not given).</summary>
    private static string GroupKind(string kind, string? group) => (group ?? GroupOfKind(kind)) is { Length: > 0 } g
        ? $"{kind.ToLowerInvariant()}.{g}"
        : kind.ToLowerInvariant();

    /// <summary>The group of an apiVersion: "apps" of apps/v1, "" of v1.</summary>
    public static string GroupOf(string apiVersion) => apiVersion.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? apiVersion[..slash] : "";

    /// <summary>The API group-qualified kind used in "is invalid" messages ("Deployment.apps").</summary>
    public static string QualifiedKind(string kind) => GroupOfKind(kind) is { Length: > 0 } group ? $"{kind}.{group}" : kind;
}
