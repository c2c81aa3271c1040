using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Control;

/// <summary>The control plane's graceful deletion, garbage collection and Events, as pure functions of state and time.</summary>
public class GracefulDeletionTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    private static ClusterState WithDeployment(string image, int grace)
    {
        var yaml = $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n"
            + $"  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      terminationGracePeriodSeconds: {grace}\n      containers:\n      - name: main\n        image: {image}\n";
        var result = ControlPlane.Apply(ControlPlaneTests.Bootstrap(), ManifestReader.Read(yaml, "web.yaml"), Now, recordLastApplied: false, graceful: true);
        return ClusterEvents.Store(result.State, result.Events, Now);
    }

    private static V1Pod Pod(ClusterState state, string name) => state.All<V1Pod>().Single(p => p.Metadata.Name == name);

    private static string WebPod(ClusterState state) => state.All<V1Pod>().Single(p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal) && p.Metadata.DeletionTimestamp is null).Metadata.Name;

    [Fact]
    public void A_deleted_pod_terminates_for_its_grace_period_and_its_replicaset_replaces_it_at_once()
    {
        var state = WithDeployment("nicolaka/netshoot", 30);
        var pod = WebPod(state);
        var deleted = ControlPlane.Delete(state, [new ObjectRef("Pod", "default", pod)], Now, options: new DeleteOptions()).State;

        var terminating = Pod(deleted, pod);
        Assert.Equal(Now.UtcDateTime.AddSeconds(30), terminating.Metadata.DeletionTimestamp);
        Assert.Equal(30, terminating.Metadata.DeletionGracePeriodSeconds);
        Assert.Equal(2, deleted.All<V1Pod>().Count(p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal)));
        Assert.Equal(Now.AddSeconds(30), ControlPlane.NextDue(deleted));

        Assert.Same(deleted, ControlPlane.Sync(deleted, Now.AddSeconds(29)).State);
        var finished = ControlPlane.Sync(deleted, Now.AddSeconds(30)).State;
        Assert.DoesNotContain(finished.All<V1Pod>(), p => p.Metadata.Name == pod);
        Assert.Null(ControlPlane.NextDue(finished));
    }

    [Fact]
    public void An_nginx_pod_stops_a_second_after_its_deletion_and_a_forced_one_at_once()
    {
        var state = WithDeployment("nginx:1.25", 30);
        var pod = WebPod(state);
        var deleted = ControlPlane.Delete(state, [new ObjectRef("Pod", "default", pod)], Now, options: new DeleteOptions()).State;
        Assert.Equal(Now + ControlPlane.QuickStop, ControlPlane.NextDue(deleted));

        var other = WebPod(deleted);
        var forced = ControlPlane.Delete(deleted, [new ObjectRef("Pod", "default", other)], Now, options: new DeleteOptions(GracePeriodSeconds: 0)).State;
        Assert.DoesNotContain(forced.All<V1Pod>(), p => p.Metadata.Name == other);
    }

    [Fact]
    public void Deleting_a_deployment_collects_its_replicaset_and_marks_its_pods_terminating()
    {
        var state = WithDeployment("nginx", 30);
        var result = ControlPlane.Delete(state, [new ObjectRef("Deployment", "default", "web")], Now, options: new DeleteOptions());
        Assert.DoesNotContain(result.State.All<V1Deployment>(), d => d.Metadata.Name == "web");
        Assert.DoesNotContain(result.State.All<V1ReplicaSet>(), r => r.Metadata.Name.StartsWith("web-", StringComparison.Ordinal));
        var pod = Assert.Single(result.State.All<V1Pod>(), p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal));
        Assert.NotNull(pod.Metadata.DeletionTimestamp);
        Assert.Contains(result.Events, e => e.Reason == "Killing" && e.Message == "Stopping container main" && e.Source.Host == pod.Spec.NodeName);
    }

    [Fact]
    public void Orphan_propagation_leaves_the_replicaset_without_its_owner_reference()
    {
        var state = WithDeployment("nginx", 30);
        var orphaned = ControlPlane.Delete(state, [new ObjectRef("Deployment", "default", "web")], Now, options: new DeleteOptions(null, DeleteOptions.Orphan)).State;
        var rs = Assert.Single(orphaned.All<V1ReplicaSet>(), r => r.Metadata.Name.StartsWith("web-", StringComparison.Ordinal));
        Assert.Null(rs.Metadata.OwnerReferences);
        Assert.Single(orphaned.All<V1Pod>(), p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal) && p.Metadata.DeletionTimestamp is null);
    }

    [Fact]
    public void Creating_a_deployment_records_the_controllers_scheduler_and_kubelet_events_in_order()
    {
        var yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n"
            + "  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n";
        var result = ControlPlane.Apply(ControlPlaneTests.Bootstrap(), ManifestReader.Read(yaml, "web.yaml"), Now, recordLastApplied: false, graceful: true);
        var rs = Assert.Single(result.State.All<V1ReplicaSet>(), r => r.Metadata.Name.StartsWith("web-", StringComparison.Ordinal)).Metadata.Name;
        var pod = WebPod(result.State);
        Assert.Equal(
        [
            $"Deployment/web ScalingReplicaSet: Scaled up replica set {rs} to 1",
            $"ReplicaSet/{rs} SuccessfulCreate: Created pod: {pod}",
            $"Pod/{pod} Scheduled: Successfully assigned default/{pod} to {Pod(result.State, pod).Spec.NodeName}",
            $"Pod/{pod} Pulled: Container image \"nginx:1.25\" already present on machine",
            $"Pod/{pod} Created: Created container nginx",
            $"Pod/{pod} Started: Started container nginx",
        ], result.Events.Select(e => $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name} {e.Reason}: {e.Message}"));
        var scheduled = result.Events.Single(e => e.Reason == "Scheduled");
        Assert.Equal(("default-scheduler", "default-scheduler-vm1", "Binding"), (scheduled.ReportingComponent, scheduled.ReportingInstance, scheduled.Action));
        Assert.Null(scheduled.FirstTimestamp);
        Assert.Equal(result.Events.Count, result.Events.Select(e => e.Metadata.Name).Distinct().Count());
    }

    [Fact]
    public void A_repeated_event_is_counted_on_the_first_and_events_expire_after_an_hour()
    {
        var state = WithDeployment("nginx:1.25", 30);
        var rs = state.All<V1ReplicaSet>().Single(r => r.Metadata.Name.StartsWith("web-", StringComparison.Ordinal));
        var again = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = rs.Metadata.Name + ".ffff", NamespaceProperty = "default" },
            InvolvedObject = new V1ObjectReference { Kind = "ReplicaSet", Name = rs.Metadata.Name, NamespaceProperty = "default", Uid = rs.Metadata.Uid },
            Reason = "SuccessfulCreate",
            Message = state.All<Corev1Event>().Single(e => e.Reason == "SuccessfulCreate" && e.InvolvedObject.Uid == rs.Metadata.Uid).Message,
            Type = "Normal",
            Source = new V1EventSource { Component = "replicaset-controller" },
            FirstTimestamp = Now.UtcDateTime.AddMinutes(1),
            LastTimestamp = Now.UtcDateTime.AddMinutes(1),
            Count = 1,
        };
        var counted = ClusterEvents.Store(state, [again], Now.AddMinutes(1));
        var aggregated = counted.All<Corev1Event>().Single(e => e.Reason == "SuccessfulCreate" && e.InvolvedObject.Uid == rs.Metadata.Uid);
        Assert.Equal(2, aggregated.Count);
        Assert.Equal(Now.UtcDateTime.AddMinutes(1), aggregated.LastTimestamp);
        Assert.Equal(Now.UtcDateTime, aggregated.FirstTimestamp);

        var later = ClusterEvents.Store(counted, [], Now.AddMinutes(61).AddSeconds(1));
        Assert.Empty(later.All<Corev1Event>());
    }
}
