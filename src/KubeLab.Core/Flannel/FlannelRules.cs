using System.Net;

namespace KubeLab.Core.Flannel;

/// <summary>
/// flannel's iptables rules as k3s v1.29 runs them (flannel v0.24.2 pkg/iptables/iptables.go MasqRules and
/// ForwardRules; same text in v0.25 pkg/trafficmngr/iptables): a NAT chain that masquerades pod traffic
/// leaving the cluster network and a filter chain that accepts forwarded pod traffic. Written in
/// iptables-save form (flannel adds them one by one with the iptables CLI, so no other text exists).
/// </summary>
public static class FlannelRules
{
    public const string PostRoutingChain = "FLANNEL-POSTRTG";
    public const string ForwardChain = "FLANNEL-FWD";

    /// <summary>flannel's kubeProxyMark: kube-proxy's default mark, fixed in flannel's source.</summary>
    public const string KubeProxyMark = "0x4000/0x4000";

    private const string Masq = "-m comment --comment \"flanneld masq\"";
    private const string Forward = "-m comment --comment \"flanneld forward\"";

    /// <summary>nat POSTROUTING → FLANNEL-POSTRTG (appended: flannel uses -A, after kube-proxy's jump).</summary>
    public static string PostRoutingJump => $"{Masq} -j {PostRoutingChain}";

    /// <summary>filter FORWARD → FLANNEL-FWD (appended).</summary>
    public static string ForwardJump => $"{Forward} -j {ForwardChain}";

    /// <summary>
    /// FLANNEL-POSTRTG, in order: leave kube-proxy-marked packets to KUBE-POSTROUTING; no NAT inside the
    /// cluster network (this node's subnet ↔ cluster, cluster → this subnet, outside → this subnet);
    /// masquerade pods going out (except multicast) and outside sources reaching other nodes' pods.
    /// </summary>
    public static IReadOnlyList<string> MasqRules(IPNetwork network, IPNetwork podCidr, bool randomFully = true)
    {
        var fully = randomFully ? " --random-fully" : "";
        var c = PostRoutingChain;
        return
        [
            $"-A {c} -m mark --mark {KubeProxyMark} {Masq} -j RETURN",
            $"-A {c} -s {podCidr} -d {network} {Masq} -j RETURN",
            $"-A {c} -s {network} -d {podCidr} {Masq} -j RETURN",
            $"-A {c} ! -s {network} -d {podCidr} {Masq} -j RETURN",
            $"-A {c} -s {network} ! -d 224.0.0.0/4 {Masq} -j MASQUERADE{fully}",
            $"-A {c} ! -s {network} -d {network} {Masq} -j MASQUERADE{fully}",
        ];
    }

    /// <summary>FLANNEL-FWD: accept anything from or to the cluster network.</summary>
    public static IReadOnlyList<string> ForwardRules(IPNetwork network) =>
    [
        $"-A {ForwardChain} -s {network} {Forward} -j ACCEPT",
        $"-A {ForwardChain} -d {network} {Forward} -j ACCEPT",
    ];
}
