#!/bin/sh
# One iorec trial: runs fio with the trial's knobs on small files in the trial directory and
# prints {"agg_perf_by_slowest": <MiB/s>} (read + write bandwidth) as the last JSON object.
#   fio_trial.sh BS IODEPTH NUMJOBS DIRECT   (called by examples/fio/config.yaml)
set -eu
bs=$1 iodepth=$2 numjobs=$3 direct=$4
size=${IOREC_FIO_SIZE:-16M}
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)" >&2; exit 127; }
mkdir -p data
fio --name=trial --directory=data --rw=randrw --rwmixread=70 --bs="$bs" --iodepth="$iodepth" \
    --numjobs="$numjobs" --direct="$direct" --ioengine=libaio --size="$size" --runtime=3 \
    --time_based --group_reporting --randseed="${IOREC_SEED:-1}" --output-format=json \
    --output=fio.json >/dev/null
rm -rf data
# fio reports bandwidth in KiB/s.
awk 'BEGIN{r=0;w=0} /"bw" :/ {gsub(/[^0-9]/,"",$3); if (!seen_r) {r=$3; seen_r=1} else if (!seen_w) {w=$3; seen_w=1}} END{printf "{\"agg_perf_by_slowest\": %.3f}\n", (r+w)/1024}' fio.json
