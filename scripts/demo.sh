#!/bin/sh
# Capture a few seconds of Unix-socket traffic while driving a real demo
# workload: redis-server on a socket with redis-cli, and curl against an
# HTTP/1.1 server on a socket. Writes build/demo.pcapng and prints what
# was captured, per socket.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/demo.pcapng}
UDSDUMP=${UDSDUMP:-build/udsdump}
dir=$(mktemp -d /tmp/udsdump-demo.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

wait_for() { # wait_for FILE PATTERN
	for _ in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}

redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
	--save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids="$pids $!"
/usr/bin/python3 tests/senders/http_unix_server.py "$dir/http.sock" >"$dir/http.log" 2>&1 &
pids="$pids $!"
wait_for "$dir/http.log" ready
for _ in $(seq 1 50); do [ -S "$dir/redis.sock" ] && break; sleep 0.1; done

"$UDSDUMP" -w "$OUT" --summary --path-prefix "$dir/" 2>"$dir/udsdump.log" &
cap=$!
wait_for "$dir/udsdump.log" "udsdump: capturing"

redis-cli -s "$dir/redis.sock" PING >/dev/null
redis-cli -s "$dir/redis.sock" SET greeting "hello over a unix socket" >/dev/null
redis-cli -s "$dir/redis.sock" GET greeting >/dev/null
curl -s --unix-socket "$dir/http.sock" http://localhost/ >/dev/null
curl -s --unix-socket "$dir/http.sock" -d 'name=udsdump' http://localhost/echo >/dev/null
curl -s --unix-socket "$dir/http.sock" http://localhost/chunked >/dev/null
sleep 1

kill -INT "$cap"
wait "$cap"
cat "$dir/udsdump.log"
echo
echo "demo: wrote $OUT"
capinfos -c -i "$OUT" 2>/dev/null | sed 's/^/demo: /' || true
