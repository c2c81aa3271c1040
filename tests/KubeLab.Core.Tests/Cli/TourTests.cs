using System.Text.Json;

namespace KubeLab.Core.Tests.Cli;

/// <summary>`kubelab tour` tells about the lab it runs on (a model-only lab here; the kernel runs in KubeLab.Netns.Tests).</summary>
public sealed class TourTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Tour_on_a_lab_not_made_from_the_seed_names_its_own_addresses_and_removes_what_it_added()
    {
        cli.Ok("up", "--driver", "none", "--name", "own", "--nodes", "2");
        cli.Ok("apply", "-f", "nginx-svc", "--name", "own");
        var clusterIP = JsonDocument.Parse(cli.Ok("get", "svc", "nginx-service", "-o", "json", "--name", "own"))
            .RootElement.GetProperty("spec").GetProperty("clusterIP").GetString()!;
        var dnsPod = JsonDocument.Parse(cli.Ok("get", "pods", "-n", "kube-system", "-o", "json", "--name", "own"))
            .RootElement.GetProperty("items")[0].GetProperty("status").GetProperty("podIP").GetString()!;

        var (code, output, error) = cli.Run("tour", "--name", "own");

        Assert.True(code == 0, error + output);
        Assert.NotEqual("10.43.180.238", clusterIP);
        Assert.Contains($"nginx-service is a ClusterIP service: {clusterIP} exists on no interface", output, StringComparison.Ordinal);
        Assert.Contains($"the CoreDNS pod at {dnsPod} on vm1", output, StringComparison.Ordinal);
        Assert.Contains("vm1 10.42.0.0/24, vm2 10.42.1.0/24.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("10.43.180.238", output, StringComparison.Ordinal);
        Assert.DoesNotContain("vm3", output, StringComparison.Ordinal);
        Assert.Contains("the tour adds Pod test-pod from the `nginx-svc` and `test-pod` scenario and deletes it at the end", output, StringComparison.Ordinal);
        Assert.Contains("$ kubelab delete pod test-pod --wait=false --name own", output, StringComparison.Ordinal);
        // What the tour added is gone; what was there stays.
        var pods = cli.Ok("get", "pods", "--name", "own");
        Assert.DoesNotContain("test-pod", pods, StringComparison.Ordinal);
        Assert.Contains("nginx-deployment-", pods, StringComparison.Ordinal);
        Assert.Contains("nginx-service", cli.Ok("get", "svc", "--name", "own"), StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_on_the_seed_lab_reads_as_the_cheat_sheet()
    {
        cli.Ok("up", "--driver", "none", "--name", "seedlab", "-f", "seed");

        var output = cli.Ok("tour", "--name", "seedlab");

        Assert.Contains("nginx-service is a ClusterIP service: 10.43.180.238 exists on no interface", output, StringComparison.Ordinal);
        Assert.Contains("so it is the same on every cluster: KUBE-SVC-V2OKYYMBY3REGZOG.", output, StringComparison.Ordinal);
        Assert.Contains("3 nodes, one k3s cluster", output, StringComparison.Ordinal);
        Assert.DoesNotContain("the tour adds", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tour_chains_are_the_ones_kube_proxy_writes_for_the_labs_server()
    {
        const string rules = """
            -A KUBE-SERVICES -d 10.43.7.7/32 -p tcp -m comment --comment "default/nginx-service cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAA
            -A KUBE-SERVICES -d 10.43.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-BBBB
            -A KUBE-SVC-AAAA ! -s 10.42.0.0/16 -d 10.43.7.7/32 -p tcp -m comment --comment "default/nginx-service cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
            -A KUBE-SVC-AAAA -m comment --comment "default/nginx-service -> 10.42.1.9:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-CCCC
            -A KUBE-SVC-AAAA -m comment --comment "default/nginx-service -> 10.42.2.9:80" -j KUBE-SEP-DDDD
            """;

        Assert.Equal("KUBE-SVC-AAAA", KubeLab.Cli.Tour.LabTour.ServiceChain(rules, "default/nginx-service"));
        Assert.Equal("KUBE-SVC-BBBB", KubeLab.Cli.Tour.LabTour.ServiceChain(rules, "default/kubernetes"));
        Assert.Equal(["KUBE-SEP-CCCC", "KUBE-SEP-DDDD"], KubeLab.Cli.Tour.LabTour.EndpointChains(rules, "KUBE-SVC-AAAA"));
    }

    [Fact]
    public void Tour_lb_on_a_lab_without_vm_ext_says_how_to_make_one_and_changes_nothing()
    {
        cli.Ok("up", "--driver", "none", "--name", "novmext");
        var before = cli.Ok("get", "all", "-A", "-o", "name", "--name", "novmext");
        var (code, output, error) = cli.Run("tour", "--lb", "--name", "novmext");
        Assert.Equal((2, ""), (code, output));
        Assert.Equal("tour --lb: lab \"novmext\" has no vm-ext, the chapter's outside client on VLAN 100; make the lab with `sudo kubelab up --vm-ext --name novmext` (after `kubelab down --name novmext`)\n", error);
        Assert.Equal(before, cli.Ok("get", "all", "-A", "-o", "name", "--name", "novmext"));
    }

    [Fact]
    public void The_lb_chapter_follows_the_vip_through_the_elected_node_and_the_chains_kube_proxy_writes_for_it()
    {
        var config = KubeLab.Core.Model.LabConfig.Default("t") with { ExternalVm = true, Disable = ["servicelb", "traefik"] };
        var state = KubeLab.Core.Control.ControlPlane.Bootstrap(config, DateTimeOffset.UnixEpoch);
        Assert.True(KubeLab.Core.Manifests.Scenarios.TryGet("metallb-l2", out var scenario));
        state = KubeLab.Core.Control.ControlPlane.Apply(state, KubeLab.Core.Manifests.ManifestReader.Read(scenario, "metallb-l2"), DateTimeOffset.UnixEpoch).State;
        var election = Assert.Single(KubeLab.Core.MetalLB.L2Speakers.Elections(state));
        var snapshot = KubeLab.Core.Control.SnapshotBuilder.FromState(state);

        var steps = KubeLab.Cli.Tour.LabTour.LoadBalancerSteps(snapshot, election.Announcement, election.Eligible);

        var owner = election.Announcement.Node;
        Assert.Equal(["vm1", "vm2", "vm3"], election.Eligible);
        Assert.Equal($"ARP: {owner} answers for 10.123.123.100", steps[1].Title);
        Assert.Contains($"SHA-256(\"{owner}#10.123.123.100\") sorts first", steps[1].Explanation, StringComparison.Ordinal);
        // the KUBE-EXT chain the step shows is the one kube-proxy writes on the owner for the VIP
        var rules = KubeLab.Core.KubeProxy.KubeProxyRules.Generate(snapshot, owner, KubeLab.Realize.Netns.NodeRulesSource.ConfigFor(snapshot, owner));
        var ext = System.Text.RegularExpressions.Regex.Match(rules, @"-A KUBE-SERVICES .*loadbalancer IP.* -d 10\.123\.123\.100 .* -j (KUBE-EXT-[A-Z0-9]+)\n").Groups[1].Value;
        Assert.StartsWith("KUBE-EXT-", ext, StringComparison.Ordinal);
        Assert.Equal($"On {owner}: KUBE-SERVICES → {ext}", steps[2].Title);
        Assert.Contains($"iptables -t nat -S {ext}", steps[2].Commands[0][^1], StringComparison.Ordinal);
        Assert.StartsWith("KUBE-SVC-", steps[3].Title, StringComparison.Ordinal);
        Assert.Contains("externalTrafficPolicy: Cluster", steps[3].Explanation, StringComparison.Ordinal);
        Assert.Equal(["trace", "--from-ip", "10.123.123.4", "10.123.123.100:80"], steps[4].Commands[0]);
    }
}
