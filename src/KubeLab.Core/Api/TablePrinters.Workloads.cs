using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    // apps/v1 and batch/v1 default spec.replicas (and a job's parallelism) to 1 when the object is created.
    private const int DefaultReplicas = 1;

    /// <summary>
    /// printDeployment: READY "ready/desired", UP-TO-DATE and AVAILABLE as numbers, then CONTAINERS, IMAGES and the
    /// selector as labels.Selector.String() ("" for an empty one, "&lt;invalid&gt;" for a bad one — not FormatLabelSelector).
    /// </summary>
    private static object?[] Deployment(V1Deployment deployment, DateTimeOffset now)
    {
        var spec = deployment.Spec ?? new V1DeploymentSpec();
        var status = deployment.Status ?? new V1DeploymentStatus();
        var (names, images) = ContainerCells(spec.Template?.Spec?.Containers);
        return
        [
            Name(deployment),
            F($"{status.ReadyReplicas ?? 0}/{spec.Replicas ?? DefaultReplicas}"),
            (long)(status.UpdatedReplicas ?? 0),
            (long)(status.AvailableReplicas ?? 0),
            Age(deployment, now),
            names,
            images,
            LabelSelectorText.SelectorString(spec.Selector) ?? "<invalid>",
        ];
    }

    /// <summary>printReplicaSet: DESIRED, CURRENT, READY as numbers, then CONTAINERS, IMAGES, SELECTOR (FormatLabelSelector).</summary>
    private static object?[] ReplicaSet(V1ReplicaSet rs, DateTimeOffset now)
    {
        var spec = rs.Spec ?? new V1ReplicaSetSpec();
        var (names, images) = ContainerCells(spec.Template?.Spec?.Containers);
        return
        [
            Name(rs),
            (long)(spec.Replicas ?? DefaultReplicas),
            (long)(rs.Status?.Replicas ?? 0),
            (long)(rs.Status?.ReadyReplicas ?? 0),
            Age(rs, now),
            names,
            images,
            LabelSelectorText.FormatLabelSelector(spec.Selector),
        ];
    }

    /// <summary>printDaemonSet: DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE as numbers, NODE SELECTOR (FormatLabels), AGE, wide columns.</summary>
    private static object?[] DaemonSet(V1DaemonSet ds, DateTimeOffset now)
    {
        var status = ds.Status;
        var podSpec = ds.Spec?.Template?.Spec;
        var (names, images) = ContainerCells(podSpec?.Containers);
        return
        [
            Name(ds),
            (long)(status?.DesiredNumberScheduled ?? 0),
            (long)(status?.CurrentNumberScheduled ?? 0),
            (long)(status?.NumberReady ?? 0),
            (long)(status?.UpdatedNumberScheduled ?? 0),
            (long)(status?.NumberAvailable ?? 0),
            LabelSelectorText.FormatLabels(podSpec?.NodeSelector),
            Age(ds, now),
            names,
            images,
            LabelSelectorText.FormatLabelSelector(ds.Spec?.Selector),
        ];
    }

    /// <summary>printStatefulSet: READY "ready/desired", AGE, CONTAINERS, IMAGES (no selector column).</summary>
    private static object?[] StatefulSet(V1StatefulSet sts, DateTimeOffset now)
    {
        var (names, images) = ContainerCells(sts.Spec?.Template?.Spec?.Containers);
        return
        [
            Name(sts),
            F($"{sts.Status?.ReadyReplicas ?? 0}/{sts.Spec?.Replicas ?? DefaultReplicas}"),
            Age(sts, now),
            names,
            images,
        ];
    }

    /// <summary>
    /// printJob (v1.29, no STATUS column): COMPLETIONS "succeeded/completions", or for a work queue "succeeded/1"
    /// ("succeeded/1 of parallelism" when parallel); DURATION from start to completion (to now while it runs, "" before it starts).
    /// </summary>
    private static object?[] Job(V1Job job, DateTimeOffset now)
    {
        var spec = job.Spec ?? new V1JobSpec();
        var succeeded = job.Status?.Succeeded ?? 0;
        string completions;
        if (spec.Completions is { } wanted)
        {
            completions = F($"{succeeded}/{wanted}");
        }
        else
        {
            var parallelism = spec.Parallelism ?? DefaultReplicas;
            completions = parallelism > 1 ? F($"{succeeded}/1 of {parallelism}") : F($"{succeeded}/1");
        }

        var started = HumanDuration.ToOffset(job.Status?.StartTime);
        var completed = HumanDuration.ToOffset(job.Status?.CompletionTime);
        var duration = started switch
        {
            null => "",
            { } s when completed is { } c => HumanDuration.Format(c - s),
            { } s => HumanDuration.Format(now - s),
        };

        var (names, images) = ContainerCells(spec.Template?.Spec?.Containers);
        return
        [
            Name(job),
            completions,
            duration,
            Age(job, now),
            names,
            images,
            LabelSelectorText.FormatLabelSelector(spec.Selector),
        ];
    }
}
