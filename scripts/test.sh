#!/bin/sh
# Run the whole test suite (build first if needed). Live-capture tests need
# root and eBPF; with CI=true they never skip.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUDSDUMP_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)"
# The sanitizer build (ASan + UBSan) the tests also run.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DUDSDUMP_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)" --target udsdump udsdump_plugin

# Debian's python3 has pytest; a python3 earlier on PATH may not.
PY=/usr/bin/python3
results=$(mktemp -d /tmp/udsdump-results.XXXXXX)
status=0

run() { # run NAME [env] pytest-args...
	name=$1
	shift
	echo "== $name =="
	if ! env "$@" --junitxml="$results/$name.xml"; then
		status=1
	fi
}

# The capture checks again on the syscall-tracepoint fallback that kernels
# without sock:sock_send_length (before 6.3) use, forced on this kernel
# (sendfile and splice there are gaps seen at the syscall's exit).
run engine-syscalls UDSDUMP_EXTRA_ARGS=--hook=syscalls $PY -m pytest -q \
	-p no:cacheprovider tests/engine/test_payload.py \
	tests/engine/test_identity.py tests/engine/test_receive.py \
	tests/engine/test_filters.py tests/engine/test_gaps.py \
	tests/engine/test_offline.py::test_sendfile_and_splice_are_gaps

# Everything else in one run (pytest.ini: testpaths, markers; the shared
# helpers are tests/lib). Arguments go to this run: a directory, -k, -x...
# (--durations: the slowest tests named in every run's log, for the
# host suite's 40-minute CI budget)
run suite $PY -m pytest -ra -p no:cacheprovider --durations=25 "$@"

# One closing line for the whole run.
$PY - "$results" <<'PYEOF'
import collections, glob, sys, xml.etree.ElementTree as ET
t = f = e = s = 0
per_file = collections.Counter()
for x in glob.glob(sys.argv[1] + "/*.xml"):
    name = x.rsplit("/", 1)[1][:-4]
    for ts in ET.parse(x).getroot().iter("testsuite"):
        t += int(ts.get("tests", 0)); f += int(ts.get("failures", 0))
        e += int(ts.get("errors", 0)); s += int(ts.get("skipped", 0))
        for tc in ts.iter("testcase"):
            per_file["%s %s" % (name, tc.get("classname"))] += float(tc.get("time", 0))
# where the host suite's time goes (its CI budget is 40 minutes)
print("seconds by test file (run, module):")
for where, secs in per_file.most_common(15):
    print("%8.1f  %s" % (secs, where))
print("total: %d passed, %d failed, %d skipped"
      % (t - f - e - s, f + e, s))
PYEOF
rm -rf "$results"
exit $status
