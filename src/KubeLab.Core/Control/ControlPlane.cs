using System.Collections.Immutable;
using System.Globalization;
using k8s;
using k8s.Models;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// The outcome of an apply or delete: the new state, kubectl's lines ("service/web created"), and the Events the
/// controllers, the scheduler and the kubelet recorded on the way (data: the commit stores them, <see cref="ClusterEvents"/>).
/// </summary>
public sealed record ApplyResult(ClusterState State, IReadOnlyList<string> Messages)
{
    public IReadOnlyList<Corev1Event> Events { get; init; } = [];
}

/// <summary>A kubectl-style target for delete: kind, namespace, name.</summary>
public sealed record ObjectRef(string Kind, string Namespace, string Name);

/// <summary>
/// The emulated control plane: admission (validation, cluster IP and node port allocation), the
/// Deployment and ReplicaSet controllers, the scheduler, host-local IPAM and the EndpointSlice
/// controller. Each call works on a copy and returns a new state, so a failed apply changes nothing.
/// </summary>
public sealed partial class ControlPlane
{
    /// <summary>Annotation pinning a pod's IP (KubeLab's, like the CNI "ips" capability).</summary>
    public const string PodIPAnnotation = "kubelab.io/pod-ip";

    /// <summary>Annotation on a Deployment pinning replica i to "node=ip" entry i: "vm1=10.42.0.8,vm2=10.42.1.2".</summary>
    public const string PlacementAnnotation = "kubelab.io/placement";

    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static readonly string[] BuiltinNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly LabConfig config;
    private readonly List<StoredObject> objects;
    /// <summary>The state's objects as they came in, by key: what an object whose resourceVersion stayed is handed back as.</summary>
    private readonly Dictionary<string, StoredObject> originals;
    private ImmutableList<StoredObject> storedEvents;
    private readonly ImmutableList<StoredObject> carriedRbac;
    private readonly Dictionary<string, string> lastReserved;
    private readonly Random random;
    private readonly DateTimeOffset now;
    /// <summary>The moment with its fraction, for the events' eventTime and names.</summary>
    private readonly DateTimeOffset eventClock;
    private readonly List<string> messages = [];
    private readonly long generation;
    private bool recordLastApplied = true;
    /// <summary>Documents stored as sent even when <see cref="recordLastApplied"/> is set (the API server's own writes).</summary>
    private Predicate<ManifestDocument>? storedAsSent;
    private bool graceful;

    /// <param name="carryRbac">RBAC objects are carried through untouched too (see <see cref="Apply"/>).</param>
    private ControlPlane(ClusterState state, DateTimeOffset now, bool carryRbac = false)
    {
        config = state.Config;
        // Events are carried through untouched: no controller changes them, and a busy lab holds thousands
        bool Carried(StoredObject o) => o.Kind == "Event" || (carryRbac && IsRbac(o.Kind));
        objects = state.Objects.Where(o => !Carried(o)).Select(o => StoredObject.Of(KubeObjects.CopyOfStored(o.Object))).ToList();
        originals = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
        foreach (var original in state.Objects.Where(o => o.Kind != "Event"))
        {
            originals.TryAdd(original.Key, original);
        }

        carriedRbac = carryRbac ? state.Objects.Where(o => IsRbac(o.Kind)).ToImmutableList() : [];
        storedEvents = state.Objects.Where(o => o.Kind == "Event").ToImmutableList();
        lastReserved = new Dictionary<string, string>(state.LastReserved, StringComparer.Ordinal);
        generation = state.Generation + 1;
        // Names and allocations are random in Kubernetes; here they are reproducible from the state.
        random = new Random(unchecked((int)(StableHash(state.Config.Name) ^ generation * 7919)));
        // the API server stores times to the second (metav1.Time is RFC 3339 without fractions)
        this.now = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, now.Offset);
        eventClock = now;
    }

    /// <summary>
    /// A new lab's state: k3s's built-in objects (kubernetes and kube-dns services, CoreDNS, the packaged add-ons and
    /// their RBAC) and the API server's bootstrap RBAC policy and system PriorityClasses. The API server's objects come last, although the API server
    /// makes them first: the names and cluster IPs the lab draws for the others stay those of labs made before it.
    /// </summary>
    public static ClusterState Bootstrap(LabConfig config, DateTimeOffset now)
    {
        var empty = new ClusterState { Config = config };
        var docs = ManifestReader.Read(SystemObjects.Manifest(config), "<k3s system objects>");
        var policy = ApiServerObjects();
        var result = SystemWriter(empty, policy, now).Run([.. docs, .. policy]);
        return ClusterEvents.Store(result.State, result.Events, now);
    }

    /// <summary>
    /// What a k3s server writes again when it starts, for a lab made before KubeLab wrote it: the bootstrap policy's
    /// RBAC objects and the system PriorityClasses (the API server's post-start hooks make the missing ones) and the
    /// packaged manifests' RBAC (the deploy controller applies its manifests again), written as in a new lab. Objects that exist are left as they are; a lab that has
    /// them all is returned as it is.
    /// </summary>
    public static ClusterState RestoreStartupObjects(ClusterState state, DateTimeOffset now)
    {
        var policy = ApiServerObjects();
        var stored = state.Objects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var missing = ManifestReader.Read(SystemObjects.RbacManifest(state.Config), "<k3s system objects>").Concat(policy)
            .Where(d => !stored.Contains(new StoredObject(d.Kind, d.Namespace, d.Name, (IKubernetesObject<V1ObjectMeta>)d.Object).Key))
            .ToList();
        return missing.Count == 0 ? state : SystemWriter(state, policy, now).Run(missing).State;
    }

    /// <summary>What the API server's post-start hooks make: the bootstrap RBAC policy and the system PriorityClasses.</summary>
    private static List<ManifestDocument> ApiServerObjects() =>
        [.. BootstrapPolicy.Documents(), .. ManifestReader.Read(SystemObjects.SystemPriorityClasses, "<kube-apiserver system priority classes>")];

    /// <summary>
    /// The writers of k3s's own objects: the API server writes its bootstrap policy itself (its own manager, no kubectl
    /// annotation); the others are their components' (<see cref="SystemObjects.ManagerOf"/>).
    /// </summary>
    private static ControlPlane SystemWriter(ClusterState state, IReadOnlyList<ManifestDocument> policy, DateTimeOffset now)
    {
        var apiServers = new HashSet<ManifestDocument>(policy, ReferenceEqualityComparer.Instance);
        return new ControlPlane(state, now)
        {
            storedAsSent = apiServers.Contains,
            documentManager = document => apiServers.Contains(document) ? ComponentManager : SystemObjects.ManagerOf(document, state.Config),
        };
    }

    /// <param name="recordLastApplied">
    /// true for kubectl-style apply (kubelab apply: the last-applied-configuration annotation is kept, and an object
    /// equal to it is "unchanged"); false for the API's create and update, which store the object as sent.
    /// </param>
    /// <param name="graceful">
    /// true for the API server's writes: pods the controllers remove are deleted gracefully (Terminating until the
    /// lab's kubelet has stopped them, <see cref="Sync"/>); false for kubelab's own verbs, which remove them at once.
    /// </param>
    /// <param name="manager">
    /// the managedFields manager of each document's write; by default kubectl's client-side apply for kubelab's own
    /// apply, and none for the API's writes (the API server records the request's own entry).
    /// </param>
    public static ApplyResult Apply(ClusterState state, IReadOnlyList<ManifestDocument> documents, DateTimeOffset now, bool recordLastApplied = true, bool graceful = false, Func<ManifestDocument, string>? manager = null)
    {
        // A lab holds over a hundred RBAC objects, and only the garbage collector and the clusterrole aggregation act on
        // them: a write that brings none, while nothing is being deleted and no RBAC object has an owner, leaves them
        // as they are, and they are carried through uncopied, as Events are.
        var carryRbac = documents.All(d => !IsRbac(d) && d.Kind != "Namespace")
            && state.Objects.All(o => o.Kind == "Event"
                || (o.Object.Metadata.DeletionTimestamp is null && !(IsRbac(o.Kind) && o.Object.Metadata.OwnerReferences is { Count: > 0 })));
        var plane = new ControlPlane(state, now, carryRbac)
        {
            recordLastApplied = recordLastApplied,
            graceful = graceful,
            documentManager = manager ?? (recordLastApplied ? _ => ClientSideApplyManager : null),
        };
        return plane.Run(documents);
    }

    private ApplyResult Run(IReadOnlyList<ManifestDocument> documents)
    {
        foreach (var document in documents)
        {
            Validate(document);
        }

        foreach (var document in documents)
        {
            Upsert(document);
            if (IsRbac(document))
            {
                // no controller but these two watches RBAC objects (a bootstrap writes over a hundred of them)
                ReconcileRbac();
                continue;
            }

            Reconcile(); // the controllers react to each object in turn, as they watch the API
        }

        return Result();
    }

    /// <param name="options">
    /// null for kubelab's own delete (the object and its dependents go at once); the API server's DeleteOptions
    /// otherwise: graceful deletion of pods, finalizers, and the garbage collector's propagation policies.
    /// </param>
    public static ApplyResult Delete(ClusterState state, IReadOnlyList<ObjectRef> targets, DateTimeOffset now, bool ignoreNotFound = false, DeleteOptions? options = null)
    {
        var plane = new ControlPlane(state, now) { graceful = options is not null };
        foreach (var target in targets)
        {
            if (plane.ReplaceKubeletLease(target))
            {
                continue;
            }

            if (options is null)
            {
                plane.Remove(target, ignoreNotFound);
            }
            else
            {
                plane.RemoveGracefully(target, ignoreNotFound, options);
            }
        }

        plane.Reconcile();
        return plane.Result();
    }

    private ApplyResult Result() => new(WithComponentEntries(ToState()), messages) { Events = events };

    private ClusterState ToState() => new()
    {
        Config = config,
        Objects = objects.Select(Unchanged).Concat(carriedRbac).Concat(storedEvents).ToImmutableList(),
        LastReserved = lastReserved.ToImmutableDictionary(StringComparer.Ordinal),
        Generation = generation,
    };

    /// <summary>
    /// Every change to an object gives it a new resourceVersion, as the API server does. The controllers stamp what
    /// they replace; what they change in place (a ReplicaSet's status and replicas, a Deployment's status) is found
    /// here by comparing the copy with the object it was copied from, and stamped too. A copy equal to its original
    /// is handed back as the original instance, and with it the encodings cached for it (the store's and the API
    /// server's), so a write encodes only what it changed.
    /// </summary>
    private StoredObject Unchanged(StoredObject copy)
    {
        if (!originals.TryGetValue(copy.Key, out var original) || original.Object.GetType() != copy.Object.GetType()
            || original.Object.Metadata.Uid != copy.Object.Metadata.Uid)
        {
            StampGeneration(copy.Object, original: null);
            return copy;
        }

        if (copy.Object.Metadata.ResourceVersion is not { } version || version != original.Object.Metadata.ResourceVersion)
        {
            StampGeneration(copy.Object, original.Object);
            return copy;
        }

        var json = KubeObjects.ToJson(copy.Object);
        if (json == KubeObjects.Encoded(original.Object))
        {
            return original;
        }

        StampGeneration(copy.Object, original.Object, json);
        copy.Object.Metadata.ResourceVersion = generation.ToString(CultureInfo.InvariantCulture);
        return copy;
    }

    /// <summary>
    /// metadata.generation, for the kinds whose registry strategy keeps one: 1 when created, one more whenever what
    /// the object asks for changes (everything but its metadata and status; a Deployment's annotations too, as
    /// deployment's strategy bumps it for them, except the revision its controller writes through status; an
    /// EndpointSlice's labels). Their controllers, which converge within the write, have observed it.
    /// </summary>
    private static void StampGeneration(IKubernetesObject<V1ObjectMeta> value, IKubernetesObject<V1ObjectMeta>? original, string? json = null)
    {
        if (value is not (V1Deployment or V1ReplicaSet or V1DaemonSet or V1StatefulSet or V1Job or V1EndpointSlice or V1CustomResourceDefinition
            or V1MutatingWebhookConfiguration or V1ValidatingWebhookConfiguration or CustomObject
            or MetalLB.V1beta1IPAddressPool or MetalLB.V1beta1L2Advertisement))
        {
            return;
        }

        var was = original?.Metadata.Generation ?? 0;
        value.Metadata.Generation = original is null ? 1
            : Content(value, json ?? KubeObjects.ToJson(value)) == Content(original, KubeObjects.Encoded(original)) ? Math.Max(was, 1) : Math.Max(was, 1) + 1;
        var observed = value.Metadata.Generation;
        switch (value)
        {
            case V1Deployment { Status: not null } d:
                d.Status.ObservedGeneration = observed;
                break;
            case V1ReplicaSet { Status: not null } rs:
                rs.Status.ObservedGeneration = observed;
                break;
            case V1DaemonSet { Status: not null } ds:
                ds.Status.ObservedGeneration = observed;
                break;
        }
    }

    /// <summary>What the object asks for, from its encoding (a stored original's cached one): all but metadata and status.</summary>
    private static string Content(IKubernetesObject<V1ObjectMeta> value, string encoded)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(encoded)!.AsObject();
        json.Remove("status");
        var metadata = json["metadata"] as System.Text.Json.Nodes.JsonObject;
        json.Remove("metadata");
        if (value is V1Deployment && metadata?["annotations"] is System.Text.Json.Nodes.JsonObject annotations)
        {
            annotations.Remove(DeploymentRevisionAnnotation);
            json["annotations"] = annotations.DeepClone();
        }

        if (value is V1EndpointSlice && metadata?["labels"] is { } labels)
        {
            json["labels"] = labels.DeepClone();
        }

        return json.ToJsonString();
    }

    private void Upsert(ManifestDocument document)
    {
        var value = (IKubernetesObject<V1ObjectMeta>)document.Object;
        value.Metadata.NamespaceProperty = IsNamespacedObject(document.Kind, value) ? NamespaceOf(value) : null;
        var ns = value.Metadata.NamespaceProperty ?? "";
        var existing = Find(document.Kind, ns, value.Metadata.Name);
        if (document.Kind == "Namespace")
        {
            // the API server labels every namespace with its own name, whatever a client sends
            value.Metadata.Labels ??= new Dictionary<string, string>();
            value.Metadata.Labels[Api.ApiObjects.NamespaceNameLabel] = value.Metadata.Name;
            if (existing is null && BuiltinNamespaces.Contains(value.Metadata.Name))
            {
                // the cluster's own namespaces exist from the start: a change to one configures it (kubectl says so) and
                // keeps its uid and age; it is stored from then on
                existing = StoredObject.Of(Api.ApiObjects.BuiltinNamespace(value.Metadata.Name, config));
                objects.Add(existing);
            }
        }

        if (recordLastApplied && storedAsSent?.Invoke(document) != true)
        {
            var applied = LastApplied(value);
            if (existing is not null && existing.Object.Metadata.Annotations?.TryGetValue(LastAppliedAnnotation, out var previous) == true && previous == applied)
            {
                messages.Add($"{KubeObjects.ResourceName(document.Kind, value.Metadata.Name)} unchanged");
                return;
            }

            value.Metadata.Annotations ??= new Dictionary<string, string>();
            value.Metadata.Annotations[LastAppliedAnnotation] = applied;
        }

        // the API server's decoder defaults what it decodes: the lab stores the object as a k3s server stores it
        Api.ApiDefaults.Store(value);
        RecordWriter(document, value, existing);
        switch (value)
        {
            case V1Service service:
                AdmitService(document, service, existing?.Object as V1Service);
                break;
            case V1Pod pod:
                if (existing is not null)
                {
                    UpdatePod(document, (V1Pod)existing.Object, pod);
                    messages.Add($"pod/{pod.Metadata.Name} configured");
                    return;
                }

                CreatePod(document, pod, owner: null);
                return; // CreatePod stores the pod and reports it
            case V1Secret secret:
                AdmitSecret(secret);
                break;
            case MetalLB.V1beta1IPAddressPool pool:
                MetalLB.MetalLbPool.ApplyDefaults(pool);
                break;
            case V1CustomResourceDefinition crd:
                AdmitCustomResourceDefinition(crd, existing?.Object as V1CustomResourceDefinition);
                break;
            case V1Job job:
                AdmitJob(job, existing);
                break;
            case V1DaemonSet daemonSet when existing?.Object is V1DaemonSet old:
                daemonSet.Status = old.Status;
                daemonSet.Metadata.Generation = (old.Metadata.Generation ?? 1) + (KubeObjects.ToJson(old.Spec) == KubeObjects.ToJson(daemonSet.Spec) ? 0 : 1);
                break;
            case V1Deployment deployment when existing?.Object is V1Deployment old:
                deployment.Status = old.Status;
                deployment.Metadata.Uid = old.Metadata.Uid;
                break;
        }

        Store(value, existing, document.Kind);
    }

    private void Store(IKubernetesObject<V1ObjectMeta> value, StoredObject? existing, string kind)
    {
        value.Metadata.Uid ??= existing?.Object.Metadata.Uid ?? NewUid();
        value.Metadata.CreationTimestamp = existing?.Object.Metadata.CreationTimestamp ?? now.UtcDateTime;
        value.Metadata.ResourceVersion = generation.ToString(CultureInfo.InvariantCulture);
        if (existing?.Object.Metadata.DeletionTimestamp is { } deleting)
        {
            // the API server keeps a deletion under way whatever an update sends
            value.Metadata.DeletionTimestamp = deleting;
            value.Metadata.DeletionGracePeriodSeconds = existing.Object.Metadata.DeletionGracePeriodSeconds;
        }

        var stored = StoredObject.Of(value);
        if (existing is null)
        {
            objects.Add(stored);
            messages.Add($"{KubeObjects.ResourceName(kind, value.Metadata.Name)} created");
        }
        else
        {
            objects[objects.IndexOf(existing)] = stored;
            messages.Add($"{KubeObjects.ResourceName(kind, value.Metadata.Name)} configured");
        }
    }

    private void Remove(ObjectRef target, bool ignoreNotFound)
    {
        var existing = Find(target.Kind, IsNamespaced(target.Kind) ? target.Namespace : "", target.Name);
        if (existing is null)
        {
            if (ignoreNotFound)
            {
                return;
            }

            throw KubeLabException.NotFound(
                $"Error from server (NotFound): {Plural(target.Kind)} \"{target.Name}\" not found{(IsNamespaced(target.Kind) ? $" in namespace \"{target.Namespace}\"" : "")}");
        }

        if (existing.Kind == "Namespace" && BuiltinNamespaces.Contains(existing.Name))
        {
            throw KubeLabException.Conflict($"Error from server (Forbidden): namespaces \"{existing.Name}\" is forbidden: this namespace may not be deleted");
        }

        objects.Remove(existing);
        messages.Add(KubeObjects.Deleted(existing.Kind, existing.Name));
        // Garbage collection: dependents go with their owner (foreground-like, immediately).
        var uid = existing.Object.Metadata.Uid;
        foreach (var dependent in objects.Where(o => o.Object.Metadata.OwnerReferences?.Any(r => r.Uid == uid) == true).ToList())
        {
            objects.Remove(dependent);
            RemoveDependents(dependent);
        }

        if (existing.Kind == "Namespace")
        {
            objects.RemoveAll(o => o.Namespace == existing.Name);
            storedEvents = storedEvents.RemoveAll(o => o.Namespace == existing.Name);
        }
    }

    private void RemoveDependents(StoredObject owner)
    {
        var uid = owner.Object.Metadata.Uid;
        foreach (var dependent in objects.Where(o => o.Object.Metadata.OwnerReferences?.Any(r => r.Uid == uid) == true).ToList())
        {
            objects.Remove(dependent);
            RemoveDependents(dependent);
        }
    }

    private void Reconcile()
    {
        if (graceful)
        {
            CollectGarbage();
        }

        ReconcileDeployments();
        ReconcileReplicaSets();
        ReconcileJobs();
        ReconcileServiceLoadBalancers();
        ReconcileDaemonSets();
        ReconcileEndpointSlices();
        ReconcileEndpointSliceMirroring();
        ReconcileServiceLoadBalancerStatus();
        ReconcileLoadBalancers();
        ReconcileServiceAccounts();
        ReconcileRootCaConfigMaps();
        ReconcileCustomResources();
        ReconcileClusterRoleAggregation();
    }

    private void ReconcileRbac()
    {
        if (graceful)
        {
            CollectGarbage();
        }

        ReconcileClusterRoleAggregation();
    }

    private StoredObject? Find(string kind, string ns, string name) =>
        objects.FirstOrDefault(o => o.Kind == kind && o.Namespace == ns && o.Name == name);

    private IEnumerable<T> All<T>() => objects.Select(o => o.Object).OfType<T>();

    private string NewUid()
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    private static string NamespaceOf(IKubernetesObject<V1ObjectMeta> value) =>
        string.IsNullOrEmpty(value.Metadata.NamespaceProperty) ? "default" : value.Metadata.NamespaceProperty;

    /// <summary>A stored RBAC object's kind (a custom resource's stored kind names its group).</summary>
    private static bool IsRbac(string kind) => kind is "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding";

    private static bool IsRbac(ManifestDocument document) => document.Object is V1Role or V1ClusterRole or V1RoleBinding or V1ClusterRoleBinding;

    /// <summary>Whether the API server serves the kind per namespace; a kind it does not list (a custom resource's: see <see cref="IsNamespacedObject"/>) is.</summary>
    public static bool IsNamespaced(string kind) => Api.ApiResources.ForKind(kind)?.Namespaced ?? true;

    /// <summary>The group-qualified plural the API server's messages use ("deployments.apps", "endpoints").</summary>
    public static string Plural(string kind)
    {
        var plural = Api.ApiResources.ForKind(kind)?.Plural ?? (kind.ToLowerInvariant() is var lower && lower.EndsWith('s') ? lower : lower + "s");
        return KubeObjects.GroupOfKind(kind) is { Length: > 0 } group ? $"{plural}.{group}" : plural;
    }

    /// <summary>kubectl's annotation value, so that `kubelab apply` and `kubectl apply` of one file agree ("unchanged").</summary>
    private static string LastApplied(IKubernetesObject<V1ObjectMeta> value) => Api.ClientSideApply.LastApplied(value);

    private static uint StableHash(string text) => Names.Fnv32a(text);
}
