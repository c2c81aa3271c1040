using k8s.Models;
using KubeLab.Core.Cni;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Control;

/// <summary>k3s v1.29.5's packaged add-ons, its --disable flag, ServiceLB's DaemonSets and the rules they bring.</summary>
public sealed class K3sAddonsTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    private static ClusterState Lab(params string[] disable) => ControlPlane.Bootstrap(LabConfig.Default("addons") with { Disable = disable }, Now);

    private static List<V1Pod> Pods(ClusterState state) => state.All<V1Pod>().Where(p => p.Metadata.NamespaceProperty == "kube-system").ToList();

    [Fact]
    public void Disable_takes_k3s_values_repeated_and_comma_separated()
    {
        Assert.Equal(["traefik", "servicelb", "metrics-server"], K3sAddons.Parse(["traefik,servicelb", " metrics-server ", "traefik"]));
        var error = Assert.Throws<KubeLabException>(() => K3sAddons.Parse(["traefik,servicelbs"]));
        Assert.Equal("--disable: Invalid value: \"servicelbs\": k3s's packaged components are coredns, servicelb, traefik, local-storage, metrics-server, runtimes", error.Message);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Server_node_args_record_the_disable_flags_as_k3s_writes_them()
    {
        var config = LabConfig.Default("addons") with { Disable = ["servicelb", "traefik,metrics-server"] };
        Assert.Equal(["server", "--disable", "servicelb", "--disable", "traefik,metrics-server"], K3sAddons.ServerArgs(config));
        Assert.Equal(["server"], K3sAddons.ServerArgs(LabConfig.Default("addons")));
    }

    [Fact]
    public void A_default_k3s_server_runs_every_addon_in_kube_system()
    {
        var pods = Pods(Lab());
        Assert.Collection(pods.Select(p => $"{p.Metadata.Name} {p.Status.Phase} {p.Status.PodIP} {p.Spec.NodeName}"),
            p => Assert.Matches("^coredns-[a-z0-9]{9,10}-[bcdfghjklmnpqrstvwxz2456789]{5} Running 10.42.0.2 vm1$", p),
            p => Assert.Matches("^local-path-provisioner-[a-z0-9]{9,10}-[a-z0-9]{5} Running 10.42.0.3 vm1$", p),
            p => Assert.Matches("^metrics-server-[a-z0-9]{9,10}-[a-z0-9]{5} Running 10.42.0.4 vm1$", p),
            p => Assert.Matches("^helm-install-traefik-crd-[a-z0-9]{5} Succeeded 10.42.0.5 vm1$", p),
            p => Assert.Matches("^helm-install-traefik-[a-z0-9]{5} Succeeded 10.42.0.6 vm1$", p),
            p => Assert.Matches("^traefik-[a-z0-9]{9,10}-[a-z0-9]{5} Running 10.42.0.7 vm1$", p),
            p => Assert.Matches("^svclb-traefik-[0-9a-f]{8}-[a-z0-9]{5} Running 10.42.0.8 vm1$", p),
            p => Assert.Matches("^svclb-traefik-[0-9a-f]{8}-[a-z0-9]{5} Running 10.42.1.2 vm2$", p),
            p => Assert.Matches("^svclb-traefik-[0-9a-f]{8}-[a-z0-9]{5} Running 10.42.2.2 vm3$", p));
        var job = pods.First(p => p.Metadata.Name.StartsWith("helm-install-traefik-crd-", StringComparison.Ordinal));
        Assert.Equal("Completed", job.Status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Equal("Job", job.Metadata.OwnerReferences[0].Kind);
    }

    [Fact]
    public void Jobs_complete_with_one_success_and_the_api_servers_selector()
    {
        var state = Lab();
        var jobs = state.All<V1Job>().ToList();
        Assert.Equal(["helm-install-traefik-crd", "helm-install-traefik"], jobs.Select(j => j.Metadata.Name));
        Assert.All(jobs, j =>
        {
            Assert.Equal(1, j.Status.Succeeded);
            Assert.Equal("Complete", Assert.Single(j.Status.Conditions).Type);
            Assert.Equal(j.Metadata.Uid, j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
            Assert.Equal(j.Metadata.Name, j.Spec.Template.Metadata.Labels["job-name"]);
        });
    }

    [Fact]
    public void ServiceLB_gives_traefik_a_daemonset_named_after_its_uid_and_the_node_ips_in_k3s_order()
    {
        var state = Lab();
        var traefik = (V1Service)state.Find("Service", "kube-system", "traefik")!.Object;
        var ds = Assert.Single(state.All<V1DaemonSet>());
        Assert.Equal($"svclb-traefik-{traefik.Metadata.Uid[..8]}", ds.Metadata.Name);
        Assert.Equal(3, ds.Status.NumberReady);
        // filterByIPFamily sorts the addresses as strings
        Assert.Equal(["10.65.94.199", "10.65.94.238", "10.65.94.95"], traefik.Status.LoadBalancer.Ingress.Select(i => i.Ip));
        Assert.Equal(["lb-tcp-80", "lb-tcp-443"], ds.Spec.Template.Spec.Containers.Select(c => c.Name));
        var web = ds.Spec.Template.Spec.Containers[0];
        Assert.Equal("rancher/klipper-lb:v0.4.7", web.Image);
        Assert.Equal(80, web.Ports[0].HostPort);
        Assert.Equal(["SRC_PORT=80", "SRC_RANGES=0.0.0.0/0", "DEST_PROTO=TCP", "DEST_PORT=80", $"DEST_IPS={traefik.Spec.ClusterIP}"], web.Env.Select(e => $"{e.Name}={e.Value}"));
        Assert.All(state.All<V1Pod>().Where(p => p.Metadata.Name.StartsWith("svclb-", StringComparison.Ordinal)),
            p => Assert.Matches("^[a-z0-9]{9,10}$", p.Metadata.Labels["controller-revision-hash"]));
    }

    [Theory]
    [InlineData("traefik", "traefik")]
    [InlineData("metrics-server", "metrics-server")]
    [InlineData("local-storage", "local-path-provisioner")]
    [InlineData("coredns", "coredns")]
    public void Disable_leaves_the_addon_out(string item, string deployment)
    {
        var state = Lab(item);
        Assert.Null(state.Find("Deployment", "kube-system", deployment));
        Assert.DoesNotContain(Pods(state), p => p.Metadata.Name.StartsWith(deployment + "-", StringComparison.Ordinal));
        Assert.NotEmpty(Pods(state));
    }

    [Fact]
    public void Disable_servicelb_leaves_traefik_pending_as_in_the_cheat_sheet()
    {
        var state = Lab("servicelb");
        Assert.Empty(state.All<V1DaemonSet>());
        var traefik = (V1Service)state.Find("Service", "kube-system", "traefik")!.Object;
        Assert.Null(traefik.Status?.LoadBalancer?.Ingress);
        Assert.DoesNotContain(Pods(state), p => p.Metadata.Name.StartsWith("svclb-", StringComparison.Ordinal));
    }

    [Fact]
    public void Portmap_writes_the_cni_hostport_chains_for_the_svclb_pod()
    {
        var snapshot = SnapshotBuilder.FromState(Lab());
        var pod = Assert.Single(PortMapRules.HostPortPods(snapshot, "vm2"));
        var id = PortMapRules.SandboxId("addons", pod);
        var chain = PortMapRules.PodChain(id);
        Assert.Matches("^CNI-DN-[0-9a-f]{21}$", chain);
        var (chains, rules) = PortMapRules.Nat("addons", [pod]);
        Assert.Equal(["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ", chain], chains);
        Assert.Equal(
        [
            $"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"cbr0\\\" id: \\\"{id}\\\"\" -m multiport --dports 80,443 -j {chain}",
            "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
            "-A CNI-HOSTPORT-SETMARK -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark 0x2000/0x2000",
            $"-A {chain} -s 10.42.1.2/32 -p tcp -m tcp --dport 80 -j CNI-HOSTPORT-SETMARK",
            $"-A {chain} -s 127.0.0.1/32 -p tcp -m tcp --dport 80 -j CNI-HOSTPORT-SETMARK",
            $"-A {chain} -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.42.1.2:80",
            $"-A {chain} -s 10.42.1.2/32 -p tcp -m tcp --dport 443 -j CNI-HOSTPORT-SETMARK",
            $"-A {chain} -s 127.0.0.1/32 -p tcp -m tcp --dport 443 -j CNI-HOSTPORT-SETMARK",
            $"-A {chain} -p tcp -m tcp --dport 443 -j DNAT --to-destination 10.42.1.2:443",
        ], rules);
        Assert.Empty(PortMapRules.HostPortPods(SnapshotBuilder.FromState(Lab("servicelb")), "vm2"));
    }

    [Fact]
    public void Klipper_lb_forwards_its_ports_to_the_cluster_ip_as_its_entry_script_does()
    {
        var snapshot = SnapshotBuilder.FromState(Lab());
        var pod = Assert.Single(PortMapRules.HostPortPods(snapshot, "vm3"));
        var ip = snapshot.FindService("kube-system", "traefik")!.ClusterIP;
        Assert.Equal($"""
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -p tcp -m tcp --dport 443 -j ACCEPT
            -A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT
            -A FORWARD -d {ip}/32 -p tcp -m tcp --dport 80 -j DROP
            -A FORWARD -d {ip}/32 -p tcp -m tcp --dport 443 -j DROP
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            -A PREROUTING ! -s {ip}/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination {ip}:443
            -A PREROUTING ! -s {ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination {ip}:80
            -A POSTROUTING -d {ip}/32 -p tcp -j MASQUERADE
            -A POSTROUTING -d {ip}/32 -p tcp -j MASQUERADE
            COMMIT

            """, KlipperLbRules.Restore(pod, "10.65.94.95"));
    }

    [Fact]
    public void Seed_scenario_asks_for_the_cheat_sheets_disable_servicelb()
    {
        Assert.Equal(["servicelb"], KubeLab.Core.Manifests.Scenarios.DisabledBy("seed"));
        Assert.Empty(KubeLab.Core.Manifests.Scenarios.DisabledBy("nginx-svc"));
    }

    [Fact]
    public void The_seed_on_a_lab_that_runs_servicelb_is_refused_with_what_to_do()
    {
        Assert.True(KubeLab.Core.Manifests.Scenarios.TryGet("seed", out var seed));
        var error = Assert.Throws<KubeLabException>(() => ControlPlane.Apply(Lab(), KubeLab.Core.Manifests.ManifestReader.Read(seed, "seed"), Now));
        Assert.Contains("requested IP address 10.42.", error.Message, StringComparison.Ordinal);
        Assert.Contains("is already allocated to container ID kube-system/svclb-traefik-", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("make the lab with `kubelab up --disable servicelb` (as `kubelab up -f seed` does)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void A_job_without_a_restart_policy_it_may_have_is_invalid()
    {
        var error = Assert.Throws<KubeLabException>(() => ControlPlane.Apply(Lab("servicelb"), KubeLab.Core.Manifests.ManifestReader.Read("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: once}
            spec:
              template:
                spec:
                  restartPolicy: Always
                  containers: [{name: c, image: busybox}]
            """, "job.yaml"), Now));
        Assert.Contains("The Job.batch \"once\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"", error.Message, StringComparison.Ordinal);
    }
}
