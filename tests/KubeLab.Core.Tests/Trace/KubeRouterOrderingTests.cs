using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

/// <summary>
/// kube-router's FORWARD jump sits above kube-proxy's and marks every packet to or from a local pod (0x20000). Upstream
/// kube-router ACCEPTs it at the end of KUBE-ROUTER-FORWARD, before filter KUBE-SERVICES runs, so kube-proxy's "has no
/// endpoints" REJECT never answers a pod (k3s-io/k3s#6691; the same effect for Calico in projectcalico/calico#1055).
/// k3s's fork (k3s-io/kube-router v2.1.2, in k3s v1.29.5) ACCEPTs in FORWARD itself after the last KUBE rule, so the
/// REJECT answers pods and hosts alike.
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
    public void Pod_traffic_to_a_service_without_endpoints_is_rejected_before_kube_routers_accept()
    {
        var outcome = Assert.Single(Trace("test-pod").Outcomes);
        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Equal(Reject, outcome.VerdictRule);
    }

    [Fact]
    public void Host_traffic_to_a_service_without_endpoints_is_rejected()
    {
        var outcome = Assert.Single(Trace("vm2").Outcomes);
        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Equal(Reject, outcome.VerdictRule);
    }
}
