using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Cni;

/// <summary>
/// The CNI portmap plugin's rules (containernetworking/plugins v1.4.0, plugins/meta/portmap/portmap.go), which k3s's
/// flannel conflist chains after the bridge plugin (<c>{"type":"portmap","capabilities":{"portMappings":true}}</c>: SNAT
/// on, mark bit 13): for a pod with hostPorts, a chain <c>CNI-DN-&lt;hash&gt;</c> named by
/// utils.MustFormatChainNameWithPrefix (the first 28 characters of "CNI-DN-" + hex SHA-512 of the network name "cbr0"
/// and the sandbox's container id) holding, per port, the hairpin and localhost SETMARK rules and the DNAT, entered from
/// CNI-HOSTPORT-DNAT by one multiport rule per protocol with the <c>dnat name: "cbr0" id: "&lt;container id&gt;"</c>
/// comment; CNI-HOSTPORT-SETMARK and CNI-HOSTPORT-MASQ; and the entry rules: CNI-HOSTPORT-DNAT appended to PREROUTING
/// and OUTPUT for local destinations, CNI-HOSTPORT-MASQ prepended to POSTROUTING. The lines are iptables-save's
/// rendering of what the plugin inserts (<c>-p tcp -m tcp --dport</c>, <c>--dports</c>).
/// </summary>
public static class PortMapRules
{
    public const string NetworkName = "cbr0";
    public const string DnatChain = "CNI-HOSTPORT-DNAT";
    public const string SetMarkChain = "CNI-HOSTPORT-SETMARK";
    public const string MasqChain = "CNI-HOSTPORT-MASQ";
    private const string MarkMasq = "0x2000/0x2000";

    /// <summary>The pods on <paramref name="node"/> that have host ports, in the order their sandboxes were set up.</summary>
    public static IReadOnlyList<Pod> HostPortPods(ClusterSnapshot snapshot, string node) =>
        snapshot.Pods.Where(p => p.NodeName == node && p.IP is not null && !p.HostNetwork && !p.Terminating
            && p.Phase is PodPhase.Running or PodPhase.Pending && p.Containers.Any(c => c.Ports.Any(port => port.HostPort > 0))).ToList();

    /// <summary>
    /// The sandbox's 64-hex-digit container id: containerd's is random; KubeLab derives it from the lab and the pod so
    /// that a rebuilt lab gets the same chain names.
    /// </summary>
    public static string SandboxId(string lab, Pod pod) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{lab}/{pod.Namespace}/{pod.Name}/sandbox")));

    /// <summary>utils.MustFormatChainNameWithPrefix(netName, containerID, "DN-"): 28 characters.</summary>
    public static string PodChain(string containerId) =>
        ("CNI-DN-" + Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(NetworkName + containerId))))[..28];

    /// <summary>The nat rules (full -A lines) and user chains, in the order the plugin adds pods.</summary>
    public static (IReadOnlyList<string> Chains, IReadOnlyList<string> Rules) Nat(string lab, IReadOnlyList<Pod> pods)
    {
        if (pods.Count == 0)
        {
            return ([], []);
        }

        var chains = new List<string> { DnatChain, SetMarkChain, MasqChain };
        var dnatEntries = new List<string>();
        var podRules = new List<string>();
        foreach (var pod in pods)
        {
            var id = SandboxId(lab, pod);
            var chain = PodChain(id);
            chains.Add(chain);
            var entries = pod.Containers.SelectMany(c => c.Ports).Where(p => p.HostPort > 0).ToList();
            // one multiport entry per protocol, protocols sorted (the plugin's "stable order"), at most 15 ports each
            foreach (var group in entries.GroupBy(e => e.Protocol.Lower()).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                foreach (var chunk in group.Select(e => e.HostPort.ToString(CultureInfo.InvariantCulture)).Chunk(15))
                {
                    dnatEntries.Add($"-A {DnatChain} -p {group.Key} -m comment --comment \"dnat name: \\\"{NetworkName}\\\" id: \\\"{id}\\\"\" -m multiport --dports {string.Join(',', chunk)} -j {chain}");
                }
            }

            foreach (var entry in entries)
            {
                var proto = entry.Protocol.Lower();
                var match = $"-p {proto} -m {proto} --dport {entry.HostPort.ToString(CultureInfo.InvariantCulture)}";
                podRules.Add($"-A {chain} -s {pod.IP}/32 {match} -j {SetMarkChain}");
                podRules.Add($"-A {chain} -s 127.0.0.1/32 {match} -j {SetMarkChain}");
                podRules.Add($"-A {chain} {match} -j DNAT --to-destination {pod.IP}:{entry.Port.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        List<string> rules =
        [
            .. dnatEntries,
            $"-A {MasqChain} -m mark --mark {MarkMasq} -j MASQUERADE",
            $"-A {SetMarkChain} -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark {MarkMasq}",
            .. podRules,
        ];
        return (chains, rules);
    }

    /// <summary>The entry rules as the plugin ensures them: (chain, rule spec, prepend).</summary>
    public static IReadOnlyList<(string Chain, string Spec, bool Prepend)> Entries { get; } =
    [
        ("PREROUTING", $"-m addrtype --dst-type LOCAL -j {DnatChain}", false),
        ("OUTPUT", $"-m addrtype --dst-type LOCAL -j {DnatChain}", false),
        ("POSTROUTING", $"-m comment --comment \"CNI portfwd requiring masquerade\" -j {MasqChain}", true),
    ];
}
