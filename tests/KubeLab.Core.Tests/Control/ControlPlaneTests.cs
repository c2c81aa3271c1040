using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Control;

public class ControlPlaneTests
{
    internal static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    /// <summary>A lab as `up -f seed` makes it: k3s with the cheat sheet's `--disable servicelb`.</summary>
    internal static ClusterState Bootstrap(int nodes = 3) => ControlPlane.Bootstrap(LabConfig.Default("t", nodes) with { Disable = ["servicelb"] }, Now);

    internal static ClusterState ApplyScenario(ClusterState state, string scenario)
    {
        Assert.True(Scenarios.TryGet(scenario, out var text));
        return ControlPlane.Apply(state, ManifestReader.Read(text, scenario), Now).State;
    }

    internal static ClusterState ApplyText(ClusterState state, string yaml) =>
        ControlPlane.Apply(state, ManifestReader.Read(yaml, "test.yaml"), Now).State;

    [Fact]
    public void Bootstrap_creates_kubernetes_and_kube_dns_services_and_coredns_on_vm1()
    {
        var snapshot = SnapshotBuilder.FromState(Bootstrap());
        Assert.Equal("10.43.0.1", snapshot.FindService("default", "kubernetes")!.ClusterIP!.ToString());
        var dns = snapshot.FindService("kube-system", "kube-dns")!;
        Assert.Equal("10.43.0.10", dns.ClusterIP!.ToString());
        Assert.Equal(["dns 53/UDP", "dns-tcp 53/TCP", "metrics 9153/TCP"], dns.Ports.Select(p => $"{p.Name} {p.Port}/{p.Protocol}"));
        var coredns = Assert.Single(snapshot.Pods, p => p.Namespace == "kube-system" && p.Labels.GetValueOrDefault("k8s-app") == "kube-dns");
        Assert.Equal("vm1", coredns.NodeName);
        Assert.Equal("10.42.0.2", coredns.IP!.ToString());
        var kubernetesSlice = Assert.Single(snapshot.EndpointSlices, s => s.ServiceName == "kubernetes");
        Assert.Equal("10.65.94.238", Assert.Single(Assert.Single(kubernetesSlice.Endpoints).Addresses).ToString());
        Assert.Equal(6443, Assert.Single(kubernetesSlice.Ports).Port);
    }

    [Fact]
    public void Seed_scenario_pins_the_seeds_addresses()
    {
        var snapshot = SnapshotBuilder.FromState(ApplyScenario(Bootstrap(), "seed"));
        var nginx = snapshot.Pods.Where(p => p.Labels.GetValueOrDefault("app") == "nginx").ToList();
        Assert.Equal(["vm1 10.42.0.8", "vm3 10.42.2.2", "vm2 10.42.1.2"], nginx.Select(p => $"{p.NodeName} {p.IP}"));
        var testPod = snapshot.FindPod("default", "test-pod")!;
        Assert.Equal("vm2 10.42.1.4", $"{testPod.NodeName} {testPod.IP}");
        Assert.Equal("10.43.180.238", snapshot.FindService("default", "nginx-service")!.ClusterIP!.ToString());
        var slice = Assert.Single(snapshot.EndpointSlices, s => s.ServiceName == "nginx-service");
        Assert.Equal(["10.42.0.8", "10.42.2.2", "10.42.1.2"], slice.Endpoints.Select(e => e.Addresses[0].ToString()));
        Assert.StartsWith("nginx-service-", slice.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_pods_are_named_after_the_replica_set_and_spread_over_nodes()
    {
        var snapshot = SnapshotBuilder.FromState(ApplyScenario(Bootstrap(), "nginx-svc"));
        var rs = Assert.Single(snapshot.ReplicaSets, r => r.Name.StartsWith("nginx-deployment-", StringComparison.Ordinal));
        var hash = rs.Name["nginx-deployment-".Length..];
        Assert.InRange(hash.Length, 1, 10);
        Assert.All(hash, c => Assert.Contains(c, Names.Alphabet));
        var pods = snapshot.Pods.Where(p => p.Owner == $"ReplicaSet/{rs.Name}").ToList();
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Matches($"^{rs.Name}-[{Names.Alphabet}]{{5}}$", p.Name));
        Assert.Equal(["vm1", "vm2", "vm3"], pods.Select(p => p.NodeName!).Order());
        Assert.All(pods, p => Assert.Equal(p.Labels["pod-template-hash"], hash));
    }

    [Fact]
    public void Host_local_ipam_skips_the_gateway_and_goes_round_robin()
    {
        var state = Bootstrap(1);
        // CoreDNS took 10.42.0.2 on the single node and the add-ons .3 to .7 (the Jobs' finished pods gave .5 and .6
        // back, but host-local goes on from the last reserved); the next pods get .8, .9
        state = ApplyText(state, Pod("a") + "---\n" + Pod("b"));
        var ips = SnapshotBuilder.FromState(state).Pods.Where(p => p.Namespace == "default").Select(p => p.IP!.ToString()).ToList();
        Assert.Equal(["10.42.0.8", "10.42.0.9"], ips);
        // deleting .8 does not make it the next address: host-local continues after the last reserved
        state = ControlPlane.Delete(state, [new ObjectRef("Pod", "default", "a")], Now).State;
        state = ApplyText(state, Pod("c"));
        Assert.Equal("10.42.0.10", SnapshotBuilder.FromState(state).FindPod("default", "c")!.IP!.ToString());
    }

    [Fact]
    public void Host_local_ipam_wraps_around_and_reports_a_full_range()
    {
        var state = Bootstrap(1);
        // CoreDNS and the add-ons hold .2, .3, .4 and .7; the finished Jobs' .5 and .6 come round again after .254
        var many = string.Join("---\n", Enumerable.Range(0, 249).Select(i => Pod($"p{i}")));
        state = ApplyText(state, many); // .8 .. .254, then .5 and .6
        var e = Assert.Throws<KubeLabException>(() => ApplyText(state, Pod("one-too-many")));
        Assert.Contains("no IP addresses available in range set: 10.42.0.1-10.42.0.254", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.ExitCode);
        state = ControlPlane.Delete(state, [new ObjectRef("Pod", "default", "p10")], Now).State;
        state = ApplyText(state, Pod("reuse"));
        Assert.Equal("10.42.0.18", SnapshotBuilder.FromState(state).FindPod("default", "reuse")!.IP!.ToString());
    }

    [Fact]
    public void Node_selector_and_node_name_are_honoured()
    {
        var state = ApplyText(Bootstrap(), """
            apiVersion: v1
            kind: Pod
            metadata: {name: pinned}
            spec:
              nodeName: vm3
              containers: [{name: c, image: busybox}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: selected}
            spec:
              nodeSelector: {kubernetes.io/hostname: vm2}
              containers: [{name: c, image: busybox}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: nowhere}
            spec:
              nodeSelector: {disk: ssd}
              containers: [{name: c, image: busybox}]
            """);
        var snapshot = SnapshotBuilder.FromState(state);
        Assert.Equal("vm3", snapshot.FindPod("default", "pinned")!.NodeName);
        Assert.StartsWith("10.42.2.", snapshot.FindPod("default", "pinned")!.IP!.ToString(), StringComparison.Ordinal);
        Assert.Equal("vm2", snapshot.FindPod("default", "selected")!.NodeName);
        var pending = snapshot.FindPod("default", "nowhere")!;
        Assert.Equal(PodPhase.Pending, pending.Phase);
        Assert.Null(pending.IP);
    }

    [Fact]
    public void Named_target_port_is_resolved_through_container_ports()
    {
        var state = ApplyText(Bootstrap(), """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, labels: {app: web}}
            spec:
              containers: [{name: c, image: nginx, ports: [{name: http-alt, containerPort: 8080}]}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{name: http, port: 80, targetPort: http-alt}]
            """);
        var slice = Assert.Single(SnapshotBuilder.FromState(state).EndpointSlices, s => s.ServiceName == "web");
        Assert.Equal(new EndpointPort("http", 8080, Protocol.TCP), Assert.Single(slice.Ports));
    }

    [Fact]
    public void Cluster_ips_are_allocated_inside_the_service_cidr_and_never_twice()
    {
        var yaml = string.Join("---\n", Enumerable.Range(0, 50).Select(i => $"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\nspec: {{ports: [{{port: 80}}]}}\n"));
        var services = SnapshotBuilder.FromState(ApplyText(Bootstrap(), yaml)).Services;
        Assert.All(services, s => Assert.True(LabDefaults.ServiceCidr.Contains(s.ClusterIP!)));
        Assert.Equal(services.Count, services.Select(s => s.ClusterIP!.ToString()).Distinct().Count());
    }

    [Fact]
    public void Node_ports_are_allocated_in_range_and_kept_on_reapply()
    {
        var yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec: {type: NodePort, ports: [{port: 80}]}\n";
        var state = ApplyText(Bootstrap(), yaml);
        var port = SnapshotBuilder.FromState(state).FindService("default", "np")!.Ports[0].NodePort;
        Assert.InRange(port, 30000, 32767);
        var again = ApplyText(state, yaml.Replace("port: 80", "port: 81", StringComparison.Ordinal));
        Assert.Equal(port, SnapshotBuilder.FromState(again).FindService("default", "np")!.Ports[0].NodePort);
    }

    [Fact]
    public void Reapplying_the_same_file_reports_unchanged()
    {
        Assert.True(Scenarios.TryGet("nginx-svc", out var text));
        var first = ControlPlane.Apply(Bootstrap(), ManifestReader.Read(text, "x"), Now);
        Assert.Equal(["deployment.apps/nginx-deployment created", "service/nginx-service created"], first.Messages);
        var second = ControlPlane.Apply(first.State, ManifestReader.Read(text, "x"), Now);
        Assert.Equal(["deployment.apps/nginx-deployment unchanged", "service/nginx-service unchanged"], second.Messages);
    }

    [Fact]
    public void Deleting_a_deployment_removes_its_pods_and_endpoints()
    {
        var state = ApplyScenario(Bootstrap(), "nginx-svc");
        state = ControlPlane.Delete(state, [new ObjectRef("Deployment", "default", "nginx-deployment")], Now).State;
        var snapshot = SnapshotBuilder.FromState(state);
        Assert.DoesNotContain(snapshot.Pods, p => p.Namespace == "default");
        Assert.Empty(Assert.Single(snapshot.EndpointSlices, s => s.ServiceName == "nginx-service").Endpoints);
    }

    [Fact]
    public void Scaling_a_deployment_down_removes_pods()
    {
        var state = ApplyScenario(Bootstrap(), "nginx-svc");
        state = ApplyText(state, Scenarios.TryGet("nginx-svc", out var t) ? t.Replace("replicas: 3", "replicas: 1", StringComparison.Ordinal) : "");
        Assert.Single(SnapshotBuilder.FromState(state).Pods, p => p.Namespace == "default");
    }

    [Fact]
    public void A_change_hands_back_every_object_it_did_not_change_and_stamps_what_it_changed()
    {
        var before = ApplyScenario(Bootstrap(), "nginx-svc");
        var after = ApplyText(before, Pod("extra"));
        var unchanged = after.Objects.Where(o => o.Kind != "Event" && o.Name != "extra").ToList();
        Assert.NotEmpty(unchanged);
        // the same instances (and so the encodings cached for them), not equal copies
        Assert.All(unchanged, o => Assert.Same(before.Find(o.Kind, o.Namespace, o.Name)!.Object, o.Object));

        // scaling changes the ReplicaSet in place (spec.replicas, status): it gets this change's resourceVersion
        var rs = before.Objects.Single(o => o.Kind == "ReplicaSet" && o.Name.StartsWith("nginx-deployment-", StringComparison.Ordinal));
        var scaled = ApplyText(after, Scenarios.TryGet("nginx-svc", out var t) ? t.Replace("replicas: 3", "replicas: 1", StringComparison.Ordinal) : "");
        var rsAfter = scaled.Find("ReplicaSet", rs.Namespace, rs.Name)!.Object;
        Assert.Equal(1, ((k8s.Models.V1ReplicaSet)rsAfter).Spec.Replicas);
        Assert.Equal(scaled.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), rsAfter.Metadata.ResourceVersion);
        Assert.NotEqual(rs.Object.Metadata.ResourceVersion, rsAfter.Metadata.ResourceVersion);
    }

    internal static string Pod(string name, string extra = "") =>
        $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{extra}spec:\n  containers:\n  - name: c\n    image: busybox\n";
}
