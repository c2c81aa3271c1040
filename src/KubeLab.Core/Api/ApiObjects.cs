using System.Globalization;
using k8s;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.Api;

/// <summary>
/// The objects of a lab as its API server serves them: what the store holds, plus what k3s's own components keep
/// in a real cluster (the Node objects the kubelets register, the built-in Namespaces, the Endpoints the
/// endpoints controller mirrors from each Service's pods).
/// </summary>
public static class ApiObjects
{
    public static readonly IReadOnlyList<string> BuiltinNamespaces = ["default", "kube-node-lease", "kube-public", "kube-system"];

    /// <summary>Every object of <paramref name="resource"/>, namespaced ones in namespace then name order, as etcd lists keys.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(ClusterState state, ApiResource resource)
    {
        IEnumerable<IKubernetesObject<V1ObjectMeta>> objects = resource.Plural switch
        {
            _ when resource.Custom is not null => state.Objects.Where(o => o.Kind == CustomObject.StoredKindOf(resource.Kind, resource.Group)).Select(o => o.Object),
            "nodes" => NodeObjects.For(state),
            "namespaces" => Namespaces(state),
            "endpoints" when resource.Group.Length == 0 => Endpoints(state),
            "leases" => Leases(state),
            "events" when resource.Group == "events.k8s.io" => state.All<Corev1Event>().Select(ClusterEvents.ToEventsV1),
            _ => state.Objects.Where(o => o.Kind == resource.Kind).Select(o => o.Object),
        };
        return objects
            .OrderBy(o => o.Metadata.NamespaceProperty ?? "", StringComparer.Ordinal)
            .ThenBy(o => o.Metadata.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A namespace the cluster made when it started, as it is until a client changes it.</summary>
    public static IKubernetesObject<V1ObjectMeta> BuiltinNamespace(string name, Model.LabConfig config) => new V1Namespace
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            CreationTimestamp = config.Created.UtcDateTime,
            Labels = new Dictionary<string, string> { [NamespaceNameLabel] = name },
            ResourceVersion = "1",
            Uid = StableUid("namespace/" + name, config.Name),
        },
        Spec = new V1NamespaceSpec { Finalizers = ["kubernetes"] },
        Status = new V1NamespaceStatus { Phase = "Active" },
    };

    /// <summary>The label the API server puts on every namespace, its own name (namespace strategy's Canonicalize).</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The built-in namespaces (created with the cluster) and those the lab's users made.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Namespaces(ClusterState state)
    {
        var stored = state.Objects.Where(o => o.Kind == "Namespace").Select(o => o.Object).ToList();
        var builtin = BuiltinNamespaces.Where(n => stored.All(s => s.Metadata.Name != n)).Select(n => BuiltinNamespace(n, state.Config));
        return builtin.Concat(stored).OrderBy(o => o.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The endpoints controller's Endpoints for each Service with a selector (pkg/controller/endpoint
    /// endpoints_controller.go syncService; services without one get none from it) and the API server's own for
    /// `kubernetes`: one subset of the ready and not-ready addresses with the ports, from the Service's
    /// EndpointSlices, which hold the same pods. Addresses sorted as RepackSubsets sorts them; the labels are the
    /// Service's, plus service.kubernetes.io/headless for a Service without a cluster IP; the
    /// endpoints.kubernetes.io/last-change-trigger-time annotation is the latest change the lab made to the Service or
    /// its pods' readiness. Endpoints that users created (for Services without a selector) are served as stored, unless
    /// the controller owns that name.
    /// </summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Endpoints(ClusterState state)
    {
        var slices = state.All<V1EndpointSlice>()
            .ToLookup(s => (s.Metadata.NamespaceProperty, s.Metadata.Labels.Get(ControlPlane.EndpointSliceServiceLabel)));
        var pods = state.All<V1Pod>().ToDictionary(p => p.Metadata.Uid ?? "", p => p, StringComparer.Ordinal);
        var result = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var service in state.All<V1Service>())
        {
            var own = slices[(service.Metadata.NamespaceProperty, service.Metadata.Name)].ToList();
            var apiServers = service.Metadata.Name == "kubernetes" && service.Metadata.NamespaceProperty == "default";
            if (!apiServers && service.Spec?.Selector is null)
            {
                continue;
            }

            var endpoints = own.SelectMany(s => s.Endpoints ?? []).ToList();
            var ports = own.SelectMany(s => s.Ports ?? []).GroupBy(p => (p.Name, p.Port, p.Protocol)).Select(g => g.First())
                .Select(p => new Corev1EndpointPort { Name = string.IsNullOrEmpty(p.Name) ? null : p.Name, Port = p.Port ?? 0, Protocol = p.Protocol ?? "TCP" })
                .ToList();
            V1EndpointAddress Address(V1Endpoint e, string ip) => new()
            {
                Ip = ip,
                NodeName = e.NodeName,
                TargetRef = e.TargetRef,
            };
            var ready = endpoints.Where(e => e.Conditions?.Ready != false)
                .SelectMany(e => e.Addresses.Select(a => Address(e, a))).OrderBy(a => a.Ip, StringComparer.Ordinal).ToList();
            var notReady = endpoints.Where(e => e.Conditions?.Ready == false)
                .SelectMany(e => e.Addresses.Select(a => Address(e, a))).OrderBy(a => a.Ip, StringComparer.Ordinal).ToList();
            var created = own.Select(s => s.Metadata.CreationTimestamp).Where(t => t is not null).DefaultIfEmpty(service.Metadata.CreationTimestamp).Min();
            var trigger = apiServers ? null : TriggerTime(service, endpoints, pods);
            result.Add(WrittenByComponent(new V1Endpoints
            {
                ApiVersion = "v1",
                Kind = "Endpoints",
                Metadata = new V1ObjectMeta
                {
                    Name = service.Metadata.Name,
                    NamespaceProperty = service.Metadata.NamespaceProperty,
                    CreationTimestamp = created,
                    Labels = apiServers
                        ? new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true" }
                        : ControllerLabels(service),
                    Annotations = apiServers ? null : new Dictionary<string, string>
                    {
                        ["endpoints.kubernetes.io/last-change-trigger-time"] = trigger!,
                    },
                    ResourceVersion = own.Select(s => s.Metadata.ResourceVersion).Append(service.Metadata.ResourceVersion)
                        .Select(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0).Max().ToString(CultureInfo.InvariantCulture),
                    Uid = StableUid("endpoints/" + service.Metadata.NamespaceProperty + "/" + service.Metadata.Name, service.Metadata.Uid ?? ""),
                },
                Subsets = ready.Count + notReady.Count == 0
                    ? null
                    : [new V1EndpointSubset { Addresses = ready.Count > 0 ? ready : null, NotReadyAddresses = notReady.Count > 0 ? notReady : null, Ports = ports }],
            }, "v1", "Endpoints", trigger ?? ManagedFields.TimeOf(new DateTimeOffset(DateTime.SpecifyKind(created ?? DateTime.UnixEpoch, DateTimeKind.Utc)))));
        }

        var served = result.Select(e => (e.Metadata.NamespaceProperty, e.Metadata.Name)).ToHashSet();
        result.AddRange(state.All<V1Endpoints>().Where(e => !served.Contains((e.Metadata.NamespaceProperty, e.Metadata.Name))));
        return result;
    }

    /// <summary>syncService's labels: the Service's, with service.kubernetes.io/headless added when it has no cluster IP (removed otherwise).</summary>
    private static Dictionary<string, string>? ControllerLabels(V1Service service)
    {
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove("service.kubernetes.io/headless");
        if (service.Spec?.ClusterIP is null or "" or "None")
        {
            labels["service.kubernetes.io/headless"] = "";
        }

        return labels.Count == 0 ? null : labels; // an empty map is omitted (omitempty)
    }

    /// <summary>
    /// The trigger time tracker's answer (pkg/controller/util/endpoint/trigger_time_tracker.go): the Service's creation
    /// or its endpoint pods' last readiness change, whichever is later, formatted RFC 3339 as Go's RFC3339Nano prints a
    /// whole second.
    /// </summary>
    private static string TriggerTime(V1Service service, IEnumerable<V1Endpoint> endpoints, IReadOnlyDictionary<string, V1Pod> pods)
    {
        var times = endpoints.Select(e => e.TargetRef?.Uid is { } uid && pods.TryGetValue(uid, out var pod) ? pod : null)
            .Select(p => p?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.LastTransitionTime ?? p?.Metadata.CreationTimestamp)
            .Append(service.Metadata.CreationTimestamp)
            .Where(t => t is not null)
            .Select(t => t!.Value);
        var latest = times.DefaultIfEmpty(DateTime.UnixEpoch).Max();
        return DateTime.SpecifyKind(latest, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The stored Leases and each node's kubelet lease in kube-node-lease (pkg/kubelet/nodelease: named after the node,
    /// held by it, 40 s, owned by the Node). The lab's nodes do not heartbeat: the renew time is the lab's start, as
    /// the Nodes' heartbeat times are.
    /// </summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Leases(ClusterState state)
    {
        var stored = state.All<V1Lease>().ToList();
        var start = state.Config.Created.UtcDateTime;
        var created = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond)); // metav1.Time: whole seconds
        var nodeLeases = NodeObjects.For(state)
            .Where(node => stored.All(l => l.Metadata.NamespaceProperty != NodeLeaseNamespace || l.Metadata.Name != node.Metadata.Name))
            .Select(node => (IKubernetesObject<V1ObjectMeta>)WrittenByComponent(
                KubeletLease(node, StableUid("lease/" + node.Metadata.Name, state.Config.Name), created, Renewed(created, node.Metadata.Name), "1"),
                "coordination.k8s.io/v1", "Lease", ManagedFields.TimeOf(new DateTimeOffset(created, TimeSpan.Zero))));
        return stored.Cast<IKubernetesObject<V1ObjectMeta>>().Concat(nodeLeases).ToList();
    }

    /// <summary>
    /// A derived lease's renewTime, a metav1.MicroTime: the lab's start (kept to the second) and a fraction of a second
    /// that stays the same for the node, as a kubelet's clock gives one (a whole second would print without its six digits).
    /// </summary>
    private static DateTime Renewed(DateTime start, string node) => start.AddTicks(Names.Fnv32a("renew/" + node) % 1_000_000 * 10);

    /// <summary>Where the kubelets keep their leases.</summary>
    public const string NodeLeaseNamespace = "kube-node-lease";

    /// <summary>A node's kubelet lease as pkg/kubelet/nodelease writes it: named after the node, held by it, 40 s, owned by the Node.</summary>
    public static V1Lease KubeletLease(V1Node node, string uid, DateTime created, DateTime renewed, string resourceVersion) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = node.Metadata.Name,
            NamespaceProperty = NodeLeaseNamespace,
            CreationTimestamp = created,
            ResourceVersion = resourceVersion,
            Uid = uid,
            OwnerReferences = node.Metadata.Uid is null ? null :
                [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = node.Metadata.Name,
            LeaseDurationSeconds = 40,
            RenewTime = renewed,
        },
    };

    /// <summary>
    /// An object a k3s component writes whole (the endpoints controller's Endpoints, a kubelet's node lease): its
    /// managedFields are that component's one Update entry, manager "k3s", as the API server's field manager records it.
    /// </summary>
    private static T WrittenByComponent<T>(T value, string apiVersion, string kind, string time) where T : IKubernetesObject<V1ObjectMeta>
    {
        var json = ControlPlane.Json(value, apiVersion, kind);
        value.Metadata.ManagedFields = ManagedFields.ToModel(ManagedFields.ComponentUpdate(null, json, ControlPlane.ComponentManager, apiVersion, time, _ => ""));
        return value;
    }

    /// <summary>Finds one object by namespace and name.</summary>
    public static IKubernetesObject<V1ObjectMeta>? Find(ClusterState state, ApiResource resource, string? ns, string name) =>
        List(state, resource).FirstOrDefault(o => o.Metadata.Name == name && (!resource.Namespaced || o.Metadata.NamespaceProperty == ns));

    /// <summary>A version-4-shaped UID that stays the same for the same synthesized object.</summary>
    internal static string StableUid(string key, string salt)
    {
        var random = new Random(unchecked((int)Names.Fnv32a(salt + "/" + key)));
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
