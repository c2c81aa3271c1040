using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    /// <summary>
    /// The Job API's admission (pkg/registry/batch/job strategy PrepareForCreate and the v1.29 defaults): without
    /// manualSelector the selector is generated from the Job's uid and the template gets the four labels the API server
    /// adds; completions and parallelism 1, backoffLimit 6, completionMode NonIndexed, suspend false,
    /// podReplacementPolicy TerminatingOrFailed (the JobPodReplacementPolicy gate is beta and on in v1.29).
    /// </summary>
    private void AdmitJob(V1Job job, StoredObject? existing)
    {
        if (existing?.Object is V1Job old)
        {
            job.Metadata.Uid = old.Metadata.Uid;
            job.Spec.Selector = old.Spec.Selector;
            job.Spec.Template = old.Spec.Template; // spec.template is immutable on a Job
            job.Status = old.Status;
            return;
        }

        job.Metadata.Uid ??= NewUid();
        var uid = job.Metadata.Uid;
        var spec = job.Spec;
        spec.Completions ??= 1;
        spec.Parallelism ??= 1;
        spec.BackoffLimit ??= 6;
        spec.CompletionMode ??= "NonIndexed";
        spec.Suspend ??= false;
        spec.PodReplacementPolicy ??= "TerminatingOrFailed";
        if (spec.ManualSelector != true)
        {
            spec.Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid } };
            spec.Template.Metadata ??= new V1ObjectMeta();
            spec.Template.Metadata.Labels ??= new Dictionary<string, string>();
            spec.Template.Metadata.Labels["batch.kubernetes.io/controller-uid"] = uid;
            spec.Template.Metadata.Labels["batch.kubernetes.io/job-name"] = job.Metadata.Name;
            spec.Template.Metadata.Labels["controller-uid"] = uid;
            spec.Template.Metadata.Labels["job-name"] = job.Metadata.Name;
        }
    }

    /// <summary>
    /// The Job controller (pkg/controller/job): pods named <c>&lt;job&gt;-&lt;5 random&gt;</c> until one has succeeded,
    /// then the Job is Complete (status.succeeded, completionTime, the Complete condition, a Completed event). The
    /// images are emulated, so a Job's pod runs to completion at once (<see cref="CompleteJobPod"/>).
    /// </summary>
    private void ReconcileJobs()
    {
        foreach (var job in All<V1Job>().Where(j => j.Metadata.DeletionTimestamp is null).ToList())
        {
            var ns = job.Metadata.NamespaceProperty;
            var pods = All<V1Pod>().Where(p => p.Metadata.NamespaceProperty == ns && p.Metadata.OwnerReferences?.Any(r => r.Uid == job.Metadata.Uid) == true).ToList();
            var completions = job.Spec.Completions ?? 1;
            var complete = job.Status?.CompletionTime is not null;
            if (!complete && job.Spec.Suspend != true)
            {
                for (var i = pods.Count(p => p.Status?.Phase is "Succeeded" or "Running" or "Pending"); i < completions; i++)
                {
                    var pod = new V1Pod
                    {
                        ApiVersion = "v1",
                        Kind = "Pod",
                        Metadata = new V1ObjectMeta
                        {
                            Name = $"{job.Metadata.Name}-{Names.RandomSuffix(random)}",
                            GenerateName = $"{job.Metadata.Name}-",
                            NamespaceProperty = ns,
                            Labels = job.Spec.Template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
                            Annotations = job.Spec.Template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                            Finalizers = ["batch.kubernetes.io/job-tracking"],
                        },
                        Spec = KubeObjects.Clone(job.Spec.Template.Spec),
                    };
                    var pin = Placement(job) is [var first, ..] ? first : default;
                    CreatePod(document: null, pod, job, pin.Node, pin.IP);
                    pod.Metadata.Finalizers = null; // the controller removes its tracking finalizer once it has counted the finished pod
                    pods.Add(pod);
                }
            }

            var succeeded = pods.Count(p => p.Status?.Phase == "Succeeded");
            var active = pods.Count(p => p.Status?.Phase is "Running" or "Pending");
            if (!complete && succeeded >= completions)
            {
                var finished = now.UtcDateTime;
                job.Status = new V1JobStatus
                {
                    StartTime = job.Metadata.CreationTimestamp,
                    CompletionTime = finished,
                    Succeeded = succeeded,
                    Ready = 0,
                    Terminating = 0,
                    UncountedTerminatedPods = new V1UncountedTerminatedPods(),
                    Conditions = [new V1JobCondition { Type = "Complete", Status = "True", LastProbeTime = finished, LastTransitionTime = finished }],
                };
                Touch(job);
                Record(job, "Normal", "Completed", "Job completed", "job-controller");
            }
            else if (!complete)
            {
                job.Status = new V1JobStatus
                {
                    StartTime = job.Status?.StartTime ?? now.UtcDateTime,
                    Active = active == 0 ? null : active,
                    Succeeded = succeeded == 0 ? null : succeeded,
                    Ready = 0,
                    Terminating = 0,
                    UncountedTerminatedPods = new V1UncountedTerminatedPods(),
                };
            }
        }
    }

    /// <summary>
    /// The kubelet's view of an emulated Job container: it exits 0 at once, so the pod is Succeeded with the container
    /// terminated (reason Completed, what `kubectl get pods` shows) and the Ready conditions False for PodCompleted.
    /// </summary>
    private void CompleteJobPod(V1Pod pod)
    {
        var at = now.UtcDateTime;
        pod.Status.Phase = "Succeeded";
        foreach (var condition in pod.Status.Conditions ?? [])
        {
            if (condition.Type is "Ready" or "ContainersReady")
            {
                condition.Status = "False";
                condition.Reason = "PodCompleted";
            }
        }

        foreach (var status in pod.Status.ContainerStatuses ?? [])
        {
            status.Ready = false;
            status.Started = false;
            status.State = new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", StartedAt = at, FinishedAt = at, ContainerID = "" },
            };
        }

        Touch(pod);
    }
}
