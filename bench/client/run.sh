#!/usr/bin/env bash
# kubelab's own verbs as clients of the lab's API server, against the floor of the same request made by the real
# kubectl (a native Go client): the whole command, start-up included, on a model-only lab with the seed applied.
#   KUBELAB=/tmp/kl-r2r/kubelab [BASE=/tmp/kl-base/kubelab] [N=20] bench/client/run.sh
# Without KUBELAB, the CLI is published (Release, ReadyToRun) to bench/client/bin. BASE, another build, is timed
# in the same rounds (A/B). No root needed: the lab is --driver none in a temporary KUBELAB_HOME, and is taken down.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-20}
if [ -z "${KUBELAB:-}" ]; then
  dotnet publish "$ROOT/src/KubeLab.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$ROOT/bench/client/bin" > /dev/null
  KUBELAB="$ROOT/bench/client/bin/kubelab"
fi
KUBECTL=${KUBECTL:-/usr/lib/google-cloud-sdk/bin/kubectl.1.29}
DIR=$(mktemp -d /tmp/kl-benchclient.XXXXXX)
export KUBELAB_HOME="$DIR/home" KUBECONFIG="$DIR/kubeconfig"
cleanup() { "$KUBELAB" down --name bench > /dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$KUBELAB" up --driver none --name bench -f seed > /dev/null
python3 - "$N" "$KUBELAB" "${BASE:-}" "$KUBECTL" <<'PY'
import statistics, subprocess, sys, time
n, kubelab, base, kubectl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
runs = {
    "kubelab get pods -A": [kubelab, "get", "pods", "-A", "--name", "bench"],
    "kubelab get pods -A -o yaml": [kubelab, "get", "pods", "-A", "-o", "yaml", "--name", "bench"],
    "kubelab apply -f seed (unchanged)": [kubelab, "apply", "-f", "seed", "--name", "bench"],
    "kubectl get pods -A (floor)": [kubectl, "get", "pods", "-A"],
    "kubectl get pods -A -o yaml (floor)": [kubectl, "get", "pods", "-A", "-o", "yaml"],
}
if base:
    runs["base: kubelab get pods -A"] = [base, "get", "pods", "-A", "--name", "bench"]
    runs["base: kubelab apply -f seed (unchanged)"] = [base, "apply", "-f", "seed", "--name", "bench"]
times = {k: [] for k in runs}
outputs = {}
for _ in range(n):
    for name, argv in runs.items():
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        times[name].append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            sys.exit(f"{name} exited {done.returncode}: {done.stderr}")
        outputs[name] = done.stdout
for name, values in times.items():
    values.sort()
    print(f"{name:42} median {statistics.median(values):7.1f} ms   p90 {values[int(len(values) * 0.9) - 1]:7.1f} ms   min {values[0]:7.1f} ms")
floor = statistics.median(times["kubectl get pods -A (floor)"])
print(f"kubelab get / kubectl get: {statistics.median(times['kubelab get pods -A']) / floor:.1f}x")
# the same output, or the figures compare different work (AGE, the last column, may turn between the two runs)
def without_age(text):
    return [line.rsplit(None, 1)[0] for line in text.splitlines()]
print("get pods -A output equal to kubectl's (but AGE):", without_age(outputs["kubelab get pods -A"]) == without_age(outputs["kubectl get pods -A (floor)"]))
print("get pods -A -o yaml output equal to kubectl's:", outputs["kubelab get pods -A -o yaml"] == outputs["kubectl get pods -A -o yaml (floor)"])
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
