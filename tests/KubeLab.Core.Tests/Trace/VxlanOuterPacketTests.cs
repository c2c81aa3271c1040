using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

public class VxlanOuterPacketTests
{
    [Fact]
    public void Outer_packet_passes_the_senders_output_and_the_receivers_input()
    {
        var result = SeedLab.Trace("seed", "test-pod", "10.42.0.8:80");
        var outer = Assert.Single(result.Connection!.Hops, h => h.Kind == HopKind.Underlay);
        Assert.Equal("outer packet udp 10.65.94.199 → 10.65.94.238:8472: vm2 OUTPUT ACCEPT (policy), vm2 POSTROUTING ACCEPT (policy), vm1 PREROUTING ACCEPT (policy), vm1 INPUT ACCEPT (policy)",
            outer.Text);
    }

    [Fact]
    public void Receiver_that_drops_udp_8472_stops_the_request_at_its_input()
    {
        var snapshot = SeedLab.Snapshot();
        var nodes = SeedLab.Nodes("seed", snapshot).ToDictionary(kv => kv.Key, kv => kv.Value);
        var dir = SeedLab.GoldenDir("seed");
        var lines = File.ReadAllLines(Path.Combine(dir, "vm1.iptables-save")).ToList();
        var firstInput = lines.FindIndex(l => l.StartsWith("-A INPUT ", StringComparison.Ordinal));
        lines.Insert(firstInput, "-A INPUT -p udp -m udp --dport 8472 -j DROP");
        nodes["vm1"] = NodeState.FromTexts("vm1", string.Join('\n', lines) + "\n", File.ReadAllText(Path.Combine(dir, "vm1.ip-route")),
            File.ReadAllText(Path.Combine(dir, "vm1.ip-neigh")), File.ReadAllText(Path.Combine(dir, "vm1.bridge-fdb")), node: snapshot.GetNode("vm1"));
        var result = Tracer.Trace(new TraceRequest { From = "test-pod", Target = "10.42.0.8:80" }, nodes, snapshot, new SnapshotDnsAnswerer(snapshot));

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(OutcomeKind.Dropped, outcome.Kind);
        Assert.Equal("vm1", outcome.Node);
        Assert.Equal("-A INPUT -p udp -m udp --dport 8472 -j DROP", outcome.VerdictRule);
        Assert.Equal(firstInput + 1, outcome.VerdictLine);
    }
}
