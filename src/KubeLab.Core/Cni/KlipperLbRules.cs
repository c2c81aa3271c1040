using KubeLab.Core.Model;

namespace KubeLab.Core.Cni;

/// <summary>
/// What klipper-lb v0.4.7's entry script (k3s-io/klipper-lb entry, start_proxy) writes into its svclb pod's own network
/// namespace, one container per Service port, as the iptables-restore text of the end state: per source range
/// <c>-I FORWARD -s RANGE -p PROTO --dport SRC_PORT -j ACCEPT</c>, then per destination
/// <c>-A FORWARD -d IP/32 -p PROTO --dport DEST_PORT -j DROP</c>,
/// <c>-I PREROUTING ! -s IP/32 -p PROTO --dport SRC_PORT -j DNAT --to IP:DEST_PORT</c> and
/// <c>-I POSTROUTING -d IP/32 -p PROTO -j MASQUERADE</c>. The lab loads it for real (with the pod's
/// net.ipv4.ip_forward=1 sysctl), so a packet the node's portmap DNAT sends to the pod is forwarded on to the Service's
/// ClusterIP by the pod's kernel, as in the real image. DEST_IPS from status.hostIPs (externalTrafficPolicy Local) is
/// resolved to the pod's node address.
/// </summary>
public static class KlipperLbRules
{
    public static bool IsSvcLb(Pod pod) =>
        pod.Namespace == "kube-system" && pod.Labels.ContainsKey("svccontroller.k3s.cattle.io/svcname")
        && pod.Containers.Any(c => c.Image.Contains("klipper-lb", StringComparison.Ordinal));

    /// <summary>The pod's iptables-restore input; <paramref name="hostIP"/> stands in for status.hostIPs.</summary>
    public static string Restore(Pod pod, string hostIP)
    {
        var forward = new List<string>();
        var prerouting = new List<string>();
        var postrouting = new List<string>();
        foreach (var container in pod.Containers.Where(c => c.Env.Count > 0))
        {
            string Env(string name) => container.Env.GetValueOrDefault(name, "");
            var proto = Env("DEST_PROTO").ToLowerInvariant();
            var srcPort = Env("SRC_PORT");
            var destPort = Env("DEST_PORT");
            var destIPs = Env("DEST_IPS").Length > 0 ? Env("DEST_IPS") : hostIP;
            foreach (var range in Env("SRC_RANGES").Split(' ', ',', StringSplitOptions.RemoveEmptyEntries))
            {
                // iptables-save leaves out -s 0.0.0.0/0
                forward.Insert(0, $"-A FORWARD{(range == "0.0.0.0/0" ? "" : $" -s {range}")} -p {proto} -m {proto} --dport {srcPort} -j ACCEPT");
            }

            foreach (var ip in destIPs.Split(' ', ',', StringSplitOptions.RemoveEmptyEntries).Where(ip => !ip.Contains(':', StringComparison.Ordinal)))
            {
                forward.Add($"-A FORWARD -d {ip}/32 -p {proto} -m {proto} --dport {destPort} -j DROP");
                prerouting.Insert(0, $"-A PREROUTING ! -s {ip}/32 -p {proto} -m {proto} --dport {srcPort} -j DNAT --to-destination {ip}:{destPort}");
                postrouting.Insert(0, $"-A POSTROUTING -d {ip}/32 -p {proto} -j MASQUERADE");
            }
        }

        return string.Join('\n',
            ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", .. forward, "COMMIT",
             "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", .. prerouting, .. postrouting, "COMMIT"]) + "\n";
    }
}
