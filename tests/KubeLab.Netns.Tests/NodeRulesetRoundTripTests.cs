using System.Net;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;
using KubeLab.Core.NodeRules;

namespace KubeLab.Netns.Tests;

/// <summary>
/// The generated node ruleset goes through the real kernel: iptables-restore --noflush into a scratch
/// network namespace, then iptables-save there. Needs root and iptables; never touches the root namespace.
/// </summary>
[Trait("Category", "Netns")]
public sealed class NodeRulesetRoundTripTests
{
    private static void SkipUnlessRootWithIptables()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "SKIPPED: real-kernel test needs root (network namespaces, iptables-restore); run it as root in CI");
        Skip.IfNot(HostCommand.OnPath("iptables-restore") && HostCommand.OnPath("ip"), "SKIPPED: iptables-restore or ip not installed (apt-get install -y iptables iproute2)");
    }

    /// <summary>vm1 of the seed lab with ClusterIP, NodePort, LoadBalancer (source ranges), eTP Local and affinity services.</summary>
    internal static ClusterSnapshot Lab()
    {
        var config = LabConfig.Default("rt", 3);
        var nodes = config.Nodes.Select(n => new Node { Name = n.Name, Role = n.Role, InternalIP = n.InternalIP, PodCidr = n.PodCidr }).ToList();
        static ServicePort Port(int port, int nodePort = 0, string? name = null, Protocol protocol = Protocol.TCP) =>
            new() { Name = name, Port = port, TargetPort = PortRef.Of(port), NodePort = nodePort, Protocol = protocol };
        static EndpointSlice Slice(string service, int port, params (string IP, string Node)[] endpoints) => new()
        {
            Namespace = "default",
            Name = service + "-x1",
            ServiceName = service,
            Ports = [new EndpointPort(null, port)],
            Endpoints = endpoints.Select(e => new Endpoint { Addresses = [IPAddress.Parse(e.IP)], NodeName = e.Node }).ToList(),
        };

        var services = new List<Service>
        {
            new() { Namespace = "default", Name = "nginx-service", ClusterIP = IPAddress.Parse("10.43.180.238"), Ports = [Port(80)] },
            new() { Namespace = "default", Name = "web-np", Type = ServiceType.NodePort, ClusterIP = IPAddress.Parse("10.43.10.1"), Ports = [Port(80, 30080)] },
            new()
            {
                Namespace = "default", Name = "web-lb", Type = ServiceType.LoadBalancer, ClusterIP = IPAddress.Parse("10.43.10.2"), Ports = [Port(80, 30081)],
                LoadBalancerIngress = [IPAddress.Parse("10.65.94.238")], LoadBalancerSourceRanges = ["10.65.94.0/24", "203.0.113.0/25"],
            },
            new()
            {
                Namespace = "default", Name = "web-local", Type = ServiceType.LoadBalancer, ClusterIP = IPAddress.Parse("10.43.10.3"), Ports = [Port(80, 30082)],
                ExternalTrafficPolicy = TrafficPolicy.Local, HealthCheckNodePort = 32000, LoadBalancerIngress = [IPAddress.Parse("10.65.94.199")],
                ExternalIPs = ["192.168.99.22"],
            },
            new()
            {
                Namespace = "default", Name = "sticky", ClusterIP = IPAddress.Parse("10.43.10.4"), Ports = [Port(8080)], SessionAffinityClientIP = true,
                SessionAffinityTimeoutSeconds = 600,
            },
            new() { Namespace = "default", Name = "empty", Type = ServiceType.NodePort, ClusterIP = IPAddress.Parse("10.43.10.5"), Ports = [Port(53, 30053, "dns", Protocol.UDP)] },
        };
        var slices = new List<EndpointSlice>
        {
            Slice("nginx-service", 80, ("10.42.0.8", "vm1"), ("10.42.1.2", "vm2"), ("10.42.2.2", "vm3")),
            Slice("web-np", 80, ("10.42.0.9", "vm1"), ("10.42.1.3", "vm2")),
            Slice("web-lb", 80, ("10.42.1.4", "vm2")),
            Slice("web-local", 80, ("10.42.0.10", "vm1"), ("10.42.2.3", "vm3")),
            Slice("sticky", 8080, ("10.42.0.11", "vm1"), ("10.42.1.5", "vm2")),
        };
        var pods = new List<Pod>
        {
            new() { Namespace = "default", Name = "nginx-1", NodeName = "vm1", IP = IPAddress.Parse("10.42.0.8") },
            new() { Namespace = "kube-system", Name = "coredns-1", NodeName = "vm1", IP = IPAddress.Parse("10.42.0.2") },
        };
        return new ClusterSnapshot { Config = config, Nodes = nodes, Services = services, EndpointSlices = slices, Pods = pods };
    }

    [SkippableFact]
    public void Every_generated_rule_survives_the_kernel_round_trip_in_order()
    {
        SkipUnlessRootWithIptables();
        var restore = NodeRuleset.Generate(Lab(), "vm1", KubeProxyConfig.K3sDefaults, Component.All, kubeRouterSyncVersion: 42);

        using var ns = new ScratchNamespace();
        ns.Exec(restore, "iptables-restore", "--noflush");
        var saved = ns.Exec(null, "iptables-save");

        var expected = IptablesRoundTrip.Parse(restore);
        var actual = IptablesRoundTrip.Parse(saved);
        foreach (var (key, rules) in expected)
        {
            Assert.True(actual.ContainsKey(key), $"chain {key.Table}/{key.Chain} missing after the round trip");
            Assert.Equal(rules, actual[key]);
        }

        // Nothing else appeared: same rule count per table.
        foreach (var table in new[] { "filter", "nat", "mangle" })
        {
            Assert.Equal(
                expected.Where(kv => kv.Key.Table == table).Sum(kv => kv.Value.Count),
                actual.Where(kv => kv.Key.Table == table).Sum(kv => kv.Value.Count));
        }

        // Spot checks of the documented transformations (reference §8).
        Assert.Contains("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000", saved, StringComparison.Ordinal);
        Assert.Contains("--probability 0.33333333349", saved, StringComparison.Ordinal);
        Assert.Contains("-m recent --set --name KUBE-SEP-", saved, StringComparison.Ordinal);
        Assert.Contains("--mask 255.255.255.255 --rsource", saved, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SERVICES -d 10.43.180.238/32 -p tcp -m comment --comment \"default/nginx-service cluster IP\" -m tcp --dport 80 -j KUBE-SVC-V2OKYYMBY3REGZOG", saved, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Each_component_alone_and_without_localhost_node_ports_loads_into_a_fresh_namespace()
    {
        SkipUnlessRootWithIptables();
        var config = KubeProxyConfig.K3sDefaults with { LocalhostNodePorts = false };
        foreach (var components in new[] { Component.KubeProxy, Component.Kubelet, Component.Flannel, Component.KubeRouter, Component.KubeProxy | Component.Kubelet })
        {
            var restore = NodeRuleset.Generate(Lab(), "vm1", config, components, kubeRouterSyncVersion: 7);

            using var ns = new ScratchNamespace();
            ns.Exec(restore, "iptables-restore", "--noflush");
            var saved = IptablesRoundTrip.Parse(ns.Exec(null, "iptables-save"));

            foreach (var (key, rules) in IptablesRoundTrip.Parse(restore))
            {
                Assert.Equal(rules, saved[key]);
            }
        }
    }

    [SkippableFact]
    public void Kube_proxy_text_alone_loads_and_keeps_its_rule_count()
    {
        SkipUnlessRootWithIptables();
        var restore = KubeProxyRules.Generate(Lab(), "vm1", KubeProxyConfig.K3sDefaults);

        using var ns = new ScratchNamespace();
        ns.Exec(restore, "iptables-restore", "--noflush");
        var saved = ns.Exec(null, "iptables-save");

        Assert.Equal(
            restore.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)),
            saved.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Canonical_form_applies_the_kernels_rewrites()
    {
        Assert.Equal(
            IptablesRoundTrip.Canonical("-m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-X"),
            IptablesRoundTrip.Canonical("-d 172.30.0.41/32 -p tcp -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp --dport 80 -j KUBE-SVC-X"));
        Assert.Equal(
            IptablesRoundTrip.Canonical("-j MARK --or-mark 0x00004000"),
            IptablesRoundTrip.Canonical("-j MARK --set-xmark 0x4000/0x4000"));
        Assert.NotEqual(
            IptablesRoundTrip.Canonical("-s 10.42.0.0/16 -j ACCEPT"),
            IptablesRoundTrip.Canonical("! -s 10.42.0.0/16 -j ACCEPT"));
    }
}
