#!/usr/bin/env bash
# Writes darshan-parser's view of every log under tests/data/darshan/corpus/ into
# tests/data/darshan/corpus/<log>.parser: the `total_<COUNTER>` lines of `--total` and the
# `agg_*_by_slowest` lines of `--perf` (each after its `# <MODULE> module data` line) for the
# POSIX, MPI-IO and STDIO modules, with darshan-parser's exit status. Logs where plain
# darshan-parser stops at a partial module (exit != 0) also get the `--show-incomplete` runs.
# tests/darshan/corpus_test.cpp compares `iorec darshan` with these files.
#
#   scripts/darshan-expected.sh            regenerate the checked-in files
#   scripts/darshan-expected.sh --check    regenerate into a scratch dir and diff (CI)
#
# darshan-parser comes from $IOREC_DARSHAN/bin, else scripts/build-darshan.sh builds it from
# the vendored tarball (see that script).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/tests/data/darshan/corpus"
check=0
[[ "${1:-}" == "--check" ]] && check=1

prefix=${IOREC_DARSHAN:-}
[[ -z "$prefix" ]] && prefix=$("$root/scripts/build-darshan.sh")
parser="$prefix/bin/darshan-parser"
[[ -x "$parser" ]] || { echo "darshan-expected: $parser not found" >&2; exit 2; }

out_root="$corpus"
if ((check)); then
  out_root=$(mktemp -d)
  trap 'rm -rf "$out_root"' EXIT
fi

# One section: a header with the command's exit status, then the kept lines.
section() {  # section LOG OPTIONS...
  local log=$1; shift
  local text rc=0
  text=$("$parser" "$@" "$log" 2>/dev/null) || rc=$?
  echo "## darshan-parser $* (exit $rc)"
  if [[ " $* " == *" --total "* ]]; then
    grep -E '^total_(POSIX|MPIIO|STDIO)_' <<<"$text" || true
  else
    # keep a module's header line only when its perf lines follow
    grep -E '^# (POSIX|MPI-IO|STDIO) module data$|^# agg_(time|perf)_by_slowest' <<<"$text" |
      awk '/module data$/ { m = $0; next } { if (m != "") { print m; m = "" } print }' || true
  fi
  return $rc
}

n=0
while IFS= read -r log; do
  rel=${log#"$corpus"/}
  dest="$out_root/$rel.parser"
  mkdir -p "$(dirname "$dest")"
  {
    plain_rc=0
    section "$log" --total || plain_rc=$?
    section "$log" --perf || true
    if ((plain_rc != 0)); then
      section "$log" --total --show-incomplete || true
      section "$log" --perf --show-incomplete || true
    fi
  } >"$dest"
  n=$((n + 1))
done < <(find "$corpus" -name '*.darshan' | LC_ALL=C sort)

if ((check)); then
  if diff -r -x '*.darshan' -x '*.md' "$corpus" "$out_root" >/dev/null; then
    echo "darshan-expected: $n logs: checked-in darshan-parser output is current"
  else
    diff -r -x '*.darshan' -x '*.md' "$corpus" "$out_root" | head -40 >&2
    echo "darshan-expected: checked-in darshan-parser output differs (run scripts/darshan-expected.sh)" >&2
    exit 1
  fi
else
  echo "darshan-expected: wrote $n files under $corpus"
fi
