# Shared helpers for the bring-up benchmarks (sourced, not run).

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# stats NAME VALUES... → "NAME: median X ms (min Y, max Z, n N)"
stats() {
    local name=$1; shift
    local sorted n mid median
    sorted=$(printf '%s\n' "$@" | sort -n)
    n=$#
    mid=$(( (n + 1) / 2 ))
    if (( n % 2 == 1 )); then
        median=$(echo "$sorted" | sed -n "${mid}p")
    else
        median=$(( ( $(echo "$sorted" | sed -n "${mid}p") + $(echo "$sorted" | sed -n "$((mid + 1))p") ) / 2 ))
    fi
    printf '%-28s median %6d ms   min %6d   max %6d   (n=%d)\n' "$name" "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$n"
    MEDIAN=$median
}

# The lab's namespaces (kl-<lab>.…) still present.
leftover_netns() { ip netns list | awk '{print $1}' | grep -F "kl-$1." || true; }

# Removes whatever is left of lab $1 by its prefix: namespaces and /etc/netns entries only.
remove_netns_prefix() {
    local ns
    for ns in $(leftover_netns "$1"); do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf /etc/netns/"kl-$1."* 2>/dev/null || true
}
