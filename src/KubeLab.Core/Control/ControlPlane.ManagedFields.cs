using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Api;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Control;

/// <summary>
/// metadata.managedFields for the lab's own writers, as a k3s v1.29 server shows them: the documents a caller applies
/// are its manager's Update (kubectl's client-side apply for `kubelab apply`, k3s's deploy controller and helm for the
/// packaged components), and whatever the controllers, the scheduler and the kubelet change afterwards in the same
/// commit is manager "k3s"'s — they run inside the k3s process, whose client names itself "k3s/v1.29.5+k3s1 …" — the
/// object itself in one entry and its status, written through the status subresource, in another.
/// </summary>
public sealed partial class ControlPlane
{
    /// <summary>The manager of k3s's embedded controllers, scheduler and kubelet (the User-Agent's first part).</summary>
    public const string ComponentManager = "k3s";

    /// <summary>kubectl apply's manager for its create and patch (client-side apply).</summary>
    public const string ClientSideApplyManager = "kubectl-client-side-apply";

    /// <summary>
    /// The manager of each applied document; null when the caller records the request's entry itself (the API server's
    /// field manager, <c>ApiWrites.Track</c>).
    /// </summary>
    private Func<ManifestDocument, string>? documentManager;

    /// <summary>The keys of the objects the caller's documents wrote: the controllers' changes to them are status only.</summary>
    private readonly HashSet<string> requested = new(StringComparer.Ordinal);

    /// <summary>Kinds whose status a controller or the kubelet writes (the others' status is their strategy's, untracked).</summary>
    private static readonly HashSet<string> StatusWriters = new(StringComparer.Ordinal)
    {
        "Pod", "Deployment", "ReplicaSet", "DaemonSet", "Job", "Service", "CustomResourceDefinition",
    };

    /// <summary>The document's own write: its manager's Update entry, as the API server's field manager records it.</summary>
    private void RecordWriter(ManifestDocument document, IKubernetesObject<V1ObjectMeta> value, StoredObject? existing)
    {
        requested.Add(new StoredObject(document.Kind, value.Metadata.NamespaceProperty ?? "", value.Metadata.Name, value).Key);
        if (documentManager?.Invoke(document) is not { } manager)
        {
            return;
        }

        var live = existing is null ? null : Json(existing.Object, document.ApiVersion, document.Kind);
        value.Metadata.ManagedFields = ManagedFields.ForWrite(live, Json(value, document.ApiVersion, document.Kind), manager, ApiResources.ForKind(document.Kind), document.ApiVersion, now);
    }

    /// <summary>The state with the components' entries on every object this commit changed.</summary>
    private ClusterState WithComponentEntries(ClusterState state)
    {
        foreach (var stored in state.Objects)
        {
            if (stored.Kind == "Event" || (originals.TryGetValue(stored.Key, out var original) && ReferenceEquals(original, stored)))
            {
                continue;
            }

            var mine = requested.Contains(stored.Key);
            var aggregated = aggregatedRoles.Contains(stored.Key);
            if (mine && !StatusWriters.Contains(stored.Kind) && !aggregated)
            {
                continue;
            }

            var apiVersion = ApiVersionOf(stored);
            var before = original is null ? null : Json(original.Object, apiVersion, stored.Kind);
            var after = Json(stored.Object, apiVersion, stored.Kind);
            // a Deployment whose only annotation is the revision its controller wrote: the map is the controller's too
            var revisionMadeAnnotations = stored.Object is V1Deployment { Metadata.Annotations: { Count: 1 } annotations }
                && annotations.ContainsKey(DeploymentRevisionAnnotation) && original?.Object.Metadata.Annotations is null or { Count: 0 };
            var entries = ManagedFields.ComponentUpdate(before, after, ComponentManager, apiVersion, ManagedFields.TimeOf(now),
                path => revisionMadeAnnotations && path == Annotations ? "status" : aggregated && path == Rules ? "" : WriteOf(stored.Kind, path, mine));
            stored.Object.Metadata.ManagedFields = ManagedFields.ToModel(entries);
        }

        return state;
    }

    /// <summary>
    /// Which write of the components a changed field belongs to: the status subresource's (status; a Deployment's
    /// revision annotation, which the deployment controller writes with its status), the object's own (on objects the
    /// caller did not write), or none: what the API server's storage sets (a binding's nodeName, a deletion's timestamp,
    /// a pod's QoS class, and the binding's PodScheduled condition, which makes the pod's list of conditions).
    /// </summary>
    private static string? WriteOf(string kind, string path, bool requestedObject)
    {
        if (path == DeletionTimestamp || path == DeletionGracePeriod
            || (kind == "Pod" && (path == NodeName || path == QosClass || path == Conditions || path == Scheduled || FieldSets.IsUnder(path, Scheduled))))
        {
            return null;
        }

        if (path == StatusPath || FieldSets.IsUnder(path, StatusPath) || (kind == "Deployment" && path == RevisionAnnotation))
        {
            return StatusWriters.Contains(kind) ? "status" : null;
        }

        return requestedObject ? null : "";
    }

    private static readonly string StatusPath = FieldSets.Path("f:status");
    private static readonly string NodeName = FieldSets.Path("f:spec", "f:nodeName");
    private static readonly string QosClass = FieldSets.Path("f:status", "f:qosClass");
    private static readonly string Conditions = FieldSets.Path("f:status", "f:conditions");
    private static readonly string Scheduled = FieldSets.Path("f:status", "f:conditions", "k:{\"type\":\"PodScheduled\"}");
    private static readonly string DeletionTimestamp = FieldSets.Path("f:metadata", "f:deletionTimestamp");
    private static readonly string DeletionGracePeriod = FieldSets.Path("f:metadata", "f:deletionGracePeriodSeconds");
    private static readonly string Annotations = FieldSets.Path("f:metadata", "f:annotations");
    private static readonly string Rules = FieldSets.Path("f:rules");
    private static readonly string RevisionAnnotation = FieldSets.Child(Annotations, "f:" + DeploymentRevisionAnnotation);

    private static string ApiVersionOf(StoredObject stored) =>
        stored.Object.ApiVersion is { Length: > 0 } version ? version
        : ApiResources.ForKind(stored.Kind)?.GroupVersion ?? "v1";

    /// <summary>An object as the field manager compares it: its JSON with apiVersion and kind set.</summary>
    internal static JsonObject Json(IKubernetesObject<V1ObjectMeta> value, string apiVersion, string kind)
    {
        var json = JsonNode.Parse(KubeObjects.ToJson(value))!.AsObject();
        json["apiVersion"] = apiVersion;
        json["kind"] = value is CustomObject custom ? custom.Kind : kind;
        return json;
    }
}
