#!/bin/sh
# Run the whole test suite (build first if needed). Live-capture tests need
# root and eBPF; with CI=true they never skip.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# Debian's python3 has pytest; a python3 earlier on PATH may not.
exec /usr/bin/python3 -m pytest -ra tests "$@"
