using KubeLab.Core.Model;
using KubeLab.Realize.Workloads;

namespace KubeLab.Netns.Tests.Workloads;

[Collection("netns")]
[Trait("Category", "Netns")]
public sealed class LabWorkloadsTests
{
    private const string NginxPod = "nginx-deployment-7c79c4bf97-gk7cj";

    [SkippableFact]
    public async Task Agent_runs_coredns_nginx_and_the_underlay_and_follows_the_snapshot()
    {
        Requires.Root();
        Requires.Tool("/usr/bin/dig", "dnsutils");
        using var net = new ScratchNetwork();
        var folder = Directory.CreateTempSubdirectory("kubelab-agent-test-");
        var log = new StringWriter();
        var seed = SeedCluster.Snapshot();
        // A is the CoreDNS pod; B is an nginx pod and also plays the underlay (gateway = B's address).
        var snapshot = seed with
        {
            Config = seed.Config with { Gateway = net.AddressB },
            Pods =
            [
                new Pod
                {
                    Namespace = "kube-system", Name = "coredns-6799fbcd5-9ln42", IP = net.AddressA,
                    Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }, Containers = [new Container { Name = "coredns", Image = "rancher/mirrored-coredns-coredns:1.10.1" }],
                },
                new Pod { Namespace = "default", Name = NginxPod, IP = net.AddressB, Containers = [new Container { Name = "nginx", Image = "nginx" }] },
            ],
        };
        var options = new LabWorkloadOptions
        {
            PodNetns = p => p.IP!.Equals(net.AddressA) ? net.A : net.B,
            LabFolder = folder.FullName,
            UnderlayNetns = net.B,
        };
        try
        {
            await using (var agent = await LabWorkloads.StartAsync(snapshot, options, new WorkloadLog(log)))
            {
                Assert.Empty(agent.Problems);
                Assert.Equal(2, agent.Running.Count);
                Assert.Equal("10.43.180.238\n", ScratchNetwork.Exec(net.B, "dig", $"@{net.AddressA}", "+short", "nginx-service.default.svc.cluster.local").Stdout);
                Assert.Equal("10.65.94.238\n", ScratchNetwork.Exec(net.B, "dig", $"@{net.AddressA}", "+short", "vm1.multipass").Stdout);
                var page = ScratchNetwork.Exec(net.A, "curl", "-s", "--max-time", "5", $"http://{net.AddressB}/");
                Assert.Contains(PodPage.ServedBy(NginxPod, net.AddressB), page.Stdout, StringComparison.Ordinal);
                var nginxPid = agent.Running.Single(w => w.PodKey == $"default/{NginxPod}").ProcessId;

                await agent.ReconcileAsync(snapshot with { Pods = [snapshot.Pods[0]], Services = [.. snapshot.Services.Where(s => s.Name != "nginx-service")] });
                Assert.Single(agent.Running);
                Assert.Equal(7, ScratchNetwork.Exec(net.A, "curl", "-s", "--max-time", "5", $"http://{net.AddressB}/").ExitCode);
                // CoreDNS's cache keeps the A record for its TTL (5 s): poll, with a deadline, for the NXDOMAIN
                var deadline = DateTime.UtcNow.AddSeconds(15);
                string answer;
                do
                {
                    answer = ScratchNetwork.Exec(net.B, "dig", $"@{net.AddressA}", "nginx-service.default.svc.cluster.local").Stdout;
                }
                while (!answer.Contains("status: NXDOMAIN", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
                Assert.Contains("status: NXDOMAIN", answer, StringComparison.Ordinal);
                if (nginxPid is { } pid)
                {
                    Assert.False(Directory.Exists($"/proc/{pid}"), $"nginx {pid} still runs");
                }
            }

            Assert.DoesNotContain($"pid={Environment.ProcessId},", ScratchNetwork.Exec(net.A, "ss", "-lnup").Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain($"pid={Environment.ProcessId},", ScratchNetwork.Exec(net.B, "ss", "-lnup").Stdout, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task Past_the_real_nginx_budget_every_nginx_pod_gets_the_built_in_server()
    {
        Requires.Root();
        Skip.IfNot(NginxWorkload.IsInstalled(NginxWorkload.DefaultBinary), "NOT RUN: nginx is not installed (CI installs nginx-light)");
        using var net = new ScratchNetwork();
        var folder = Directory.CreateTempSubdirectory("kubelab-agent-test-");
        var snapshot = SeedCluster.Snapshot() with
        {
            Pods = [new Pod { Namespace = "default", Name = NginxPod, IP = net.AddressB, Containers = [new Container { Name = "nginx", Image = "nginx:latest" }] }],
        };
        var options = new LabWorkloadOptions { PodNetns = _ => net.B, LabFolder = folder.FullName };
        try
        {
            await using (var real = await LabWorkloads.StartAsync(snapshot, options with { MaxRealNginxPods = 1 }, WorkloadLog.Null))
            {
                Assert.Equal(WorkloadKind.Nginx, Assert.Single(real.Running).Kind);
            }

            await using (var builtin = await LabWorkloads.StartAsync(snapshot, options with { MaxRealNginxPods = 0 }, WorkloadLog.Null))
            {
                var running = Assert.Single(builtin.Running);
                Assert.Equal(WorkloadKind.BuiltinHttp, running.Kind);
                Assert.Null(running.ProcessId);
                Assert.Contains(PodPage.ServedBy(NginxPod, net.AddressB), ScratchNetwork.Exec(net.A, "curl", "-s", "--max-time", "5", $"http://{net.AddressB}/").Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
