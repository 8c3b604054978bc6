"""The capture engine built with AddressSanitizer and UndefinedBehavior-
Sanitizer (scripts/test.sh builds it into build-asan/) runs real captures,
overload and bad input with no sanitizer report."""

import json
import os
import signal
import subprocess
import time

import pytest

from lib.engine import IN_CI, PYTHON, SENDERS, udsrec, unique
from lib.paths import ASAN_UDSDUMP as ASAN
REPORT_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                "UndefinedBehaviorSanitizer")


@pytest.fixture(scope="module")
def asan():
    if not os.access(ASAN, os.X_OK):
        if IN_CI:
            pytest.fail("sanitizer build missing at %s" % ASAN)
        pytest.skip("no sanitizer build at %s (scripts/test.sh makes it)"
                    % ASAN)
    return ASAN


def env():
    e = dict(os.environ)
    e["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=86"
    e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=87"
    return e


def clean(stderr):
    bad = [l for l in stderr.splitlines() if any(m in l for m in REPORT_MARKS)]
    assert not bad, "sanitizer reports:\n" + stderr


def test_sanitized_capture_under_load(asan, tmp_path):
    out = tmp_path / "asan.pcapng"
    comm = unique("as")[:15]
    p = subprocess.Popen([asan, "-w", str(out), "--recv", "payload",
                          "--buffer-size", "1", "--summary"],
                         stderr=subprocess.PIPE, env=env())
    time.sleep(1.5)
    r = subprocess.run([PYTHON, str(SENDERS / "flood.py"), "--conns", "16",
                        "--bytes", str(1 << 19), "--comm", comm],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for case in ("passfd", "passcred", "handoff"):
        r = subprocess.run([PYTHON, str(SENDERS / "recv_cases.py"), case,
                            str(tmp_path)], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    err = err.decode(errors="replace")
    assert p.returncode == 0, err
    clean(err)
    cap = udsrec.read_capture(str(out))
    assert any(r.scm_rights for r in cap.records)
    assert cap.stats and cap.stats[-1].ifrecv == len(
        [r for r in cap.records if r.event not in udsrec.WRITER_EVENTS])


@pytest.mark.parametrize("args,code", [
    (["--bogus"], 2),
    (["-w"], 2),
    (["-w", "/tmp/x", "--type", "raw"], 2),
    (["-w", "/tmp/x", "--path", "relative.sock"], 2),
    (["-w", "/tmp/x", "--path", "/" + "a" * 200], 2),
    (["-w", "/tmp/x", "-s", "-5"], 2),
    (["-w", "/nonexistent-dir/x.pcapng"], 1),
])
def test_sanitized_bad_input(asan, args, code):
    r = subprocess.run([asan] + args, capture_output=True, text=True,
                       env=env(), timeout=60)
    assert r.returncode == code, r.stderr
    clean(r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("udsdump: "), r.stderr
