#!/usr/bin/env bash
# Times `kubelab up --name LAB -f seed` (until it returns: the lab is built and answers DNS) and
# `kubelab down`, N times; then the floor (floor.sh: the same namespaces, links and iptables-restore
# calls from a shell script) the same way, and prints the ratio.
#
#   sudo KUBELAB=/tmp/kl-rel/kubelab N=7 bench/up/run.sh
#
# KUBELAB     the kubelab executable (publish it first, see docs/benchmarks.md); default: kubelab on PATH
# N           runs (default 7); WARMUP=1 adds one untimed run first (page cache, default 1)
# LAB         lab name (default b → namespaces kl-b.*); FLOOR_LAB for the floor (default bf)
# SCENARIO    what `up -f` applies (default seed)
# Root only. Every lab is removed at the end, also when a run fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

KUBELAB=${KUBELAB:-kubelab}
N=${N:-7}
WARMUP=${WARMUP:-1}
LAB=${LAB:-b}
FLOOR_LAB=${FLOOR_LAB:-bf}
SCENARIO=${SCENARIO:-seed}
[[ $(id -u) == 0 ]] || { echo "run.sh: needs root (network namespaces)" >&2; exit 2; }
command -v "$KUBELAB" >/dev/null || { echo "run.sh: $KUBELAB not found; set KUBELAB=/path/to/kubelab" >&2; exit 2; }

echo "$(date -u +%FT%TZ) $(nproc) CPUs, load average $(cut -d" " -f1-3 /proc/loadavg)"
home=$(mktemp -d /tmp/kubelab-bench.XXXXXX)
export KUBELAB_HOME=$home
cleanup() {
    "$KUBELAB" down --name "$LAB" >/dev/null 2>&1 || true
    remove_netns_prefix "$LAB"
    LAB=$FLOOR_LAB "$here/floor.sh" down >/dev/null 2>&1 || true
    rm -rf "$home"
    local left
    left=$(leftover_netns "$LAB"; leftover_netns "$FLOOR_LAB")
    [[ -z $left ]] || echo "run.sh: WARNING: namespaces left: $left" >&2
}
trap cleanup EXIT

if [[ $(leftover_netns "$LAB") != "" ]]; then
    echo "run.sh: lab $LAB already has namespaces (kl-$LAB.*); choose another LAB" >&2
    trap - EXIT; exit 2
fi

up=(); down=(); steps="$home/steps.txt"; : >"$steps"
for ((i = 1 - WARMUP; i <= N; i++)); do
    t0=$(now_ms)
    "$KUBELAB" up --name "$LAB" -f "$SCENARIO" >"$home/up.log" 2>&1 || { cat "$home/up.log" >&2; exit 1; }
    t1=$(now_ms)
    "$KUBELAB" down --name "$LAB" >"$home/down.log" 2>&1 || { cat "$home/down.log" >&2; exit 1; }
    t2=$(now_ms)
    [[ -z $(leftover_netns "$LAB") ]] || { echo "run.sh: down left namespaces" >&2; exit 1; }
    if ((i >= 1)); then
        up+=($((t1 - t0))); down+=($((t2 - t1)))
        # " ✓ Step title (123 ms)" → "Step title<TAB>123"
        sed -n 's/^ ✓ \(.*\) (\([0-9]*\) ms)$/\1\t\2/p' "$home/up.log" >>"$steps"
        printf 'run %d: up %d ms, down %d ms\n' "$i" $((t1 - t0)) $((t2 - t1))
    fi
done

echo
echo "kubelab ($KUBELAB, lab $LAB, -f $SCENARIO), $N runs:"
stats "up (until it returns)" "${up[@]}"; up_median=$MEDIAN
stats "down" "${down[@]}"; down_median=$MEDIAN
echo
echo "up's steps (median of $N runs, as printed by up):"
cut -f1 "$steps" | awk '!seen[$0]++' | while IFS= read -r title; do
    # shellcheck disable=SC2046
    stats "  $(echo "$title" | cut -c1-60)" $(awk -F'\t' -v t="$title" '$1 == t {print $2}' "$steps") | sed 's/^/  /'
done

echo
fu=(); fd=()
for ((i = 1 - WARMUP; i <= N; i++)); do
    t0=$(now_ms); LAB=$FLOOR_LAB "$here/floor.sh" up; t1=$(now_ms)
    LAB=$FLOOR_LAB "$here/floor.sh" down; t2=$(now_ms)
    ((i < 1)) || { fu+=($((t1 - t0))); fd+=($((t2 - t1))); }
done
echo "floor (bench/up/floor.sh, same namespaces, links, iptables-restore), $N runs:"
stats "floor up" "${fu[@]}"; floor_up=$MEDIAN
stats "floor down" "${fd[@]}"; floor_down=$MEDIAN
echo
awk -v a="$up_median" -v b="$floor_up" -v c="$down_median" -v d="$floor_down" \
    'BEGIN { printf "ratio kubelab/floor: up %.1fx, down %.1fx\n", a / b, c / (d > 0 ? d : 1) }'
verdict() { (( $1 <= $2 )) && echo met || echo MISSED; }
echo "targets: up median <= 2000 ms: $(verdict "$up_median" 2000); down median <= 500 ms: $(verdict "$down_median" 500)"
