#!/usr/bin/env bash
# Installs every Debian 12 package iorec needs to build, test and run. Idempotent:
# only missing packages are installed. Uses sudo when not root.
set -euo pipefail

PKGS=(
  g++ cmake make pkg-config git
  libxgboost-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libsqlite3-dev zlib1g-dev libbz2-dev libdeflate-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox time
  help2man dpkg-dev
)
# Extra packages the test suite needs (scripts/test.sh sets IOREC_WITH_TEST_DEPS=1).
# The real-testbed chain (MPICH, Darshan built from source, the Python planner) is tested too.
TEST_PKGS=(slurmctld slurmd slurm-client munge chromium clang libclang-rt-14-dev
  mpich libmpich-dev autoconf automake libtool python3 ccache)
if [[ "${IOREC_WITH_TEST_DEPS:-0}" == 1 ]]; then
  PKGS+=("${TEST_PKGS[@]}")
fi
# Callers may ask for more (space-separated), e.g. scripts/build-darshan.sh.
if [[ -n "${IOREC_EXTRA_PKGS:-}" ]]; then
  read -r -a extra <<<"$IOREC_EXTRA_PKGS"
  PKGS+=("${extra[@]}")
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
