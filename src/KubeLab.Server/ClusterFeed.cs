using k8s;
using k8s.Models;
using KubeLab.Core.Api;
using KubeLab.Core.Control;

namespace KubeLab.Server;

/// <summary>One change of one object, at the revision (resourceVersion) that made it.</summary>
public sealed record WatchEvent(long Revision, ApiResource Resource, string Type, IKubernetesObject<V1ObjectMeta> Object, IKubernetesObject<V1ObjectMeta>? Previous);

/// <summary>
/// The lab's objects as the API server serves them, and their history: every published state is compared with
/// the one before, object by object, and the differences are kept as watch events (as the API server's watch
/// cache keeps etcd's), so that a watch can resume from any revision still held and is told 410 Gone before that.
/// </summary>
public sealed class ClusterFeed(int capacity = 10_000)
{
    private readonly Lock gate = new();
    private readonly List<WatchEvent> history = [];
    private Dictionary<(ApiResource, string), IKubernetesObject<V1ObjectMeta>> view = [];
    private Dictionary<ApiResource, IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> byResource = [];
    private ClusterState? current;
    private long oldest = long.MaxValue;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterState? Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>The newest revision served (the state's generation).</summary>
    public long Revision => Current?.Generation ?? 0;

    /// <summary>Completes at the next publish.</summary>
    public Task Changed
    {
        get
        {
            lock (gate)
            {
                return changed.Task;
            }
        }
    }

    public void Publish(ClusterState state)
    {
        var next = new Dictionary<(ApiResource, string), IKubernetesObject<V1ObjectMeta>>();
        var lists = new Dictionary<ApiResource, IReadOnlyList<IKubernetesObject<V1ObjectMeta>>>();
        foreach (var resource in CustomResources.Served(state))
        {
            var items = new List<IKubernetesObject<V1ObjectMeta>>();
            foreach (var value in ApiObjects.List(state, resource))
            {
                // an object whose version did not change keeps its instance (and the encoding cached for it)
                var key = (resource, Key(value));
                var kept = view.TryGetValue(key, out var before) && before.Metadata.ResourceVersion == value.Metadata.ResourceVersion && value.Metadata.ResourceVersion is not null
                    ? before
                    : value;
                next[key] = kept;
                items.Add(kept);
            }

            lists[resource] = items; // in the API server's order (namespace, name), made once per state, not per list request
        }

        TaskCompletionSource wake;
        lock (gate)
        {
            if (current is not null && state.Generation <= current.Generation)
            {
                return; // never backwards
            }

            if (current is null)
            {
                oldest = state.Generation; // history starts here: older revisions are Gone
            }
            else
            {
                var revision = state.Generation;
                foreach (var (key, value) in next)
                {
                    if (!view.TryGetValue(key, out var before))
                    {
                        history.Add(new WatchEvent(revision, key.Item1, "ADDED", value, null));
                    }
                    else if (before.Metadata.Uid != value.Metadata.Uid)
                    {
                        // deleted and made again within one write (a kubelet's new lease): another object, as a watch sees it
                        history.Add(new WatchEvent(revision, key.Item1, "DELETED", Gone(before, revision), before));
                        history.Add(new WatchEvent(revision, key.Item1, "ADDED", value, null));
                    }
                    else if (before.Metadata.ResourceVersion != value.Metadata.ResourceVersion)
                    {
                        history.Add(new WatchEvent(revision, key.Item1, "MODIFIED", value, before));
                    }
                }

                foreach (var (key, before) in view)
                {
                    if (!next.ContainsKey(key))
                    {
                        history.Add(new WatchEvent(revision, key.Item1, "DELETED", Gone(before, revision), before));
                    }
                }

                if (history.Count > capacity)
                {
                    var drop = history.Count - capacity;
                    oldest = history[drop - 1].Revision;
                    history.RemoveRange(0, drop);
                }
            }

            view = next;
            byResource = lists;
            current = state;
            wake = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }

    /// <summary>The objects of a resource now, with the revision they are at.</summary>
    public (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, long Revision) List(ApiResource resource)
    {
        lock (gate)
        {
            return (byResource.TryGetValue(resource, out var items) ? items : [], current?.Generation ?? 0);
        }
    }

    /// <summary>Events after <paramref name="revision"/>; throws 410 Gone when that part of the history is no longer held.</summary>
    public IReadOnlyList<WatchEvent> After(long revision, ApiResource resource)
    {
        lock (gate)
        {
            if (revision < oldest)
            {
                throw ApiStatusException.Gone($"too old resource version: {revision} ({oldest})");
            }

            return history.Where(e => e.Revision > revision && e.Resource == resource).ToList();
        }
    }

    private static string Key(IKubernetesObject<V1ObjectMeta> value) => $"{value.Metadata.NamespaceProperty}/{value.Metadata.Name}";

    /// <summary>A deleted object as its DELETED event carries it: as it last was, at the revision of its deletion.</summary>
    private static IKubernetesObject<V1ObjectMeta> Gone(IKubernetesObject<V1ObjectMeta> before, long revision)
    {
        var gone = KubeObjects.Clone(before);
        gone.Metadata.ResourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return gone;
    }
}
