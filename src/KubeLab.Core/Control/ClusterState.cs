using System.Collections.Immutable;
using k8s;
using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// What the emulated API server holds: the lab's config, every object (with the allocations the
/// control plane made: pod IPs and nodes, cluster IPs, node ports), and the allocators' memory.
/// Objects are kept in creation order, as k3s's kine/sqlite lists them.
/// </summary>
public sealed record ClusterState
{
    public required LabConfig Config { get; init; }
    public ImmutableList<StoredObject> Objects { get; init; } = [];
    /// <summary>host-local's last_reserved_ip.0 per node.</summary>
    public ImmutableDictionary<string, string> LastReserved { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Bumped on every change; seeds the generated names and random allocations.</summary>
    public long Generation { get; init; }

    public IEnumerable<T> All<T>() where T : class => Objects.Select(o => o.Object).OfType<T>();

    public StoredObject? Find(string kind, string ns, string name) =>
        Objects.FirstOrDefault(o => o.Kind == kind && o.Namespace == ns && o.Name == name);
}

/// <summary>An object as stored: its kind and identity, and the KubernetesClient model.</summary>
public sealed record StoredObject(string Kind, string Namespace, string Name, IKubernetesObject<V1ObjectMeta> Object)
{
    public string Key => string.IsNullOrEmpty(Namespace) ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    public static StoredObject Of(IKubernetesObject<V1ObjectMeta> value) =>
        new(value is CustomObject custom ? custom.StoredKind : value.Kind, value.Metadata.NamespaceProperty ?? "", value.Metadata.Name, value);
}
