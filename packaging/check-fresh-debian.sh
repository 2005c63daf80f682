#!/bin/sh
# Proves the README on a really fresh machine: debootstraps a minimal Debian 12 into a
# folder, clones this repository's committed HEAD into it and runs the README's test
# command (the same lines .ci/run runs) inside a chroot. Needs root and network access
# to a Debian mirror; takes about 10 minutes on 2 cores.
#   packaging/check-fresh-debian.sh [DIR]     (default /var/tmp/unetlab-fresh)
set -eu
root=${1:-/var/tmp/unetlab-fresh}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
if [ "$(id -u)" -ne 0 ]; then
  echo "check-fresh-debian: run as root (debootstrap and chroot need it)" >&2
  exit 1
fi
command -v debootstrap >/dev/null 2>&1 || apt-get install -y -q debootstrap
if [ ! -x "$root/bin/sh" ]; then
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cleanup() {
  for m in dev/pts dev sys proc; do umount "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
mount --bind /proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
rm -rf "$root/src/unetlab"
mkdir -p "$root/src"
git clone -q "$repo" "$root/src/unetlab"
chroot "$root" /bin/sh -c 'cd /src/unetlab && .ci/run'
