#!/bin/sh
# Installs the Debian 12 packages that UNet Lab needs to build, run and test, and to build
# and check its .deb (dpkg-dev: dpkg-shlibdeps; desktop-file-utils, appstream: validators),
# and to run the checkers (clang, libclang-rt-14-dev: libFuzzer and clang's sanitizer runtimes).
# Idempotent: packages already installed are skipped; nothing is downloaded
# except from the configured Debian mirrors.
set -eu

PACKAGES="
build-essential
cmake
ninja-build
pkg-config
ccache
qt6-base-dev
qt6-charts-dev
libqt6opengl6-dev
qt6-svg-dev
libtorch-dev
libopencv-dev
libgtest-dev
libgmock-dev
nlohmann-json3-dev
xvfb
xauth
imagemagick
python3-torch
python3-numpy
dpkg-dev
desktop-file-utils
appstream
clang
libclang-rt-14-dev
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "setup: all build, run and test packages are already installed."
  exit 0
fi

echo "setup: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: error: these packages are missing and this user is not root and has no sudo:$missing" >&2
    echo "setup: install them as root with: apt-get install$missing" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q; then
  echo "setup: error: 'apt-get update' failed; check the network and /etc/apt/sources.list" >&2
  exit 1
fi
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
  echo "setup: error: could not install:$missing" >&2
  echo "setup: this project targets Debian 12 (bookworm); see README.md, Troubleshooting." >&2
  exit 1
fi
echo "setup: done."
