using System.Text.RegularExpressions;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Lab;
using KubeLab.Core.MetalLB;
using KubeLab.Core.Model;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Tour;

/// <summary>
/// The LoadBalancer chapter (`kubelab tour --lb`): one MetalLB VIP end to end from vm-ext, told about the lab it runs
/// on — the VIP, the node whose speaker answers ARP for it (the lab's own election), and the KUBE-EXT, KUBE-SVC/SVL
/// chains kube-proxy writes for that node's kernel.
/// </summary>
public static partial class LabTour
{
    /// <summary>The announced VIP the chapter follows: nginx-mlb-l2-service's (the metallb-l2 scenario) when there is one, else the first.</summary>
    public static L2Announcement? ChapterVip(IReadOnlyList<L2Announcement> announcements) =>
        announcements.FirstOrDefault(a => a.Service == "default/nginx-mlb-l2-service") ?? announcements.OrderBy(a => a.Service, StringComparer.Ordinal).FirstOrDefault();

    public static IReadOnlyList<TourStep> LoadBalancerSteps(ClusterSnapshot lab, L2Announcement announcement, IReadOnlyList<string> eligible)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        var (ns, name) = (announcement.Service.Split('/')[0], announcement.Service.Split('/')[1]);
        var service = lab.FindService(ns, name);
        var port = service?.Ports.FirstOrDefault();
        var portNumber = port?.Port ?? 80;
        var local = service?.ExternalTrafficPolicy == TrafficPolicy.Local;
        var owner = announcement.Node;
        var vip = announcement.VIP.ToString();
        var client = LabDefaults.ExternalVmIP.ToString();
        var nsFlag = ns == "default" ? Array.Empty<string>() : ["-n", ns];
        var rules = KubeProxyRules.Generate(lab, owner, NodeRulesSource.ConfigFor(lab, owner));
        var extChain = rules.Split('\n').Select(l => LoadBalancerRule().Match(l))
            .FirstOrDefault(m => m.Success && (m.Value.Contains($" -d {vip} ", StringComparison.Ordinal) || m.Value.Contains($" -d {vip}/32 ", StringComparison.Ordinal))
                && m.Groups["svc"].Value.Split(':')[0] == announcement.Service)?.Groups["chain"].Value;
        var target = extChain is null ? null : rules.Split('\n').Where(l => l.StartsWith($"-A {extChain} ", StringComparison.Ordinal))
            .Select(l => Regex.Match(l, @" -j (KUBE-(?:SVC|SVL|EXT)-[A-Z0-9]+)$")).LastOrDefault(m => m.Success)?.Groups[1].Value;
        if (target is not null && target.StartsWith("KUBE-EXT-", StringComparison.Ordinal))
        {
            // KUBE-FW (loadBalancerSourceRanges) sits in front of KUBE-EXT: follow it one more chain
            (extChain, target) = (target, rules.Split('\n').Where(l => l.StartsWith($"-A {target} ", StringComparison.Ordinal))
                .Select(l => Regex.Match(l, @" -j (KUBE-(?:SVC|SVL)-[A-Z0-9]+)$")).LastOrDefault(m => m.Success)?.Groups[1].Value);
        }

        var endpoints = target is null ? [] : EndpointChains(rules, target);
        var others = eligible.Where(n => n != owner).ToList();
        var election = others.Count == 0
            ? $"{owner} is the only eligible node{(local ? " (with externalTrafficPolicy: Local, the only node with a ready endpoint)" : "")}."
            : $"Of the eligible nodes ({string.Join(", ", eligible)}{(local ? ": with externalTrafficPolicy: Local, only nodes with a ready endpoint" : "")}),\nSHA-256(\"{owner}#{vip}\") sorts first, so every speaker agrees on {owner} without talking to the others.";
        var localText = local
            ? $"""
              {name} has externalTrafficPolicy: Local. KUBE-EXT sends outside traffic to {target ?? "KUBE-SVL"}, which lists only {owner}'s
              own endpoints, and marks nothing for masquerade: nginx sees the client's own address, {client}. The price: only
              nodes with an endpoint may announce the VIP; when {owner}'s endpoints vanish another node takes it over and sends
              a gratuitous ARP so that vm-ext moves to its MAC at once.
              """
            : $"""
              {name} has externalTrafficPolicy: Cluster. KUBE-EXT marks the packet for masquerade and continues to the same
              {target ?? "KUBE-SVC"} as the ClusterIP: any endpoint on any node may answer, and nginx sees one of {owner}'s own
              addresses (flannel.1's or cni0's, whichever the packet leaves by), not {client}. With externalTrafficPolicy: Local it would go to KUBE-SVL ({owner}'s endpoints only), unmasqueraded.
              """;
        return
        [
            new($"A LoadBalancer VIP: {vip}",
                [["get", "svc", name, "-o", "wide", .. nsFlag]],
                $"""
                {announcement.Service} is a LoadBalancer Service. MetalLB's controller gave it {vip} from an IPAddressPool and
                wrote it to status.loadBalancer.ingress (EXTERNAL-IP). No interface on any node carries {vip}: it is only an
                address that one node answers ARP for, and that kube-proxy's rules recognise.
                """),
            new($"ARP: {owner} answers for {vip}",
                [["exec", NetnsNames.ExternalVmMachine, "--", "curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", $"%{{http_code}} from {vip} seen from vm-ext\\n", $"http://{vip}:{portNumber}/"],
                 ["exec", NetnsNames.ExternalVmMachine, "--", "ip", "neigh", "show", vip],
                 ["exec", owner, "--", "ip", "neigh", "show", "proxy"],
                 ["exec", owner, "--", "ip", "-br", "link", "show", NetnsNames.ExternalUplink]],
                $"""
                vm-ext ({client}, VLAN 100 only) asked "who has {vip}?" and {owner}'s MAC answered: its ens3.100 MAC is the one in
                vm-ext's neighbour table. MetalLB's layer-2 speakers elect one node per VIP.
                {election}
                KubeLab lets {owner}'s kernel answer with a proxy neighbour entry (MetalLB answers from a raw socket).
                """, NeedsDataPlane: true),
            new($"On {owner}: KUBE-SERVICES → {extChain ?? "KUBE-EXT"}",
                [["exec", owner, "--", "sh", "-c", $"iptables -t nat -S KUBE-SERVICES | grep -F '{vip}/32'{(extChain is null ? "" : $"; iptables -t nat -S {extChain}")}"]],
                $"""
                The packet arrives on {owner}'s ens3.100 for {vip}:{portNumber}. nat PREROUTING → KUBE-SERVICES, whose rule for the
                "loadbalancer IP" jumps to {extChain ?? "(none: the service has no endpoint)"}, the chain for traffic from outside the cluster
                (NodePorts use it too).
                """, NeedsDataPlane: true),
            new($"{target ?? "KUBE-SVC"} → the endpoint",
                [["exec", owner, "--", "iptables", "-t", "nat", "-S", target ?? "KUBE-SERVICES"]],
                $"""
                {(endpoints.Count == 0 ? "No endpoint is listed here." : $"{Count(endpoints.Count, "endpoint")}: {string.Join(", ", endpoints)}, chosen with the same probabilities as for the ClusterIP; the KUBE-SEP chain DNATs to the pod.")}
                {localText}
                """, NeedsDataPlane: true),
            new("The whole path, traced",
                [["trace", "--from-ip", client, $"{vip}:{portNumber}"]],
                $"""
                `kubelab trace` interprets the same rules: vm-ext → ARP answered by {owner} → KUBE-SERVICES → {extChain ?? "KUBE-EXT"} →
                {target ?? "KUBE-SVC"} → KUBE-SEP → the pod{(local ? ", with the client address kept" : ", masqueraded to the node's address")}.
                """),
        ];
    }

    /// <summary>KUBE-SERVICES' rule for a load-balancer IP, in kube-proxy's order (comment, protocol, -d, port) or iptables-save's.</summary>
    [GeneratedRegex("""^-A KUBE-SERVICES .*--comment "(?<svc>[^"]+) loadbalancer IP".* -j (?<chain>KUBE-(?:EXT|FW)-[A-Z0-9]+)$""", RegexOptions.CultureInvariant)]
    private static partial Regex LoadBalancerRule();
}
