using System.Globalization;
using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    private const string TemplateHashLabel = "pod-template-hash";

    /// <summary>The revision the Deployment controller gives each ReplicaSet, and the Deployment its current one's.</summary>
    private const string DeploymentRevisionAnnotation = "deployment.kubernetes.io/revision";

    /// <summary>The Deployment controller: one ReplicaSet per template (named by its hash); old ones scaled to 0.</summary>
    private void ReconcileDeployments()
    {
        // a Deployment or ReplicaSet being deleted is left alone (syncDeployment and syncReplicaSet skip it)
        foreach (var deployment in All<V1Deployment>().Where(d => d.Metadata.DeletionTimestamp is null).ToList())
        {
            var hash = TemplateHash(deployment.Spec.Template, deployment.Status?.CollisionCount);
            var rsName = $"{deployment.Metadata.Name}-{hash}";
            var ns = deployment.Metadata.NamespaceProperty;
            var owned = All<V1ReplicaSet>().Where(rs => rs.Metadata.NamespaceProperty == ns
                && rs.Metadata.OwnerReferences?.Any(r => r.Uid == deployment.Metadata.Uid) == true).ToList();
            var desired = deployment.Spec.Replicas ?? 1;
            var replicas = desired; // what the newest ReplicaSet is scaled to
            var running = owned.Where(rs => rs.Metadata.Name != rsName && rs.Spec.Replicas != 0).ToList();
            // The lab's pods start at once, so a rolling update completes within the write: the old ReplicaSets go to 0.
            // When the new template's pods are refused (admission), none of them ever becomes available: the rollout
            // holds, as a real one does, with the old pods kept and the new ReplicaSet surged as far as maxSurge allows.
            var held = running.Count > 0 && deployment.Spec.Strategy?.Type != "Recreate" && PodRefusal(deployment.Spec.Template, ns) is not null;
            if (held)
            {
                replicas = Math.Clamp(desired + MaxSurge(deployment, desired) - running.Sum(rs => rs.Spec.Replicas ?? 0), 0, desired);
            }
            else
            {
                foreach (var old in running)
                {
                    RecordScaling(deployment, old, 0);
                    old.Spec.Replicas = 0;
                }
            }

            var current = owned.FirstOrDefault(rs => rs.Metadata.Name == rsName);
            if (current is null)
            {
                var template = KubeObjects.Clone(deployment.Spec.Template);
                template.Metadata ??= new V1ObjectMeta();
                template.Metadata.Labels ??= new Dictionary<string, string>();
                template.Metadata.Labels[TemplateHashLabel] = hash;
                var selector = KubeObjects.Clone(deployment.Spec.Selector);
                selector.MatchLabels ??= new Dictionary<string, string>();
                selector.MatchLabels[TemplateHashLabel] = hash;
                current = new V1ReplicaSet
                {
                    ApiVersion = "apps/v1",
                    Kind = "ReplicaSet",
                    Metadata = new V1ObjectMeta
                    {
                        Name = rsName,
                        NamespaceProperty = ns,
                        Labels = new Dictionary<string, string>(template.Metadata.Labels),
                        Annotations = new Dictionary<string, string>
                        {
                            ["deployment.kubernetes.io/desired-replicas"] = desired.ToString(CultureInfo.InvariantCulture),
                            ["deployment.kubernetes.io/max-replicas"] = (desired + MaxSurge(deployment, desired)).ToString(CultureInfo.InvariantCulture),
                            [DeploymentRevisionAnnotation] = (owned.Select(RevisionOf).DefaultIfEmpty(0).Max() + 1).ToString(CultureInfo.InvariantCulture),
                        },
                        OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = deployment.Metadata.Name, Uid = deployment.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
                    },
                    Spec = new V1ReplicaSetSpec { Replicas = replicas, Selector = selector, Template = template },
                };
                Store(current, existing: null, "ReplicaSet");
                messages.RemoveAt(messages.Count - 1);
                if (replicas > 0)
                {
                    // sync.go getNewReplicaSet: a new ReplicaSet is reported without "from"
                    Record(deployment, "Normal", "ScalingReplicaSet", $"Scaled up replica set {rsName} to {replicas}", "deployment-controller");
                }
            }
            else
            {
                // sync.go getNewReplicaSet: a template that returns to an older ReplicaSet (kubectl rollout undo) makes
                // it the newest revision again
                var newest = owned.Where(rs => rs != current).Select(RevisionOf).DefaultIfEmpty(0).Max();
                if (RevisionOf(current) <= newest)
                {
                    current.Metadata.Annotations ??= new Dictionary<string, string>();
                    current.Metadata.Annotations[DeploymentRevisionAnnotation] = (newest + 1).ToString(CultureInfo.InvariantCulture);
                }

                if (!held || replicas > (current.Spec.Replicas ?? 0))
                {
                    RecordScaling(deployment, current, replicas);
                    current.Spec.Replicas = replicas;
                }
            }
        }
    }

    private static int RevisionOf(V1ReplicaSet rs) =>
        rs.Metadata.Annotations?.TryGetValue(DeploymentRevisionAnnotation, out var text) == true && int.TryParse(text, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    /// <summary>Why a pod from this template would be refused by admission, or null (what the ReplicaSet controller would meet).</summary>
    private string? PodRefusal(V1PodTemplateSpec template, string ns) =>
        AdmitPod(new V1Pod { Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = "" }, Spec = KubeObjects.Clone(template.Spec) });

    /// <summary>deployment_util.go MaxSurge: how many pods a rollout may add above the desired count (none when Recreate).</summary>
    private static int MaxSurge(V1Deployment deployment, int desired) =>
        deployment.Spec.Strategy?.Type == "Recreate" ? 0 : RollingBound(deployment.Spec.Strategy?.RollingUpdate?.MaxSurge, desired, roundUp: true);

    /// <summary>A rolling update's maxSurge (rounded up) or maxUnavailable (rounded down) for this many replicas; 25 % by default.</summary>
    private static int RollingBound(IntOrString? value, int replicas, bool roundUp)
    {
        var text = value?.Value ?? "25%";
        if (!text.EndsWith('%'))
        {
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }

        var percent = int.TryParse(text[..^1], CultureInfo.InvariantCulture, out var p) ? p : 25;
        var exact = replicas * percent / 100.0;
        return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
    }

    /// <summary>The ReplicaSet controller: create or delete pods until the count matches.</summary>
    private void ReconcileReplicaSets()
    {
        foreach (var rs in All<V1ReplicaSet>().Where(r => r.Metadata.DeletionTimestamp is null).ToList())
        {
            var ns = rs.Metadata.NamespaceProperty;
            // FilterActivePods: a pod being deleted no longer counts, so its replacement is made at once
            var pods = All<V1Pod>().Where(p => p.Metadata.NamespaceProperty == ns && p.Metadata.DeletionTimestamp is null
                && p.Metadata.OwnerReferences?.Any(r => r.Uid == rs.Metadata.Uid) == true).ToList();
            var want = rs.Spec.Replicas ?? 1;
            var deployment = All<V1Deployment>().FirstOrDefault(d => rs.Metadata.OwnerReferences?.Any(r => r.Uid == d.Metadata.Uid) == true);
            var placement = deployment is null ? [] : Placement(deployment);
            string? failure = null;
            for (var i = pods.Count; i < want; i++)
            {
                var pod = new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"{rs.Metadata.Name}-{Names.RandomSuffix(random)}",
                        GenerateName = $"{rs.Metadata.Name}-",
                        NamespaceProperty = ns,
                        Labels = rs.Spec.Template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
                        Annotations = rs.Spec.Template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                    },
                    Spec = KubeObjects.Clone(rs.Spec.Template.Spec),
                };
                var pin = i < placement.Count ? placement[i] : default;
                if (CreatePod(document: null, pod, rs, pin.Node, pin.IP) is { } refused)
                {
                    failure = refused; // slow start: a batch stops at its first failed create
                    break;
                }
            }

            foreach (var extra in pods.Skip(want).ToList())
            {
                Record(rs, "Normal", "SuccessfulDelete", $"Deleted pod: {extra.Metadata.Name}", "replicaset-controller");
                if (graceful)
                {
                    DeleteObject(objects.First(o => ReferenceEquals(o.Object, extra)), new DeleteOptions());
                }
                else
                {
                    objects.RemoveAll(o => ReferenceEquals(o.Object, extra));
                }
            }

            var active = All<V1Pod>().Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(r => r.Uid == rs.Metadata.Uid) == true).ToList();
            var count = active.Count;
            var ready = active.Count(p => p.Status?.Phase == "Running");
            var failed = rs.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure");
            rs.Status = new V1ReplicaSetStatus
            {
                Replicas = count,
                FullyLabeledReplicas = count == 0 ? null : count,
                ReadyReplicas = ready == 0 ? null : ready,
                AvailableReplicas = ready == 0 ? null : ready,
                ObservedGeneration = rs.Metadata.Generation ?? 1,
                // replica_set_utils.go calculateStatus: the failed create stays on the ReplicaSet until a create succeeds
                Conditions = failure is null ? null :
                [
                    failed?.Message == failure ? failed : new V1ReplicaSetCondition { Type = "ReplicaFailure", Status = "True", Reason = "FailedCreate", Message = failure, LastTransitionTime = now.UtcDateTime },
                ],
            };
        }

        foreach (var deployment in All<V1Deployment>())
        {
            var sets = All<V1ReplicaSet>().Where(rs => rs.Metadata.OwnerReferences?.Any(r => r.Uid == deployment.Metadata.Uid) == true).ToList();
            var replicas = sets.Sum(rs => rs.Status?.Replicas ?? 0);
            var ready = sets.Sum(rs => rs.Status?.ReadyReplicas ?? 0);
            // sync.go calculateStatus and progress.go: available as long as maxUnavailable allows; progressing until the
            // newest ReplicaSet has all its replicas available
            var desired = deployment.Spec.Replicas ?? 1;
            var maxUnavailable = deployment.Spec.Strategy?.Type == "Recreate" ? 0 : RollingBound(deployment.Spec.Strategy?.RollingUpdate?.MaxUnavailable, desired, roundUp: false);
            var available = ready >= desired - maxUnavailable;
            var newest = sets.MaxBy(RevisionOf);
            var updated = newest?.Status?.Replicas ?? 0;
            var complete = (newest?.Status?.AvailableReplicas ?? 0) >= desired && replicas == updated;
            var unavailable = sets.Sum(rs => rs.Spec.Replicas ?? 0) - ready;
            var conditions = deployment.Status?.Conditions;
            deployment.Status = new V1DeploymentStatus
            {
                Replicas = replicas,
                UpdatedReplicas = updated == 0 ? null : updated,
                ReadyReplicas = ready == 0 ? null : ready,
                AvailableReplicas = ready == 0 ? null : ready,
                UnavailableReplicas = unavailable > 0 ? unavailable : null,
                ObservedGeneration = deployment.Metadata.Generation ?? 1,
                CollisionCount = deployment.Status?.CollisionCount,
                Conditions =
                [
                    DeploymentCondition(conditions, "Available", available ? "True" : "False", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
                    complete
                        ? DeploymentCondition(conditions, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{newest?.Metadata.Name}\" has successfully progressed.")
                        : DeploymentCondition(conditions, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{newest?.Metadata.Name}\" is progressing."),
                ],
            };
            // sync.go getNewReplicaSet: the Deployment carries its newest ReplicaSet's revision (written through status)
            if (newest?.Metadata.Annotations?.TryGetValue(DeploymentRevisionAnnotation, out var revision) == true)
            {
                deployment.Metadata.Annotations ??= new Dictionary<string, string>();
                deployment.Metadata.Annotations[DeploymentRevisionAnnotation] = revision;
            }
        }
    }

    /// <summary>
    /// deployment_util.go SetDeploymentCondition: a condition that stays is left as it was; one whose status stays keeps
    /// its lastTransitionTime (a rollout passes through ReplicaSetUpdated and back, which the lab's converged write
    /// shows as a new message); otherwise both times are now.
    /// </summary>
    private V1DeploymentCondition DeploymentCondition(IList<V1DeploymentCondition>? current, string type, string status, string reason, string message)
    {
        var old = current?.FirstOrDefault(c => c.Type == type);
        if (old is not null && old.Status == status && old.Reason == reason && old.Message == message && old.LastUpdateTime is not null)
        {
            return old;
        }

        var at = now.UtcDateTime;
        return new V1DeploymentCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastUpdateTime = at,
            LastTransitionTime = old is not null && old.Status == status && old.LastTransitionTime is not null ? old.LastTransitionTime : at,
        };
    }

    /// <summary>sync.go scaleReplicaSet: "Scaled up|down replica set NAME to N from M", when the size changes.</summary>
    private void RecordScaling(V1Deployment deployment, V1ReplicaSet rs, int replicas)
    {
        var from = rs.Spec.Replicas ?? 1;
        if (from != replicas)
        {
            Record(deployment, "Normal", "ScalingReplicaSet", $"Scaled {(from < replicas ? "up" : "down")} replica set {rs.Metadata.Name} to {replicas} from {from}", "deployment-controller");
        }
    }

    /// <summary>pod-template-hash as the Deployment controller computes it (<see cref="PodTemplateHash"/>).</summary>
    public static string TemplateHash(V1PodTemplateSpec template, int? collisionCount) => PodTemplateHash.Compute(template, collisionCount);
}
