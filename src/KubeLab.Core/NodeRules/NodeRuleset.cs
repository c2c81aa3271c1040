using KubeLab.Core.Cni;
using KubeLab.Core.Flannel;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;

namespace KubeLab.Core.NodeRules;

/// <summary>
/// A k3s v1.29 node's whole IPv4 ruleset as one <c>iptables-restore --noflush</c> input for a fresh network
/// namespace: kube-proxy's restore text, its canary chains and built-in jumps; kubelet's KUBE-FIREWALL and
/// canaries; flannel's FLANNEL-POSTRTG and FLANNEL-FWD; kube-router's network-policy chains.
/// <para>
/// The programs put their jumps into the built-in chains with separate iptables calls: kubelet and
/// kube-proxy insert at the top if missing (-C, then -I), flannel appends, kube-router moves its jump to
/// position 1 on every sync. NodeRuleset replays those calls in k3s's start order (kubelet, kube-proxy,
/// flannel, kube-router) and writes the result as -A lines, so the restored chains have the order a real
/// node ends up with (kube-iptables reference §1.2; k3s-node-dataplane §3.8). Loading the text twice
/// appends the jumps twice: it is meant for a fresh namespace, as kube-proxy's own text is meant for --noflush.
/// </para>
/// </summary>
public static class NodeRuleset
{
    /// <summary>
    /// kube-proxy's ensured jumps (proxier.go iptablesJumpChains and the KUBE-FIREWALL pair), in the order
    /// it ensures them; each missing one is inserted at the top, so later rows end up above earlier ones.
    /// </summary>
    private static readonly Jump[] KubeProxyJumps =
    [
        new("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES", JumpMode.InsertIfMissing),
        new("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES", JumpMode.InsertIfMissing),
        new("filter", "INPUT", "-m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS", JumpMode.InsertIfMissing),
        new("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", JumpMode.InsertIfMissing),
        new("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", JumpMode.InsertIfMissing),
        new("filter", "FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD", JumpMode.InsertIfMissing),
        new("filter", "INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL", JumpMode.InsertIfMissing),
        new("filter", "OUTPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL", JumpMode.InsertIfMissing),
        new("filter", "FORWARD", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL", JumpMode.InsertIfMissing),
        new("nat", "OUTPUT", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", JumpMode.InsertIfMissing),
        new("nat", "PREROUTING", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", JumpMode.InsertIfMissing),
        new("nat", "POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING", JumpMode.InsertIfMissing),
        new("filter", "INPUT", "-j KUBE-FIREWALL", JumpMode.InsertIfMissing),
        new("filter", "OUTPUT", "-j KUBE-FIREWALL", JumpMode.InsertIfMissing),
    ];

    /// <param name="kubeRouterSyncVersion">kube-router's sync version (UnixNano of its last full sync), which names the KUBE-POD-FW chains.</param>
    public static string Generate(ClusterSnapshot snapshot, string nodeName, KubeProxyConfig config, Component components = Component.All, long kubeRouterSyncVersion = 0) =>
        Tables(snapshot, nodeName, config, components, kubeRouterSyncVersion).Render();

    /// <summary>The same text as <see cref="Generate"/>, written piece by piece (no copy of a large ruleset as one string).</summary>
    public static void Write(TextWriter output, ClusterSnapshot snapshot, string nodeName, KubeProxyConfig config, Component components = Component.All, long kubeRouterSyncVersion = 0) =>
        Tables(snapshot, nodeName, config, components, kubeRouterSyncVersion).Render(output);

    private static RuleTables Tables(ClusterSnapshot snapshot, string nodeName, KubeProxyConfig config, Component components, long kubeRouterSyncVersion)
    {
        var node = snapshot.GetNode(nodeName);
        var tables = new RuleTables();

        if (components.HasFlag(Component.KubeProxy))
        {
            foreach (var table in KubeProxyRules.Tables(snapshot, nodeName, config))
            {
                tables.Reserve(table.Name, table.Chains.Count, table.Rules.Count);
                foreach (var chain in table.Chains)
                {
                    tables.Chain(table.Name, chain);
                }

                foreach (var rules in table.Rules)
                {
                    tables.Rules(table.Name, rules);
                }
            }

            // kube-proxy ensures (iptables -N) every chain it jumps to, including KUBE-FIREWALL when its
            // restore text leaves it out (localhost node ports off): the chain then exists, empty.
            tables.Chain("filter", ChainNames.Firewall);
            foreach (var table in new[] { "filter", "nat", "mangle" })
            {
                tables.Chain(table, ChainNames.ProxyCanary);
            }
        }

        if (components.HasFlag(Component.Kubelet) && !tables.HasRule("filter", KubeletRules.FirewallRule))
        {
            KubeletRules.AddTo(tables);
        }
        else if (components.HasFlag(Component.Kubelet))
        {
            // kube-proxy already wrote KUBE-FIREWALL with the same rule; kubelet only adds its canaries.
            tables.Chain("mangle", KubeletRules.IptablesHint);
            foreach (var table in new[] { "mangle", "nat", "filter" })
            {
                tables.Chain(table, KubeletRules.Canary);
            }
        }

        if (components.HasFlag(Component.Flannel))
        {
            var network = snapshot.Config.ClusterCidr;
            tables.Chain("nat", FlannelRules.PostRoutingChain);
            foreach (var rule in FlannelRules.MasqRules(network, node.PodCidr, config.RandomFully))
            {
                tables.Rule("nat", rule);
            }

            tables.Chain("filter", FlannelRules.ForwardChain);
            foreach (var rule in FlannelRules.ForwardRules(network))
            {
                tables.Rule("filter", rule);
            }
        }

        if (components.HasFlag(Component.KubeRouter))
        {
            KubeRouterRules.AddTo(tables, snapshot, node, kubeRouterSyncVersion);
        }

        var (portmapChains, portmapRules) = components.HasFlag(Component.Portmap)
            ? PortMapRules.Nat(snapshot.Config.Name, PortMapRules.HostPortPods(snapshot, nodeName))
            : ([], []);
        foreach (var chain in portmapChains)
        {
            tables.Chain("nat", chain);
        }

        foreach (var rule in portmapRules)
        {
            tables.Rule("nat", rule);
        }

        // Replay the built-in chain jumps in k3s's start order.
        if (components.HasFlag(Component.Kubelet))
        {
            foreach (var jump in KubeletRules.Jumps())
            {
                tables.Apply(jump);
            }
        }

        if (components.HasFlag(Component.KubeProxy))
        {
            foreach (var jump in KubeProxyJumps)
            {
                tables.Apply(jump);
            }
        }

        if (components.HasFlag(Component.Flannel))
        {
            tables.Apply(new Jump("nat", "POSTROUTING", FlannelRules.PostRoutingJump, JumpMode.AppendIfMissing));
            tables.Apply(new Jump("filter", "FORWARD", FlannelRules.ForwardJump, JumpMode.AppendIfMissing));
        }

        if (components.HasFlag(Component.KubeRouter))
        {
            foreach (var jump in KubeRouterRules.Jumps().Concat(KubeRouterRules.ExplicitAccepts()))
            {
                tables.Apply(jump);
            }
        }

        // the portmap plugin runs when the first pod with host ports starts, after the node's programs
        if (portmapChains.Count > 0)
        {
            foreach (var (chain, spec, prepend) in PortMapRules.Entries)
            {
                tables.Apply(new Jump("nat", chain, spec, prepend ? JumpMode.InsertIfMissing : JumpMode.AppendIfMissing));
            }
        }

        return tables;
    }
}
