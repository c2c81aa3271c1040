using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.MetalLB;

/// <summary>
/// MetalLB's own workloads when its published manifest (config/manifests/metallb-native.yaml) is applied: the
/// Deployment `controller` and the DaemonSet `speaker`. The lab's emulated MetalLB takes them over instead of running
/// a second controller beside them: the control plane allocates only while a controller pod runs, and only nodes whose
/// speaker pod runs may announce (MetalLB's speakers elect among the live speakers). Without them (the metallb-l2
/// scenario's emulated install), the controller always runs and every node has a speaker.
/// </summary>
public static class MetalLbComponents
{
    /// <summary>False when a Deployment runs MetalLB's controller image and none of its pods runs (scaled to 0, deleted).</summary>
    public static bool ControllerRuns(IEnumerable<V1Deployment> deployments, IEnumerable<V1Pod> pods)
    {
        var installed = deployments.Any(d => d.Spec?.Template?.Spec?.Containers?.Any(c => ImageEmulation.IsMetalLb(c.Image ?? "", "controller")) == true);
        return !installed || pods.Any(p => Runs(p, "controller"));
    }

    /// <summary>The nodes whose speaker pod runs, or null when no DaemonSet runs MetalLB's speaker image (every node has one).</summary>
    public static IReadOnlySet<string>? SpeakerNodes(IEnumerable<V1DaemonSet> daemonSets, IEnumerable<V1Pod> pods)
    {
        var installed = daemonSets.Any(d => d.Spec?.Template?.Spec?.Containers?.Any(c => ImageEmulation.IsMetalLb(c.Image ?? "", "speaker")) == true);
        return installed
            ? pods.Where(p => Runs(p, "speaker")).Select(p => p.Spec.NodeName).ToHashSet(StringComparer.Ordinal)
            : null;
    }

    private static bool Runs(V1Pod pod, string component) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase == "Running" && !string.IsNullOrEmpty(pod.Spec?.NodeName)
        && pod.Spec.Containers?.Any(c => ImageEmulation.IsMetalLb(c.Image ?? "", component)) == true
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
