#!/bin/sh
# Builds the Debian package (CPack, see packaging/CMakeLists.txt) from a configured build
# tree and prints the .deb's path as the last line on stdout; CPack's log goes to stderr.
#   packaging/build-deb.sh [BUILD_DIR]     (default build/release)
#   deb=$(packaging/build-deb.sh) && packaging/check-installed.sh "$deb"
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
if [ ! -f "$build/CPackConfig.cmake" ]; then
  echo "build-deb: $build is not a configured build tree (no CPackConfig.cmake);" \
    "run 'cmake --workflow --preset release' first" >&2
  exit 1
fi
# CPack installs what is built and builds nothing: bring the tree up to date first.
cmake --build "$build" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cpack --config "$build/CPackConfig.cmake" -G DEB >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-deb: cpack failed" >&2
  exit 1
fi
cat "$log" >&2
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' "$log")
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "build-deb: cpack reported no .deb" >&2
  exit 1
fi
echo "$deb"
