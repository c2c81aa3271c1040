using k8s.Models;

namespace KubeLab.Core.Manifests;

/// <summary>The API kinds KubeLab understands, keyed "apiVersion/kind".</summary>
public static class SupportedKinds
{
    public static readonly IReadOnlyDictionary<string, Type> Types = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["v1/Pod"] = typeof(V1Pod),
        ["v1/Service"] = typeof(V1Service),
        ["v1/Node"] = typeof(V1Node),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Namespace"] = typeof(V1Namespace),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["apps/v1/ReplicaSet"] = typeof(V1ReplicaSet),
        ["apps/v1/DaemonSet"] = typeof(V1DaemonSet),
        ["batch/v1/Job"] = typeof(V1Job),
        ["discovery.k8s.io/v1/EndpointSlice"] = typeof(V1EndpointSlice),
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/Endpoints"] = typeof(V1Endpoints),
        ["coordination.k8s.io/v1/Lease"] = typeof(V1Lease),
        ["storage.k8s.io/v1/StorageClass"] = typeof(V1StorageClass),
        ["networking.k8s.io/v1/IngressClass"] = typeof(V1IngressClass),
        ["scheduling.k8s.io/v1/PriorityClass"] = typeof(V1PriorityClass),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/ClusterRole"] = typeof(V1ClusterRole),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["rbac.authorization.k8s.io/v1/ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["apiextensions.k8s.io/v1/CustomResourceDefinition"] = typeof(V1CustomResourceDefinition),
        // stored, never called: the lab runs no admission webhooks
        ["admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration"] = typeof(V1ValidatingWebhookConfiguration),
        ["admissionregistration.k8s.io/v1/MutatingWebhookConfiguration"] = typeof(V1MutatingWebhookConfiguration),
        // MetalLB v0.14.5's CRDs (stored like the built-in kinds; the emulated controller and speakers read them)
        ["metallb.io/v1beta1/IPAddressPool"] = typeof(MetalLB.V1beta1IPAddressPool),
        ["metallb.io/v1beta1/L2Advertisement"] = typeof(MetalLB.V1beta1L2Advertisement),
        ["kubeproxy.config.k8s.io/v1alpha1/KubeProxyConfiguration"] = typeof(KubeProxyConfigurationDocument),
    };

    public static string List => string.Join(", ", Types.Keys.Select(k =>
    {
        var slash = k.LastIndexOf('/');
        return $"{k[(slash + 1)..]} ({k[..slash]})";
    }));
}
