using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeLab.Core;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Server;

/// <summary>
/// Create, update, patch and delete, as kube-apiserver v1.29 answers them (201 Created, 409 AlreadyExists and
/// Conflict, 422 Invalid with causes, 404), carried out by the lab's control plane: the same admission, allocation
/// and controllers as `kubelab apply`. The objects KubeLab's control plane does not model yet are refused with 405.
/// </summary>
internal sealed partial class ApiWrites(ClusterFeed feed, ILabWriter writer, Func<DateTimeOffset> clock)
{
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The kind the store keys an object of <paramref name="resource"/> by ("Widget.example.com" for a custom resource).</summary>
    private static string StoredKind(ApiResource resource) =>
        resource.Custom is null ? resource.Kind : CustomObject.StoredKindOf(resource.Kind, resource.Group);

    public (int Code, JsonNode Body) Create(ApiResource resource, string? ns, JsonObject body, bool dryRun, string manager = "")
    {
        Require(resource);
        var value = Decode(resource, body, ns);
        if (string.IsNullOrEmpty(value.Metadata.Name))
        {
            if (string.IsNullOrEmpty(value.Metadata.GenerateName))
            {
                throw Invalid(resource, "", "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
            }

            // names.SimpleNameGenerator: the prefix and 5 random characters of the safe alphabet
            var suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => SafeAlphabet[Random.Shared.Next(SafeAlphabet.Length)]));
            value.Metadata.Name = value.Metadata.GenerateName + suffix;
        }

        var name = value.Metadata.Name;
        var stored = Commit(resource, name, state =>
        {
            if (ApiObjects.Find(state, resource, ns, name) is not null)
            {
                throw new ApiStatusException(409, "AlreadyExists", $"{resource.QualifiedPlural} \"{name}\" already exists", ApiStatusException.DetailsFor(resource, name));
            }

            Track(resource, null, value, manager);
            return Apply(state, resource, value);
        }, dryRun);
        return (201, ApiDocuments.Served(Find(stored, resource, ns, name), resource));
    }

    public (int Code, JsonNode Body) Update(ApiResource resource, string? ns, string name, JsonObject body, bool dryRun, string manager = "")
    {
        Require(resource);
        var value = Decode(resource, body, ns);
        if (value.Metadata.Name != name)
        {
            throw ApiStatusException.BadRequest($"the name of the object ({value.Metadata.Name}) does not match the name on the URL ({name})");
        }

        var stored = Commit(resource, name, state =>
        {
            var current = ApiObjects.Find(state, resource, ns, name) ?? throw ApiStatusException.NotFound(resource, name);
            CheckVersion(resource, name, value.Metadata.ResourceVersion, current);
            Track(resource, current, value, manager);
            return Apply(state, resource, value);
        }, dryRun);
        return (200, ApiDocuments.Served(Updated(stored, resource, ns, name, value), resource));
    }

    /// <summary>PATCH: the patch is applied to the current object's JSON, and the result is an update.</summary>
    public (int Code, JsonNode Body) Patch(ApiResource resource, string? ns, string name, string contentType, string text, bool dryRun, string fieldValidation, List<string> warnings, string? fieldManager = null, bool force = false, string? userAgent = null)
    {
        Require(resource);
        if (contentType.Split(';')[0].Trim() == "application/apply-patch+yaml")
        {
            return ServerSideApply(resource, ns, name, ParseApplyConfiguration(text), dryRun, fieldValidation, warnings, fieldManager, force);
        }

        var patch = ParseJson(text);

        IKubernetesObject<V1ObjectMeta>? value = null;
        var stored = Commit(resource, name, state =>
        {
            var current = ApiObjects.Find(state, resource, ns, name) ?? throw ApiStatusException.NotFound(resource, name);
            var patched = PatchJson(ApiDocuments.Object(current, resource), contentType, patch);
            if (patched is not JsonObject result)
            {
                throw ApiStatusException.BadRequest("the patch made the object something other than a JSON object");
            }

            CheckFields(resource, result, fieldValidation, warnings);
            value = Decode(resource, result, ns);
            CheckVersion(resource, name, value.Metadata.ResourceVersion, current);
            Track(resource, current, value, ManagedFields.ManagerOf(fieldManager, userAgent));
            return Apply(state, resource, value);
        }, dryRun);
        return (200, ApiDocuments.Served(Updated(stored, resource, ns, name, value!), resource));
    }

    /// <summary>
    /// Server-side apply: creates the object when it does not exist (201), else merges the configuration into it and
    /// records the manager's fields (200). The manager is required, as the API server requires it.
    /// </summary>
    private (int Code, JsonNode Body) ServerSideApply(ApiResource resource, string? ns, string name, JsonNode patch, bool dryRun, string fieldValidation, List<string> warnings, string? fieldManager, bool force)
    {
        if (patch is not JsonObject applied)
        {
            throw ApiStatusException.BadRequest("error decoding YAML: the applied configuration must be an object");
        }

        if (string.IsNullOrEmpty(fieldManager))
        {
            throw ApiStatusException.BadRequest("PATCH request with apply type requires a fieldManager");
        }

        CheckFields(resource, applied, fieldValidation, warnings);
        var created = false;
        IKubernetesObject<V1ObjectMeta>? value = null;
        var time = ManagedFields.TimeOf(clock());
        var stored = Commit(resource, name, state =>
        {
            var current = ApiObjects.Find(state, resource, ns, name);
            created = current is null;
            var live = current is null ? null : ApiDocuments.Object(current, resource);
            // kubectl's own manager may take what its client-side apply owns and still sets as last applied, and keeps the
            // last-applied-configuration annotation in step with what it applies (lastAppliedManager, lastAppliedUpdater)
            var upgrade = fieldManager == "kubectl" && live is not null ? ManagedFields.AllowedByLastApplied(live) : null;
            var result = KubeLab.Core.Api.ServerSideApply.Apply(live, applied, fieldManager, resource.GroupVersion, time, force, upgrade);
            if (upgrade is not null && result["metadata"]?["annotations"] is JsonObject annotations && annotations.ContainsKey(ManagedFields.LastAppliedAnnotation))
            {
                annotations[ManagedFields.LastAppliedAnnotation] = ManagedFields.LastAppliedOf(applied);
            }

            result["metadata"]!["name"] = name;
            value = Decode(resource, result, ns);
            return Apply(state, resource, value);
        }, dryRun);
        return created
            ? (201, ApiDocuments.Served(Find(stored, resource, ns, name), resource))
            : (200, ApiDocuments.Served(Updated(stored, resource, ns, name, value!), resource));
    }

    /// <summary>The autoscaling/v1 Scale of a Deployment or ReplicaSet.</summary>
    public static JsonObject Scale(IKubernetesObject<V1ObjectMeta> value)
    {
        var (replicas, current, selector) = value switch
        {
            V1Deployment d => (d.Spec?.Replicas ?? 1, d.Status?.Replicas ?? 0, d.Spec?.Selector),
            V1ReplicaSet r => (r.Spec?.Replicas ?? 1, r.Status?.Replicas ?? 0, r.Spec?.Selector),
            _ => throw ApiStatusException.NoSuchResource(),
        };
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = value.Metadata.Name,
                ["namespace"] = value.Metadata.NamespaceProperty,
                ["uid"] = value.Metadata.Uid,
                ["resourceVersion"] = value.Metadata.ResourceVersion,
                ["creationTimestamp"] = value.Metadata.CreationTimestamp?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = new JsonObject { ["replicas"] = current, ["selector"] = FormatSelector(selector) },
        };
    }

    /// <summary>PUT or PATCH of a scale subresource: only spec.replicas changes.</summary>
    public (int Code, JsonNode Body) UpdateScale(ApiResource resource, string ns, string name, Func<JsonObject, JsonNode?> change, bool dryRun, string manager = "")
    {
        Require(resource);
        var stored = Commit(resource, name, state =>
        {
            var current = ApiObjects.Find(state, resource, ns, name) ?? throw ApiStatusException.NotFound(resource, name);
            var scale = change(Scale(current)) as JsonObject ?? throw ApiStatusException.BadRequest("the Scale must be a JSON object");
            CheckVersion(resource, name, scale["metadata"]?["resourceVersion"]?.GetValue<string>(), current);
            var replicas = scale["spec"]?["replicas"]?.GetValue<int>() ?? 0;
            if (replicas < 0)
            {
                throw Invalid(resource, name, "spec.replicas", "FieldValueInvalid", $"Invalid value: {replicas}: must be greater than or equal to 0");
            }

            var copy = KubeObjects.Clone(current);
            var changed = replicas != (current switch { V1Deployment d => d.Spec.Replicas ?? 1, V1ReplicaSet r => r.Spec.Replicas ?? 1, _ => replicas });
            switch (copy)
            {
                case V1Deployment d:
                    d.Spec.Replicas = replicas;
                    break;
                case V1ReplicaSet r:
                    r.Spec.Replicas = replicas;
                    break;
            }

            copy.Metadata.ManagedFields = ManagedFields.ToModel(ManagedFields.Scale(ApiDocuments.Object(current, resource), changed, manager, resource.GroupVersion));

            return Apply(state, resource, copy);
        }, dryRun);
        return (200, Scale(Find(stored, resource, ns, name)));
    }

    /// <summary>
    /// DELETE: graceful for pods, held by finalizers, dependents handled by the propagation policy. As the API server
    /// answers (endpoints/handlers/delete.go, registry/generic Store.Delete): 202 with the object while its deletion is
    /// under way, 200 once it is gone — the object for pods (their storage returns the deleted object), a Success Status
    /// for the others.
    /// </summary>
    public (int Code, JsonNode Body) Delete(ApiResource resource, string? ns, string name, DeleteOptions options, bool dryRun)
    {
        Require(resource);
        IKubernetesObject<V1ObjectMeta>? deleted = null;
        var stored = Commit(resource, name, state =>
        {
            deleted = ApiObjects.Find(state, resource, ns, name) ?? throw ApiStatusException.NotFound(resource, name);
            return Recorded(ControlPlane.Delete(state, [new ObjectRef(StoredKind(resource), ns ?? "", name)], clock(), options: options));
        }, dryRun);
        if (ApiObjects.Find(stored, resource, ns, name) is { } remaining && remaining.Metadata.Uid == deleted!.Metadata.Uid)
        {
            return (202, ApiDocuments.Served(remaining, resource));
        }

        if (resource.Kind == "Pod")
        {
            return (200, ApiDocuments.Served(deleted!, resource));
        }

        var details = ApiStatusException.DetailsFor(resource, name);
        details["uid"] = deleted!.Metadata.Uid;
        return (200, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        });
    }

    public (int Code, JsonNode Body) DeleteCollection(ApiResource resource, string? ns, Func<IKubernetesObject<V1ObjectMeta>, bool> selected, DeleteOptions options, bool dryRun)
    {
        Require(resource);
        var removed = new List<IKubernetesObject<V1ObjectMeta>>();
        var stored = Commit(resource, "", state =>
        {
            removed.AddRange(ApiObjects.List(state, resource).Where(o => (ns is null || o.Metadata.NamespaceProperty == ns) && selected(o)));
            return removed.Count == 0 ? state : Recorded(ControlPlane.Delete(state, removed.Select(o => new ObjectRef(StoredKind(resource), o.Metadata.NamespaceProperty ?? "", o.Metadata.Name)).ToList(), clock(), ignoreNotFound: true, options: options));
        }, dryRun);
        return (200, ApiDocuments.List(resource, removed, stored.Generation));
    }

    private ClusterState Commit(ApiResource resource, string name, Func<ClusterState, ClusterState> change, bool dryRun)
    {
        try
        {
            if (dryRun)
            {
                return change(feed.Current ?? throw new ApiStatusException(503, "ServiceUnavailable", "the lab's state is not loaded yet"));
            }

            var state = writer.Commit(before =>
            {
                var after = change(before);
                NewPodWarnings(before, after);
                return after;
            });
            feed.Publish(state);
            return state;
        }
        catch (KubeLabException e)
        {
            throw Translate(e, resource, name);
        }
    }

    /// <summary>
    /// Where the request's warnings go (the handler's list, sent as Warning headers), for the writes of this request;
    /// null for writes no request made.
    /// </summary>
    public static readonly AsyncLocal<List<string>?> Warnings = new();

    /// <summary>
    /// The lab runs no container images: a write that makes pods whose image is not emulated says so, in the words
    /// `kubelab apply` prints, as an API warning (kubectl prints it as "Warning: …").
    /// </summary>
    private static void NewPodWarnings(ClusterState before, ClusterState after) =>
        Warnings.Value?.AddRange(SnapshotBuilder.NotEmulatedWarnings(before, after));

    private ClusterState Apply(ClusterState state, ApiResource resource, IKubernetesObject<V1ObjectMeta> value)
    {
        KeepStatus(state, resource, value);
        var document = new ManifestDocument("<api>", 0, resource.GroupVersion, StoredKind(resource), value);
        return Recorded(ControlPlane.Apply(state, [document], clock(), recordLastApplied: false, graceful: true));
    }

    /// <summary>
    /// A custom resource whose version has the status subresource: writes to the object itself leave its status as it
    /// was (none on create), as apiextensions-apiserver's strategy does.
    /// </summary>
    /// <remarks>
    /// metadata.generation is 1 on create and grows with every change outside metadata and status, as the API server
    /// counts a custom resource's spec changes.
    /// </remarks>
    private static void KeepStatus(ClusterState state, ApiResource resource, IKubernetesObject<V1ObjectMeta> value)
    {
        if (resource.Custom is null || value is not CustomObject custom)
        {
            return;
        }

        var old = ApiObjects.Find(state, resource, value.Metadata.NamespaceProperty, value.Metadata.Name) as CustomObject;
        if (resource.Custom.Version.Subresources?.Status is not null)
        {
            custom.Fields?.Remove("status");
            if (old?.Fields is { } before && before.TryGetValue("status", out var status))
            {
                custom.Fields ??= [];
                custom.Fields["status"] = status.Clone();
            }
        }

        static string Spec(CustomObject o) => KubeObjects.ToJson((o.Fields ?? []).Where(f => f.Key != "status").OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary());
        custom.Metadata.Generation = old is null ? 1 : (old.Metadata.Generation ?? 1) + (Spec(old) == Spec(custom) ? 0 : 1);
    }

    /// <summary>
    /// metadata.managedFields of a write that is not an apply, as the API server's field manager records it before the
    /// object is stored: the fields this request added or changed are <paramref name="manager"/>'s.
    /// </summary>
    private void Track(ApiResource resource, IKubernetesObject<V1ObjectMeta>? current, IKubernetesObject<V1ObjectMeta> value, string manager)
    {
        var live = current is null ? null : ApiDocuments.Object(current, resource);
        value.Metadata.ManagedFields = ManagedFields.ForWrite(live, ApiDocuments.Object(value, resource), manager, resource, resource.GroupVersion, clock());
    }

    /// <summary>The change's state with the Events its controllers recorded stored beside it.</summary>
    private ClusterState Recorded(ApplyResult result) => ClusterEvents.Store(result.State, result.Events, clock());

    /// <summary>
    /// metav1.DeleteOptions from the body kubectl sends (and the query parameters the API server also reads):
    /// gracePeriodSeconds, propagationPolicy, and the older orphanDependents.
    /// </summary>
    public static DeleteOptions ParseDeleteOptions(string body, IReadOnlyDictionary<string, string> query)
    {
        long? grace = null;
        string? policy = null;
        bool? orphan = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            if (ParseJson(body) is not JsonObject o)
            {
                throw ApiStatusException.BadRequest("the body of a DELETE must be a DeleteOptions object");
            }

            try
            {
                grace = o["gracePeriodSeconds"]?.GetValue<long>();
                policy = o["propagationPolicy"]?.GetValue<string>();
                orphan = o["orphanDependents"]?.GetValue<bool>();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw ApiStatusException.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({e.Message})");
            }
        }

        if (query.TryGetValue("gracePeriodSeconds", out var g) && long.TryParse(g, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            grace = parsed;
        }

        if (query.TryGetValue("propagationPolicy", out var p) && p.Length > 0)
        {
            policy = p;
        }

        if (query.TryGetValue("orphanDependents", out var od) && bool.TryParse(od, out var parsedOrphan))
        {
            orphan = parsedOrphan;
        }

        if (policy is not null && orphan is not null)
        {
            throw new ApiStatusException(422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"" + policy + "\": orphanDependents and deletionPropagation cannot be both set", new JsonObject());
        }

        if (policy is not null && policy is not (DeleteOptions.Background or DeleteOptions.Foreground or DeleteOptions.Orphan))
        {
            throw new ApiStatusException(422, "Invalid", $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"", new JsonObject());
        }

        if (grace < 0)
        {
            grace = 1; // the API server treats a negative grace period as 1 (rest.BeforeDelete)
        }

        return new DeleteOptions(grace, policy ?? (orphan == true ? DeleteOptions.Orphan : DeleteOptions.Background));
    }

    /// <summary>
    /// The object an update stored; an update that removed the last finalizer of an object being deleted has deleted it,
    /// and the API server answers with the object as updated.
    /// </summary>
    private static IKubernetesObject<V1ObjectMeta> Updated(ClusterState state, ApiResource resource, string? ns, string name, IKubernetesObject<V1ObjectMeta> sent) =>
        ApiObjects.Find(state, resource, ns, name) ?? (sent.Metadata.DeletionTimestamp is not null ? sent : throw ApiStatusException.NotFound(resource, name));

    private static IKubernetesObject<V1ObjectMeta> Find(ClusterState state, ApiResource resource, string? ns, string name) =>
        ApiObjects.Find(state, resource, ns, name) ?? throw ApiStatusException.NotFound(resource, name);

    private static void Require(ApiResource resource)
    {
        if (!ApiResources.Stored(resource))
        {
            throw new ApiStatusException(405, "MethodNotAllowed", ApiResources.NotStored(resource), new JsonObject());
        }
    }

    private static void CheckVersion(ApiResource resource, string name, string? wanted, IKubernetesObject<V1ObjectMeta> current)
    {
        if (!string.IsNullOrEmpty(wanted) && wanted != current.Metadata.ResourceVersion)
        {
            throw new ApiStatusException(409, "Conflict",
                $"Operation cannot be fulfilled on {resource.QualifiedPlural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                ApiStatusException.DetailsFor(resource, name));
        }
    }

    private static IKubernetesObject<V1ObjectMeta> Decode(ApiResource resource, JsonObject body, string? ns)
    {
        if (body["kind"] is { } kind && kind.GetValueKind() == JsonValueKind.String && kind.GetValue<string>() is var k && k.Length > 0 && k != resource.Kind)
        {
            throw ApiStatusException.BadRequest($"the object provided is unrecognized ({k}): expected {resource.Kind}");
        }

        if (body["metadata"]?["namespace"] is { } given && given.GetValue<string>() is { Length: > 0 } bodyNamespace && ns is not null && bodyNamespace != ns)
        {
            throw ApiStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        body["kind"] = resource.Kind;
        body["apiVersion"] = resource.GroupVersion;
        IKubernetesObject<V1ObjectMeta> value;
        try
        {
            var type = resource.Custom is null ? SupportedKinds.Types[$"{resource.GroupVersion}/{resource.Kind}"] : typeof(CustomObject);
            var json = resource.Custom is null ? body.ToJsonString() : CustomResourceSchema.Sorted(body)!.ToJsonString();
            value = (IKubernetesObject<V1ObjectMeta>)KubeObjects.FromJson(json, type);
        }
        catch (KubeLabException e)
        {
            throw ApiStatusException.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({e.Message})");
        }

        value.Metadata ??= new V1ObjectMeta();
        if (value is CustomObject custom)
        {
            custom.Namespaced = resource.Namespaced;
        }

        if (resource.Namespaced)
        {
            value.Metadata.NamespaceProperty = ns;
        }

        return value;
    }

    /// <summary>
    /// The decoder's checks, with the one strict decoder the CLI's apply uses (<see cref="StrictDecoder"/>): a value of
    /// the wrong type fails the request in every mode; fields the object's type does not have are refused with Strict
    /// (what kubectl sends by default), reported as warnings with Warn or no mode, ignored with Ignore, as the API
    /// server does.
    /// </summary>
    public static void CheckFields(ApiResource resource, JsonObject body, string mode, List<string> warnings)
    {
        if (resource.Custom is not null)
        {
            // the CRD's structural schema: defaulted, pruned and validated in place; what was pruned is an unknown field
            var pruned = CustomResourceSchema.Apply(resource, body);
            ReportUnknown(resource, pruned, mode, warnings);
            return;
        }

        if (!SupportedKinds.Types.TryGetValue($"{resource.GroupVersion}/{resource.Kind}", out var type) || type == typeof(KubeProxyConfigurationDocument))
        {
            return;
        }

        var result = StrictDecoder.Check(JsonSerializer.SerializeToUtf8Bytes(body), type);
        if (result.TypeError is not null)
        {
            throw ApiStatusException.BadRequest(result.Message(resource.Kind, resource.Version));
        }

        // a status the kind does not have is dropped without a word (kubectl sends what `get -o yaml` printed)
        ReportUnknown(resource, result.Unknown.Where(u => u.Path is not ["status"]).Select(u => u.Text).ToList(), mode, warnings);
    }

    private static void ReportUnknown(ApiResource resource, IReadOnlyList<string> unknown, string mode, List<string> warnings)
    {
        if (unknown.Count == 0 || mode == "Ignore")
        {
            return;
        }

        if (mode == "Strict")
        {
            throw ApiStatusException.BadRequest(StrictDecoder.UnknownFieldsMessage(resource.Kind, resource.Version, unknown));
        }

        warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
    }

    public static JsonNode ParseJson(string text)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 1000 }) ?? throw ApiStatusException.BadRequest("the request body is empty");
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({e.Message})");
        }
    }

    /// <summary>
    /// An application/yaml body: YAML to JSON as sigs.k8s.io/yaml does it, then the JSON decoder. Malformed YAML is the
    /// API server's 400 (transformDecodeError: no kind could be read, so the object is summarised by its first 30
    /// bytes in hex).
    /// </summary>
    public static JsonNode ParseYaml(string text)
    {
        string json;
        try
        {
            json = ManifestReader.YamlBodyToJson(text);
        }
        catch (KubeLabException e)
        {
            throw ApiStatusException.BadRequest($"the object provided is unrecognized ({Summary(text)}): error converting YAML to JSON: {e.Message}");
        }

        return ParseJson(json);
    }

    /// <summary>summarizeData: a body that is not JSON as the hex of its first 30 bytes.</summary>
    private static string Summary(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return bytes.Length switch
        {
            0 => "<empty>",
            _ when bytes[0] == (byte)'{' => bytes.Length > 30 ? System.Text.Encoding.UTF8.GetString(bytes, 0, 30) + " ..." : text,
            > 30 => Convert.ToHexStringLower(bytes, 0, 30) + " ...",
            _ => Convert.ToHexStringLower(bytes),
        };
    }

    /// <summary>An apply configuration (JSON or YAML: the applyPatcher unmarshals it with sigs.k8s.io/yaml).</summary>
    private static JsonNode ParseApplyConfiguration(string text)
    {
        if (text.AsSpan().TrimStart().StartsWith("{"))
        {
            return ParseJson(text); // JSON (what kubectl and client-go send) reads the same as YAML
        }

        string json;
        try
        {
            json = ManifestReader.YamlBodyToJson(text);
        }
        catch (KubeLabException e)
        {
            throw ApiStatusException.BadRequest($"error decoding YAML: error converting YAML to JSON: {e.Message}");
        }

        return json == "null" ? throw ApiStatusException.BadRequest("error decoding YAML: the applied configuration must be an object") : ParseJson(json);
    }

    public static JsonNode? PatchJson(JsonNode current, string contentType, JsonNode patch) => contentType.Split(';')[0].Trim() switch
    {
        "application/merge-patch+json" => JsonPatches.Merge(current, patch),
        "application/strategic-merge-patch+json" => JsonPatches.StrategicMerge(current, patch),
        "application/json-patch+json" => patch is JsonArray operations ? JsonPatches.JsonPatch(current, operations) : throw ApiStatusException.BadRequest("a JSON patch must be an array of operations"),
        var other => throw new ApiStatusException(415, "UnsupportedMediaType", $"the server does not support the patch type \"{other}\" yet; use application/strategic-merge-patch+json, application/merge-patch+json or application/json-patch+json", new JsonObject()),
    };

    private static string FormatSelector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return "";
        }

        var parts = (selector.MatchLabels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", (e.Values ?? []).Order(StringComparer.Ordinal));
            parts.Add(e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({values})",
                "NotIn" => $"{e.Key} notin ({values})",
                "Exists" => e.Key,
                _ => $"!{e.Key}",
            });
        }

        return string.Join(",", parts);
    }

    private static ApiStatusException Invalid(ApiResource resource, string name, string field, string reason, string message) =>
        ApiStatusException.Invalid(resource, name, [(field, reason, message)]);

    [GeneratedRegex(@"is invalid: (?<field>[^:]+): (?<detail>.*)$", RegexOptions.Singleline)]
    private static partial Regex InvalidMessage();

    /// <summary>
    /// The control plane's errors as the API server's Status: "… is invalid: FIELD: DETAIL" becomes 422 Invalid with
    /// that field as its cause; not found 404; conflicts 409.
    /// </summary>
    private static ApiStatusException Translate(KubeLabException e, ApiResource resource, string name)
    {
        var message = e.Message;
        if (e.Kind == FailureKind.Invalid && InvalidMessage().Match(message) is { Success: true } invalid)
        {
            var detail = invalid.Groups["detail"].Value;
            var reason = detail.StartsWith("Required value", StringComparison.Ordinal) ? "FieldValueRequired"
                : detail.StartsWith("Unsupported value", StringComparison.Ordinal) ? "FieldValueNotSupported"
                : detail.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden"
                : detail.StartsWith("Duplicate value", StringComparison.Ordinal) ? "FieldValueDuplicate"
                : "FieldValueInvalid";
            return ApiStatusException.Invalid(resource, name, [(invalid.Groups["field"].Value, reason, detail)]);
        }

        // the CLI's "FILE:LINE: Error from server (Reason): error when creating "FILE": " is kubectl's part, not the server's
        var text = Regex.Replace(message, @"^.*?Error from server \(\w+\): (error when (creating|applying patch|replacing) ""[^""]*"": )?", "");
        if (message.Contains("Error from server (Forbidden): ", StringComparison.Ordinal))
        {
            // an admission webhook's denial (controller-runtime's admission.Denied: 403 Forbidden)
            return new ApiStatusException(403, "Forbidden", text, new JsonObject());
        }

        return e.Kind switch
        {
            FailureKind.NotFound => new ApiStatusException(404, "NotFound", text, new JsonObject()),
            FailureKind.Conflict => new ApiStatusException(409, "Conflict", text, new JsonObject()),
            FailureKind.Invalid or FailureKind.Usage => new ApiStatusException(422, "Invalid", text, new JsonObject()),
            _ => new ApiStatusException(500, "InternalError", $"Internal error occurred: {text}", new JsonObject()),
        };
    }
}
