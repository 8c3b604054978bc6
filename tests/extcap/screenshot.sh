#!/bin/sh
# Take a screenshot of Wireshark's welcome page, under Xvfb, with udsdump
# installed as an extcap, to show "Unix sockets" in the interface list.
#
#   tests/extcap/screenshot.sh OUT.png [UDSDUMP] [SECONDS]
#
# UDSDUMP defaults to build/udsdump; it is copied into the extcap/ directory
# of a temporary WIRESHARK_CONFIG_DIR. SECONDS (default 15) is how long
# Wireshark gets to start and scan its extcaps. Needs (Debian): xvfb,
# wireshark-qt, x11-apps (xwd) and imagemagick (convert).
set -eu

out=${1:?usage: screenshot.sh OUT.png [UDSDUMP] [SECONDS]}
here=$(cd "$(dirname "$0")" && pwd)
udsdump=${2:-$here/../../build/udsdump}
wait_s=${3:-15}

for tool in Xvfb wireshark xwd convert; do
	command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is not installed" >&2; exit 3; }
done
[ -x "$udsdump" ] || { echo "screenshot.sh: no udsdump at $udsdump" >&2; exit 3; }

tmp=$(mktemp -d)
xvfb_pid=""
ws_pid=""
cleanup() {
	[ -n "$ws_pid" ] && kill "$ws_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/wsconfig/extcap" "$tmp/xdg"
chmod 700 "$tmp/xdg"
cp "$udsdump" "$tmp/wsconfig/extcap/udsdump"
chmod 755 "$tmp/wsconfig/extcap/udsdump"
# No first-run dialogs over the welcome page.
printf 'gui.update.enabled: FALSE\n' > "$tmp/wsconfig/preferences"
# A window as large as the screen (there is no window manager to maximize
# it), so the whole interface list fits.
cat > "$tmp/wsconfig/recent" <<EOR
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1280
gui.geometry_main_height: 1000
gui.geometry_main_maximized: FALSE
EOR

# Xvfb picks a free display and writes its number to fd 3.
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
i=0
while [ ! -s "$tmp/display" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/display" ] || { echo "screenshot.sh: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
display=":$(cat "$tmp/display")"

DISPLAY=$display WIRESHARK_CONFIG_DIR=$tmp/wsconfig XDG_RUNTIME_DIR=$tmp/xdg \
	QT_QPA_PLATFORM=xcb QT_ACCESSIBILITY=0 NO_AT_BRIDGE=1 \
	wireshark >"$tmp/wireshark.log" 2>&1 &
ws_pid=$!
sleep "$wait_s"
if ! kill -0 "$ws_pid" 2>/dev/null; then
	echo "screenshot.sh: wireshark exited early:" >&2
	cat "$tmp/wireshark.log" >&2
	exit 1
fi
xwd -root -silent -display "$display" | convert xwd:- "$out"
echo "screenshot.sh: wrote $out"
