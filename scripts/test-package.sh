#!/usr/bin/env bash
# Builds the Debian package from a configured build directory, installs it with apt-get,
# checks what it installed, runs `iorec --version` and the default study from the installed
# files (/usr/bin/iorec, /usr/share/iorec/examples/), then removes the package again.
#
#   scripts/test-package.sh [BUILD_DIR]    # default: build (scripts/test.sh's Release build)
#
# Needs root or sudo, and dpkg-dev for cpack's dependency list (scripts/install-deps.sh).
# Refuses to run when an iorec package is already installed, rather than replace it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
log() { echo "test-package: $*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "need root or sudo to install the package"
  SUDO=sudo
fi
installed() { dpkg-query -W -f='${Status}' iorec 2>/dev/null | grep -q "install ok installed"; }
installed && die "an iorec package is already installed; remove it first (apt-get remove iorec)"

cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target iorec iorec_man
rm -f "$build"/iorec_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
debs=("$build"/iorec_*.deb)
[[ -f "${debs[0]}" ]] || die "cpack wrote no iorec_*.deb in $build"
deb=${debs[0]}
log "$(basename "$deb"): $(stat -c %s "$deb") bytes"
log "Depends: $(dpkg-deb -f "$deb" Depends)"

work=$(mktemp -d)
cleanup() {
  if installed; then
    log "removing the package"
    $SUDO apt-get -o DPkg::Lock::Timeout=300 remove --purge -y -qq iorec >/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  --no-install-recommends "$deb" >/dev/null

# Every shared library the installed binary loads must come from a package that iorec's
# Depends pull in (directly or through their own Depends; a virtual package counts as its
# installed providers), as apt would resolve them on a fresh machine.
declare -A providers=()
while read -r pkg provides; do
  for v in $(tr ',' '\n' <<<"$provides" | sed 's/(.*)//' | awk '{print $1}'); do
    providers[$v]+=" $pkg"
  done
done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' | awk '$1 == "ii" {$1 = ""; print}')
closure() {
  local -A seen=()
  local queue=(iorec) p deps d
  while ((${#queue[@]})); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    [[ -n ${seen[$p]:-} ]] && continue
    seen[$p]=1
    deps=$(dpkg-query -W -f='${Depends},${Pre-Depends}' "$p" 2>/dev/null || true)
    for d in $(tr ',|' '\n\n' <<<"$deps" | sed 's/(.*)//; s/:any//' | awk '{print $1}'); do
      [[ -n $d ]] || continue
      # shellcheck disable=SC2206
      queue+=("$d" ${providers[$d]:-})
    done
  done
  printf '%s\n' "${!seen[@]}"
}
needed=$(closure)
for lib in $(ldd /usr/bin/iorec | awk '/=>/ {print $3}'); do
  real=$(readlink -f "$lib")
  owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null ||
    dpkg -S "${real#/usr}" 2>/dev/null || true)
  owner=${owner%%:*}
  [[ -n $owner ]] || die "$lib ($real) belongs to no package"
  grep -qx "$owner" <<<"$needed" || die "$lib comes from $owner, which the package does not depend on"
done
log "every library of /usr/bin/iorec comes from its Depends"

[[ $(command -v iorec) == /usr/bin/iorec ]] || die "iorec on PATH is $(command -v iorec), not /usr/bin/iorec"
version=$(/usr/bin/iorec --version)
[[ $version == "iorec $(dpkg-deb -f "$deb" Version)" ]] || die "iorec --version printed '$version'"
log "$version"
for f in /usr/share/man/man1/iorec.1.gz /usr/share/bash-completion/completions/iorec \
  /usr/share/doc/iorec/README.md /usr/share/doc/iorec/LICENSE /usr/share/doc/iorec/copyright \
  /usr/share/doc/iorec/docs/runners.md /usr/share/iorec/examples/config.yaml; do
  [[ -s $f ]] || die "$f is missing or empty"
done
zcat /usr/share/man/man1/iorec.1.gz | grep -q '^\.SS "iorec run"' || die "the man page has no 'iorec run' section"
completions=$(bash -c 'source /usr/share/bash-completion/completions/iorec
  COMP_WORDS=(iorec ""); COMP_CWORD=1; _iorec; echo "${COMPREPLY[*]}"')
[[ " $completions " == *" run "* && " $completions " == *" recommend "* ]] ||
  die "bash completion of 'iorec ' gave '$completions'"

# The default study from the installed examples, run from an unrelated directory.
cd "$work"
/usr/bin/iorec run --quiet --config /usr/share/iorec/examples/config.yaml --output-dir "$work/study" \
  >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; die "the installed default study failed"; }
for f in summary.json recommendation_matrix.json observations.csv model/model.json; do
  [[ -s "$work/study/$f" ]] || die "the installed default study wrote no $f"
done
/usr/bin/iorec recommend --model "$work/study/model" \
  --workload /usr/share/iorec/examples/workloads/top1_101.json >"$work/rec.txt" ||
  die "recommend from the installed study failed"
grep -q '^#1 ' "$work/rec.txt" || die "recommend printed no #1 config"
log "installed default study: $(grep -c . "$work/study/observations.csv") observation rows, recommend ok"
cleanup
trap - EXIT
installed && die "the package is still installed after removal"
[[ ! -e /usr/bin/iorec ]] || die "/usr/bin/iorec is still there after removal"
log "ok: installed, checked, ran the default study, removed"
