namespace KubeLab.Core.NodeRules;

/// <summary>
/// kubelet v1.29 (pkg/kubelet/kubelet_network_linux.go, IPTablesOwnershipCleanup GA): the canary and hint
/// chains and KUBE-FIREWALL with its martian-packet rule. kube-proxy writes an identical KUBE-FIREWALL
/// rule; the rule text here is kube-proxy's restore spelling (kubelet passes --dst/--src, the same match).
/// </summary>
public static class KubeletRules
{
    public const string Canary = "KUBE-KUBELET-CANARY";
    public const string IptablesHint = "KUBE-IPTABLES-HINT";
    public const string Firewall = "KUBE-FIREWALL";

    public const string FirewallRule =
        "-A KUBE-FIREWALL -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP";

    internal static void AddTo(RuleTables tables)
    {
        tables.Chain("mangle", IptablesHint);
        foreach (var table in new[] { "mangle", "nat", "filter" })
        {
            tables.Chain(table, Canary);
        }

        tables.Chain("filter", Firewall);
        tables.Rule("filter", FirewallRule);
    }

    /// <summary>EnsureRule(Prepend) for OUTPUT, then INPUT.</summary>
    internal static IEnumerable<Jump> Jumps() =>
    [
        new Jump("filter", "OUTPUT", "-j KUBE-FIREWALL", JumpMode.InsertIfMissing),
        new Jump("filter", "INPUT", "-j KUBE-FIREWALL", JumpMode.InsertIfMissing),
    ];
}
