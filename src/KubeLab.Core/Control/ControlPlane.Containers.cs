using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    /// <summary>
    /// The kubelet's report that a pod's main process ended (the lab runs one when a client attaches to a pod that
    /// reads its input, as `kubectl run -i` does): with restartPolicy Never, or OnFailure and exit code 0, the
    /// container is terminated (Completed or Error with its exit code) and the pod Succeeded or Failed, no longer
    /// ready; with Always the kubelet would restart it, so nothing changes here.
    /// </summary>
    public static ApplyResult ContainerExited(ClusterState state, string ns, string podName, string container, int exitCode, DateTimeOffset now)
    {
        var plane = new ControlPlane(state, now);
        plane.Terminate(ns, podName, container, exitCode);
        plane.Reconcile();
        return plane.Result();
    }

    private void Terminate(string ns, string podName, string container, int exitCode)
    {
        if (Find("Pod", ns, podName)?.Object is not V1Pod pod || pod.Status?.ContainerStatuses is not { } statuses)
        {
            return;
        }

        var policy = pod.Spec?.RestartPolicy ?? "Always";
        if (policy == "Always" || (policy == "OnFailure" && exitCode != 0))
        {
            return;
        }

        var at = now.UtcDateTime;
        foreach (var status in statuses.Where(s => s.Name == container))
        {
            var started = status.State?.Running?.StartedAt ?? at;
            status.State = new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = exitCode,
                    Reason = exitCode == 0 ? "Completed" : "Error",
                    StartedAt = started,
                    FinishedAt = at,
                    ContainerID = status.ContainerID,
                },
            };
            status.Ready = false;
            status.Started = false;
        }

        if (statuses.All(s => s.State?.Terminated is not null))
        {
            // kubelet's getPhase: all containers terminated, Succeeded when every one exited 0
            pod.Status.Phase = statuses.All(s => s.State!.Terminated!.ExitCode == 0) ? "Succeeded" : "Failed";
            foreach (var condition in pod.Status.Conditions ?? [])
            {
                if (condition.Type is "Ready" or "ContainersReady")
                {
                    condition.Status = "False";
                    condition.Reason = "PodCompleted";
                    condition.LastTransitionTime = at;
                }
            }
        }

        Touch(pod);
    }
}
