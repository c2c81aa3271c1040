using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

/// <summary>
/// kube-proxy's runPacketFlowTests, across whole nodes: source, destination and port → the endpoints reached,
/// whether the receiver sees a masqueraded source, and the verdict. Fixtures: Golden/trace/services (kube-proxy
/// and flannel rules of three nodes, in iptables-save form) and Golden/trace/seed (the same plus kube-router).
/// </summary>
public class PacketFlowTests
{
    public sealed record FlowCase(string Name, string Fixture, string From, string Target, string? Protocol,
        string[] Endpoints, bool? Masqueraded, OutcomeKind Verdict, string? ClientSeen = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<FlowCase> Cases => new()
    {
        new("pod to ClusterIP", "services", "test-pod", "10.43.180.238:80", null,
            ["10.42.0.8:80", "10.42.1.2:80", "10.42.2.2:80"], false, OutcomeKind.Delivered, "10.42.1.4"),
        new("pod to ClusterIP on the realistic node (kube-router ACCEPTs in FORWARD)", "seed", "test-pod", "10.43.180.238:80", null,
            ["10.42.0.8:80", "10.42.1.2:80", "10.42.2.2:80"], false, OutcomeKind.Delivered, "10.42.1.4"),
        new("node to ClusterIP is masqueraded", "services", "vm2", "10.43.180.238:80", null,
            ["10.42.0.8:80", "10.42.1.2:80", "10.42.2.2:80"], true, OutcomeKind.Delivered),
        new("outside to NodePort is masqueraded", "services", "10.65.94.1", "10.65.94.199:30080", null,
            ["10.42.0.10:8080", "10.42.2.5:8080"], true, OutcomeKind.Delivered, "10.42.1.0"),
        new("outside to NodePort with externalTrafficPolicy Local keeps the client IP", "services", "10.65.94.1", "10.65.94.199:30081", null,
            ["10.42.1.7:8080"], false, OutcomeKind.Delivered, "10.65.94.1"),
        new("NodePort with externalTrafficPolicy Local on a node without local endpoints drops", "services", "10.65.94.1", "10.65.94.95:30081", null,
            [], null, OutcomeKind.Dropped),
        new("pod to ClusterIP without endpoints is rejected", "services", "test-pod", "10.43.10.12:80", null,
            [], null, OutcomeKind.Rejected),
        new("node to ClusterIP without endpoints is rejected", "services", "vm1", "10.43.10.12:80", null,
            [], null, OutcomeKind.Rejected),
        new("DNS over UDP reaches CoreDNS unmasqueraded", "services", "test-pod", "10.43.0.10:53", "udp",
            ["10.42.0.2:53"], false, OutcomeKind.Delivered, "10.42.1.4"),
        new("DNS over TCP uses its own service port", "services", "test-pod", "10.43.0.10:53", "tcp",
            ["10.42.0.2:53"], false, OutcomeKind.Delivered, "10.42.1.4"),
        new("pod to pod on another node is not NATed", "services", "test-pod", "10.42.2.2:80", null,
            ["10.42.2.2:80"], false, OutcomeKind.Delivered, "10.42.1.4"),
        new("pod to a port the service does not expose goes out untouched", "services", "test-pod", "10.43.180.238:8080", null,
            [], null, OutcomeKind.LeftLab),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Packet_flows(FlowCase flow)
    {
        var result = SeedLab.Trace(flow.Fixture, flow.From, flow.Target, flow.Protocol);
        Assert.All(result.Outcomes, o => Assert.Equal(flow.Verdict, o.Kind));
        Assert.Equal(1.0, result.Outcomes.Sum(o => o.Probability), 9);
        if (flow.Endpoints.Length > 0)
        {
            Assert.Equal(flow.Endpoints, result.Outcomes.Select(o => $"{o.Address}:{o.Port}").Order(StringComparer.Ordinal));
        }

        if (flow.Masqueraded is { } masqueraded)
        {
            Assert.All(result.Outcomes, o => Assert.Equal(masqueraded, o.Masqueraded));
        }

        if (flow.ClientSeen is not null)
        {
            Assert.All(result.Outcomes, o => Assert.Equal(flow.ClientSeen, o.ClientAddressSeen!.ToString()));
        }
    }

    [Fact]
    public void Hairpin_pod_reaching_itself_through_its_service_is_masqueraded_to_the_bridge_address()
    {
        var result = SeedLab.Trace("seed", "nginx-deployment-7c79c4bf97-5j5bv", "10.43.180.238:80");
        var self = Assert.Single(result.Outcomes, o => o.Address!.ToString() == "10.42.1.2");
        Assert.True(self.Masqueraded);
        Assert.Equal("10.42.1.1", self.ClientAddressSeen!.ToString());
        Assert.Contains(self.Reply, r => r == "on vm2: conntrack undoes the MASQUERADE: destination 10.42.1.1 → 10.42.1.2");
        Assert.All(result.Outcomes.Where(o => o != self), o => Assert.False(o.Masqueraded));
    }

    [Fact]
    public void Node_to_ClusterIP_masquerades_to_flannel_address_for_remote_and_bridge_address_for_local_endpoints()
    {
        var result = SeedLab.Trace("services", "vm2", "10.43.180.238:80");
        var seen = result.Outcomes.ToDictionary(o => o.Address!.ToString(), o => o.ClientAddressSeen!.ToString());
        Assert.Equal("10.42.1.0", seen["10.42.0.8"]);
        Assert.Equal("10.42.1.1", seen["10.42.1.2"]);
        Assert.Equal("10.42.1.0", seen["10.42.2.2"]);
        var remote = result.Outcomes.Single(o => o.Address!.ToString() == "10.42.0.8");
        Assert.Equal(
        [
            "reply 10.42.0.8:80 → 10.42.1.0 (conntrack ESTABLISHED: no nat rules run)",
            "on vm2: conntrack undoes the MASQUERADE: destination 10.42.1.0 → 10.65.94.199",
            "on vm2: conntrack undoes the DNAT: source 10.42.0.8:80 → 10.43.180.238:80",
            "the client receives the reply from 10.43.180.238:80",
        ], remote.Reply);
        var send = result.Connection!.Hops[0];
        Assert.Equal(HopKind.Send, send.Kind);
        Assert.Equal("10.65.94.199", send.After!.Source.ToString());
    }

    [Fact]
    public void Rejected_flow_names_the_filter_rule_that_rejected_it()
    {
        var result = SeedLab.Trace("services", "test-pod", "10.43.10.12:80");
        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal("vm2", outcome.Node);
        Assert.Equal("-A KUBE-SERVICES -d 10.43.10.12/32 -p tcp -m comment --comment \"default/empty has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable",
            outcome.VerdictRule);
        Assert.Contains("icmp-port-unreachable", outcome.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropped_etp_local_flow_names_the_kube_external_services_rule()
    {
        var result = SeedLab.Trace("services", "10.65.94.1", "10.65.94.95:30081");
        var outcome = Assert.Single(result.Outcomes);
        Assert.Contains("\"default/web-local has no local endpoints\"", outcome.VerdictRule, StringComparison.Ordinal);
        Assert.Equal("vm3", outcome.Node);
    }
}

public class BridgedFlowTests
{
    [Fact]
    public void Pod_to_pod_on_the_same_node_is_bridged_by_cni0_and_still_runs_the_hooks()
    {
        var result = SeedLab.Trace("seed", "test-pod", "10.42.1.2:80");
        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        Assert.Equal("default/nginx-deployment-7c79c4bf97-5j5bv", outcome.Pod);
        Assert.False(outcome.Masqueraded);
        var hops = result.Connection!.Hops;
        Assert.Contains(hops, h => h.Kind == HopKind.Bridge);
        var forward = Assert.Single(hops, h => h.Kind == HopKind.Hook && h.Hook == "FORWARD");
        Assert.Equal("cni0", forward.Before!.InInterface);
        Assert.Equal("cni0", forward.Before.OutInterface);
        Assert.True(forward.Before.Bridged);
        Assert.Equal("vethfd62489f", forward.Before.PhysIn);
        Assert.Equal("vethe61f9a43", forward.Before.PhysOut);
        Assert.DoesNotContain(hops, h => h.Kind == HopKind.Encapsulate);
    }
}

public class BranchLabelTests
{
    [Fact]
    public void Host_traffic_branches_are_named_after_the_endpoint_chain_even_though_filter_output_runs_after_nat()
    {
        var result = SeedLab.Trace("seed", "vm2", "10.43.180.238:80");
        Assert.Equal(
        [
            "KUBE-SEP-LNMZPQ2U2A5TEEGP: DNAT 10.43.180.238:80 → 10.42.0.8:80",
            "KUBE-SEP-3Y75O4B4KDVD7TMA: DNAT 10.43.180.238:80 → 10.42.1.2:80",
            "KUBE-SEP-Z33JJVRDNG7R4HVW: DNAT 10.43.180.238:80 → 10.42.2.2:80",
        ], result.Connection!.Branches.Select(b => b.Label));
    }
}
