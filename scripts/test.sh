#!/usr/bin/env bash
# Installs everything, builds (Release) and runs every test with ctest.
#   scripts/test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

IOREC_WITH_TEST_DEPS=1 scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
export OMP_WAIT_POLICY=passive
ctest --test-dir build --output-on-failure -j"$jobs"
