namespace KubeLab.Cli.Tour;

/// <summary>The seed's walk under the hood, step by step, on the seed scenario's objects and names.</summary>
public static class SeedTour
{
    public static IReadOnlyList<TourStep> Steps { get; } =
    [
        new("Three nodes, one k3s cluster",
            [["get", "nodes", "-o", "wide"]],
            """
            vm1 runs the k3s server (control-plane,master); vm2 and vm3 are agents. Each node got a /24 of the
            cluster CIDR 10.42.0.0/16 in registration order: vm1 10.42.0.0/24, vm2 10.42.1.0/24, vm3 10.42.2.0/24.
            """),
        new("A test pod and an nginx service",
            [["get", "svc", "-o", "wide"], ["get", "pods", "-o", "wide"]],
            """
            nginx-service is a ClusterIP service: 10.43.180.238 exists on no interface; kube-proxy's NAT rules give it
            meaning. Its selector app=nginx picks the three nginx pods, one per node. test-pod (netshoot) is on vm2.
            """),
        new("test-pod reaches nginx-service",
            [["exec", "test-pod", "--", "curl", "-s", "http://nginx-service:80/"]],
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
            """
            10.43.0.10 is kube-dns, a ClusterIP service like nginx-service but for UDP and TCP port 53. Its one endpoint
            is the CoreDNS pod at 10.42.0.2 on vm1. So before reaching any service, test-pod's query to 10.43.0.10 is
            itself NATed by kube-proxy's rules on vm2 and carried to vm1.
            """),
        new("The DNS query, for real",
            [["exec", "test-pod", "--", "dig", "+search", "nginx-service"]],
            """
            dig applied the search list and got the A record from CoreDNS (the "SERVER: 10.43.0.10#53" line: the answer
            appears to come from the virtual IP, because conntrack reverses the NAT on the way back). TTL 5 is CoreDNS's
            kubernetes plugin default.
            """, NeedsDataPlane: true),
        new("kube-proxy's entry point: KUBE-SERVICES",
            [["exec", "vm1", "--", "sh", "-c", "iptables -t nat -S KUBE-SERVICES | grep -E 'nginx-service|kube-dns:dns |NODEPORTS'"]],
            """
            Every packet a pod sends passes nat PREROUTING, which jumps to KUBE-SERVICES. There, one rule per service
            port matches the virtual IP and port and jumps to that port's KUBE-SVC chain. The chain name is a hash of
            "default/nginx-service" and "tcp", so it is the same on every cluster: KUBE-SVC-V2OKYYMBY3REGZOG.
            """, NeedsDataPlane: true),
        new("Load balancing: KUBE-SVC with probabilities",
            [["exec", "vm1", "--", "iptables", "-t", "nat", "-v", "-L", "KUBE-SVC-V2OKYYMBY3REGZOG", "-n"],
             ["exec", "vm1", "--", "iptables", "-t", "nat", "-v", "-L", "KUBE-SVC-NPX46M4PTMTKRN6Y", "-n"]],
            """
            The first rule marks traffic from outside the pod network (! -s 10.42.0.0/16) for masquerade. Then one rule
            per endpoint, tried in order: the first matches with probability 1/3; if not, the second with 1/2 of the
            remaining 2/3, i.e. 1/3 again; the last takes the rest. Each endpoint gets exactly one third. The kernel
            stores the probability in 32 bits, so 1/3 shows as 0.33333333349. The kubernetes service has one endpoint,
            the API server on vm1's port 6443, so no statistic match at all.
            """, NeedsDataPlane: true),
        new("The endpoint: KUBE-SEP does the DNAT",
            [["exec", "vm1", "--", "iptables", "-t", "nat", "-S", "KUBE-SEP-LNMZPQ2U2A5TEEGP"]],
            """
            Each KUBE-SEP chain rewrites the destination to one pod (DNAT to 10.42.0.8:80) and marks for masquerade only
            the hairpin case, a pod reaching itself through its own service. After DNAT the packet is routed like any
            packet to a pod address.
            """, NeedsDataPlane: true),
        new("Routing on vm1: cni0 and flannel.1",
            [["exec", "vm1", "--", "ip", "route", "show"]],
            """
            The local /24 is on the cni0 bridge, where every local pod's veth is plugged. The other nodes' /24s go to
            flannel.1 "via" that node's 10.42.N.0 address, onlink: there is no such host; the address only selects
            the ARP entry flannel wrote, whose MAC is the other node's VXLAN endpoint.
            """, NeedsDataPlane: true),
        new("The VXLAN hop",
            [["exec", "vm1", "--", "ip", "-d", "link", "show", "flannel.1"], ["exec", "vm1", "--", "ip", "neigh", "show", "dev", "flannel.1"],
             ["exec", "vm1", "--", "bridge", "fdb", "show", "dev", "flannel.1"]],
            """
            flannel.1 is a VXLAN device (VNI 1, UDP 8472, no learning). flannel writes, per remote node, a permanent ARP
            entry (10.42.1.0 → vm2's VTEP MAC) and a forwarding entry (that MAC → vm2's address 10.65.94.199). A packet to
            10.42.1.2 is wrapped in UDP 8472 between 10.65.94.238 and 10.65.94.199, and unwrapped on vm2 to cni0.
            """, NeedsDataPlane: true),
        new("NodePort: KUBE-NODEPORTS → KUBE-EXT → KUBE-SVC",
            [["apply", "-f", "nodeport"],
             ["exec", "vm1", "--", "sh", "-c", "iptables -t nat -S KUBE-NODEPORTS; iptables -t nat -S | grep -E '^-A KUBE-EXT-'"],
             ["exec", "vm3", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} from node port 30000 on vm1\\n", "http://10.65.94.238:30000/"]],
            """
            A NodePort service opens port 30000 on every node. KUBE-SERVICES' last rule sends packets for the node's own
            addresses to KUBE-NODEPORTS, which jumps to the service's KUBE-EXT chain; that marks the packet for masquerade
            (the reply must come back through this node) and continues to the same KUBE-SVC chain as the ClusterIP.
            """, NeedsDataPlane: true),
    ];
}
