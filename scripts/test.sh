#!/usr/bin/env bash
# Installs everything, then builds and runs every test:
#  1. Release build, the whole ctest suite (unit, integration, Slurm, Chromium), then the
#     Debian package built from it, installed, run (default study) and removed;
#  2. the same suite built with ASan+UBSan (IOREC_SANITIZE=ON);
#  3. the two libFuzzer targets (clang) replaying their committed corpora.
#   scripts/test.sh            all three
#   IOREC_TEST_FAST=1 scripts/test.sh   only 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
export OMP_WAIT_POLICY=passive

IOREC_WITH_TEST_DEPS=1 scripts/install-deps.sh

# Darshan (libdarshan.so, darshan-parser) for the real-chain and parser-oracle tests: an
# install prefix in IOREC_DARSHAN, or built once from IOREC_DARSHAN_SRC into a cache.
if [[ -z "${IOREC_DARSHAN:-}" && -n "${IOREC_DARSHAN_SRC:-}" ]]; then
  echo "== [0/3] Darshan from $IOREC_DARSHAN_SRC"
  IOREC_DARSHAN=$(scripts/build-darshan.sh "$IOREC_DARSHAN_SRC")
  export IOREC_DARSHAN
fi

if [[ -n "${IOREC_DARSHAN:-}" ]]; then
  echo "== [0/3] darshan-parser output of the test corpus is current"
  scripts/darshan-expected.sh --check
fi

# ccache (installed above) makes a re-run rebuild only what changed; IOREC_NO_CCACHE=1 skips it.
launcher=()
if [[ "${IOREC_NO_CCACHE:-0}" != 1 ]] && command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

echo "== [1/3] Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
echo "== [1/3] Debian package: install, run the default study from /usr, remove"
scripts/test-package.sh build

if [[ "${IOREC_TEST_FAST:-0}" == 1 ]]; then exit 0; fi

echo "== [2/3] ASan+UBSan build and tests"
# -O1 -g1: line tables for the reports, half the compile time of -O2 -g (measured per file).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOREC_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DIOREC_BUILD_BENCH=OFF \
  "${launcher[@]}" >/dev/null
cmake --build build-asan -j"$jobs"
# XGBoost and libgomp are not instrumented; leaks inside them are not ours to fix.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -E 'Slurm|ReportHtml'

echo "== [3/3] fuzz targets replay their corpora"
fuzz/build.sh
fuzz/build/binary_reader_fuzz -runs=0 fuzz/corpus/binary
fuzz/build/text_reader_fuzz -runs=0 fuzz/corpus/text
echo "== all tests passed"
