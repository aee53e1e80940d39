#!/bin/sh
# One iorec trial: runs fio with the trial's knobs on small files in the trial directory and
# prints {"agg_perf_by_slowest": <MiB/s>} (read + write bandwidth) as the last JSON object.
#   fio_trial.sh WORKLOAD BS IODEPTH NUMJOBS DIRECT   (called by examples/fio/config.yaml)
# WORKLOAD is the name of a file in workloads/: random_mixed (70/30 random read/write) or
# sequential_write (sequential writes only).
set -eu
workload=$1 bs=$2 iodepth=$3 numjobs=$4 direct=$5
size=${IOREC_FIO_SIZE:-16M}
runtime=${IOREC_FIO_RUNTIME:-3}
case "$workload" in
  random_mixed) pattern="--rw=randrw --rwmixread=70" ;;
  sequential_write) pattern="--rw=write" ;;
  *) echo "fio_trial.sh: unknown workload '$workload' (random_mixed, sequential_write)" >&2; exit 2 ;;
esac
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)" >&2; exit 127; }
mkdir -p data
# $pattern is two words on purpose.
# shellcheck disable=SC2086
fio --name=trial --directory=data $pattern --bs="$bs" --iodepth="$iodepth" \
    --numjobs="$numjobs" --direct="$direct" --ioengine=libaio --size="$size" \
    --runtime="$runtime" --time_based --group_reporting --randseed="${IOREC_SEED:-1}" \
    --output-format=json --output=fio.json >/dev/null
rm -rf data
# fio reports bandwidth in KiB/s: the first "bw" is the reads', the second the writes'.
awk 'BEGIN{r=0;w=0} /"bw" :/ {gsub(/[^0-9]/,"",$3); if (!seen_r) {r=$3; seen_r=1} else if (!seen_w) {w=$3; seen_w=1}} END{printf "{\"agg_perf_by_slowest\": %.3f}\n", (r+w)/1024}' fio.json
