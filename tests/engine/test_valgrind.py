"""valgrind on udsdump over a capture of a few seconds of real traffic: no
invalid reads or writes, no uninitialised use, no leaks."""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from lib.engine import IN_CI, PYTHON, SENDERS, TESTS_DIR, UDSDUMP, \
    start_process, udsrec, unique

SUPP = TESTS_DIR / "valgrind" / "libbpf.supp"


def test_valgrind_capture(tmp_path):
    if not shutil.which("valgrind"):
        if IN_CI:
            pytest.fail("valgrind is not installed")
        pytest.skip("valgrind is not installed")
    out = tmp_path / "vg.pcapng"
    log = tmp_path / "vg.log"
    p, lines, t = start_process(
        ["valgrind", "--suppressions=%s" % SUPP, "--leak-check=full",
         "--show-leak-kinds=definite,indirect,possible",
         "--errors-for-leak-kinds=definite,indirect,possible",
         "--error-exitcode=99", "--log-file=%s" % log,
         UDSDUMP, "-w", str(out), "--recv", "payload", "--summary"],
        timeout=120)
    comm = unique("vg")[:15]
    r = subprocess.run([PYTHON, str(SENDERS / "flood.py"), "--conns", "4",
                        "--bytes", "50000", "--comm", comm],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for case in ("passfd", "passcred"):
        r = subprocess.run([PYTHON, str(SENDERS / "recv_cases.py"), case,
                            str(tmp_path)], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    rc = p.wait(600)
    t.join(10)
    text = log.read_text()
    assert rc == 0, "exit %d under valgrind:\n%s" % (rc, text[-4000:])
    m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    assert m and m.group(1) == "0", text[-4000:]
    assert re.search(r"definitely lost: 0 bytes", text) or \
        "All heap blocks were freed" in text, text[-3000:]
    cap = udsrec.read_capture(str(out))
    flooded = [x for x in cap.records if x.task and x.task.comm == comm]
    assert flooded, "nothing captured under valgrind"
    assert any(x.scm_rights for x in cap.records)
