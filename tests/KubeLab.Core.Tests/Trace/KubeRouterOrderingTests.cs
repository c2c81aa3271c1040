using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

/// <summary>
/// On a k3s node kube-router's FORWARD jump sits above kube-proxy's and ACCEPTs every packet to or from a local pod
/// (mark 0x20000) before filter KUBE-SERVICES runs, so kube-proxy's "has no endpoints" REJECT only answers host
/// traffic (filter OUTPUT). The same ordering effect is described for Calico in projectcalico/calico#1055 and seen
/// on k3s in k3s-io/k3s#6691 (REJECT counters stay at 0 for traffic from a container).
/// </summary>
public class KubeRouterOrderingTests
{
    private const string Reject =
        "-A KUBE-SERVICES -d 10.43.10.12/32 -p tcp -m comment --comment \"default/empty has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable";

    private static TraceResult Trace(string from)
    {
        var snapshot = SeedLab.Snapshot();
        var nodes = SeedLab.Nodes("seed", snapshot).ToDictionary(kv => kv.Key, kv => kv.Value);
        var dir = SeedLab.GoldenDir("seed");
        var lines = File.ReadAllLines(Path.Combine(dir, "vm2.iptables-save")).ToList();
        var filterCommit = lines.FindIndex(lines.IndexOf("*filter"), l => l == "COMMIT");
        lines.Insert(filterCommit, Reject);
        nodes["vm2"] = NodeState.FromTexts("vm2", string.Join('\n', lines) + "\n", File.ReadAllText(Path.Combine(dir, "vm2.ip-route")),
            File.ReadAllText(Path.Combine(dir, "vm2.ip-neigh")), File.ReadAllText(Path.Combine(dir, "vm2.bridge-fdb")), node: snapshot.GetNode("vm2"));
        return Tracer.Trace(new TraceRequest { From = from, Target = "10.43.10.12:80" }, nodes, snapshot, new SnapshotDnsAnswerer(snapshot));
    }

    [Fact]
    public void Pod_traffic_to_a_service_without_endpoints_is_accepted_by_kube_router_and_leaves_masqueraded()
    {
        var outcome = Assert.Single(Trace("test-pod").Outcomes);
        Assert.Equal(OutcomeKind.LeftLab, outcome.Kind);
        Assert.True(outcome.Masqueraded);
        Assert.Equal("10.65.94.199", outcome.ClientAddressSeen!.ToString());
    }

    [Fact]
    public void Host_traffic_to_a_service_without_endpoints_is_rejected()
    {
        var outcome = Assert.Single(Trace("vm2").Outcomes);
        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Equal(Reject, outcome.VerdictRule);
    }
}
