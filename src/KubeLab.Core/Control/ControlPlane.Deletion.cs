using System.Globalization;
using k8s;
using k8s.Models;
using KubeLab.Core.Api;

namespace KubeLab.Core.Control;

/// <summary>
/// The API server's DeleteOptions that the control plane acts on: the grace period (null: the pod's
/// terminationGracePeriodSeconds) and the garbage collector's propagation policy (Background, Foreground, Orphan).
/// </summary>
public sealed record DeleteOptions(long? GracePeriodSeconds = null, string PropagationPolicy = DeleteOptions.Background)
{
    public const string Background = "Background";
    public const string Foreground = "Foreground";
    public const string Orphan = "Orphan";
}

/// <summary>
/// Graceful deletion as kube-apiserver's generic registry does it (staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go
/// BeforeDelete and pkg/registry/core/pod/strategy.go CheckGracefulDeleteStrategy), finalizers, the garbage collector
/// (pkg/controller/garbagecollector: background, foreground with the foregroundDeletion finalizer, orphan) and the
/// kubelet's side of a pod's termination (<see cref="Sync"/>).
/// </summary>
public sealed partial class ControlPlane
{
    public const string ForegroundDeletionFinalizer = "foregroundDeletion";

    /// <summary>
    /// How long the lab's kubelet takes to stop a container that exits on its stop signal (nginx: the lab runs the real
    /// nginx, which stops at once; the kubelet then reports the pod gone on its next status sync, about a second later).
    /// Other containers are treated as a PID 1 without a SIGTERM handler (`sleep infinity`): they are killed when the
    /// grace period ends, as the kubelet does.
    /// </summary>
    public static readonly TimeSpan QuickStop = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A node's kubelet lease (kube-node-lease/NODE), deleted: the kubelet, which renews it every 10 s and creates it
    /// when a renew finds none (pkg/kubelet/nodelease), writes a new one with a new uid — here in the same commit. The
    /// lab's leases are made at read time (<see cref="ApiObjects.Leases"/>) until a delete stores the kubelet's new one.
    /// kubectl delete waits for the uid it deleted to be gone, so the new uid is what ends its wait.
    /// </summary>
    private bool ReplaceKubeletLease(ObjectRef target)
    {
        if (target.Kind != "Lease" || target.Namespace != ApiObjects.NodeLeaseNamespace || config.Nodes.FirstOrDefault(n => n.Name == target.Name) is not { } node)
        {
            return false;
        }

        if (Find("Lease", target.Namespace, target.Name) is { } stored)
        {
            objects.Remove(stored);
        }

        // renewTime is a metav1.MicroTime: the kubelet's clock to the microsecond
        var renewed = eventClock.UtcDateTime;
        var lease = ApiObjects.KubeletLease(NodeObjects.For(config, node), NewUid(), now.UtcDateTime, renewed.AddTicks(-(renewed.Ticks % 10)),
            generation.ToString(CultureInfo.InvariantCulture));
        objects.Add(StoredObject.Of(lease));
        messages.Add(KubeObjects.Deleted("Lease", target.Name));
        return true;
    }

    private void RemoveGracefully(ObjectRef target, bool ignoreNotFound, DeleteOptions options)
    {
        var existing = Find(target.Kind, IsNamespaced(target.Kind) ? target.Namespace : "", target.Name);
        if (existing is null || existing.Kind == "Namespace")
        {
            Remove(target, ignoreNotFound); // not found, or a namespace: its contents go with it
            return;
        }

        messages.Add(KubeObjects.Deleted(existing.Kind, existing.Name));
        DeleteObject(existing, options);
    }

    /// <summary>One object's deletion: a pod terminates first; an object with finalizers waits for them; then it goes and its dependents follow.</summary>
    private void DeleteObject(StoredObject existing, DeleteOptions options)
    {
        var meta = existing.Object.Metadata;
        var dependents = DependentsOf(existing);
        switch (options.PropagationPolicy)
        {
            case DeleteOptions.Orphan:
                // the garbage collector's orphan: the dependents lose their owner reference and stay
                foreach (var dependent in dependents)
                {
                    dependent.Object.Metadata.OwnerReferences = dependent.Object.Metadata.OwnerReferences!.Where(r => r.Uid != meta.Uid).ToList() is { Count: > 0 } rest ? rest : null;
                    Touch(dependent.Object);
                }

                break;
            case DeleteOptions.Foreground when dependents.Count > 0:
                meta.Finalizers ??= [];
                if (!meta.Finalizers.Contains(ForegroundDeletionFinalizer))
                {
                    meta.Finalizers.Add(ForegroundDeletionFinalizer);
                }

                break;
        }

        if (existing.Object is V1Pod pod)
        {
            // CheckGracefulDeleteStrategy: the request's grace period, else the pod's; 0 for a pod never scheduled or finished
            var grace = options.GracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30;
            if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase is "Succeeded" or "Failed")
            {
                grace = 0;
            }

            if (meta.DeletionTimestamp is not null)
            {
                // deleting again may only shorten the grace period
                if (grace < (meta.DeletionGracePeriodSeconds ?? long.MaxValue))
                {
                    meta.DeletionTimestamp = now.UtcDateTime.AddSeconds(grace);
                    meta.DeletionGracePeriodSeconds = grace;
                    Touch(pod);
                }

                if (grace > 0)
                {
                    return;
                }
            }
            else if (grace > 0)
            {
                meta.DeletionTimestamp = now.UtcDateTime.AddSeconds(grace);
                meta.DeletionGracePeriodSeconds = grace;
                Touch(pod);
                RecordContainersKilled(pod);
                return;
            }
            else
            {
                RecordContainersKilled(pod);
            }
        }

        if (meta.Finalizers is { Count: > 0 })
        {
            if (meta.DeletionTimestamp is null)
            {
                meta.DeletionTimestamp = now.UtcDateTime;
                meta.DeletionGracePeriodSeconds = 0;
                Touch(existing.Object);
            }

            if (options.PropagationPolicy == DeleteOptions.Foreground)
            {
                foreach (var dependent in dependents)
                {
                    DeleteObject(dependent, new DeleteOptions(null, DeleteOptions.Foreground));
                }
            }

            return;
        }

        Drop(existing);
    }

    /// <summary>The object leaves the store; its dependents are the garbage collector's (background).</summary>
    private void Drop(StoredObject existing)
    {
        objects.Remove(existing);
        foreach (var dependent in DependentsOf(existing))
        {
            if (dependent.Object.Metadata.OwnerReferences!.All(r => r.Uid == existing.Object.Metadata.Uid || objects.All(o => o.Object.Metadata.Uid != r.Uid)))
            {
                DeleteObject(dependent, new DeleteOptions());
            }
        }
    }

    private List<StoredObject> DependentsOf(StoredObject owner)
    {
        var uid = owner.Object.Metadata.Uid;
        return uid is null ? [] : objects.Where(o => o.Object.Metadata.OwnerReferences?.Any(r => r.Uid == uid) == true).ToList();
    }

    private void Touch(IKubernetesObject<V1ObjectMeta> value) =>
        value.Metadata.ResourceVersion = generation.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The garbage collector's rounds: a foreground deletion ends when no dependent blocks it any more; an object being
    /// deleted goes once its finalizers are gone (a pod once the kubelet has stopped it).
    /// </summary>
    private void CollectGarbage()
    {
        bool changed;
        do
        {
            changed = false;
            foreach (var stored in objects.Where(o => o.Object.Metadata.DeletionTimestamp is not null).ToList())
            {
                var meta = stored.Object.Metadata;
                if (meta.Finalizers?.Contains(ForegroundDeletionFinalizer) == true
                    && !objects.Any(o => o.Object.Metadata.OwnerReferences?.Any(r => r.Uid == meta.Uid && r.BlockOwnerDeletion == true) == true))
                {
                    meta.Finalizers.Remove(ForegroundDeletionFinalizer);
                    Touch(stored.Object);
                    changed = true;
                }

                if (meta.Finalizers is not { Count: > 0 } && (stored.Kind != "Pod" || meta.DeletionGracePeriodSeconds == 0) && objects.Contains(stored))
                {
                    Drop(stored);
                    changed = true;
                }
            }
        }
        while (changed);
    }

    /// <summary>
    /// What happens as time passes: the lab's kubelet finishes terminating the pods whose containers have stopped (the
    /// pod's final delete with grace 0), the garbage collector and the controllers follow. The same state when nothing is due.
    /// </summary>
    public static ApplyResult Sync(ClusterState state, DateTimeOffset now)
    {
        if (NextDue(state) is not { } due || due > now)
        {
            return new ApplyResult(state, []);
        }

        var plane = new ControlPlane(state, now) { graceful = true };
        foreach (var pod in plane.All<V1Pod>().Where(p => p.Metadata.DeletionTimestamp is not null && p.Metadata.DeletionGracePeriodSeconds > 0).ToList())
        {
            if (StopsAt(pod) <= now)
            {
                pod.Metadata.DeletionGracePeriodSeconds = 0;
                plane.Touch(pod);
            }
        }

        plane.Reconcile();
        return plane.Result();
    }

    /// <summary>When <see cref="Sync"/> has something to do next: the earliest moment a terminating pod's containers have stopped.</summary>
    public static DateTimeOffset? NextDue(ClusterState state)
    {
        DateTimeOffset? next = null;
        foreach (var pod in state.All<V1Pod>())
        {
            if (pod.Metadata.DeletionTimestamp is null)
            {
                continue;
            }

            var at = pod.Metadata.DeletionGracePeriodSeconds > 0 ? StopsAt(pod) : DateTimeOffset.MinValue;
            if (pod.Metadata.DeletionGracePeriodSeconds == 0 && pod.Metadata.Finalizers is { Count: > 0 })
            {
                continue; // stopped, held by its finalizers
            }

            next = next is null || at < next ? at : next;
        }

        return next;
    }

    private static DateTimeOffset StopsAt(V1Pod pod)
    {
        var deadline = new DateTimeOffset(DateTime.SpecifyKind(pod.Metadata.DeletionTimestamp!.Value, DateTimeKind.Utc));
        var requested = deadline.AddSeconds(-(pod.Metadata.DeletionGracePeriodSeconds ?? 0));
        var quick = pod.Spec?.Containers?.All(c => IsNginx(c.Image)) == true;
        return quick && requested + QuickStop < deadline ? requested + QuickStop : deadline;
    }

    /// <summary>"nginx", "nginx:1.25", "docker.io/library/nginx:latest": the image the lab runs for real.</summary>
    private static bool IsNginx(string? image)
    {
        var name = (image ?? "").Split('@')[0];
        var slash = name.LastIndexOf('/');
        var last = name[(slash + 1)..];
        var colon = last.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? last : last[..colon]) == "nginx";
    }
}
