"""Helpers of the live engine tests (tests/engine/): udsdump started with
the run's extra options, the senders, and checks of what it wrote.

Paths here are pathlib.Path (the engine tests join them with /); the
same places as lib.paths.
"""

import hashlib
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import udsrec  # noqa: F401  (the reader, from doc/FORMAT.md)

from . import paths
from .capture import CAPTURING, START_TIMEOUT, Capture  # noqa: F401
from .ci import IN_CI  # noqa: F401
from .senders import WaitingSender, run_sender, sender_cmd  # noqa: F401

TESTS_DIR = Path(paths.TESTS)
REPO_DIR = Path(paths.REPO)
SENDERS = Path(paths.SENDERS)
UDSDUMP = paths.UDSDUMP
PYTHON = paths.PYTHON

_n = [0]


def unique(prefix="t"):
    _n[0] += 1
    return "%s%d-%d-%d" % (prefix, os.getpid() % 100000, _n[0],
                           int(time.time() * 1000) % 100000)


# ------------------------------------------------------------ udsdump

class Udsdump(Capture):
    """One udsdump process writing to `out` (or stdout when out == '-'),
    with the options of $UDSDUMP_EXTRA_ARGS (scripts/test.sh runs the
    same checks with --hook=syscalls, the fallback of old kernels)."""

    def __init__(self, args, out, env=None):
        self.args = [str(a) for a in args]
        extra = shlex.split(os.environ.get("UDSDUMP_EXTRA_ARGS", ""))
        super().__init__([UDSDUMP, "-w", out] + extra + self.args, out=out,
                         stdout="collect" if str(out) == "-" else subprocess.DEVNULL,
                         env=env)

    @property
    def stderr_lines(self):
        return self.lines

    def read(self):
        if self.out == "-":
            return udsrec.read_capture(bytes(self.stdout_data))
        return udsrec.read_capture(self.out)


def start_process(cmd, stdout=subprocess.DEVNULL, timeout=START_TIMEOUT):
    """Start udsdump (or a wrapper of it, e.g. valgrind) with cmd, wait for
    its "capturing" line; returns (process, stderr lines, reader thread)."""
    c = Capture(cmd, stdout=stdout).start(timeout)
    return c.proc, c.lines, c._threads[0]


def stop_process(p, *threads):
    """SIGINT to a start_process() capture; its exit status once it and
    the threads reading its output are done."""
    p.send_signal(signal.SIGINT)
    rc = p.wait(120)
    for t in threads:
        t.join(60)
    return rc


# ------------------------------------------------------------ checks

def wireshark_check(path):
    """capinfos and tshark must read the file; returns their packet count."""
    ci = subprocess.run(["capinfos", "-M", str(path)], capture_output=True,
                        text=True, timeout=60)
    assert ci.returncode == 0, "capinfos failed: %s%s" % (ci.stdout,
                                                          ci.stderr)
    m = re.search(r"Number of packets:\s*(\d+)", ci.stdout)
    assert m, ci.stdout
    n = int(m.group(1))
    assert re.search(r"File type:\s*.*pcapng", ci.stdout), ci.stdout
    assert re.search(r"File encapsulation:\s*(USER 12|user12)", ci.stdout,
                     re.I), ci.stdout
    ts = subprocess.run(["tshark", "-n", "-r", str(path), "-c",
                         str(max(n, 1)), "-T", "fields", "-e", "frame.number",
                         "-e", "frame.len"],
                        capture_output=True, text=True, timeout=120)
    assert ts.returncode == 0, "tshark -r failed: %s" % ts.stderr
    frames = [l for l in ts.stdout.splitlines() if l.strip()]
    assert len(frames) == n, "tshark read %d frames, capinfos says %d" % (
        len(frames), n)
    return n


def records_of(cap, inodes, events=None):
    inodes = set(inodes)
    return [r for r in cap.records if r.socket and r.socket.inode in inodes
            and (events is None or r.event in events)]


def data_of(cap, inode):
    return [r for r in cap.records if r.event == udsrec.EV_DATA and
            r.socket and r.socket.inode == inode]


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def ss_unix():
    """`ss -xpn` rows: {local, inode, peer, peer_inode, users: [(comm,pid,fd)]}"""
    p = subprocess.run(["ss", "-xpn"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    rows = []
    rx = re.compile(r"^(\S+)\s+(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\d+)\s+(\S+)\s+"
                    r"(\d+)\s*(.*)$")
    for line in p.stdout.splitlines()[1:]:
        m = rx.match(line)
        if not m:
            continue
        users = [(c, int(pid), int(fd)) for c, pid, fd in re.findall(
            r'\("([^"]*)",pid=(\d+),fd=(\d+)\)', m.group(7))]
        rows.append({"netid": m.group(1), "local": m.group(3),
                     "inode": int(m.group(4)), "peer": m.group(5),
                     "peer_inode": int(m.group(6)), "users": users})
    return rows
