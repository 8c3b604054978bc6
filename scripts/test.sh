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
exec /usr/bin/python3 -m pytest -ra tests "$@"
