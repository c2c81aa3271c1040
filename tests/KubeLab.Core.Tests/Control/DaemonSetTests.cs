using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Control;

/// <summary>The DaemonSet controller's updates: RollingUpdate replaces pods of an older template, OnDelete leaves them.</summary>
public sealed class DaemonSetTests
{
    private static string Manifest(string strategy, string value) => $$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
        spec:
          selector:
            matchLabels: {app: agent}
          updateStrategy:
            type: {{strategy}}
          template:
            metadata:
              labels: {app: agent}
            spec:
              containers:
              - name: c
                image: busybox
                env:
                - name: LEVEL
                  value: "{{value}}"
        """;

    private static List<V1Pod> Pods(ClusterState state) =>
        [.. state.All<V1Pod>().Where(p => p.Metadata.Name.StartsWith("agent-", StringComparison.Ordinal)).OrderBy(p => p.Spec.NodeName, StringComparer.Ordinal)];

    [Fact]
    public void A_changed_template_replaces_every_pod_on_its_node_with_the_new_revision()
    {
        var before = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Manifest("RollingUpdate", "1"));
        var old = Pods(before);
        Assert.Equal(["vm1", "vm2", "vm3"], old.Select(p => p.Spec.NodeName));

        var result = ControlPlane.Apply(before, ManifestReader.Read(Manifest("RollingUpdate", "2"), "test.yaml"), ControlPlaneTests.Now);
        var after = result.State;
        var updated = Pods(after);
        var ds = Assert.Single(after.All<V1DaemonSet>());
        Assert.Equal(["vm1", "vm2", "vm3"], updated.Select(p => p.Spec.NodeName));
        Assert.All(updated, p => Assert.Equal("2", p.Spec.Containers[0].Env[0].Value));
        Assert.All(updated, p => Assert.Equal("2", p.Metadata.Labels["pod-template-generation"]));
        Assert.All(updated, p => Assert.Equal(ControlPlane.DaemonSetRevisionHash(ds.Spec.Template, null), p.Metadata.Labels["controller-revision-hash"]));
        Assert.Empty(updated.Select(p => p.Metadata.Name).Intersect(old.Select(p => p.Metadata.Name)));
        Assert.Equal((3, 3), (ds.Status.UpdatedNumberScheduled, ds.Status.CurrentNumberScheduled));
        var events = result.Events.Where(e => e.InvolvedObject.Name == "agent").Select(e => e.Message).ToList();
        Assert.All(old, p => Assert.Contains($"Deleted pod: {p.Metadata.Name}", events));
        Assert.All(updated, p => Assert.Contains($"Created pod: {p.Metadata.Name}", events));

        // the same template again changes nothing
        Assert.Equal(updated.Select(p => p.Metadata.Name), Pods(ControlPlaneTests.ApplyText(after, Manifest("RollingUpdate", "2"))).Select(p => p.Metadata.Name));
    }

    [Fact]
    public void With_OnDelete_the_old_pods_stay_until_they_are_deleted()
    {
        var before = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Manifest("OnDelete", "1"));
        var after = ControlPlaneTests.ApplyText(before, Manifest("OnDelete", "2"));
        Assert.Equal(Pods(before).Select(p => p.Metadata.Name), Pods(after).Select(p => p.Metadata.Name));
        Assert.Equal(0, Assert.Single(after.All<V1DaemonSet>()).Status.UpdatedNumberScheduled);
    }
}
