using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Control;

/// <summary>The Node objects a lab shows, healthy and once its kubelets stop posting status.</summary>
public sealed class NodeObjectsTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    private static V1Node Vm2() => NodeObjects.For(ControlPlane.Bootstrap(LabConfig.Default("nodes"), Now)).Single(n => n.Metadata.Name == "vm2");

    [Fact]
    public void An_unreachable_node_gets_the_node_lifecycle_controllers_conditions_and_taints_and_the_original_is_untouched()
    {
        var healthy = Vm2();
        var since = new DateTime(2024, 6, 11, 2, 10, 0, DateTimeKind.Utc);
        var node = NodeObjects.Unreachable(healthy, since.AddTicks(2_188_450)); // metav1.Time keeps whole seconds

        Assert.All(node.Status.Conditions, c => Assert.Equal(("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", since), (c.Status, c.Reason, c.Message, c.LastTransitionTime)));
        Assert.Collection(node.Spec.Taints,
            t => Assert.Equal(("node.kubernetes.io/unreachable", "NoExecute", (DateTime?)since), (t.Key, t.Effect, t.TimeAdded)),
            t => Assert.Equal(("node.kubernetes.io/unreachable", "NoSchedule", (DateTime?)null), (t.Key, t.Effect, t.TimeAdded)));
        Assert.Null(healthy.Spec.Taints);
        Assert.Contains(healthy.Status.Conditions, c => c is { Type: "Ready", Status: "True" });
    }

    [Fact]
    public void An_unreachable_node_keeps_its_own_taints_first_and_is_not_tainted_twice()
    {
        var healthy = Vm2();
        healthy.Spec.Taints = [new V1Taint { Key = "dedicated", Value = "lab", Effect = "NoSchedule" }];
        var since = new DateTime(2024, 6, 11, 2, 10, 0, DateTimeKind.Utc);
        var twice = NodeObjects.Unreachable(NodeObjects.Unreachable(healthy, since), since.AddMinutes(5));

        Assert.Equal(["dedicated:NoSchedule", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"],
            twice.Spec.Taints.Select(t => $"{t.Key}:{t.Effect}"));
        Assert.Equal(since, twice.Spec.Taints[1].TimeAdded);
    }
}
