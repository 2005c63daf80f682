#!/bin/sh
# Proves on a real desktop menu that the installed package shows up with its icon and starts:
# on a private Xvfb screen (1280x800) it runs Openbox and LXDE's panel (lxpanel, whose menu
# reads the freedesktop menus: /etc/xdg/menus/lxde-applications.menu, through menu-cache),
# opens the application menu with the mouse, walks its submenus with the keyboard until one
# shows the UNet Lab icon (found by pixel matching against the installed 16 px icon), takes
# screenshot 1, clicks the entry, waits for the "UNet Lab" window of /usr/bin/unetlab, takes
# screenshot 2 and closes everything. Fails (exit 1) when the entry is not in the Education or
# Science menu, its icon is not drawn, or the window does not appear.
#   packaging/menu-check.sh [PATH/unetlab_VERSION_ARCH.deb] [OUTDIR]     (OUTDIR: /tmp/menu-check)
# Without a .deb it uses the installed package, or installs the newest
# build/release/packages/unetlab_*.deb. A package it installed onto a machine that had none is
# removed again at the end (MENU_CHECK_KEEP=1 keeps it). Needs root only to install.
# Writes to OUTDIR: menu-entry.png (the whole screen, menu open), menu-entry-detail.png (the
# menu and the panel, cropped), menu-launched.png (the whole screen, the app started), log.txt.
# Needs: xvfb xdotool imagemagick x11-utils openbox lxpanel python3 (tesseract-ocr, optional:
# when installed, the words "UNet Lab" and the submenu's name must also be readable in shot 1).
# MENU_CHECK_TIMEOUT: seconds to wait for the app's window (default 60). MENU_CHECK_SCREEN:
# the screen's size (default 1280x800).
# shellcheck disable=SC2086,SC2046 # splitting "id x y w h" lists into $1... is intended
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
app_id=io.github.unetlab.UNetLab
deb=
out=/tmp/menu-check
for arg in "$@"; do
  case $arg in
    -h | --help)
      sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e '/shellcheck/d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    *.deb) deb=$arg ;;
    *) out=$arg ;;
  esac
done
timeout_s=${MENU_CHECK_TIMEOUT:-60}
screen=${MENU_CHECK_SCREEN:-1280x800}
scr_w=${screen%x*} scr_h=${screen#*x}
case $scr_w$scr_h in '' | *[!0-9]*) echo "menu-check: error: MENU_CHECK_SCREEN is not WIDTHxHEIGHT: $screen" >&2; exit 2 ;; esac

say() { echo "menu-check: $*"; }
die() {
  echo "menu-check: error: $*" >&2
  exit 1
}

missing=
for tool in Xvfb:xvfb xdotool:xdotool import:imagemagick compare:imagemagick convert:imagemagick \
  xwininfo:x11-utils openbox:openbox lxpanel:lxpanel python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
[ -z "$missing" ] || die "missing tools; install them with: apt-get install --no-install-recommends$missing"

installed() { dpkg-query -W -f='${Status}' unetlab 2>/dev/null | grep -q "install ok installed"; }

# --- the package
had_package=no
installed && had_package=yes
if [ -z "$deb" ] && [ $had_package = no ]; then
  # shellcheck disable=SC2012 # the newest; the names are unetlab_VERSION_ARCH.deb
  deb=$(ls -t "$repo"/build/release/packages/unetlab_*.deb 2>/dev/null | head -n 1) || true
  [ -n "$deb" ] || die "unetlab is not installed and no .deb was given or found; build one with packaging/build-deb.sh"
fi
if [ -n "$deb" ]; then
  [ -f "$deb" ] || die "no such file: $deb"
  [ "$(id -u)" -eq 0 ] || die "installing $deb needs root (apt-get)"
  deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/menu-entry.png" "$out/menu-entry-detail.png" "$out/menu-launched.png" "$out/log.txt"
tmp=$(mktemp -d /tmp/menu-check.XXXXXX)
pids=
remove_package=no

cleanup() {
  rc=$?
  trap - EXIT INT TERM
  # Stop what this script started, newest first: the app (found by its window), the panel,
  # the panel's menu-cached daemon (it detaches from the panel, so it is found by its command
  # line, which names its socket in this run's private folder), Openbox, Xvfb.
  set -- ${app_pid:-} $(echo "$pids" | tr ' ' '\n' | sed '1!G;h;$!d') \
    $(pgrep -f "^/usr/lib/menu-cache/menu-cached $tmp/" 2>/dev/null || true)
  for pid in "$@"; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  if [ -d "$tmp" ]; then
    for f in "$tmp"/*.log; do
      [ -f "$f" ] && { echo "=== $(basename "$f")"; cat "$f"; } >>"$out/log.txt"
    done
    rm -rf "$tmp"
  fi
  if [ $remove_package = yes ]; then
    say "removing the package again (it was not installed before)"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q unetlab >/dev/null || rc=1
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$deb" ]; then
  say "installing $deb"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --reinstall "$deb" >"$tmp/apt.log" 2>&1 ||
    { cat "$tmp/apt.log" >&2; die "apt-get could not install $deb"; }
  [ $had_package = no ] && [ "${MENU_CHECK_KEEP:-0}" != 1 ] && remove_package=yes
fi
installed || die "unetlab is not installed"
say "unetlab $(dpkg-query -W -f='${Version}' unetlab) is installed"
icon16=/usr/share/icons/hicolor/16x16/apps/$app_id.png
[ -f "/usr/share/applications/$app_id.desktop" ] || die "the package has no /usr/share/applications/$app_id.desktop"
[ -f "$icon16" ] || die "the package has no $icon16 (the menu draws 16 px icons)"

# --- a private desktop session: its own home, caches and settings, LXDE's menu
mkdir -p "$tmp/home/.config/lxpanel/default/panels" "$tmp/runtime"
chmod 700 "$tmp/runtime"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache" \
  XDG_DATA_HOME="$tmp/home/.local/share" XDG_RUNTIME_DIR="$tmp/runtime" \
  XDG_DATA_DIRS=/usr/local/share:/usr/share XDG_CONFIG_DIRS=/etc/xdg \
  XDG_MENU_PREFIX=lxde- XDG_CURRENT_DESKTOP=LXDE DESKTOP_SESSION=LXDE
unset UNETLAB_SAMPLES_DIR UNETLAB_PYTHON_DIR WAYLAND_DISPLAY QT_QPA_PLATFORM DBUS_SESSION_BUS_ADDRESS || true
# A panel at the bottom: the application menu button at its left, then the task bar.
cat >"$tmp/home/.config/lxpanel/default/panels/panel" <<'EOF'
Global {
    edge=bottom
    allign=left
    margin=0
    widthtype=percent
    width=100
    height=28
    transparent=0
    background=0
    setdocktype=1
    setpartialstrut=1
    usefontcolor=0
}
Plugin {
    type=menu
    Config {
        image=/usr/share/lxpanel/images/my-computer.png
        system {
        }
    }
}
Plugin {
    type=taskbar
    expand=1
    Config {
    }
}
EOF

# waits up to $1 seconds (in tenths) for the command after it to succeed
wait_for() {
  n=$(($1 * 10))
  shift
  while [ $n -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# Xvfb picks a free display itself (-displayfd) and writes its number once it accepts clients.
Xvfb -displayfd 9 -screen 0 ${scr_w}x${scr_h}x24 -nolisten tcp 9>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
pids="$pids $!"
wait_for 20 grep -q '^[0-9]' "$tmp/display" || die "Xvfb did not start (see $out/log.txt)"
dnum=$(head -n 1 "$tmp/display")
export DISPLAY=":$dnum"
say "Xvfb on $DISPLAY, ${scr_w}x$scr_h"

openbox --sm-disable >"$tmp/openbox.log" 2>&1 &
pids="$pids $!"
wait_for 10 sh -c 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"' || die "Openbox did not start"

lxpanel --profile default >"$tmp/lxpanel.log" 2>&1 &
pids="$pids $!"

# visible lxpanel windows (popup menus and the panel) as "id x y w h", one a line
lx_windows() {
  for w in $(xdotool search --onlyvisible --class lxpanel 2>/dev/null); do
    eval "$(xdotool getwindowgeometry --shell "$w" 2>/dev/null)" || continue
    [ "$WIDTH" -gt 20 ] && [ "$HEIGHT" -gt 20 ] && echo "$w $X $Y $WIDTH $HEIGHT"
  done
  return 0
}
panel_line() { lx_windows | awk -v w="$scr_w" '$4 == w { print; exit }'; }
wait_for 20 sh -c "$(command -v xdotool) search --onlyvisible --class lxpanel" || die "the panel did not start"
wait_for 10 test -n "$(panel_line)" || die "the panel did not show"
set -- $(panel_line)
panel=$1 px=$2 py=$3 ph=$5
# A plain blue-grey desktop (cosmetic; ImageMagick sets the root window's background; Openbox
# clears it when it starts, so this comes after).
display -window root -size "${scr_w}x$scr_h" xc:'#3d5570' >"$tmp/background.log" 2>&1 || true
# menu-cache builds the menu from the XDG files in the background: wait for its cache file.
# shellcheck disable=SC2016 # the inner shell expands it
wait_for 20 sh -c 'ls "$XDG_CACHE_HOME"/menus/* | grep -q .' || die "menu-cache wrote no menu cache"
sleep 1
# shellcheck disable=SC2012 # menu-cache names its files by a hash
cache=$(ls -t "$XDG_CACHE_HOME"/menus/* | head -n 1)

# --- where the XDG menu files put the entry: the submenu, from menu-cache's view of the menus
where=$(python3 - "$cache" "$app_id.desktop" <<'EOF'
import sys
path, want = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
if not lines[0].startswith("1."):
    sys.exit("unknown menu-cache format " + lines[0])
i = 3 + int(lines[2])  # version, menu name, number of files, the files
while i < len(lines) and not lines[i].startswith("+"):
    i += 1
found = []
def read_dir(names):
    # "+id", name, comment, icon, .directory file, its folder, flags; the items; an empty line
    global i
    names = names + [lines[i + 1] or lines[i][1:]]
    i += 7
    while i < len(lines):
        line = lines[i]
        if line.startswith("+"):
            read_dir(names)
        elif line == "-":  # separator
            i += 1
        elif line.startswith("-"):  # "-id" and 13 fields (format 1.2)
            if line[1:] == want:
                found.append("/".join(names[1:] + [lines[i + 1]]))
            i += 14
        else:
            i += 1
            return
read_dir([])
print("\n".join(found))
EOF
) || die "could not read the menu cache $cache"
[ -n "$where" ] || die "the menu (lxde-applications.menu) has no entry $app_id.desktop"
say "the XDG menu lists the entry as: $(echo "$where" | paste -sd ' ' -)"
submenu=$(echo "$where" | sed -n 's,^\(Education\|Science[^/]*\)/.*,\1,p' | head -n 1)
[ -n "$submenu" ] || die "the entry is not in the Education or Science menu: $where"
entry_name=${where##*/}

# --- open the menu and find the submenu that draws the UNet Lab icon
convert "$icon16" -crop 12x12+2+2 +repage -alpha off -type TrueColor "$tmp/icon.png" # the opaque middle
say "opening the application menu (panel button at $((px + 12)),$((py + ph / 2)))"
xdotool mousemove $((px + 12)) $((py + ph / 2)) click 1
top=
n=50
while [ $n -gt 0 ] && [ -z "$top" ]; do
  sleep 0.1
  top=$(lx_windows | awk -v p="$panel" '$1 != p { print; exit }')
  n=$((n - 1))
done
sleep 0.3
[ -n "$top" ] || die "the application menu did not open"
set -- $top
top_id=$1
xdotool mousemove $((scr_w * 3 / 4)) $((scr_h / 4)) # out of the way: the keyboard walks the menu
grab() { import -window root "$1"; }
grab "$tmp/menu0.png"
convert "$tmp/menu0.png" -crop "$4x$5+$2+$3" +repage "$tmp/top-first.png"
found=
step=0
while [ $step -lt 40 ]; do
  step=$((step + 1))
  xdotool key Down
  sleep 0.25
  grab "$tmp/now.png"
  set -- $top
  convert "$tmp/now.png" -crop "$4x$5+$2+$3" +repage "$tmp/top-now.png"
  if [ $step -eq 1 ]; then
    cp "$tmp/top-now.png" "$tmp/top-1.png"
  elif [ "$(compare -metric AE "$tmp/top-now.png" "$tmp/top-1.png" null: 2>&1)" = 0 ] ||
    [ "$(compare -metric AE "$tmp/top-now.png" "$tmp/top-prev.png" null: 2>&1)" = 0 ]; then
    break # back on the first item, or stuck on the last: every item has been tried
  fi
  cp "$tmp/top-now.png" "$tmp/top-prev.png"
  xdotool key Right # opens the submenu, when the item is one
  sleep 0.5
  grab "$tmp/now.png"
  for line in $(lx_windows | awk -v p="$panel" -v t="$top_id" '$1 != p && $1 != t { print $2 "," $3 "," $4 "," $5 }'); do
    IFS=, read -r x y w h <<EOF
$line
EOF
    convert "$tmp/now.png" -crop "${w}x$h+$x+$y" +repage "$tmp/sub.png"
    # normalized RMSE of the best match and its place: "123.4 (0.0019) @ 9,7"
    m=$(compare -metric RMSE -subimage-search "$tmp/sub.png" "$tmp/icon.png" null: 2>&1 || true)
    score=$(echo "$m" | sed -n 's/^[^(]*(\([0-9.e+-]*\)) @ .*/\1/p')
    [ -n "$score" ] || continue
    if awk -v s="$score" 'BEGIN { exit !(s < 0.06) }'; then
      at=${m##*@ }
      found="$((x + ${at%,*} + 6)) $((y + ${at#*,} + 6)) $x $y $w $h $score"
      break 2
    fi
  done
  xdotool key Left # closes the submenu again
  sleep 0.2
done
[ -n "$found" ] || {
  grab "$out/menu-entry.png"
  die "no submenu of the application menu shows the UNet Lab icon (screenshot: $out/menu-entry.png)"
}
set -- $found
ix=$1 iy=$2
say "found the UNet Lab icon in submenu $step of the application menu, at $ix,$iy (match error $7)"
# Hover the entry, as a user would before clicking (its tooltip shows the Comment= line),
# then take screenshot 1.
xdotool mousemove $((ix + 40)) "$iy"
sleep 1.5
grab "$out/menu-entry.png"
# The detail: the open menus (and the tooltip) above the panel's left end, with a margin;
# the text check below reads only the two menus.
popups=$(lx_windows | awk -v p="$panel" '$1 != p')
bbox() { awk '{ if (NR == 1 || $2 < l) l = $2; if (NR == 1 || $3 < t) t = $3
  if ($2 + $4 > r) r = $2 + $4; if ($3 + $5 > b) b = $3 + $5 } END { print l, t, r, b }'; }
set -- $(echo "$popups" | bbox)
t=$(($2 - 40))
[ $t -lt 0 ] && t=0
r=$(($3 + 40))
[ $r -gt "$scr_w" ] && r=$scr_w
convert "$out/menu-entry.png" -crop "${r}x$((scr_h - t))+0+$t" +repage "$out/menu-entry-detail.png"
say "screenshot 1: $out/menu-entry.png (detail: $out/menu-entry-detail.png)"
set -- $found
set -- $( (echo "$top"; echo "x $3 $4 $5 $6") | bbox)
convert "$out/menu-entry.png" -crop "$(($3 - $1))x$(($4 - $2))+$1+$2" +repage "$tmp/menus.png"

if command -v tesseract >/dev/null 2>&1; then
  convert "$tmp/menus.png" -colorspace gray -resize 400% -threshold 60% "$tmp/ocr.png"
  text=$(tesseract "$tmp/ocr.png" - --psm 6 2>/dev/null | tr '\n' ' ')
  say "tesseract reads: $text"
  case $text in *"$entry_name"*) ;; *) die "OCR does not read \"$entry_name\" in the open menu" ;; esac
  case $text in *"$submenu"*) ;; *) die "OCR does not read \"$submenu\" in the open menu" ;; esac
  say "OCR: the open menu reads \"$submenu\" and \"$entry_name\""
fi

# --- launch from the menu
say "clicking the entry"
xdotool click 1
win=
n=$((timeout_s * 2))
while [ $n -gt 0 ]; do
  win=$(xdotool search --onlyvisible --name '^UNet Lab$' 2>/dev/null | head -n 1) || true
  [ -n "$win" ] && break
  sleep 0.5
  n=$((n - 1))
done
[ -n "$win" ] || {
  grab "$out/menu-launched.png"
  die "no \"UNet Lab\" window appeared within $timeout_s s of clicking the entry (screenshot: $out/menu-launched.png)"
}
app_pid=$(xdotool getwindowpid "$win" 2>/dev/null) || app_pid=
exe=$( [ -n "$app_pid" ] && readlink "/proc/$app_pid/exe" || echo unknown)
[ "$exe" = /usr/bin/unetlab ] || die "the \"UNet Lab\" window belongs to $exe, not /usr/bin/unetlab"
say "the UNet Lab window appeared ($(xdotool getwindowgeometry "$win" | sed -n 's/.*Geometry: //p'), process $app_pid: $exe)"
# Let it draw, then take screenshot 2.
sleep 4
grab "$out/menu-launched.png"
say "screenshot 2: $out/menu-launched.png"
kill -0 "$app_pid" 2>/dev/null || die "the app exited after it started"
say "passed"
