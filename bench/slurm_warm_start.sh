#!/usr/bin/env bash
# The default study's warm start (25 workloads x 45 configs = 1,125 trials) on the local
# single-node Slurm cluster: examples/config.yaml with `active.iterations: 0`, trivial
# command-runner trials and `runner.executor: slurm`. Prints the sbatch calls, the jobs Slurm
# ran (array tasks count one each) and the wall time of `iorec run`.
#
#   bench/slurm_warm_start.sh [IOREC_BINARY] [RUNNER_SLURM_KEYS]
#   bench/slurm_warm_start.sh build/iorec                                   # defaults
#   bench/slurm_warm_start.sh build/iorec "trials_per_job: 25, max_concurrent: 8"
#
# Starts and stops its own cluster (scripts/slurm-local.sh) in a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/build/iorec}")
keys=${2:-}
work=$(mktemp -d /tmp/iorec-swb.XXXXXX)
state=$work/s
cleanup() {
  "$root/scripts/slurm-local.sh" stop "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

eval "$("$root/scripts/slurm-local.sh" start "$state" 2>/dev/null)"
mkdir -p "$work/bin"
real_sbatch=$(command -v sbatch)
printf '#!/bin/sh\necho "$*" >> %q\nexec %q "$@"\n' "$work/sbatch.log" "$real_sbatch" >"$work/bin/sbatch"
chmod +x "$work/bin/sbatch"
export PATH="$work/bin:$PATH"

# The default study's knobs, workloads and warm start; only the runner and loop differ.
awk -v workloads="$root/examples/workloads" '
  /^[a-z_]+:/ { skip = ($1 == "active:" || $1 == "runner:" || $1 == "evaluation:") }
  skip { next }
  /^  input_dir:/ { print "  input_dir: " workloads; next }
  { print }' "$root/examples/config.yaml" >"$work/config.yaml"
cat >>"$work/config.yaml" <<YAML
active: {iterations: 0}
evaluation: {enabled: false}
runner:
  mode: command
  command: 'echo \$(( ({stripe_count} + {osc_max_pages_per_rpc} + \${#IOREC_WORKLOAD}) % 17 + 1 ))'
  metric: stdout_last_number
  executor: slurm
  slurm: {poll_s: 1${keys:+, $keys}}
YAML

start=$(date +%s.%N)
"$bin" run --quiet --config "$work/config.yaml" --output-dir "$work/out" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log" >&2; exit 1; }
end=$(date +%s.%N)
trials=$(($(wc -l <"$work/out/observations.csv") - 1))
echo "binary: $bin"
echo "runner.slurm: {poll_s: 1${keys:+, $keys}}"
echo "trials: $trials"
echo "sbatch calls: $(wc -l <"$work/sbatch.log")"
echo "jobs Slurm ran (array tasks count one each): $(wc -l <"$state/log/jobcomp.txt")"
awk -v a="$start" -v b="$end" 'BEGIN { printf "wall time of iorec run: %.1f s\n", b - a }'
