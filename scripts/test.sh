#!/bin/sh
# Run the whole test suite (build first if needed). Live-capture tests need
# root and eBPF; with CI=true they never skip.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# The sanitizer build (ASan + UBSan) the tests also run.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DUDSDUMP_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)" --target udsdump

# Debian's python3 has pytest; a python3 earlier on PATH may not.
PYTEST="/usr/bin/python3 -m pytest"

# The capture checks again on the syscall-tracepoint fallback that kernels
# without sock:sock_send_length (before 6.3) use, forced on this kernel.
echo "== engine checks with --hook=syscalls =="
UDSDUMP_EXTRA_ARGS="--hook=syscalls" $PYTEST -q -p no:cacheprovider \
	tests/engine/test_payload.py tests/engine/test_identity.py \
	tests/engine/test_receive.py tests/engine/test_filters.py

echo "== the whole suite =="
exec $PYTEST -ra tests "$@"
