using KubeLab.Core.Control;
using KubeLab.Core.Lab;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>`trace` on the seed lab reads the kernel; `--verify` sends real requests and checks the prediction.</summary>
[Trait("Category", "Netns")]
public sealed class SeedTraceTests(SeedLabFixture lab) : IClassFixture<SeedLabFixture>
{
    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    [SkippableFact]
    public void Trace_reads_the_kernel_and_explains_the_seed_path()
    {
        RequireRoot();
        var text = lab.Kubelab.Ok("trace", "--name", lab.Name, "test-pod", "http://nginx-service:80/");
        Assert.Contains("DNAT 10.43.0.10:53 → 10.42.0.2:53", text, StringComparison.Ordinal);
        Assert.Contains("query A    nginx-service.default.svc.cluster.local. → 10.43.180.238", text, StringComparison.Ordinal);
        // iptables-save's own form, read back from vm2's kernel (host addresses with /32, protocol first)
        Assert.Contains("-A KUBE-SERVICES -d 10.43.180.238/32 -p tcp -m comment --comment \"default/nginx-service cluster IP\" -m tcp --dport 80 -j KUBE-SVC-V2OKYYMBY3REGZOG", text, StringComparison.Ordinal);
        Assert.Contains("probability 0.33333333349", text, StringComparison.Ordinal);
        Assert.Contains("outer udp 10.65.94.199 → 10.65.94.95:8472 VNI 1", text, StringComparison.Ordinal);
        Assert.Contains("\"10.42.1.0/24 dev cni0 proto kernel scope link src 10.42.1.1\"", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Verify_over_thirty_runs_observes_only_predicted_endpoints_in_the_predicted_proportions()
    {
        RequireRoot();
        var text = lab.Kubelab.Ok("trace", "--name", lab.Name, "test-pod", "http://nginx-service:80/", "--verify", "--runs", "30");
        Assert.Contains("Verify: 30 requests sent from inside default/test-pod (curl, a new connection each): 30 answered", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT PREDICTED", text, StringComparison.Ordinal);
        Assert.Contains("Result: every observed endpoint was predicted; chi-square", text, StringComparison.Ordinal);
        Assert.Contains("consistent with the predicted probabilities", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Generated_node_tables_equal_the_kernels()
    {
        RequireRoot();
        var store = new KubeLab.Realize.Store.LabStore(lab.Kubelab.Home);
        var snapshot = SnapshotBuilder.FromState(store.Load(lab.Name));
        foreach (var node in new[] { "vm1", "vm2", "vm3" })
        {
            var ns = $"kl-{lab.Name}.{node}";
            Assert.Equal(NodeTables.Routes(snapshot, node), HostCommand.Check("ip", "-n", ns, "route", "show"));
            Assert.Equal(NodeTables.LocalTableRoutes(snapshot, node), HostCommand.Check("ip", "-n", ns, "route", "show", "table", "local", "type", "unicast"));
            Assert.Equal(Sorted(NodeTables.Neighbours(snapshot, node)), Sorted(HostCommand.Check("ip", "-n", ns, "neigh", "show", "dev", "flannel.1").Replace(" PERMANENT", " PERMANENT", StringComparison.Ordinal)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace(" lladdr", " dev flannel.1 lladdr", StringComparison.Ordinal).TrimEnd() + "\n").Aggregate("", string.Concat)));
            Assert.Equal(Sorted(NodeTables.Fdb(snapshot, node)), Sorted(HostCommand.Check("bridge", "-n", ns, "fdb", "show", "dev", "flannel.1")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace(" dst", " dev flannel.1 dst", StringComparison.Ordinal) + "\n").Aggregate("", string.Concat)));
        }
    }

    private static string Sorted(string text) => string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
}
