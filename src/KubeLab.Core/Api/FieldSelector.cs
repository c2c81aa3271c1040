using k8s;
using k8s.Models;

namespace KubeLab.Core.Api;

/// <summary>
/// A parsed `fieldSelector` query: "f=v", "f==v", "f!=v" joined by commas, over the fields each resource's
/// storage strategy offers (GetAttrs in pkg/registry/*/strategy.go); others are refused as the API server does.
/// </summary>
public sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, string Value, bool Equal)> terms;

    private FieldSelector(IReadOnlyList<(string Field, string Value, bool Equal)> terms) => this.terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public static FieldSelector Parse(string? text, ApiResource resource)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, string, bool)>();
        foreach (var part in text.Split(','))
        {
            var (field, value, equal) = part.IndexOf("!=", StringComparison.Ordinal) is var ne and >= 0
                ? (part[..ne], part[(ne + 2)..], false)
                : part.IndexOf("==", StringComparison.Ordinal) is var ee and >= 0
                    ? (part[..ee], part[(ee + 2)..], true)
                    : part.IndexOf('=', StringComparison.Ordinal) is var e and >= 0
                        ? (part[..e], part[(e + 1)..], true)
                        : throw ApiStatusException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            field = field.Trim();
            if (!Supported(resource).Contains(field))
            {
                throw ApiStatusException.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, value.Trim(), equal));
        }

        return new FieldSelector(terms);
    }

    public bool Matches(IKubernetesObject<V1ObjectMeta> value) =>
        terms.All(t => (Value(value, t.Field) == t.Value) == t.Equal);

    private static readonly string[] Common = ["metadata.name", "metadata.namespace"];

    private static IReadOnlyList<string> Supported(ApiResource resource) => resource.Plural switch
    {
        "pods" => [.. Common, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"],
        "events" => [.. Common, "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        "secrets" => [.. Common, "type"],
        "namespaces" => [.. Common, "status.phase"],
        "nodes" => [.. Common, "spec.unschedulable"],
        "replicasets" => [.. Common, "status.replicas"],
        "jobs" => [.. Common, "status.successful"],
        _ => Common,
    };

    private static string Value(IKubernetesObject<V1ObjectMeta> value, string field) => field switch
    {
        "metadata.name" => value.Metadata.Name ?? "",
        "metadata.namespace" => value.Metadata.NamespaceProperty ?? "",
        _ => value switch
        {
            V1Pod pod => field switch
            {
                "spec.nodeName" => pod.Spec?.NodeName ?? "",
                "spec.restartPolicy" => pod.Spec?.RestartPolicy ?? "",
                "spec.schedulerName" => pod.Spec?.SchedulerName ?? "",
                "spec.serviceAccountName" => pod.Spec?.ServiceAccountName ?? "",
                "spec.hostNetwork" => pod.Spec?.HostNetwork == true ? "true" : "false",
                "status.phase" => pod.Status?.Phase ?? "",
                "status.podIP" => pod.Status?.PodIP ?? "",
                "status.podIPs" => pod.Status?.PodIP ?? "",
                "status.nominatedNodeName" => pod.Status?.NominatedNodeName ?? "",
                _ => "",
            },
            Corev1Event ev => field switch
            {
                "involvedObject.kind" => ev.InvolvedObject?.Kind ?? "",
                "involvedObject.namespace" => ev.InvolvedObject?.NamespaceProperty ?? "",
                "involvedObject.name" => ev.InvolvedObject?.Name ?? "",
                "involvedObject.uid" => ev.InvolvedObject?.Uid ?? "",
                "involvedObject.apiVersion" => ev.InvolvedObject?.ApiVersion ?? "",
                "involvedObject.resourceVersion" => ev.InvolvedObject?.ResourceVersion ?? "",
                "involvedObject.fieldPath" => ev.InvolvedObject?.FieldPath ?? "",
                "reason" => ev.Reason ?? "",
                "reportingComponent" => ev.ReportingComponent ?? "",
                "source" => ev.Source?.Component ?? "",
                "type" => ev.Type ?? "",
                _ => "",
            },
            V1Secret secret when field == "type" => secret.Type ?? "",
            V1Namespace ns when field == "status.phase" => ns.Status?.Phase ?? "",
            V1Node node when field == "spec.unschedulable" => node.Spec?.Unschedulable == true ? "true" : "false",
            _ => "",
        },
    };
}
