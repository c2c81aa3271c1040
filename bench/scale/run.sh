#!/usr/bin/env bash
# Scale: `kubelab up --nodes NODES --name LAB -f big.yaml` for each pod count (services = 2/5 of pods,
# as 500 pods : 200 services), timed until it returns, with the memory of every KubeLab process:
# the CLI's peak (GNU time %M), the lab agent's and each nginx process's VmRSS (/proc/PID/status), and
# their PSS (/proc/PID/smaps_rollup: shared pages split between the processes that map them).
#
#   sudo KUBELAB=/tmp/kl-rel/kubelab bench/scale/run.sh 50 100 250 500
#
# NODES (default 20), LAB (default s), NGINX_EVERY (default 1: every Deployment is nginx; 0: none).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../up/lib.sh"
KUBELAB=${KUBELAB:-kubelab}
NODES=${NODES:-20}
LAB=${LAB:-s}
[[ $(id -u) == 0 ]] || { echo "scale/run.sh: needs root" >&2; exit 2; }
(( $# > 0 )) || set -- 50 100 250 500
[[ -z $(leftover_netns "$LAB") ]] || { echo "scale/run.sh: lab $LAB already has namespaces; choose another LAB" >&2; exit 2; }

echo "$(date -u +%FT%TZ) $(nproc) CPUs, load average $(cut -d" " -f1-3 /proc/loadavg)"
home=$(mktemp -d /tmp/kubelab-scale.XXXXXX)
export KUBELAB_HOME=$home
cleanup() {
    "$KUBELAB" down --name "$LAB" >/dev/null 2>&1 || true
    remove_netns_prefix "$LAB"
    rm -rf "$home"
    [[ -z $(leftover_netns "$LAB") ]] || echo "scale/run.sh: WARNING: namespaces of $LAB left" >&2
}
trap cleanup EXIT

kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
sum() { local t=0 v; for v in "$@"; do t=$((t + v)); done; echo $t; }

printf '%5s %5s %6s | %8s %8s | %8s %9s %6s %9s | %9s %9s\n' pods svcs nginx "up ms" "down ms" "cli MiB" "agent MiB" "nginx" "nginx MiB" "RSS MiB" "PSS MiB"
for pods in "$@"; do
    services=$(( pods * 2 / 5 ))
    "$here/gen.sh" "$pods" "$services" >"$home/big.yaml"
    t0=$(now_ms)
    /usr/bin/time -f '%M' -o "$home/cli.maxrss" "$KUBELAB" up --nodes "$NODES" --name "$LAB" -f "$home/big.yaml" >"$home/up-$pods.log" 2>&1 \
        || { cat "$home/up-$pods.log" >&2; exit 1; }
    t1=$(now_ms)
    cli=$(tail -1 "$home/cli.maxrss")
    agent=$(cat "$home/$LAB/agent.pid")
    masters=$(cat "$home/$LAB/agent.children" 2>/dev/null || true)
    workers=$(for m in $masters; do cat "/proc/$m/task/$m/children" 2>/dev/null; done)
    nginx_rss=$(sum $(for p in $masters $workers; do kb "$p"; done))
    nginx_pss=$(sum $(for p in $masters $workers; do pss "$p"; done))
    count=$(echo $masters $workers | wc -w)
    agent_rss=$(kb "$agent"); agent_pss=$(pss "$agent")
    grep '✓' "$home/up-$pods.log" | sed "s/^/    [$pods pods] /" >"$home/steps-$pods.txt"
    t2=$(now_ms)
    "$KUBELAB" down --name "$LAB" >"$home/down.log" 2>&1 || { cat "$home/down.log" >&2; exit 1; }
    t3=$(now_ms)
    [[ -z $(leftover_netns "$LAB") ]] || { echo "scale/run.sh: down left namespaces" >&2; exit 1; }
    printf '%5d %5d %6d | %8d %8d | %8d %9d %6d %9d | %9d %9d\n' "$pods" "$services" "$count" $((t1 - t0)) $((t3 - t2)) \
        $((cli / 1024)) $((agent_rss / 1024)) "$count" $((nginx_rss / 1024)) $(((cli + agent_rss + nginx_rss) / 1024)) $(((cli + agent_pss + nginx_pss) / 1024))
done
echo
echo "(RSS MiB = CLI peak + agent VmRSS + every nginx master and worker's VmRSS; PSS MiB counts shared pages once.)"
echo "up's steps:"
cat "$home"/steps-*.txt
