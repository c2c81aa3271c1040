using KubeLab.Core.KubeProxy;
using KubeLab.Core.NodeRules;
using KubeLab.Core.Tests.KubeProxy;

namespace KubeLab.Core.Tests.NodeRules;

public sealed class NodeRulesetTests
{
    /// <summary>A fixed kube-router sync version so that KUBE-POD-FW names are stable.</summary>
    private const long SyncVersion = 1717171717000000000;

    private static GoldenCase Seed() =>
        GoldenCase.Load("node-rules", "seed-vm1", KubeProxyConfig.K3sDefaults, KubeProxyGoldenTests.SeedVm1);

    private static string[] Chain(string rules, string table, string chain)
    {
        var inTable = false;
        var result = new List<string>();
        foreach (var line in rules.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                inTable = line == "*" + table;
            }
            else if (inTable && line.StartsWith($"-A {chain} ", StringComparison.Ordinal))
            {
                result.Add(line[(chain.Length + 4)..]);
            }
        }

        return [.. result];
    }

    [Fact]
    public void Seed_vm1_node_ruleset_matches_golden_file()
    {
        var golden = Seed();

        var actual = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.All, SyncVersion);

        golden.AssertMatches("vm1.iptables", actual, "node-rules");
    }

    [Fact]
    public void Built_in_chains_have_the_order_of_a_real_k3s_node()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.All, SyncVersion);

        Assert.Equal(
        [
            "-m comment --comment \"kube-router netpol - 4IA2OSFRMVNDXBVV\" -j KUBE-ROUTER-INPUT",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "-m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            "-j KUBE-FIREWALL",
            "-m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT",
        ], Chain(rules, "filter", "INPUT"));
        Assert.Equal(
        [
            "-m comment --comment \"kube-router netpol - TEMCG2JMHZYE7H7T\" -j KUBE-ROUTER-FORWARD",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            "-m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT",
            "-m comment --comment \"flanneld forward\" -j FLANNEL-FWD",
        ], Chain(rules, "filter", "FORWARD"));
        Assert.Equal(
        [
            "-m comment --comment \"kube-router netpol - VEAAIY32XVBHCSCY\" -j KUBE-ROUTER-OUTPUT",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-j KUBE-FIREWALL",
            "-m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT",
        ], Chain(rules, "filter", "OUTPUT"));
        Assert.Equal(
        [
            "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
            "-m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG",
        ], Chain(rules, "nat", "POSTROUTING"));
    }

    [Fact]
    public void Kube_routers_own_chains_end_with_the_pod_jumps_not_with_an_accept()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.All, SyncVersion);

        foreach (var chain in new[] { "KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT" })
        {
            Assert.DoesNotContain(Chain(rules, "filter", chain), r => r.EndsWith("-j ACCEPT", StringComparison.Ordinal));
            Assert.EndsWith("-j KUBE-POD-FW-", Chain(rules, "filter", chain)[^1][..^16], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Without_kube_proxy_the_explicit_accept_follows_the_last_kube_rule()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.Flannel | Component.KubeRouter, SyncVersion);

        Assert.Equal(
        [
            "-m comment --comment \"kube-router netpol - TEMCG2JMHZYE7H7T\" -j KUBE-ROUTER-FORWARD",
            "-m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT",
            "-m comment --comment \"flanneld forward\" -j FLANNEL-FWD",
        ], Chain(rules, "filter", "FORWARD"));
    }

    [Fact]
    public void Without_kubelet_kube_proxy_inserts_kube_firewall_at_the_top()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.KubeProxy);

        Assert.Equal("-j KUBE-FIREWALL", Chain(rules, "filter", "INPUT")[0]);
        Assert.Equal("-j KUBE-FIREWALL", Chain(rules, "filter", "OUTPUT")[0]);
        Assert.DoesNotContain("FLANNEL", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("KUBE-ROUTER", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("KUBE-KUBELET-CANARY", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Kube_firewall_rule_is_written_once_when_kubelet_and_kube_proxy_both_own_it()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.All, SyncVersion);

        Assert.Single(Chain(rules, "filter", "KUBE-FIREWALL"));
        Assert.Single(rules.Split('\n'), l => l == ":KUBE-FIREWALL - [0:0]");
    }

    [Fact]
    public void Flannel_masquerades_pod_traffic_leaving_the_cluster_network_of_this_nodes_subnet()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm2", golden.Config, Component.Flannel);

        Assert.Equal(
        [
            "-m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN",
            "-s 10.42.1.0/24 -d 10.42.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN",
            "-s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN",
            "! -s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN",
            "-s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully",
            "! -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully",
        ], Chain(rules, "nat", "FLANNEL-POSTRTG"));
    }

    [Theory]
    [InlineData("INPUT", "KUBE-ROUTER-INPUT", "4IA2OSFRMVNDXBVV")]
    [InlineData("FORWARD", "KUBE-ROUTER-FORWARD", "TEMCG2JMHZYE7H7T")]
    [InlineData("OUTPUT", "KUBE-ROUTER-OUTPUT", "VEAAIY32XVBHCSCY")]
    public void Kube_router_jump_ids_match_the_reference(string builtIn, string chain, string id) =>
        Assert.Equal(id, KubeRouterRules.RuleId(builtIn, "-m", "comment", "--comment", "kube-router netpol", "-j", chain));

    [Fact]
    public void Kube_router_node_port_rules_carry_the_seed_labs_ids()
    {
        var golden = Seed();

        var rules = NodeRuleset.Generate(golden.Snapshot, "vm1", golden.Config, Component.KubeRouter, SyncVersion);

        var input = Chain(rules, "filter", "KUBE-ROUTER-INPUT");
        Assert.Equal("-d 10.43.0.0/16 -m comment --comment \"allow traffic to primary/secondary cluster IP range - EKROEGTNIJ3AP3LC\" -j RETURN", input[0]);
        Assert.Equal("-p tcp -m comment --comment \"allow LOCAL TCP traffic to node ports - LR7XO7NXDBGQJD2M\" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN", input[1]);
        Assert.Equal("-p udp -m comment --comment \"allow LOCAL UDP traffic to node ports - 76UCBPIZNGJNWNUZ\" -m addrtype --dst-type LOCAL -m multiport --dports 30000:32767 -j RETURN", input[2]);
        // Two local pods (coredns, nginx on vm1): one "from pod" jump each (the ACCEPT is in INPUT itself).
        Assert.Equal(5, input.Length);
        Assert.Equal(2, rules.Split('\n').Count(l => l.StartsWith(":KUBE-POD-FW-", StringComparison.Ordinal)));
    }

    [Fact]
    public void Component_names_parse_like_the_cli_spells_them()
    {
        Assert.Equal(Component.KubeRouter, ComponentNames.Parse("kube-router"));
        var error = Assert.Throws<KubeLabException>(() => ComponentNames.Parse("calico"));
        Assert.Equal(2, error.ExitCode);
    }
}

public sealed class NodeRulesetFirewallTests
{
    [Fact]
    public void Without_localhost_node_ports_kube_firewall_still_exists_for_kube_proxys_jumps()
    {
        var golden = GoldenCase.Load("node-rules", "seed-vm1", KubeProxyConfig.K3sDefaults, KubeProxyGoldenTests.SeedVm1);
        var config = golden.Config with { LocalhostNodePorts = false };

        var proxyOnly = NodeRuleset.Generate(golden.Snapshot, "vm1", config, Component.KubeProxy);
        var withKubelet = NodeRuleset.Generate(golden.Snapshot, "vm1", config, Component.KubeProxy | Component.Kubelet);

        Assert.Contains(":KUBE-FIREWALL - [0:0]\n", proxyOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("-A KUBE-FIREWALL ", proxyOnly, StringComparison.Ordinal);
        Assert.Contains("-A INPUT -j KUBE-FIREWALL\n", proxyOnly, StringComparison.Ordinal);
        // kubelet still writes its martian-packet rule.
        Assert.Single(withKubelet.Split('\n'), l => l.StartsWith("-A KUBE-FIREWALL ", StringComparison.Ordinal));
    }
}
