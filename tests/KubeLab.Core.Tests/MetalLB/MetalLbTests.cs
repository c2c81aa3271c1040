using System.Net;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.MetalLB;
using KubeLab.Core.Model;
using KubeLab.Core.Tests.Control;

namespace KubeLab.Core.Tests.MetalLB;

public class MetalLbTests
{
    private const string Pool = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: metallb-system
        ---
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata:
          name: tiny
          namespace: metallb-system
        spec:
          addresses:
          - 10.123.123.64/31
        """;

    private static string LoadBalancer(string name, string? ip = null, string? pool = null) => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
        {{(pool is null ? "" : $"  annotations:\n    metallb.universe.tf/address-pool: {pool}")}}
        spec:
          type: LoadBalancer
        {{(ip is null ? "" : $"  loadBalancerIP: {ip}")}}
          selector:
            app: nginx
          ports:
          - port: 80
        """;

    private static string? Ingress(ClusterState state, string name, string ns = "default") =>
        (state.Find("Service", ns, name)!.Object as V1Service)!.Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip;

    // as a commit does it: the state with the events the controllers recorded stored in it
    private static ClusterState ApplyScenario(ClusterState state, string scenario)
    {
        Assert.True(Scenarios.TryGet(scenario, out var text));
        return ApplyText(state, text);
    }

    private static ClusterState ApplyText(ClusterState state, string yaml)
    {
        var result = ControlPlane.Apply(state, ManifestReader.Read(yaml, "test.yaml"), ControlPlaneTests.Now);
        return ClusterEvents.Store(result.State, result.Events, ControlPlaneTests.Now);
    }

    private static IEnumerable<string> Events(ClusterState state, string name) =>
        state.All<Corev1Event>().Where(e => e.InvolvedObject.Name == name).Select(e => $"{e.Type} {e.Reason} {e.Message}");

    /// <summary>
    /// A lab whose only LoadBalancers are the tests' own: with k3s's traefik, MetalLB gives traefik the pool's first
    /// address (<see cref="Traefik_gets_the_pools_first_address_when_metallb_is_installed"/>).
    /// </summary>
    private static ClusterState WithoutTraefik() =>
        ControlPlane.Bootstrap(LabConfig.Default("t") with { Disable = ["servicelb", "traefik"] }, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Traefik_gets_the_pools_first_address_when_metallb_is_installed()
    {
        var state = ApplyScenario(ApplyScenario(ControlPlaneTests.Bootstrap(), "seed"), "metallb-l2");
        Assert.Equal("10.123.123.64", Ingress(state, "traefik", "kube-system"));
        Assert.Equal("10.123.123.100", Ingress(state, "nginx-mlb-l2-service"));
    }

    [Fact]
    public void Metallb_l2_scenario_gives_the_service_its_requested_vip_and_an_IPAllocated_event()
    {
        var state = ApplyScenario(ApplyScenario(ControlPlaneTests.Bootstrap(), "seed"), "metallb-l2");
        Assert.Equal("10.123.123.100", Ingress(state, "nginx-mlb-l2-service"));
        var service = (V1Service)state.Find("Service", "default", "nginx-mlb-l2-service")!.Object;
        Assert.Equal("external-pool", service.Metadata.Annotations["metallb.universe.tf/ip-allocated-from-pool"]);
        Assert.Contains("Normal IPAllocated Assigned IP [\"10.123.123.100\"]", Events(state, "nginx-mlb-l2-service"));
        // the snapshot (what kube-proxy programs) carries the VIP
        Assert.Equal("10.123.123.100", Assert.Single(Core.Control.SnapshotBuilder.FromState(state).FindService("default", "nginx-mlb-l2-service")!.LoadBalancerIngress).ToString());
    }

    [Fact]
    public void An_exhausted_pool_leaves_the_third_service_pending_with_metallbs_event_text()
    {
        var state = ApplyText(ApplyScenario(WithoutTraefik(), "nginx-svc"), Pool);
        state = ApplyText(state, LoadBalancer("a"));
        state = ApplyText(state, LoadBalancer("b"));
        state = ApplyText(state, LoadBalancer("c"));
        // MetalLB's cursor starts at the prefix's first address, the network address included
        Assert.Equal("10.123.123.64", Ingress(state, "a"));
        Assert.Equal("10.123.123.65", Ingress(state, "b"));
        Assert.Null(Ingress(state, "c"));
        Assert.Contains("Warning AllocationFailed Failed to allocate IP for \"default/c\": no available IPs", Events(state, "c"));
        // re-applying a converged service keeps its address (the status survives an update)
        state = ApplyText(state, LoadBalancer("a").Replace("port: 80", "port: 81", StringComparison.Ordinal));
        Assert.Equal("10.123.123.64", Ingress(state, "a"));
        // deleting a frees its address for c on the next convergence
        state = ControlPlane.Delete(state, [new ObjectRef("Service", "default", "a")], DateTimeOffset.UnixEpoch).State;
        Assert.Equal("10.123.123.64", Ingress(state, "c"));
    }

    [Fact]
    public void Requested_addresses_outside_the_pools_and_in_use_are_refused_with_metallbs_words()
    {
        var state = ApplyText(WithoutTraefik(), Pool);
        state = ApplyText(state, LoadBalancer("a", ip: "10.123.123.65"));
        state = ApplyText(state, LoadBalancer("b", ip: "10.123.123.65"));
        state = ApplyText(state, LoadBalancer("c", ip: "10.9.9.9"));
        state = ApplyText(state, LoadBalancer("d", pool: "nosuch"));
        Assert.Equal("10.123.123.65", Ingress(state, "a"));
        Assert.Contains("Warning AllocationFailed Failed to allocate IP for \"default/b\": can't change sharing key for \"default/b\", address also in use by default/a", Events(state, "b"));
        Assert.Contains("Warning AllocationFailed Failed to allocate IP for \"default/c\": \"10.9.9.9\" is not allowed in config", Events(state, "c"));
        Assert.Contains("Warning AllocationFailed Failed to allocate IP for \"default/d\": unknown pool \"nosuch\"", Events(state, "d"));
    }

    [Fact]
    public void Pools_without_autoAssign_serve_only_services_that_ask_for_them()
    {
        var pool = new MetalLbPool("manual", [IPNetwork.Parse("10.1.0.0/30")], AutoAssign: false, AvoidBuggyIPs: false);
        LoadBalancerRequest Request(string key, string? poolName) => new(key, null, poolName, null, "", ["TCP/80"], null);
        var results = MetalLbAllocator.Allocate([pool], [Request("default/any", null), Request("default/asks", "manual")]);
        Assert.Equal("no available IPs", results[0].Error);
        Assert.Equal("10.1.0.0", results[1].IP!.ToString());
    }

    [Fact]
    public void Two_services_share_an_address_with_the_same_sharing_key_and_different_ports()
    {
        var pool = new MetalLbPool("p", [IPNetwork.Parse("10.1.0.0/30")], AutoAssign: true, AvoidBuggyIPs: true);
        var ip = IPAddress.Parse("10.1.0.1");
        var results = MetalLbAllocator.Allocate([pool],
        [
            new LoadBalancerRequest("default/http", ip, null, "k", "", ["TCP/80"], null),
            new LoadBalancerRequest("default/dns", ip, null, "k", "", ["UDP/53"], null),
            new LoadBalancerRequest("default/clash", ip, null, "k", "", ["TCP/80"], null),
            new LoadBalancerRequest("default/auto", null, null, null, "", ["TCP/80"], null),
        ]);
        Assert.Equal(["10.1.0.1", "10.1.0.1", null, "10.1.0.2"], results.Select(r => r.IP?.ToString()));
        Assert.Equal("port TCP/80 is already in use on \"10.1.0.1\"", results[2].Error);
        // avoidBuggyIPs skipped 10.1.0.0 for the automatic allocation
    }

    [Theory]
    [InlineData("10.123.123.64/33", "invalid CIDR \\\"10.123.123.64/33\\\" in pool \\\"bad\\\": invalid CIDR \\\"10.123.123.64/33\\\"")]
    [InlineData("10.123.123.80-10.123.123.70", "invalid CIDR \\\"10.123.123.80-10.123.123.70\\\" in pool \\\"bad\\\": invalid IP range \\\"10.123.123.80-10.123.123.70\\\": start IP \\\"10.123.123.80\\\" is after the end IP \\\"10.123.123.70\\\"")]
    [InlineData("10.123.123.65/32", "CIDR \\\"10.123.123.65/32\\\" in pool \\\"bad\\\" overlaps with already defined CIDR \\\"10.123.123.64/31\\\"")]
    public void Invalid_pools_are_refused_as_metallbs_webhook_refuses_them_and_nothing_changes(string address, string why)
    {
        var state = ApplyText(WithoutTraefik(), Pool);
        var yaml = $"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: bad\n  namespace: metallb-system\nspec:\n  addresses:\n  - {address}\n";
        var error = Assert.Throws<KubeLabException>(() => ApplyText(state, yaml));
        Assert.Contains(
            $"Error from server (Forbidden): error when creating \"test.yaml\": admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request: {why.Replace("\\\"", "\"", StringComparison.Ordinal)}",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranges_are_summarised_into_prefixes()
    {
        Assert.Equal(["10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/29", "10.0.0.16/32"],
            MetalLbPool.ParseAddresses("10.0.0.5-10.0.0.16").Select(n => n.ToString()));
    }

    [Fact]
    public void The_speaker_election_is_per_vip_and_etp_local_moves_it_to_a_node_with_endpoints()
    {
        var vip = IPAddress.Parse("10.123.123.100");
        var winner = L2Speakers.Elect(vip, ["vm1", "vm2", "vm3"]);
        // the order of the candidates does not matter: every speaker computes the same winner
        Assert.Equal(winner, L2Speakers.Elect(vip, ["vm3", "vm2", "vm1"]));
        Assert.Equal(winner, L2Speakers.Elect(vip, ["vm2", "vm1", "vm3"]));
        Assert.Null(L2Speakers.Elect(vip, []));

        var state = ApplyScenario(WithoutTraefik(), "metallb-l2");
        var announced = Assert.Single(L2Speakers.Announcements(state));
        Assert.Equal(winner, announced.Node);
        // ETP Local with the only endpoints on another node: that node announces (MetalLB's failover)
        var local = ApplyText(state, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: nginx-lbl2
            spec:
              replicas: 1
              selector:
                matchLabels:
                  app: nginx-lbl2
              template:
                metadata:
                  labels:
                    app: nginx-lbl2
                spec:
                  containers:
                  - name: nginx
                    image: nginx:latest
            """);
        var service = (V1Service)KubeObjects.Clone(local.Find("Service", "default", "nginx-mlb-l2-service")!.Object);
        var podNode = local.All<V1Pod>().Single(p => p.Metadata.Labels.Get("app") == "nginx-lbl2").Spec.NodeName;
        var yaml = $"apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx-mlb-l2-service\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerIP: 10.123.123.100\n  selector:\n    app: nginx-lbl2\n  ports:\n  - port: 80\n";
        local = ApplyText(local, yaml);
        Assert.Equal(podNode, Assert.Single(L2Speakers.Announcements(local)).Node);
        Assert.Equal(service.Status.LoadBalancer.Ingress[0].Ip, Ingress(local, "nginx-mlb-l2-service"));
    }
}
