#!/usr/bin/env bash
# `iorec features` over the Darshan corpus vs `darshan-parser --total` over the same logs, in
# the same run. Prints each side's best-of-N wall time and the ratio.
#
#   bench/darshan_corpus_bench.sh [CORPUS_DIR] [REPEATS]
#
# CORPUS_DIR defaults to tests/data/darshan/corpus (the 42 shared logs); darshan-parser comes
# from $IOREC_DARSHAN/bin, else scripts/build-darshan.sh. iorec reads all logs in one process
# (`iorec features -q --jobs 1 DIR`, single-threaded); darshan-parser is run once per log, as
# it takes one log per call. Both write to /dev/null.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$root/tests/data/darshan/corpus}
repeats=${2:-5}
iorec=${IOREC_BIN:-$root/build/iorec}
prefix=${IOREC_DARSHAN:-}
[[ -z "$prefix" ]] && prefix=$("$root/scripts/build-darshan.sh")
parser="$prefix/bin/darshan-parser"
mapfile -t logs < <(find "$corpus" -name '*.darshan' | LC_ALL=C sort)
bytes=$(cat "${logs[@]}" | wc -c)

now() { date +%s.%N; }
best() {  # best COMMAND...: minimum wall seconds over $repeats runs
  local b="" t0 t1 d
  for ((i = 0; i < repeats; i++)); do
    t0=$(now)
    "$@" >/dev/null 2>&1 || true
    t1=$(now)
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    if [[ -z "$b" ]] || awk -v d="$d" -v b="$b" 'BEGIN { exit !(d < b) }'; then b=$d; fi
  done
  echo "$b"
}
parser_all() { for l in "${logs[@]}"; do "$parser" --total "$l"; done; }
iorec_per_log() { for l in "${logs[@]}"; do "$iorec" features -q "$l"; done; }

t_parser=$(best parser_all)
t_iorec=$(best "$iorec" features -q --jobs 1 "$corpus")
t_iorec_each=$(best iorec_per_log)
printf 'logs: %d (%d bytes), best of %d runs\n' "${#logs[@]}" "$bytes" "$repeats"
printf 'darshan-parser --total, one call per log : %.3f s\n' "$t_parser"
printf 'iorec features -q --jobs 1 DIR          : %.3f s  (%.1fx faster)\n' "$t_iorec" \
  "$(awk -v a="$t_parser" -v b="$t_iorec" 'BEGIN { print a / b }')"
printf 'iorec features -q, one call per log      : %.3f s  (%.1fx faster)\n' "$t_iorec_each" \
  "$(awk -v a="$t_parser" -v b="$t_iorec_each" 'BEGIN { print a / b }')"
