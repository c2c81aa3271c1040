#!/usr/bin/env bash
# The floor for `kubelab up -f seed`: the seed lab's kernel objects made by the plainest fast shell
# script — the same namespaces (1 underlay, 3 nodes, 5 pods), links, addresses, routes, neighbours,
# FDB entries, sysctls, /etc/netns files and one iptables-restore per node of the ruleset kubelab
# loads (rules/vmN.rules: `ip netns exec kl-b.vmN iptables-save` of a real `up -f seed`), in the
# order NetnsPlan uses, with one `ip -batch` per namespace. No agent, no DNS check: it measures
# what the kernel and the tools cost, not what a lab needs on top.
#
#   sudo LAB=bf bench/up/floor.sh up     # build kl-bf.*
#   sudo LAB=bf bench/up/floor.sh down   # remove it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
LAB=${LAB:-bf}
p="kl-$LAB."
ul="${p}ul"

# node  ip  pod-cidr-index  vtep-mac
nodes=("vm1 10.65.94.238 0 02:42:0a:2a:00:00" "vm2 10.65.94.199 1 02:42:0a:2a:01:00" "vm3 10.65.94.95 2 02:42:0a:2a:02:00")
# pod-netns-suffix  node  ip  host-veth
pods=("kube-system.coredns-64669bdc4c-7d98r vm1 10.42.0.2 veth00000001"
      "default.nginx-deployment-6759dfb558-pfl8w vm1 10.42.0.8 veth00000002"
      "default.nginx-deployment-6759dfb558-k89sw vm2 10.42.1.2 veth00000003"
      "default.test-pod vm2 10.42.1.4 veth00000004"
      "default.nginx-deployment-6759dfb558-56sd2 vm3 10.42.2.2 veth00000005")

up() {
    # every namespace in one process
    {
        echo "netns add $ul"
        for n in "${nodes[@]}"; do set -- $n; echo "netns add $p$1"; done
        for q in "${pods[@]}"; do set -- $q; echo "netns add $p$1"; done
    } | ip -batch -

    {
        echo "link set lo up"
        echo "link add mpqemubr0 type bridge"
        echo "addr add 10.65.94.1/24 dev mpqemubr0"
        echo "link set mpqemubr0 up"
        for n in "${nodes[@]}"; do set -- $n
            echo "link add tap-$1 mtu 1500 type veth peer name ens3 netns $p$1"
            echo "link set tap-$1 master mpqemubr0"
            echo "link set tap-$1 up"
        done
    } | ip -n "$ul" -batch -

    for n in "${nodes[@]}"; do set -- $n; local name=$1 ip=$2 k=$3 mac=$4
        {
            echo "link set lo up"
            echo "link set ens3 up"
            echo "addr add $ip/24 dev ens3 noprefixroute"
            echo "route add 10.65.94.0/24 dev ens3 table local proto kernel scope link src $ip"
            echo "route add default via 10.65.94.1 dev ens3 proto dhcp src $ip metric 100"
            echo "link add flannel.1 address $mac mtu 1450 type vxlan id 1 local $ip dev ens3 dstport 8472 nolearning"
            echo "addr add 10.42.$k.0/32 dev flannel.1"
            echo "link set flannel.1 up"
            for m in "${nodes[@]}"; do set -- $m; [[ $1 == "$name" ]] && continue
                echo "neigh replace 10.42.$3.0 lladdr $4 dev flannel.1 nud permanent"
                echo "route replace 10.42.$3.0/24 via 10.42.$3.0 dev flannel.1 onlink"
            done
            echo "link add cni0 mtu 1450 type bridge"
            echo "addr add 10.42.$k.1/24 dev cni0"
            echo "link set cni0 up"
            for q in "${pods[@]}"; do set -- $q; [[ $2 == "$name" ]] || continue
                echo "link add $4 mtu 1450 type veth peer name eth0 netns $p$1"
                echo "link set $4 master cni0"
                echo "link set $4 type bridge_slave hairpin on"
                echo "link set $4 up"
            done
        } | ip -n "$p$name" -batch -
        for m in "${nodes[@]}"; do set -- $m; [[ $1 == "$name" ]] && continue
            echo "fdb replace $4 dev flannel.1 dst $2 self permanent"
        done | bridge -n "$p$name" -batch -
        # sysctls and the node's ruleset in one process inside the node
        ip netns exec "$p$name" sh -c 'sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 && iptables-restore --noflush' <"$here/rules/$name.rules"
    done

    for q in "${pods[@]}"; do set -- $q; local ns=$p$1 ip=$3 k
        k=$(echo "$ip" | cut -d. -f3)
        printf '%s\n' "link set lo up" "addr add $ip/24 dev eth0" "link set eth0 up" \
            "route add 10.42.0.0/16 via 10.42.$k.1 dev eth0" "route add default via 10.42.$k.1 dev eth0" | ip -n "$ns" -batch -
        mkdir -p "/etc/netns/$ns"
        printf 'search default.svc.cluster.local svc.cluster.local cluster.local multipass\nnameserver 10.43.0.10\noptions ndots:5\n' >"/etc/netns/$ns/resolv.conf"
        printf '127.0.0.1\tlocalhost\n%s\t%s\n' "$ip" "${1#*.}" >"/etc/netns/$ns/hosts"
    done
}

down() {
    leftover_netns "$LAB" | sed 's/^/netns del /' | ip -batch - 2>/dev/null || true
    rm -rf /etc/netns/"$p"*
}

case ${1:-} in
    up) up ;;
    down) down ;;
    *) echo "usage: LAB=bf $0 up|down" >&2; exit 2 ;;
esac
