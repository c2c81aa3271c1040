using System.Text;
using System.Text.RegularExpressions;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;
using KubeLab.Core.NodeRules;

namespace KubeLab.Realize.Netns;

/// <summary>k3s's defaults: each node's full ruleset at build; kube-proxy's own restore on each change.</summary>
public sealed partial class NodeRulesSource : INodeRulesSource
{
    public static KubeProxyConfig ConfigFor(ClusterSnapshot snapshot, string node)
    {
        var n = snapshot.GetNode(node);
        return KubeProxyConfig.K3sDefaults with
        {
            ClusterCidr = snapshot.Config.ClusterCidr,
            NodeIP = n.InternalIP,
            // flannel.1 and cni0 carry addresses from the pod CIDR; a dumped node without one has neither.
            LocalAddresses = n.HasPodCidr ? [n.InternalIP, n.FlannelAddress, n.Cni0Address, System.Net.IPAddress.Loopback] : [n.InternalIP, System.Net.IPAddress.Loopback],
        };
    }

    public string Full(ClusterSnapshot snapshot, string node) =>
        NodeRuleset.Generate(snapshot, node, ConfigFor(snapshot, node));

    /// <summary>
    /// What the node's programs restore on a change: kube-proxy's full-sync text for the new state, plus the
    /// deletion of service chains that only the old state had (its stale-chain cleanup: `:CHAIN - [0:0]` with the other
    /// chain lines, `-X CHAIN` at the end), and kube-router's pod firewall sync.
    /// </summary>
    public string Resync(ClusterSnapshot before, ClusterSnapshot after, string node) =>
        WithKubeRouterSync(KubeProxyResync(before, after, node), Full(before, node), Full(after, node));

    /// <summary>
    /// kube-router's network-policy sync, as its controller does on every pod or policy change
    /// (cloudnativelabs/kube-router pkg/controllers/netpol: syncPodFirewallChains writes each local pod's
    /// KUBE-POD-FW chain and its jumps from KUBE-ROUTER-INPUT/FORWARD/OUTPUT, then cleanupStaleRules deletes the
    /// pod chains no pod has any more). Merged into the filter table of the kube-proxy text: kube-router's chains are
    /// declared (which flushes them under --noflush) and refilled from the node's new ruleset, and its stale pod
    /// chains are flushed and deleted. The built-in chains' jumps do not depend on pods and stay as they are.
    /// </summary>
    internal static string WithKubeRouterSync(string restore, string beforeFull, string afterFull)
    {
        var (chains, rules) = KubeRouterFilter(afterFull);
        var kept = chains.ToHashSet(StringComparer.Ordinal);
        var stale = KubeRouterFilter(beforeFull).Chains.Where(c => !kept.Contains(c)).ToList();
        var filter = restore.IndexOf("*filter\n", StringComparison.Ordinal);
        var commit = restore.IndexOf("COMMIT\n", filter, StringComparison.Ordinal);
        var firstRule = restore.IndexOf("\n-", filter, StringComparison.Ordinal) is var at and >= 0 && at < commit ? at + 1 : commit;
        var result = new StringBuilder(restore[..firstRule]);
        foreach (var chain in chains.Concat(stale))
        {
            result.Append(':').Append(chain).Append(" - [0:0]\n");
        }

        result.Append(restore[firstRule..commit]);
        foreach (var rule in rules)
        {
            result.Append(rule).Append('\n');
        }

        foreach (var chain in stale)
        {
            result.Append("-X ").Append(chain).Append('\n');
        }

        result.Append(restore[commit..]);
        return result.ToString();
    }

    /// <summary>kube-router's own filter chains in a full node ruleset, and their rules in order.</summary>
    private static (List<string> Chains, List<string> Rules) KubeRouterFilter(string full)
    {
        var chains = new List<string>();
        var rules = new List<string>();
        var inFilter = false;
        foreach (var line in full.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                inFilter = line == "*filter";
            }
            else if (inFilter && line.StartsWith(':') && IsKubeRouterChain(line[1..].Split(' ')[0]))
            {
                chains.Add(line[1..].Split(' ')[0]);
            }
            else if (inFilter && line.StartsWith("-A ", StringComparison.Ordinal) && IsKubeRouterChain(line[3..].Split(' ')[0]))
            {
                rules.Add(line);
            }
        }

        return (chains, rules);
    }

    private static bool IsKubeRouterChain(string chain) =>
        chain.StartsWith("KUBE-ROUTER-", StringComparison.Ordinal) || chain.StartsWith("KUBE-POD-FW-", StringComparison.Ordinal)
        || chain.StartsWith("KUBE-NWPLCY-", StringComparison.Ordinal);

    private static string KubeProxyResync(ClusterSnapshot before, ClusterSnapshot after, string node)
    {
        var text = KubeProxyRules.Generate(after, node, ConfigFor(after, node));
        var old = KubeProxyRules.Generate(before, node, ConfigFor(before, node));
        var kept = ServiceChains(text).ToHashSet(StringComparer.Ordinal);
        var stale = ServiceChains(old).Where(c => !kept.Contains(c)).Distinct().ToList();
        if (stale.Count == 0)
        {
            return text;
        }

        var nat = text.IndexOf("*nat\n", StringComparison.Ordinal);
        var commit = text.IndexOf("COMMIT\n", nat, StringComparison.Ordinal);
        var firstRule = text.IndexOf("\n-", nat, StringComparison.Ordinal) + 1;
        var result = new StringBuilder(text[..firstRule]);
        foreach (var chain in stale)
        {
            result.Append(':').Append(chain).Append(" - [0:0]\n");
        }

        result.Append(text[firstRule..commit]);
        foreach (var chain in stale)
        {
            result.Append("-X ").Append(chain).Append('\n');
        }

        result.Append(text[commit..]);
        return result.ToString();
    }

    [GeneratedRegex("^:(KUBE-(?:SVC|SVL|EXT|FW|SEP)-[A-Z0-9]+) ", RegexOptions.Multiline)]
    private static partial Regex ServiceChainLine();

    private static IEnumerable<string> ServiceChains(string text) =>
        ServiceChainLine().Matches(text).Select(m => m.Groups[1].Value);
}
