using System.Globalization;
using System.Text.RegularExpressions;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Tour;

/// <summary>
/// The seed's walk under the hood, told about the lab it runs on: node names, subnets and addresses come from the lab's
/// objects, chain names from the rules kube-proxy writes for the lab's server node (so they are the ones in its
/// kernel), and the endpoint, CoreDNS and peer node from the lab's pods. On the seed scenario it reads as the cheat
/// sheet does; on any other lab it names that lab's own chains and addresses.
/// </summary>
public static partial class LabTour
{
    public const int StepCount = 12;

    /// <summary>The objects the tour walks through (the seed scenario's).</summary>
    public static readonly IReadOnlyList<(string Kind, string Name)> SeedObjects =
        [("Deployment", "nginx-deployment"), ("Service", "nginx-service"), ("Pod", "test-pod")];

    public const string NodePortService = "nginx-np-svc";

    /// <summary>The steps for <paramref name="lab"/>. <paramref name="nodePortAdded"/>: step 12 first applies the `nodeport` scenario (the tour removes it at the end).</summary>
    public static IReadOnlyList<TourStep> Steps(ClusterSnapshot lab, bool nodePortAdded)
    {
        var nodes = lab.Nodes.OrderBy(n => n.Created).ThenBy(n => n.Name, StringComparer.Ordinal).ToList();
        var server = nodes.FirstOrDefault(n => n.Role == NodeRole.Server) ?? nodes[0];
        var agents = nodes.Where(n => n != server).ToList();
        var peer = agents.FirstOrDefault() ?? server;
        var far = agents.LastOrDefault() ?? server;
        var rules = KubeProxyRules.Generate(lab, server.Name, NodeRulesSource.ConfigFor(lab, server.Name));

        var nginx = lab.FindService("default", "nginx-service");
        var nginxIP = nginx?.ClusterIP?.ToString() ?? "<none>";
        var nginxPort = nginx?.Ports.FirstOrDefault()?.Port ?? 80;
        var svcChain = ServiceChain(rules, "default/nginx-service");
        var endpoints = svcChain is null ? [] : EndpointChains(rules, svcChain);
        var firstSep = endpoints.FirstOrDefault();
        var firstTarget = firstSep is null ? null : DnatTarget(rules, firstSep);
        var apiChain = ServiceChain(rules, "default/kubernetes");
        var nginxPods = nginx?.Selector is { Count: > 0 } selector
            ? lab.Pods.Where(p => p.Namespace == "default" && selector.All(s => p.Labels.TryGetValue(s.Key, out var v) && v == s.Value)).ToList()
            : [];
        var testPod = lab.FindPod("default", "test-pod");
        var testNode = testPod?.NodeName ?? "?";
        var dns = lab.FindService("kube-system", "kube-dns");
        var dnsIP = dns?.ClusterIP?.ToString() ?? "<none>";
        var coreDns = lab.Pods.FirstOrDefault(p => p.Namespace == "kube-system" && p.Labels.TryGetValue("k8s-app", out var a) && a == "kube-dns" && p.IP is not null);
        var coreDnsWhere = coreDns is null ? "no CoreDNS pod" : $"the CoreDNS pod at {coreDns.IP} on {coreDns.NodeName}";
        var nodePort = lab.FindService("default", NodePortService)?.Ports.FirstOrDefault()?.NodePort is > 0 and var p ? p : 30000;
        var peerPodIP = nginxPods.FirstOrDefault(q => q.NodeName == peer.Name)?.IP?.ToString() ?? peer.Cni0Address.ToString();

        string Subnets() => string.Join(", ", nodes.Select(n => $"{n.Name} {n.PodCidr}"));
        string Probabilities() => endpoints.Count switch
        {
            0 => "There is no endpoint: nginx-service selects no ready pod, so kube-proxy made no KUBE-SVC chain and rejects its traffic.",
            1 => "With one endpoint the chain jumps to it without a statistic match.",
            var n => $"Then one rule per endpoint, tried in order: the first matches with probability 1/{n}; if not, the next with 1/{n - 1} of the rest, and so on; the last takes the rest. Each endpoint gets exactly 1/{n}. The kernel stores the probability in 32 bits, so 1/3 shows as 0.33333333349.",
        };

        var dnsCrossing = coreDns?.NodeName is { } dnsNode && dnsNode != testNode
            ? $"So before reaching any service, test-pod's query to {dnsIP} is itself NATed by kube-proxy's rules on {testNode} and carried to {dnsNode}."
            : $"So before reaching any service, test-pod's query to {dnsIP} is itself NATed by kube-proxy's rules on {testNode}.";

        return
        [
            new($"{Count(nodes.Count, "node")}, one k3s cluster",
                [["get", "nodes", "-o", "wide"]],
                $"""
                {server.Name} runs the k3s server (control-plane,master){(agents.Count > 0 ? $"; {string.Join(" and ", agents.Select(a => a.Name))} {(agents.Count == 1 ? "is an agent" : "are agents")}" : "")}. Each node got a /24 of the
                cluster CIDR {lab.Config.ClusterCidr} in registration order: {Subnets()}.
                """),
            new("A test pod and an nginx service",
                [["get", "svc", "-o", "wide"], ["get", "pods", "-o", "wide"]],
                $"""
                nginx-service is a ClusterIP service: {nginxIP} exists on no interface; kube-proxy's NAT rules give it
                meaning. Its selector app=nginx picks {nginxPods.Count} nginx pod(s){(nginxPods.Count > 0 ? $" on {string.Join(", ", nginxPods.Select(q => q.NodeName).Distinct().Order(StringComparer.Ordinal))}" : "")}. test-pod is on {testNode}.
                """),
            new("test-pod reaches nginx-service",
                [["exec", "test-pod", "--", "curl", "-sS", "--max-time", "5", $"http://nginx-service:{nginxPort}/"]],
                """
                One curl hides three steps: resolve the name through DNS, send to the service's virtual IP, and let the node's
                iptables rewrite that destination to one nginx pod, possibly on another node over VXLAN. The next steps
                take them one at a time.
                """, NeedsDataPlane: true),
            new("The pod's resolv.conf",
                [["exec", "test-pod", "--", "cat", "/etc/resolv.conf"]],
                """
                kubelet wrote this file. "nginx-service" has fewer dots than ndots:5, so the resolver tries the search list
                first: nginx-service.default.svc.cluster.local answers at once. The last search domain, multipass, comes from
                the node's own resolv.conf. Every name with fewer than 5 dots costs these extra queries.
                """, NeedsDataPlane: true),
            new("The nameserver is itself a ClusterIP service",
                [["get", "svc", "-A"], ["get", "pods", "-n", "kube-system", "-o", "wide"]],
                $"""
                {dnsIP} is kube-dns, a ClusterIP service like nginx-service but for UDP and TCP port 53. Its endpoint
                is {coreDnsWhere}. {dnsCrossing}
                """),
            new("The DNS query, for real",
                [["exec", "test-pod", "--", "dig", "+search", "nginx-service"]],
                $"""
                dig applied the search list and got the A record from CoreDNS (the "SERVER: {dnsIP}#53" line: the answer
                appears to come from the virtual IP, because conntrack reverses the NAT on the way back). TTL 5 is CoreDNS's
                kubernetes plugin default.
                """, NeedsDataPlane: true),
            new("kube-proxy's entry point: KUBE-SERVICES",
                [["exec", server.Name, "--", "sh", "-c", "iptables -t nat -S KUBE-SERVICES | grep -E 'nginx-service|kube-dns:dns |NODEPORTS'"]],
                $"""
                Every packet a pod sends passes nat PREROUTING, which jumps to KUBE-SERVICES. There, one rule per service
                port matches the virtual IP and port and jumps to that port's KUBE-SVC chain. The chain name is a hash of
                "default/nginx-service" and "tcp", so it is the same on every cluster: {svcChain ?? "(none: no endpoints)"}.
                """, NeedsDataPlane: true),
            new("Load balancing: KUBE-SVC with probabilities",
                [.. new[] { svcChain, apiChain }.OfType<string>().Select(c => new[] { "exec", server.Name, "--", "iptables", "-t", "nat", "-v", "-L", c, "-n" })],
                $"""
                The first rule marks traffic from outside the pod network (! -s {lab.Config.ClusterCidr}) for masquerade. {Probabilities()}
                The kubernetes service has one endpoint, the API server on {server.Name}'s port 6443, so no statistic match at all.
                """, NeedsDataPlane: true),
            new("The endpoint: KUBE-SEP does the DNAT",
                firstSep is null ? [["exec", server.Name, "--", "iptables", "-t", "nat", "-S", "KUBE-SERVICES"]] : [["exec", server.Name, "--", "iptables", "-t", "nat", "-S", firstSep]],
                firstSep is null
                    ? "nginx-service has no endpoint, so there is no KUBE-SEP chain to show: scale nginx-deployment up and run the tour again."
                    : $"""
                    Each KUBE-SEP chain rewrites the destination to one pod (DNAT to {firstTarget}) and marks for masquerade only
                    the hairpin case, a pod reaching itself through its own service. After DNAT the packet is routed like any
                    packet to a pod address.
                    """, NeedsDataPlane: true),
            new($"Routing on {server.Name}: cni0 and flannel.1",
                [["exec", server.Name, "--", "ip", "route", "show"]],
                $"""
                The local /24 ({server.PodCidr}) is on the cni0 bridge, where every local pod's veth is plugged. The other nodes'
                /24s go to flannel.1 "via" that node's flannel address ({string.Join(", ", agents.Select(a => $"{a.FlannelAddress} for {a.Name}"))}), onlink:
                there is no such host; the address only selects the ARP entry flannel wrote, whose MAC is the other node's VXLAN endpoint.
                """, NeedsDataPlane: true),
            new("The VXLAN hop",
                [["exec", server.Name, "--", "ip", "-d", "link", "show", "flannel.1"], ["exec", server.Name, "--", "ip", "neigh", "show", "dev", "flannel.1"],
                 ["exec", server.Name, "--", "bridge", "fdb", "show", "dev", "flannel.1"]],
                $"""
                flannel.1 is a VXLAN device (VNI 1, UDP 8472, no learning). flannel writes, per remote node, a permanent ARP
                entry ({peer.FlannelAddress} → {peer.Name}'s VTEP MAC) and a forwarding entry (that MAC → {peer.Name}'s address {peer.InternalIP}). A packet to
                {peerPodIP} is wrapped in UDP 8472 between {server.InternalIP} and {peer.InternalIP}, and unwrapped on {peer.Name} to cni0.
                """, NeedsDataPlane: true),
            new("NodePort: KUBE-NODEPORTS → KUBE-EXT → KUBE-SVC",
                [.. nodePortAdded ? new[] { new[] { "apply", "-f", "nodeport" } } : [],
                 ["exec", server.Name, "--", "sh", "-c", "iptables -t nat -S KUBE-NODEPORTS; iptables -t nat -S | grep -E '^-A KUBE-EXT-'"],
                 ["exec", far.Name, "--", "curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", $"%{{http_code}} from node port {nodePort} on {server.Name}\\n", $"http://{server.InternalIP}:{nodePort}/"]],
                $"""
                A NodePort service opens port {nodePort} on every node. KUBE-SERVICES' last rule sends packets for the node's own
                addresses to KUBE-NODEPORTS, which jumps to the service's KUBE-EXT chain; that marks the packet for masquerade
                (the reply must come back through this node) and continues to the same KUBE-SVC chain as the ClusterIP.
                """, NeedsDataPlane: true),
        ];
    }

    /// <summary>The KUBE-SVC chain KUBE-SERVICES sends <paramref name="servicePort"/>'s cluster IP to, as kube-proxy's comment names it.</summary>
    internal static string? ServiceChain(string rules, string servicePort) =>
        rules.Split('\n').Select(l => ServiceRule().Match(l)).FirstOrDefault(m => m.Success && m.Groups["svc"].Value.Split(':')[0] == servicePort)?.Groups["chain"].Value;

    /// <summary>The KUBE-SEP chains of a KUBE-SVC chain, in the order the kernel tries them.</summary>
    internal static IReadOnlyList<string> EndpointChains(string rules, string svcChain) =>
        [.. rules.Split('\n').Where(l => l.StartsWith($"-A {svcChain} ", StringComparison.Ordinal)).Select(l => JumpToEndpoint().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    private static string? DnatTarget(string rules, string sepChain) =>
        rules.Split('\n').Where(l => l.StartsWith($"-A {sepChain} ", StringComparison.Ordinal)).Select(l => Dnat().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    [GeneratedRegex("""^-A KUBE-SERVICES .*--comment "(?<svc>[^"]+) cluster IP".* -j (?<chain>KUBE-SVC-[A-Z0-9]+)$""", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceRule();

    [GeneratedRegex(@" -j (KUBE-SEP-[A-Z0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex JumpToEndpoint();

    [GeneratedRegex(@"--to-destination (\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex Dnat();

    internal static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + what + (n == 1 ? "" : "s");
}
