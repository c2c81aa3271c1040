using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    /// <summary>
    /// printPod (v1.29): READY counts ready app containers and started sidecars (restartable init containers) over
    /// containers plus sidecars; STATUS is the phase, overridden by status.reason, SchedulingGated, the first
    /// unfinished init container ("Init:…"), then the app containers from last to first (waiting reason, terminated
    /// reason, "Signal:N"/"ExitCode:N"), "Running"/"NotReady" for a Completed pod that still runs a container, and
    /// finally "Unknown" (deleted on an unreachable node) or "Terminating" (any deleted pod in v1.29, whatever its
    /// phase). RESTARTS is "N" or "N (AGE ago)" since the newest last termination.
    /// </summary>
    private static object?[] Pod(V1Pod pod, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new V1PodSpec();
        var status = pod.Status ?? new V1PodStatus();
        var initContainers = spec.InitContainers ?? [];
        var restarts = 0;
        var sidecarRestarts = 0;
        var totalContainers = (spec.Containers?.Count ?? 0) + initContainers.Count(IsRestartable);
        var readyContainers = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastSidecarRestart = null;

        var reason = string.IsNullOrEmpty(status.Reason) ? status.Phase ?? "" : status.Reason;
        if ((status.Conditions ?? []).Any(c => c.Type == "PodScheduled" && c.Reason == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initializing = false;
        var initStatuses = status.InitContainerStatuses ?? [];
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            // A status without a matching init container counts as a plain init container.
            var restartable = initContainers.FirstOrDefault(c => c.Name == container.Name) is { } spec1 && IsRestartable(spec1);
            var finished = HumanDuration.ToOffset(container.LastState?.Terminated?.FinishedAt);
            restarts += container.RestartCount;
            lastRestart = Later(lastRestart, finished);
            if (restartable)
            {
                sidecarRestarts += container.RestartCount;
                lastSidecarRestart = Later(lastSidecarRestart, finished);
            }

            var state = container.State;
            if (state?.Terminated is { ExitCode: 0 })
            {
                continue;
            }

            if (restartable && container.Started == true)
            {
                if (container.Ready)
                {
                    readyContainers++;
                }

                continue;
            }

            initializing = true;
            if (state?.Terminated is { } terminated)
            {
                reason = string.IsNullOrEmpty(terminated.Reason)
                    ? terminated.Signal is { } signal and not 0 ? F($"Init:Signal:{signal}") : F($"Init:ExitCode:{terminated.ExitCode}")
                    : "Init:" + terminated.Reason;
            }
            else if (state?.Waiting is { Reason: { Length: > 0 } waiting } && waiting != "PodInitializing")
            {
                reason = "Init:" + waiting;
            }
            else
            {
                reason = F($"Init:{i}/{initContainers.Count}");
            }

            break;
        }

        if (!initializing || (status.Conditions ?? []).FirstOrDefault(c => c.Type == "Initialized") is { Status: "True" })
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = status.ContainerStatuses ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += container.RestartCount;
                lastRestart = Later(lastRestart, HumanDuration.ToOffset(container.LastState?.Terminated?.FinishedAt));
                var state = container.State;
                if (state?.Waiting is { Reason: { Length: > 0 } waiting })
                {
                    reason = waiting;
                }
                else if (state?.Terminated is { } terminated)
                {
                    reason = !string.IsNullOrEmpty(terminated.Reason)
                        ? terminated.Reason
                        : terminated.Signal is { } signal and not 0 ? F($"Signal:{signal}") : F($"ExitCode:{terminated.ExitCode}");
                }
                else if (container.Ready && state?.Running is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = (status.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True") ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            // node.NodeUnreachablePodReason
            reason = status.Reason == "NodeLost" ? "Unknown" : "Terminating";
        }

        var restartsText = restarts != 0 && lastRestart is { } last
            ? F($"{restarts} ({HumanDuration.Format(now - last)} ago)")
            : F($"{restarts}");

        // The API server keeps status.podIPs[0] equal to status.podIP; an object that only has podIP shows it.
        var podIP = status.PodIPs is { Count: > 0 } ips ? ips[0].Ip : status.PodIP;
        var readinessGates = None;
        if (spec.ReadinessGates is { Count: > 0 } gates)
        {
            var conditions = status.Conditions ?? [];
            var trueGates = gates.Count(g => conditions.FirstOrDefault(c => c.Type == g.ConditionType) is { Status: "True" });
            readinessGates = F($"{trueGates}/{gates.Count}");
        }

        return
        [
            Name(pod),
            F($"{readyContainers}/{totalContainers}"),
            reason,
            restartsText,
            Age(pod, now),
            OrNone(podIP),
            OrNone(spec.NodeName),
            OrNone(status.NominatedNodeName),
            readinessGates,
        ];
    }

    private static bool IsRestartable(V1Container container) => container.RestartPolicy == "Always";

    private static DateTimeOffset? Later(DateTimeOffset? current, DateTimeOffset? candidate) =>
        candidate is { } c && (current is null || current < c) ? c : current;

    private static string OrNone(string? value) => string.IsNullOrEmpty(value) ? None : value;
}
