#!/usr/bin/env bash
# A real iorec study on this machine: the reference planner, mpi_synthio under MPICH and
# Darshan, driven by `runner.mode: real` with examples/real-local/config.yaml.
#
#   scripts/real-local.sh [--reference] OUTPUT_DIR
#
# --reference runs the reference's own io_recommender/config.yaml instead, changed only in
# its runner paths, cap_total_gib ($IOREC_CAP_GIB, default 0.01) and the real runner's new keys
# (synth_binary, darshan_lib, require_lustre: false), on all 25 exemplar workloads. That is
# the reference's full budget (about 1,700 trials): interrupt it with Ctrl-C and run the same
# command again to resume.
#
# Takes the synthesizer from $IOREC_SYNTH_ROOT and Darshan from $IOREC_DARSHAN (an install
# prefix) or $IOREC_DARSHAN_SRC (a source tarball, built with scripts/build-darshan.sh);
# both default to ../shared beside the checkout when it is there. Installs mpich,
# libmpich-dev and autotools when missing (IOREC_NO_INSTALL=1: don't), builds mpi_synthio
# into the cache ($IOREC_CACHE_DIR, default ~/.cache/iorec), lays out OUTPUT_DIR/setup/
# (the config, 3 exemplar workloads, fake lfs/lctl that log to OUTPUT_DIR/setup/lustre.log)
# and runs the study into OUTPUT_DIR/study (run again to resume an interrupted one). IOREC_BIN: the iorec binary (default: build/iorec,
# built when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "real-local: $*" >&2; }
reference=0
if [[ "${1:-}" == --reference ]]; then reference=1; shift; fi
[[ $# -eq 1 ]] || { echo "usage: $0 [--reference] OUTPUT_DIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
shared="$root/../shared"

synth=${IOREC_SYNTH_ROOT:-}
[[ -z "$synth" && -d "$shared/reference/io_synthesizer" ]] && synth="$shared/reference/io_synthesizer"
if [[ -z "$synth" || ! -f "$synth/scripts/features2synth_opsaware.py" ]]; then
  say "no synthesizer: set IOREC_SYNTH_ROOT to a checkout of the reference io_synthesizer"
  say "(the directory holding scripts/features2synth_opsaware.py and scripts/mpi_synthio.c)"
  exit 2
fi
synth=$(cd "$synth" && pwd)

if [[ "${IOREC_NO_INSTALL:-0}" != 1 ]]; then
  need=()
  for t in mpicc mpiexec autoconf automake libtoolize python3; do
    command -v "$t" >/dev/null || need+=("$t")
  done
  if ((${#need[@]})); then
    say "installing mpich, libmpich-dev, autotools (missing: ${need[*]})"
    IOREC_EXTRA_PKGS="mpich libmpich-dev autoconf automake libtool zlib1g-dev python3" \
      "$root/scripts/install-deps.sh" >&2
  fi
fi

darshan=${IOREC_DARSHAN:-}
if [[ -z "$darshan" ]]; then
  src=${IOREC_DARSHAN_SRC:-}
  [[ -z "$src" && -f "$shared/vendor/darshan-3.4.7.tar.gz" ]] && src="$shared/vendor/darshan-3.4.7.tar.gz"
  if [[ -z "$src" ]]; then
    say "no Darshan: set IOREC_DARSHAN to an install prefix (lib/libdarshan.so) or"
    say "IOREC_DARSHAN_SRC to a Darshan source tarball"
    exit 2
  fi
  say "Darshan from $src (built once into the cache)"
  darshan=$("$root/scripts/build-darshan.sh" "$src")
fi
[[ -f "$darshan/lib/libdarshan.so" ]] || { say "$darshan/lib/libdarshan.so: not found (IOREC_DARSHAN)"; exit 2; }

cache=${IOREC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/iorec}
sum=$(sha256sum "$synth/scripts/mpi_synthio.c" | cut -c1-16)
synth_bin="$cache/mpi_synthio-$sum/mpi_synthio"
if [[ ! -x "$synth_bin" ]]; then
  say "building mpi_synthio into $(dirname "$synth_bin")"
  mkdir -p "$(dirname "$synth_bin")"
  mpicc -O3 -o "$synth_bin.tmp" "$synth/scripts/mpi_synthio.c" -lm
  mv "$synth_bin.tmp" "$synth_bin"
fi

iorec=${IOREC_BIN:-$root/build/iorec}
if [[ ! -x "$iorec" ]]; then
  say "building iorec into $root/build"
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$root/build" -j2 --target iorec >&2
fi

setup="$out/setup"
# Refresh what this script lays out; keep synth-out/ (plans, and the lctl values a killed
# trial recorded, which the resumed study restores first) and the stand-ins' state and log.
rm -rf "$setup/config.yaml" "$setup/workloads" "$setup/bin" "$setup/synth" "$setup/darshan"
mkdir -p "$setup/workloads" "$setup/bin"
if ((reference)); then
  ref="$synth/io_recommender/config.yaml"
  [[ -f "$ref" ]] || { say "$ref: not found (IOREC_SYNTH_ROOT)"; exit 2; }
  # Its data.input_dir (inputs/exemplar_jsons) is found under io_synth_root, as the reference
  # resolves it: the 25 exemplars of the synthesizer.
  sed -e 's|^\(  io_synth_root:\).*|\1 synth|' -e 's|^\(  out_root:\).*|\1 synth-out|' \
      -e "s|^\\(  cap_total_gib:\\).*|\\1 ${IOREC_CAP_GIB:-0.01}|" "$ref" > "$setup/config.yaml"
  printf '  synth_binary: bin/mpi_synthio\n  darshan_lib: darshan/lib/libdarshan.so\n  require_lustre: false\n' \
    >> "$setup/config.yaml"
else
  cp "$root/examples/real-local/config.yaml" "$setup/config.yaml"
  for w in top19_83 top16_225 top23_193; do
    cp "$root/examples/workloads/$w.json" "$setup/workloads/"
  done
fi
ln -s "$synth" "$setup/synth"
ln -s "$darshan" "$setup/darshan"
ln -s "$synth_bin" "$setup/bin/mpi_synthio"
ln -s "$root/scripts/fake-lustre/lfs" "$setup/bin/lfs"
ln -s "$root/scripts/fake-lustre/lctl" "$setup/bin/lctl"
export IOREC_FAKE_LUSTRE_LOG="$setup/lustre.log"
export IOREC_FAKE_LUSTRE_STATE="$setup/lustre-state"
export PATH="$setup/bin:$darshan/bin:$PATH"

say "running the study into $out/study"
"$iorec" run --config "$setup/config.yaml" --output-dir "$out/study"
"$iorec" status "$out/study" || true

# What a person checks: every trial has its own log, the client settings came back.
trials=$(find "$out/study/trials" -name request.json | wc -l)
logs=$(find "$out/study/trials" -name '*.darshan' | wc -l)
say "$trials trials, $logs Darshan logs; Lustre calls logged in $IOREC_FAKE_LUSTRE_LOG"
now=$("$setup/bin/lctl" get_param 'osc.*.max_pages_per_rpc' 'osc.*.max_rpcs_in_flight' | tr '\n' ' ')
say "lctl after the study (defaults 1024 and 8 expected): $now"
say "report: $out/study/report.html"
