using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.Api;

/// <summary>
/// `kubectl apply`'s client side, as kubectl (k8s.io/kubectl/pkg/cmd/apply) does it against any API server: the
/// object sent carries the last-applied-configuration annotation (the object as applied, without that annotation);
/// a new object is created; an existing one gets a three-way patch computed from the last applied configuration
/// (original), the new one (modified) and the live object (current): fields the live object lacks or holds
/// differently are set, fields the previous apply set and this one leaves out are removed, and nothing else is
/// touched (what the server defaulted or other writers set stays). An empty patch is "unchanged".
/// </summary>
public static class ClientSideApply
{
    /// <summary>
    /// The annotation's value: the object's JSON with an empty annotations map where none is left, as kubectl encodes
    /// its unstructured copy of the object (Go's encoder: keys sorted, a newline at the end).
    /// </summary>
    public static string LastApplied(IKubernetesObject<V1ObjectMeta> value)
    {
        var node = JsonNode.Parse(KubeObjects.ToJson(value))!.AsObject();
        var metadata = node["metadata"] as JsonObject ?? [];
        node["metadata"] = metadata;
        var annotations = metadata["annotations"] as JsonObject ?? [];
        annotations.Remove(ControlPlane.LastAppliedAnnotation);
        metadata["annotations"] = annotations;
        return ManagedFields.GoEncoded(node);
    }

    /// <summary>The object to send: the document with its last-applied-configuration annotation.</summary>
    public static JsonObject Modified(IKubernetesObject<V1ObjectMeta> value)
    {
        var node = JsonNode.Parse(KubeObjects.ToJson(value))!.AsObject();
        var metadata = node["metadata"] as JsonObject ?? [];
        node["metadata"] = metadata;
        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        annotations[ControlPlane.LastAppliedAnnotation] = LastApplied(value);
        return node;
    }

    /// <summary>
    /// Whether kubectl knows the kind's Go type (one of Kubernetes v1.29's API groups) and so sends a strategic merge
    /// patch; custom resources (gateway.networking.k8s.io too) get a JSON merge patch.
    /// </summary>
    public static bool IsBuiltIn(string apiVersion)
    {
        return BuiltInGroups.Contains(Control.KubeObjects.GroupOf(apiVersion));
    }

    private static readonly HashSet<string> BuiltInGroups = new(StringComparer.Ordinal)
    {
        "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps", "authentication.k8s.io",
        "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
        "events.k8s.io", "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io",
        "policy", "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
    };

    /// <summary>
    /// The patch from <paramref name="current"/> to <paramref name="modified"/> that also removes what
    /// <paramref name="original"/> set and <paramref name="modified"/> does not. Strategic: lists with a merge key
    /// (containers by name, ports by port, …) are patched element by element and an element the previous apply
    /// made and this one leaves out is deleted ($patch: delete); otherwise (a JSON merge patch, for custom
    /// resources) a list that differs is replaced whole.
    /// </summary>
    public static JsonObject Patch(JsonObject? original, JsonObject modified, JsonObject current, bool strategic)
    {
        var patch = new JsonObject();
        if (original is not null)
        {
            foreach (var (key, _) in original)
            {
                if (!modified.ContainsKey(key) && current.ContainsKey(key))
                {
                    patch[key] = null; // the previous apply set it, this one does not
                }
            }
        }

        foreach (var (key, wanted) in modified)
        {
            var live = current[key];
            var before = original?[key];
            switch (wanted)
            {
                case null when current.ContainsKey(key):
                    patch[key] = null;
                    break;
                case null:
                    break;
                case JsonObject o when live is JsonObject l:
                    if (Patch(before as JsonObject, o, l, strategic) is { Count: > 0 } inner)
                    {
                        patch[key] = inner;
                    }

                    break;
                case JsonArray a when strategic && live is JsonArray l && a.All(e => e is JsonObject) && JsonPatches.MergeKey(key, a) is { } mergeKey:
                    if (ListPatch(before as JsonArray, a, l, mergeKey, strategic) is { Count: > 0 } elements)
                    {
                        patch[key] = elements;
                    }

                    break;
                default:
                    if (!JsonNode.DeepEquals(wanted, live))
                    {
                        patch[key] = wanted.DeepClone();
                    }

                    break;
            }
        }

        return patch;
    }

    /// <summary>The elements of a merge-keyed list that change: new ones whole, changed ones by key, dropped ones deleted.</summary>
    private static JsonArray ListPatch(JsonArray? original, JsonArray modified, JsonArray current, string mergeKey, bool strategic)
    {
        JsonObject? ByKey(JsonArray? list, JsonNode? id) =>
            list?.OfType<JsonObject>().FirstOrDefault(e => JsonNode.DeepEquals(e[mergeKey], id));

        var elements = new JsonArray();
        foreach (var element in modified.OfType<JsonObject>())
        {
            var id = element[mergeKey];
            if (ByKey(current, id) is not { } live)
            {
                elements.Add(element.DeepClone());
            }
            else if (Patch(ByKey(original, id), element, live, strategic) is { Count: > 0 } inner)
            {
                inner[mergeKey] = id?.DeepClone();
                elements.Add(inner);
            }
        }

        foreach (var element in original?.OfType<JsonObject>() ?? [])
        {
            var id = element[mergeKey];
            if (ByKey(modified, id) is null && ByKey(current, id) is not null)
            {
                elements.Add(new JsonObject { [mergeKey] = id?.DeepClone(), ["$patch"] = "delete" });
            }
        }

        return elements;
    }
}
