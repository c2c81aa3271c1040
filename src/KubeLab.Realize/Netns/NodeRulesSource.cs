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
    /// kube-proxy's full-sync text for the new state, plus the deletion of service chains that only the old
    /// state had (its stale-chain cleanup: `:CHAIN - [0:0]` with the other chain lines, `-X CHAIN` at the end).
    /// </summary>
    public string Resync(ClusterSnapshot before, ClusterSnapshot after, string node)
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
