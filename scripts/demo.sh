#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a finished study:
# installs missing packages, builds iorec (Release) and runs the default study on the
# deterministic stub testbed (no cluster needed).
#   scripts/demo.sh [OUTPUT_DIR]      (default: demo-out)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-demo-out}
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target iorec -j"$jobs"

echo "== running the default study (examples/config.yaml) into $out"
./build/iorec run --config examples/config.yaml --output-dir "$out"

echo "== recommending for a workload file with the trained model"
./build/iorec recommend --model "$out/model" --workload examples/workloads/top5_74.json
echo "== recommending for an application from its Darshan log"
./build/iorec recommend --model "$out/model" --darshan tests/data/darshan/combined.darshan
echo "== done: open $out/report.html, or see $out/summary.md, $out/summary.json, $out/plots/"
echo "   (running this again resumes the finished study in $out; pass another directory to start anew)"
