using System.Net;
using KubeLab.Core.Cni;
using KubeLab.Core.Model;

namespace KubeLab.Core.Lab;

/// <summary>
/// The host commands that realise a lab's data plane on the local kernel, as pure functions of the
/// model (printed by `up --dry-run`, executed by the netns driver). Each namespace's links, addresses,
/// routes and neighbours go through one `ip -batch` process.
/// </summary>
public static class NetnsPlan
{
    /// <summary>Sysctls k3s, flannel and kube-proxy set on a node (here: inside its namespace).</summary>
    public static readonly IReadOnlyList<(string Key, string Value)> NodeSysctls =
    [
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv4.conf.all.route_localnet", "1"),
        ("net.bridge.bridge-nf-call-iptables", "1"),
        ("net.bridge.bridge-nf-call-ip6tables", "1"),
    ];

    /// <summary>The "host": multipass's bridge mpqemubr0 with the gateway address.</summary>
    public static IReadOnlyList<HostCommand> Underlay(LabConfig config)
    {
        var ul = NetnsNames.Underlay(config.Name);
        var lines = new List<string>
        {
            "link set lo up",
            $"link add {NetnsNames.HostBridge} type bridge",
            $"addr add {config.Gateway}/{config.Underlay.PrefixLength} dev {NetnsNames.HostBridge}",
            $"link set {NetnsNames.HostBridge} up",
        };
        if (config.ExternalVm)
        {
            // external-net.sh: "ip link add link mpqemubr0 name mpqemubr0.100 type vlan id 100", 10.123.123.254/24 (here a
            // bridge of its own: see NetnsNames.ExternalBridge)
            lines.Add($"link add {NetnsNames.ExternalBridge} type bridge");
            lines.Add($"addr add {LabDefaults.HostExternalIP}/{LabDefaults.ExternalNetwork.PrefixLength} dev {NetnsNames.ExternalBridge}");
            lines.Add($"link set {NetnsNames.ExternalBridge} up");
        }

        return
        [
            HostCommand.Ip(null, "netns", "add", ul),
            HostCommand.IpBatch(ul, lines, config.ExternalVm ? "the host bridge and VLAN 100" : "the host bridge"),
        ];
    }

    /// <summary>
    /// A machine's ens3.100 on VLAN 100 (external-net.sh: "ip link add link ens3 name ens3.100 type vlan id 100", the
    /// address, up): here a veth into the VLAN's bridge. Returns the underlay's lines and the machine's own.
    /// </summary>
    private static (IReadOnlyList<string> Underlay, IReadOnlyList<string> Machine) ExternalUplink(string machine, string netns, IPAddress address) =>
    (
        [
            $"link add {NetnsNames.VlanTap(machine)} mtu {LabDefaults.UnderlayMtu} type veth peer name {NetnsNames.ExternalUplink} netns {netns}",
            $"link set {NetnsNames.VlanTap(machine)} master {NetnsNames.ExternalBridge}",
            $"link set {NetnsNames.VlanTap(machine)} up",
        ],
        [
            $"addr add {address}/{LabDefaults.ExternalNetwork.PrefixLength} dev {NetnsNames.ExternalUplink}",
            $"link set {NetnsNames.ExternalUplink} up",
        ]);

    /// <summary>
    /// The routing table that makes the kernel answer ARP for an announced VIP. MetalLB's speaker answers ARP itself
    /// (internal/layer2/arp.go, a raw socket) and puts the VIP on no interface; KubeLab lets the kernel answer with a
    /// proxy neighbour entry instead. The kernel proxies only for an address routed out of another device
    /// (net/ipv4/arp.c arp_process: rt->dst.dev != dev), so ARP requests arriving on ens3.100 look the VIP up in this
    /// table (a rule "iif ens3.100"), where it is routed to lo. Packets to the VIP itself never use it: kube-proxy
    /// DNATs them in PREROUTING, before routing.
    /// </summary>
    public const int SpeakerTable = 100;

    /// <summary>What the speakers change when the announcements go from <paramref name="before"/> to <paramref name="after"/>, per node.</summary>
    public static IReadOnlyList<HostCommand> Announce(LabConfig config, IReadOnlyList<MetalLB.L2Announcement> before, IReadOnlyList<MetalLB.L2Announcement> after)
    {
        if (!config.ExternalVm)
        {
            return []; // the VIPs live on VLAN 100, which only a lab with vm-ext has
        }

        var gone = before.Where(b => !after.Any(a => a.Node == b.Node && a.VIP.Equals(b.VIP))).ToList();
        var added = after.Where(a => !before.Any(b => a.Node == b.Node && a.VIP.Equals(b.VIP))).ToList();
        var commands = new List<HostCommand>();
        foreach (var node in config.Nodes)
        {
            var lines = new List<string>();
            foreach (var vip in gone.Where(g => g.Node == node.Name).Select(g => g.VIP).Distinct())
            {
                lines.Add($"neigh del proxy {vip} dev {NetnsNames.ExternalUplink}");
                lines.Add($"route del {vip}/32 dev lo table {SpeakerTable}");
            }

            foreach (var vip in added.Where(a => a.Node == node.Name).Select(a => a.VIP).Distinct())
            {
                lines.Add($"neigh replace proxy {vip} dev {NetnsNames.ExternalUplink}");
                lines.Add($"route replace {vip}/32 dev lo table {SpeakerTable}");
            }

            if (lines.Count > 0)
            {
                commands.Add(HostCommand.IpBatch(NetnsNames.Node(config.Name, node.Name), lines, $"{node.Name}: MetalLB speaker's ARP answers on {NetnsNames.ExternalUplink}"));
            }
        }

        return commands;
    }

    /// <summary>
    /// The later cheat sheet's vm-ext: a machine whose only link is ens3.100 (10.123.123.4/24) on VLAN 100, so the
    /// cluster is reachable from it only through that VLAN (node ens3.100 addresses and the LoadBalancer VIPs).
    /// </summary>
    public static IReadOnlyList<HostCommand> ExternalVm(LabConfig config)
    {
        var ns = NetnsNames.ExternalVm(config.Name);
        var (underlay, machine) = ExternalUplink(NetnsNames.ExternalVmMachine, ns, LabDefaults.ExternalVmIP);
        return
        [
            HostCommand.Ip(null, "netns", "add", ns),
            HostCommand.IpBatch(NetnsNames.Underlay(config.Name), underlay, "vm-ext's ens3.100 on VLAN 100"),
            HostCommand.IpBatch(ns, ["link set lo up", .. machine], "vm-ext: ens3.100 10.123.123.4/24, no other route"),
        ];
    }

    /// <summary>A node: ens3 on the host bridge with its DHCP-style routes, flannel.1 and its peers.</summary>
    public static IReadOnlyList<HostCommand> Node(LabConfig config, NodeConfig node, bool hasPods)
    {
        var ns = NetnsNames.Node(config.Name, node.Name);
        var ul = NetnsNames.Underlay(config.Name);
        var tap = NetnsNames.Tap(node.Name);
        var prefix = config.Underlay.PrefixLength;
        var lines = new List<string>
        {
            "link set lo up",
            $"link set {NetnsNames.NodeUplink} up",
            // `ip route show` on the seed's vm1 lists no connected route for ens3, so the address is added
            // without one and the subnet is routed from the local table (consulted first, not shown).
            $"addr add {node.InternalIP}/{prefix} dev {NetnsNames.NodeUplink} noprefixroute",
            $"route add {config.Underlay} dev {NetnsNames.NodeUplink} table local proto kernel scope link src {node.InternalIP}",
            $"route add default via {config.Gateway} dev {NetnsNames.NodeUplink} proto dhcp src {node.InternalIP} metric 100",
            // flannel's VXLAN device (pkg/backend/vxlan/device.go): VNI 1, the node IP as local, no learning,
            // the kernel's default port 8472, MTU = ens3 − 50; address = the pod CIDR's network address /32.
            // txqueuelen 0: flannel's netlink.Vxlan has a zero LinkAttrs.TxQLen, which vishvananda/netlink sends
            // as IFLA_TXQLEN 0, so `ip link` shows no "qlen" for flannel.1 on a real node.
            $"link add {NetnsNames.Vxlan} address {node.VtepMac} mtu {LabDefaults.FlannelMtu} txqueuelen 0 type vxlan id {LabDefaults.VxlanId} local {node.InternalIP} dev {NetnsNames.NodeUplink} dstport {LabDefaults.VxlanPort} nolearning",
            $"addr add {node.PodCidr.BaseAddress}/32 dev {NetnsNames.Vxlan}",
            $"link set {NetnsNames.Vxlan} up",
        };
        var fdb = new List<string>();
        foreach (var peer in config.Nodes.Where(n => n.Name != node.Name))
        {
            // flannel's handleSubnetEvents: ARP, then FDB, then the onlink route (vxlan_network.go)
            lines.Add($"neigh replace {peer.PodCidr.BaseAddress} lladdr {peer.VtepMac} dev {NetnsNames.Vxlan} nud permanent");
            fdb.Add($"fdb replace {peer.VtepMac} dev {NetnsNames.Vxlan} dst {peer.InternalIP} self permanent");
            lines.Add($"route replace {peer.PodCidr} via {peer.PodCidr.BaseAddress} dev {NetnsNames.Vxlan} onlink");
        }

        if (hasPods)
        {
            lines.AddRange(Cni0(node));
        }

        var underlayLines = new List<string>
        {
            $"link add {tap} mtu {LabDefaults.UnderlayMtu} type veth peer name {NetnsNames.NodeUplink} netns {ns}",
            $"link set {tap} master {NetnsNames.HostBridge}",
            $"link set {tap} up",
        };
        if (config.ExternalVm)
        {
            var (vlanUnderlay, vlanNode) = ExternalUplink(node.Name, ns, config.ExternalIPOf(node));
            underlayLines.AddRange(vlanUnderlay);
            lines.AddRange(vlanNode);
            lines.Add($"rule add iif {NetnsNames.ExternalUplink} lookup {SpeakerTable} priority {SpeakerTable}");
        }

        var commands = new List<HostCommand>
        {
            HostCommand.Ip(null, "netns", "add", ns),
            HostCommand.IpBatch(ul, underlayLines, config.ExternalVm ? $"{node.Name}'s ens3 on the host bridge, ens3.100 on VLAN 100" : $"{node.Name}'s ens3 on the host bridge"),
            HostCommand.IpBatch(ns, lines, $"{node.Name}: ens3, routes, flannel.1 and its peers"),
        };
        if (fdb.Count > 0)
        {
            commands.Add(HostCommand.BridgeBatch(ns, fdb));
        }

        commands.Add(Sysctls(ns));
        if (config.ExternalVm)
        {
            // the speaker's ARP answers (MetalLbPlan) come from a proxy neighbour entry; without a delay, as MetalLB's
            // own responder answers at once
            commands.Add(HostCommand.InNetns(ns, "sysctl", ["-q", "-w", $"net.ipv4.neigh.{NetnsNames.ExternalUplink.Replace('.', '/')}.proxy_delay=0"]));
        }

        return commands;
    }

    /// <summary>
    /// The bridge plugin's cni0, made on a node's first pod: gateway .1/24, MTU 1450, with the subnet's broadcast
    /// address (vishvananda/netlink's AddrAdd fills in the broadcast of an IPv4 address shorter than /31, so a real
    /// node shows "brd 10.42.N.255").
    /// </summary>
    public static IReadOnlyList<string> Cni0(NodeConfig node) =>
    [
        $"link add {NetnsNames.PodBridge} mtu {LabDefaults.FlannelMtu} type bridge",
        $"addr add {IPMath.Add(node.PodCidr.BaseAddress, 1)}/{node.PodCidr.PrefixLength} broadcast + dev {NetnsNames.PodBridge}",
        $"link set {NetnsNames.PodBridge} up",
    ];

    /// <summary>
    /// The bridge plugin's "set the bridge's MAC to itself" (ensureAddr, on every pod it adds): a bridge whose address
    /// the kernel chose takes the lowest MAC among its ports and changes as pods come and go, so pods that cached the
    /// gateway's MAC would send to a MAC the bridge no longer has (and wait for their ARP entry to go stale, seconds).
    /// Set once, cni0 keeps the MAC it had after its first veth (that veth's); later calls change nothing.
    /// </summary>
    public static HostCommand PinCni0Mac(string nodeNetns) =>
        HostCommand.InNetns(nodeNetns, "sh", "-c",
            $"b=/sys/class/net/{NetnsNames.PodBridge}; [ \"$(cat $b/addr_assign_type)\" = 3 ] || ip link set {NetnsNames.PodBridge} address \"$(cat $b/address)\"");

    public static HostCommand Sysctls(string netns) =>
        HostCommand.InNetns(netns, "sysctl", ["-q", "-w", .. NodeSysctls.Select(s => $"{s.Key}={s.Value}")]);

    /// <summary>
    /// A pod's sandbox as the bridge plugin makes it: a veth with eth0 in the pod and "vethXXXXXXXX" on cni0
    /// (hairpin on), both ends with the MTU flannel's CNI config gives (FLANNEL_MTU 1450: the bridge plugin's
    /// SetupVeth sets it on both), the pod's address with its broadcast and routes (10.42.0.0/16 via the gateway,
    /// then the default).
    /// Returns the node-side lines (for the node's batch) and the pod's own commands.
    /// </summary>
    public static (IReadOnlyList<string> NodeLines, IReadOnlyList<HostCommand> PodCommands) Pod(LabConfig config, NodeConfig node, Pod pod)
    {
        var ns = NetnsNames.Pod(config.Name, pod.Namespace, pod.Name);
        var veth = PodFiles.HostVethName(config.Name, pod);
        var gateway = IPMath.Add(node.PodCidr.BaseAddress, 1);
        var nodeLines = new List<string>
        {
            $"link add {veth} mtu {LabDefaults.FlannelMtu} type veth peer name eth0 mtu {LabDefaults.FlannelMtu} netns {ns}",
            $"link set {veth} master {NetnsNames.PodBridge}",
            $"link set {veth} type bridge_slave hairpin on",
            $"link set {veth} up",
        };
        var podCommands = new List<HostCommand>
        {
            HostCommand.IpBatch(ns,
            [
                "link set lo up",
                $"addr add {pod.IP}/{node.PodCidr.PrefixLength} broadcast + dev eth0",
                "link set eth0 up",
                $"route add {config.ClusterCidr} via {gateway} dev eth0",
                $"route add default via {gateway} dev eth0",
            ], $"pod {pod.Namespace}/{pod.Name}: eth0 {pod.IP}"),
        };
        if (KlipperLbRules.IsSvcLb(pod))
        {
            // the svclb pod's securityContext sysctl, then what klipper-lb's entry script writes in the pod
            podCommands.Add(HostCommand.InNetns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
            podCommands.Add(new HostCommand("ip", ["netns", "exec", ns, "iptables-restore"], KlipperLbRules.Restore(pod, node.InternalIP.ToString()),
                $"pod {pod.Namespace}/{pod.Name}: klipper-lb's rules"));
        }

        return (nodeLines, podCommands);
    }

    /// <summary>The pods' namespaces, all in one `ip -batch` process (an `ip netns add` each costs a fork each).</summary>
    public static HostCommand AddPodNamespaces(LabConfig config, IEnumerable<Pod> pods) =>
        HostCommand.NetnsBatch("add", pods.Select(p => NetnsNames.Pod(config.Name, p.Namespace, p.Name)), comment: "pod namespaces");

    /// <summary>Every command of a fresh lab, in order (for `up --dry-run`): namespaces first, then links.</summary>
    public static IReadOnlyList<HostCommand> Full(ClusterSnapshot snapshot)
    {
        var config = snapshot.Config;
        var commands = new List<HostCommand>(Underlay(config));
        var pods = LabPods(snapshot);
        foreach (var node in config.Nodes)
        {
            commands.AddRange(Node(config, node, pods.Any(p => p.NodeName == node.Name)));
        }

        if (config.ExternalVm)
        {
            commands.AddRange(ExternalVm(config));
        }

        foreach (var node in config.Nodes)
        {
            var mine = pods.Where(p => p.NodeName == node.Name).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            commands.Add(AddPodNamespaces(config, mine));
            var sandboxes = mine.Select(p => Pod(config, node, p)).ToList();
            commands.Add(HostCommand.IpBatch(NetnsNames.Node(config.Name, node.Name), sandboxes.SelectMany(s => s.NodeLines), $"{node.Name}: pod veths on cni0"));
            commands.AddRange(sandboxes.SelectMany(s => s.PodCommands));
        }

        return commands;
    }

    /// <summary>
    /// The pods that get a sandbox: scheduled, with an address, not host-network, not finished (the kubelet tears a
    /// Succeeded or Failed pod's sandbox down; its status keeps the address it had).
    /// </summary>
    public static IReadOnlyList<Pod> LabPods(ClusterSnapshot snapshot) =>
        snapshot.Pods.Where(p => p.NodeName is not null && p.IP is not null && !p.HostNetwork && p.Phase is not (PodPhase.Succeeded or PodPhase.Failed)).ToList();

    public static string Describe(IEnumerable<HostCommand> commands) =>
        string.Join('\n', commands.Select(c => (c.Comment is null ? "" : $"# {c.Comment}\n") + c.ToShell())) + "\n";
}
