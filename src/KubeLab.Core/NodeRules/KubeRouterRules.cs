using System.Globalization;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;

namespace KubeLab.Core.NodeRules;

/// <summary>
/// k3s's embedded kube-router network-policy controller (cloudnativelabs/kube-router v2.0.x,
/// pkg/controllers/netpol network_policy_controller.go ensureTopLevelChains and pod.go; k3s
/// pkg/agent/netpol/netpol.go: service cluster IP range 10.43.0.0/16, node ports 30000:32767). With no
/// NetworkPolicy objects every local pod still gets a KUBE-POD-FW chain that accepts its traffic.
/// Rules are written in iptables-save form (kube-router reads the table back and restores it).
/// </summary>
public static class KubeRouterRules
{
    public const string InputChain = "KUBE-ROUTER-INPUT";
    public const string ForwardChain = "KUBE-ROUTER-FORWARD";
    public const string OutputChain = "KUBE-ROUTER-OUTPUT";
    public const string DefaultPolicyChain = "KUBE-NWPLCY-DEFAULT";

    /// <summary>
    /// kube-router's comment suffix: first 16 characters of base32(SHA-256(chain + the rule's words joined
    /// with no separator)), appended to the comment as " - SUFFIX" (addUUIDForRuleSpec).
    /// </summary>
    public static string RuleId(string chain, params string[] ruleSpec) => ChainNames.Hash16(chain + string.Concat(ruleSpec));

    /// <summary>
    /// KUBE-POD-FW-… for a pod: base32(SHA-256(namespace + name + syncVersion))[:16]. kube-router's
    /// syncVersion is the sync's time.Now().UnixNano(), so real names change on every full sync; KubeLab
    /// takes it as an input.
    /// </summary>
    public static string PodFirewallChain(string ns, string name, long syncVersion) =>
        "KUBE-POD-FW-" + ChainNames.Hash16(ns + name + syncVersion.ToString(CultureInfo.InvariantCulture));

    internal static IEnumerable<Jump> Jumps() =>
        new[] { ("INPUT", InputChain), ("FORWARD", ForwardChain), ("OUTPUT", OutputChain) }.Select(pair =>
        {
            var id = RuleId(pair.Item1, "-m", "comment", "--comment", "kube-router netpol", "-j", pair.Item2);
            return new Jump("filter", pair.Item1, $"-m comment --comment \"kube-router netpol - {id}\" -j {pair.Item2}", JumpMode.EnsureFirst);
        });

    /// <summary>
    /// k3s's fork of kube-router (k3s-io/kube-router v2.1.2, which k3s v1.29.5's go.mod puts in place of
    /// cloudnativelabs/kube-router/v2) changes ensureExplicitAccept: the ACCEPT for packets that passed the
    /// policies (mark 0x20000) goes into INPUT, FORWARD and OUTPUT themselves, right after the last rule that
    /// mentions KUBE (so after kube-proxy's jumps and before flannel's FLANNEL-FWD), where upstream appends it
    /// to KUBE-ROUTER-INPUT/FORWARD/OUTPUT.
    /// </summary>
    internal static IEnumerable<Jump> ExplicitAccepts() =>
        new[] { "INPUT", "FORWARD", "OUTPUT" }.Select(chain => new Jump("filter", chain,
            "-m comment --comment \"KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies\" -m mark --mark 0x20000/0x20000 -j ACCEPT",
            JumpMode.InsertAfterLastKube));

    internal static void AddTo(RuleTables tables, ClusterSnapshot snapshot, Node node, long syncVersion)
    {
        foreach (var chain in new[] { InputChain, ForwardChain, OutputChain, DefaultPolicyChain })
        {
            tables.Chain("filter", chain);
        }

        var serviceRange = snapshot.Config.ServiceCidr.ToString();
        var nodePorts = $"{LabDefaults.NodePortMin}:{LabDefaults.NodePortMax}";
        var vipId = RuleId(InputChain, "-m", "comment", "--comment", "allow traffic to primary/secondary cluster IP range", "-d", serviceRange, "-j", "RETURN");
        tables.Rule("filter", $"-A {InputChain} -d {serviceRange} -m comment --comment \"allow traffic to primary/secondary cluster IP range - {vipId}\" -j RETURN");
        foreach (var protocol in new[] { "tcp", "udp" })
        {
            var text = $"allow LOCAL {protocol.ToUpperInvariant()} traffic to node ports";
            var id = RuleId(InputChain, "-p", protocol, "-m", "comment", "--comment", text, "-m", "addrtype", "--dst-type", "LOCAL", "-m", "multiport", "--dports", nodePorts, "-j", "RETURN");
            tables.Rule("filter", $"-A {InputChain} -p {protocol} -m comment --comment \"{text} - {id}\" -m addrtype --dst-type LOCAL -m multiport --dports {nodePorts} -j RETURN");
        }

        tables.Rule("filter", $"-A {DefaultPolicyChain} -m comment --comment \"rule to mark traffic matching a network policy\" -j MARK --set-xmark 0x10000/0x10000");

        // Local pods: not host-network, with an IP, on this node. kube-router walks them in map order;
        // KubeLab sorts them by namespace/name.
        var pods = snapshot.Pods
            .Where(p => p.NodeName == node.Name && !p.HostNetwork && p.IP is not null && p.Phase is PodPhase.Running or PodPhase.Pending)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        var podChains = new List<string>();
        foreach (var pod in pods)
        {
            var chain = PodFirewallChain(pod.Namespace, pod.Name, syncVersion);
            podChains.Add(chain);
            tables.Chain("filter", chain);
            var ip = pod.IP!.ToString() + "/32";
            var to = $"\"rule to jump traffic destined to POD name:{pod.Name} namespace: {pod.Namespace} to chain {chain}\"";
            var from = $"\"rule to jump traffic from POD name:{pod.Name} namespace: {pod.Namespace} to chain {chain}\"";
            tables.Rule("filter", $"-A {ForwardChain} -d {ip} -m comment --comment {to} -j {chain}");
            tables.Rule("filter", $"-A {OutputChain} -d {ip} -m comment --comment {to} -j {chain}");
            tables.Rule("filter", $"-A {ForwardChain} -d {ip} -m physdev --physdev-is-bridged -m comment --comment {to} -j {chain}");
            tables.Rule("filter", $"-A {InputChain} -s {ip} -m comment --comment {from} -j {chain}");
            tables.Rule("filter", $"-A {ForwardChain} -s {ip} -m comment --comment {from} -j {chain}");
            tables.Rule("filter", $"-A {OutputChain} -s {ip} -m comment --comment {from} -j {chain}");
            tables.Rule("filter", $"-A {ForwardChain} -s {ip} -m physdev --physdev-is-bridged -m comment --comment {from} -j {chain}");
        }

        for (var i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            var chain = podChains[i];
            var ip = pod.IP!.ToString() + "/32";
            // The first rules were inserted with -I 1 in reverse, so this is their final order.
            tables.Rule("filter", $"-A {chain} -m comment --comment \"rule for stateful firewall for pod\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            tables.Rule("filter", $"-A {chain} -m comment --comment \"rule to drop invalid state for pod\" -m conntrack --ctstate INVALID -j DROP");
            tables.Rule("filter", $"-A {chain} -d {ip} -m comment --comment \"rule to permit the traffic traffic to pods when source is the pod's local node\" -m addrtype --src-type LOCAL -j ACCEPT");
            tables.Rule("filter", $"-A {chain} -s {ip} -m comment --comment \"run through default egress network policy chain\" -j {DefaultPolicyChain}");
            tables.Rule("filter", $"-A {chain} -d {ip} -m comment --comment \"run through default ingress network policy chain\" -j {DefaultPolicyChain}");
            tables.Rule("filter", $"-A {chain} -m comment --comment \"rule to log dropped traffic POD name:{pod.Name} namespace: {pod.Namespace}\" -m mark ! --mark 0x10000/0x10000 -m limit --limit 10/min --limit-burst 10 -j NFLOG --nflog-group 100");
            tables.Rule("filter", $"-A {chain} -m comment --comment \"rule to REJECT traffic destined for POD name:{pod.Name} namespace: {pod.Namespace}\" -m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable");
            tables.Rule("filter", $"-A {chain} -j MARK --set-xmark 0x0/0x10000");
            tables.Rule("filter", $"-A {chain} -m comment --comment \"set mark to ACCEPT traffic that comply to network policies\" -j MARK --set-xmark 0x20000/0x20000");
        }
    }
}
