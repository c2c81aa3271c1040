using KubeLab.Core.Control;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Manifests;
using KubeLab.Core.NodeRules;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

/// <summary>
/// kube-proxy's own packet-flow cases (pkg/proxy/iptables/proxier_test.go, runPacketFlowTests: source, destination,
/// port → the DNAT targets, DROP/REJECT, masquerade), traced offline through the rules upstream expects for the same
/// test (Golden/kube-proxy/&lt;case&gt;/expected.iptables, with kube-proxy's jumps from the built-in chains) on its node test-hostname (192.168.0.2, no podCIDR).
/// Sources: 10.0.0.2 is a pod (the local detector is 10.0.0.0/8), 203.0.113.2 an outside client, 203.0.113.130 one
/// outside the LoadBalancer source ranges, 192.168.0.2 and 127.0.0.1 a process on the node. The case list was read
/// from a copy of proxier_test.go newer than v1.29 (the store has no release-1.29 copy); the cases used here have the
/// v1.29 rules as their input, and the ones marked "KubeLab:" are not upstream's.
/// </summary>
public sealed class KubeProxyPacketFlowTests
{
    private const string NodeIP = "192.168.0.2";

    // `ip route show table all` of the test node: the local table decides which addresses are the node's own.
    private const string Routes = """
        default via 192.168.0.1 dev eth0 proto dhcp src 192.168.0.2 metric 100
        192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2
        local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1
        local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
        local 192.168.0.2 dev eth0 table local proto kernel scope host src 192.168.0.2
        broadcast 192.168.0.255 dev eth0 table local proto kernel scope link src 192.168.0.2
        unreachable default dev lo table unspec proto kernel metric 4294967295 pref medium
        """;

    public sealed record Flow(string Case, string Name, string Source, string Destination, int Port, string Protocol, string Output, bool Masq = false)
    {
        public override string ToString() => $"{Case}: {Name}";
    }

    public static TheoryData<Flow> Flows => new()
    {
        // TestLoadBalancer
        new("load-balancer-source-ranges", "pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, "tcp", "10.180.0.1:80"),
        new("load-balancer-source-ranges", "external to nodePort", "203.0.113.2", NodeIP, 3001, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "nodePort bypasses LoadBalancerSourceRanges", "203.0.113.130", NodeIP, 3001, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "accepted external to LB1", "203.0.113.2", "1.2.3.4", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "accepted external to LB2", "203.0.113.2", "5.6.7.8", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "blocked external to LB1", "203.0.113.130", "1.2.3.4", 80, "tcp", "DROP"),
        new("load-balancer-source-ranges", "blocked external to LB2", "203.0.113.130", "5.6.7.8", 80, "tcp", "DROP"),
        new("load-balancer-source-ranges", "pod to LB1 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "1.2.3.4", 80, "tcp", "DROP"),
        new("load-balancer-source-ranges", "pod to LB2 (blocked by LoadBalancerSourceRanges)", "10.0.0.2", "5.6.7.8", 80, "tcp", "DROP"),
        new("load-balancer-source-ranges", "node to LB1 (allowed by LoadBalancerSourceRanges)", NodeIP, "1.2.3.4", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "node to LB2 (allowed by LoadBalancerSourceRanges)", NodeIP, "5.6.7.8", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "same node to LB1, SNATted to LB1 (implicitly allowed)", "1.2.3.4", "1.2.3.4", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "same node to LB2, SNATted to LB2 (implicitly allowed)", "5.6.7.8", "5.6.7.8", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "KubeLab: external to ClusterIP arriving at the node is masqueraded", "203.0.113.2", "172.30.0.41", 80, "tcp", "10.180.0.1:80", Masq: true),
        new("load-balancer-source-ranges", "KubeLab: a UDP packet misses the TCP service", "10.0.0.2", "172.30.0.41", 80, "udp", ""),
        // TestNodePort
        new("node-port", "pod to cluster IP", "10.0.0.2", "172.30.0.41", 80, "tcp", "10.180.0.1:80"),
        new("node-port", "external to nodePort", "203.0.113.2", NodeIP, 3001, "tcp", "10.180.0.1:80", Masq: true),
        new("node-port", "node to nodePort", NodeIP, NodeIP, 3001, "tcp", "10.180.0.1:80", Masq: true),
        new("node-port", "localhost to nodePort gets masqueraded", "127.0.0.1", "127.0.0.1", 3001, "tcp", "10.180.0.1:80", Masq: true),
        // TestExternalIPsReject
        new("external-ips-reject", "cluster IP with no endpoints", "10.0.0.2", "172.30.0.41", 80, "tcp", "REJECT"),
        new("external-ips-reject", "external IP with no endpoints", "203.0.113.2", "192.168.99.11", 80, "tcp", "REJECT"),
        // TestClusterIPEndpointsMore (SCTP)
        new("cluster-ip-sctp", "cluster IP with SCTP", "10.0.0.2", "172.30.0.41", 80, "sctp", "10.180.0.1:80"),
        new("cluster-ip-sctp", "KubeLab: TCP to the SCTP-only port is not NATed", "10.0.0.2", "172.30.0.41", 80, "tcp", ""),
    };

    [Theory]
    [MemberData(nameof(Flows))]
    public void Kube_proxy_packet_flow(Flow flow)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Golden", "kube-proxy", flow.Case);
        var documents = ManifestReader.Read(File.ReadAllText(Path.Combine(dir, "cluster.yaml")), $"{flow.Case}/cluster.yaml");
        var snapshot = SnapshotBuilder.FromObjects(null, null, documents.Select(d => d.Object).Where(o => o is not KubeProxyConfigurationDocument));
        var node = snapshot.GetNode("test-hostname");
        Assert.False(node.HasPodCidr);
        // The node holds upstream's expected restore text plus the jumps kube-proxy inserts into the built-in chains
        // (iptablesJumpChains); the golden test proves the generated text equals upstream's.
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "expected.iptables")), KubeProxyRules.Generate(snapshot, "test-hostname", KubeProxyConfig.UpstreamTest));
        var rules = NodeRuleset.Generate(snapshot, "test-hostname", KubeProxyConfig.UpstreamTest, Component.KubeProxy);
        var nodes = new Dictionary<string, NodeState>
        {
            ["test-hostname"] = NodeState.FromTexts("test-hostname", rules, Routes, node: node),
        };
        var local = flow.Source is NodeIP or "127.0.0.1";
        var request = new TraceRequest
        {
            From = local ? "test-hostname" : flow.Source,
            FromKind = local ? SourceKind.Node : SourceKind.Outside,
            Target = $"{flow.Destination}:{flow.Port}",
            Protocol = flow.Protocol,
        };

        var result = Tracer.Trace(request, nodes, snapshot, new CoreDnsAnswerer(snapshot));

        if (local)
        {
            Assert.Contains(result.Connection!.Hops, h => h.Kind == HopKind.Send && h.After!.Source.ToString() == flow.Source);
        }

        Assert.Equal(1.0, result.Outcomes.Sum(o => o.Probability), 9);
        switch (flow.Output)
        {
            case "DROP":
                Assert.All(result.Outcomes, o => Assert.Equal(OutcomeKind.Dropped, o.Kind));
                break;
            case "REJECT":
                Assert.All(result.Outcomes, o => Assert.Equal(OutcomeKind.Rejected, o.Kind));
                break;
            case "":
                Assert.All(result.Outcomes, o => Assert.Null(o.EndpointChain));
                break;
            default:
                Assert.Equal(flow.Output.Split(", "), result.Outcomes.Select(o => $"{o.Address}:{o.Port}").Order(StringComparer.Ordinal));
                Assert.All(result.Outcomes, o =>
                {
                    Assert.NotNull(o.EndpointChain);
                    Assert.NotEqual(OutcomeKind.Dropped, o.Kind);
                    Assert.NotEqual(OutcomeKind.Rejected, o.Kind);
                    Assert.Equal(flow.Masq, o.Masqueraded);
                });
                break;
        }

        Assert.DoesNotContain(result.Notes, n => n.Contains("no local table", StringComparison.Ordinal));
    }
}
