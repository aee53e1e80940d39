#!/usr/bin/env bash
# Builds Darshan (runtime + util) from a source tarball into a cache directory and prints
# the install prefix on stdout (progress goes to stderr). A second call with the same
# tarball reuses the build.
#
#   scripts/build-darshan.sh [TARBALL]
#
# TARBALL defaults to $IOREC_DARSHAN_SRC, else ../shared/vendor/darshan-3.4.7.tar.gz beside
# the checkout. The prefix is $IOREC_CACHE_DIR/darshan-<sha256 prefix of the tarball>
# (IOREC_CACHE_DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/iorec). It holds
# lib/libdarshan.so (preload it into an MPI job with DARSHAN_LOGFILE set) and
# bin/darshan-parser. Needs mpicc (mpich, libmpich-dev), autoconf, automake, libtool and
# zlib1g-dev; IOREC_INSTALL_DEPS=1 installs them with apt-get.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

tarball=${1:-${IOREC_DARSHAN_SRC:-}}
if [[ -z "$tarball" && -f "$root/../shared/vendor/darshan-3.4.7.tar.gz" ]]; then
  tarball="$root/../shared/vendor/darshan-3.4.7.tar.gz"
fi
if [[ -z "$tarball" ]]; then
  echo "build-darshan: no Darshan source tarball; pass one or set IOREC_DARSHAN_SRC" >&2
  exit 2
fi
if [[ ! -f "$tarball" ]]; then
  echo "build-darshan: $tarball: no such file" >&2
  exit 2
fi
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")

if [[ "${IOREC_INSTALL_DEPS:-0}" == 1 ]]; then
  IOREC_EXTRA_PKGS="mpich libmpich-dev autoconf automake libtool zlib1g-dev" \
    "$root/scripts/install-deps.sh" >&2
fi
for tool in mpicc autoconf automake libtoolize make; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-darshan: '$tool' not found; install mpich libmpich-dev autoconf automake" \
      "libtool (or run with IOREC_INSTALL_DEPS=1)" >&2
    exit 2
  fi
done

sum=$(sha256sum "$tarball" | cut -c1-16)
cache=${IOREC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/iorec}
prefix="$cache/darshan-$sum"
if [[ -x "$prefix/bin/darshan-parser" && -f "$prefix/lib/libdarshan.so" ]]; then
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache"
# One build at a time per prefix (parallel test jobs may call this together).
exec 9>"$prefix.lock"
flock 9
if [[ -x "$prefix/bin/darshan-parser" && -f "$prefix/lib/libdarshan.so" ]]; then
  echo "$prefix"
  exit 0
fi

work=$(mktemp -d "$cache/darshan-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "build-darshan: building $(basename "$tarball") into $prefix (about a minute)" >&2
tar -xzf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
log="$work/build.log"
if ! (
  cd "$src" && ./prepare.sh && mkdir -p build && cd build &&
    ../configure --prefix="$prefix" --with-log-path-by-env=DARSHAN_LOGPATH \
      --with-jobid-env=NONE CC=mpicc &&
    make -j"$(nproc 2>/dev/null || echo 2)" && make install
) >"$log" 2>&1; then
  echo "build-darshan: build failed; last lines of the log:" >&2
  tail -n 30 "$log" >&2
  rm -rf "$prefix"
  exit 1
fi
echo "$prefix"
