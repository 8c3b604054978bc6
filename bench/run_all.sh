#!/bin/sh
# Run the five udsdump benchmarks one after another (root, after
# scripts/setup.sh). Extra arguments (e.g. --quick) go to every script.
# The output is also saved in bench/results/run-<date>.txt.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/results
out="bench/results/run-$(date -u +%Y%m%dT%H%M%SZ).txt"
status=0
{
	echo "udsdump benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "nproc $(nproc); kernel $(uname -r); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\t//')"
	for b in redis_overhead bulk many_conns dissect soak; do
		/usr/bin/python3 "bench/$b.py" "$@" || status=1
		echo
	done
	exit $status
} 2>&1 | tee "$out"
echo "saved in $out"
