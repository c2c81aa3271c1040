using System.Reflection;
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
        _ => throw KubeLabException.Invalid($"unknown kind \"{kind}\""),
    };

    /// <summary>kubectl's resource names: "deployment.apps/web", "service/web".</summary>
    public static string ResourceName(string kind, string name) => kind switch
    {
        "Deployment" or "ReplicaSet" or "DaemonSet" => $"{kind.ToLowerInvariant()}.apps/{name}",
        "Job" => $"job.batch/{name}",
        "EndpointSlice" => $"endpointslice.discovery.k8s.io/{name}",
        "IPAddressPool" or "L2Advertisement" => $"{kind.ToLowerInvariant()}.metallb.io/{name}",
        _ => $"{kind.ToLowerInvariant()}/{name}",
    };

    /// <summary>The API group-qualified kind used in "is invalid" messages ("Deployment.apps").</summary>
    public static string QualifiedKind(string kind) => kind switch
    {
        "Deployment" or "ReplicaSet" or "DaemonSet" => $"{kind}.apps",
        "Job" => "Job.batch",
        "EndpointSlice" => "EndpointSlice.discovery.k8s.io",
        "IPAddressPool" or "L2Advertisement" => $"{kind}.metallb.io",
        _ => kind,
    };
}
