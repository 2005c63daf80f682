#!/bin/sh
# Installs a unetlab .deb, checks what it installed and removes it again, so the machine is
# left as it was found. Needs root (apt-get). Checks, in order: the package holds nothing
# but the programs and their data, and depends on LibTorch, Qt and OpenCV; from /usr/bin,
# `unetlab-cli info` runs, `unetlab-cli train` trains on the installed sample data, and the
# app saves a screenshot of its window (offscreen) showing that data; the menu entry, the
# AppStream metadata (when desktop-file-validate and appstreamcli are installed; the setup
# script installs both) and the icons are in place. Any failure stops with a message.
#   packaging/check-installed.sh PATH/unetlab_VERSION_ARCH.deb [SCREENSHOT.png]
# The screenshot goes to /tmp/unetlab-installed.png unless given.
set -eu

usage="usage: packaging/check-installed.sh PATH/unetlab_VERSION_ARCH.deb [SCREENSHOT.png]"
deb=${1:?$usage}
shot=${2:-/tmp/unetlab-installed.png}
repo=$(cd "$(dirname "$0")/.." && pwd)
app_id=io.github.unetlab.UNetLab

say() { echo "check-installed: $*"; }
die() {
  echo "check-installed: error: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root: apt-get installs and removes the package"
[ -f "$deb" ] || die "no such file: $deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
if dpkg-query -W -f='${Status}' unetlab 2>/dev/null | grep -q "install ok installed"; then
  die "unetlab is already installed; remove it first (apt-get remove unetlab), so that this check leaves the machine as it found it"
fi
tmp=$(mktemp -d)
start=$(date +%s)

# --- the package itself, before installing it
say "checking the contents of $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -t >"$tmp/contents"
while read -r path; do
  case $path in
    ./ | ./usr/ | ./usr/bin/ | ./usr/bin/unetlab | ./usr/bin/unetlab-cli) ;;
    ./usr/share/ | ./usr/share/applications/ | "./usr/share/applications/$app_id.desktop") ;;
    ./usr/share/metainfo/ | "./usr/share/metainfo/$app_id.metainfo.xml") ;;
    ./usr/share/icons/ | ./usr/share/icons/hicolor/*) ;;
    ./usr/share/unetlab/ | ./usr/share/unetlab/samples/* | ./usr/share/unetlab/python/ | ./usr/share/unetlab/python/*.py) ;;
    *) echo "$path" ;;
  esac
done <"$tmp/contents" >"$tmp/unexpected"
if [ -s "$tmp/unexpected" ]; then
  sed 's/^/  /' "$tmp/unexpected" >&2
  die "the package holds files it should not (above); check the install() rules"
fi
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libtorch libqt6widgets6 libqt6charts6 libopencv-core; do
  case $depends in
    *"$lib"*) ;;
    *) die "Depends: lacks $lib (is dpkg-shlibdeps installed? it is in dpkg-dev): $depends" ;;
  esac
done
say "$(wc -l <"$tmp/contents") paths; Depends: $depends"

# --- install; from here on, remove the package again however the check ends
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  cd /
  if dpkg-query -W -f='${Status}' unetlab 2>/dev/null | grep -q "install ok installed"; then
    say "removing the package"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q unetlab || rc=1
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say "installing $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" ||
  die "apt-get could not install the package"

for f in /usr/bin/unetlab /usr/bin/unetlab-cli; do
  [ -x "$f" ] || die "$f is missing or not executable"
done
for f in /usr/share/unetlab/samples/dsb2018-nuclei-256/SOURCE.md /usr/share/unetlab/python/unetlab_models.py \
  /usr/share/unetlab/python/bench_peer.py /usr/share/unetlab/python/train_in_pytorch.py; do
  [ -f "$f" ] || die "$f is missing"
done

# The programs run with a throw-away home (the app keeps settings there), without the
# resource-directory overrides, and with this source tree's resources/ hidden behind an
# empty mount when mount namespaces are available: the binaries fall back to the source
# tree they were built from, and the point is to prove that the installed data is found.
mkdir -p "$tmp/home" "$tmp/runtime"
chmod 700 "$tmp/runtime"
set -- env -u UNETLAB_SAMPLES_DIR -u UNETLAB_PYTHON_DIR HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
  XDG_DATA_HOME="$tmp/home/.local/share" XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/runtime"
# shellcheck disable=SC2016 # the inner shell expands $0 (the folder) and $@ (the command)
hide='mount -t tmpfs -o ro tmpfs "$0" && exec "$@"'
if [ ! -d "$repo/resources" ]; then
  say "no source tree beside this script: the programs can only use the installed data"
elif unshare --mount -- sh -c "$hide" "$repo/resources" true 2>/dev/null; then
  set -- unshare --mount -- sh -c "$hide" "$repo/resources" "$@"
  say "running the programs with $repo/resources hidden"
else
  say "note: cannot hide $repo/resources (no mount namespace here); the programs could fall back to it"
fi

say "unetlab-cli info"
"$@" /usr/bin/unetlab-cli info || die "unetlab-cli info failed"

say "unetlab-cli train on the installed sample (sample:nuclei)"
cd "$tmp"
"$@" /usr/bin/unetlab-cli train --model minimal --epochs 1 --data sample:nuclei --size 64 --quiet ||
  die "unetlab-cli train on sample:nuclei failed"

say "unetlab: screenshot of the Data area with the installed sample, offscreen"
rm -f "$shot"
"$@" QT_QPA_PLATFORM=offscreen /usr/bin/unetlab --tab data --data sample:nuclei --size 1280x800 --screenshot "$shot" ||
  die "unetlab --screenshot failed"
[ "$(head -c 4 "$shot" | od -An -c | tr -d ' ')" = '211PNG' ] || die "$shot is not a PNG"
say "screenshot: $shot ($(wc -c <"$shot") bytes)"

# --- desktop integration
desktop=/usr/share/applications/$app_id.desktop
metainfo=/usr/share/metainfo/$app_id.metainfo.xml
[ -f "$desktop" ] || die "$desktop is missing"
[ -f "$metainfo" ] || die "$metainfo is missing"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$desktop" || die "desktop-file-validate rejects $desktop"
  say "desktop-file-validate: $desktop is valid"
else
  say "note: desktop-file-validate is not installed (desktop-file-utils); $desktop not validated"
fi
if command -v appstreamcli >/dev/null 2>&1; then
  appstreamcli validate --no-net "$metainfo" || die "appstreamcli rejects $metainfo"
else
  say "note: appstreamcli is not installed (appstream); $metainfo not validated"
fi
grep -qx "Icon=$app_id" "$desktop" || die "$desktop does not name the icon $app_id"
grep -qx "Exec=unetlab" "$desktop" || die "$desktop does not start unetlab"
for size in 16 32 48 64 128 256; do
  icon=/usr/share/icons/hicolor/${size}x$size/apps/$app_id.png
  [ -f "$icon" ] || die "$icon is missing"
done
[ -f "/usr/share/icons/hicolor/scalable/apps/$app_id.svg" ] || die "the scalable icon is missing"
say "icons: scalable and 16, 32, 48, 64, 128, 256 px"

say "passed in $(($(date +%s) - start)) s"
