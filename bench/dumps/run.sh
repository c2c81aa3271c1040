#!/usr/bin/env bash
# Issue 14's front-door benchmark: the whole `kubelab rules -f` command on a dump of N Services × 10 endpoints
# (kubectl's JSON List and YAML), against iptables-restore loading the same rules into a scratch network namespace
# in the same run, then iptables-save of that namespace against parsing its output and tracing to the last Service.
#   sudo KUBELAB=/tmp/kl-rel/kubelab BENCH=bench/KubeLab.Bench/bin/Release/net10.0/KubeLab.Bench.dll bench/dumps/run.sh [SERVICES]
# Without KUBELAB, the CLI is published (Release, ReadyToRun) to bench/dumps/bin; without BENCH, the bench is built (Release).
# Root for the kernel part; the namespace is kl-benchdump.<pid> and is deleted on exit; the root namespace is untouched.
set -euo pipefail
SERVICES=${1:-10000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${KUBELAB:-}" ]; then
  dotnet publish "$ROOT/src/KubeLab.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$ROOT/bench/dumps/bin" > /dev/null
  KUBELAB="$ROOT/bench/dumps/bin/kubelab"
fi
if [ -z "${BENCH:-}" ]; then
  dotnet build "$ROOT/bench/KubeLab.Bench" -c Release > /dev/null
  BENCH="$ROOT/bench/KubeLab.Bench/bin/Release/net10.0/KubeLab.Bench.dll"
fi
# iptables lives in /usr/sbin, which a root shell without sudo may not have on its PATH (ip netns exec searches it)
export PATH="$PATH:/usr/sbin:/sbin"
RESTORE=${RESTORE:-iptables-legacy-restore}
SAVE=${SAVE:-iptables-legacy-save}
DIR=$(mktemp -d /tmp/kl-benchdump.XXXXXX)
NS="kl-benchdump.$$"
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
export KUBELAB_HOME="$DIR/home"

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$BENCH" dumps write "$DIR" "$SERVICES"
for format in json yaml; do
  # GNU time: wall seconds and peak RSS (KiB) of the whole command, start-up included
  # (KUBELAB_TIMINGS=1 in the environment adds each phase's wall and CPU time on stderr)
  /usr/bin/time -f "%e %M %U %S" -o "$DIR/time.$format" "$KUBELAB" rules -f "$DIR/cluster.$format" --node vm1 > "$DIR/rules.$format"
  read -r seconds rss user sys < "$DIR/time.$format"
  echo "rules -f cluster.$format: ${seconds} s (CPU ${user} + ${sys} s), peak RSS $((rss / 1024)) MiB, $(wc -c < "$DIR/rules.$format") bytes of rules"
done
cmp -s "$DIR/rules.json" "$DIR/rules.yaml" && echo "same rules from JSON and YAML" || { echo "DIFFERENT rules from JSON and YAML"; exit 1; }

ip netns add "$NS"
/usr/bin/time -f "%e %U %S" -o "$DIR/time.restore" ip netns exec "$NS" "$RESTORE" --noflush < "$DIR/rules.json"
read -r restore restore_user restore_sys < "$DIR/time.restore"
start=$(date +%s.%N)
ip netns exec "$NS" "$SAVE" > "$DIR/vm1.iptables-save"
save=$(echo "$(date +%s.%N) - $start" | bc)
echo "$RESTORE: ${restore} s (CPU ${restore_user} + ${restore_sys} s); $SAVE: ${save} s ($(wc -l < "$DIR/vm1.iptables-save") lines)"
for format in json yaml; do
  read -r seconds rss user sys < "$DIR/time.$format"
  echo "ratio rules -f cluster.$format / restore: $(echo "scale=1; 100 * $seconds / $restore" | bc) % (CPU: $(echo "scale=1; 100 * ($user + $sys) / ($restore_user + $restore_sys)" | bc) %)"
done
dotnet "$BENCH" dumps read "$DIR"
dotnet "$BENCH" dumps trace "$DIR" "$DIR/vm1.iptables-save"
echo "(compare the parse with $SAVE's ${save} s)"
