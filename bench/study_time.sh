#!/usr/bin/env bash
# Times the whole default study: N runs (default 5) of `iorec run` with /usr/bin/time -v,
# printing each run's wall time and peak RSS, then the medians.
#   bench/study_time.sh [CONFIG] [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
config=${1:-$root/examples/config.yaml}
n=${2:-5}
bin=$root/build/iorec
[[ -x $bin ]] || { echo "build first: cmake --build build --target iorec" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
walls=() rss=()
for i in $(seq 1 "$n"); do
  /usr/bin/time -v "$bin" run -q --config "$config" --output-dir "$tmp/run$i" >/dev/null 2>"$tmp/time$i"
  w=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time$i" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time$i")
  echo "run $i: wall ${w}s, peak RSS $((r / 1024)) MiB"
  walls+=("$w") rss+=("$r")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median wall $(median "${walls[@]}") s, median peak RSS $(( $(median "${rss[@]}" | cut -d. -f1) / 1024 )) MiB"
