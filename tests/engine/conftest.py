"""Fixtures and helpers of the live udsdump engine tests.

These tests start the real `udsdump` binary (env UDSDUMP, default
<repo>/build/udsdump), run real senders (tests/senders/), stop udsdump with a
signal and read the pcapng with capinfos, tshark and tests/udsrec.py.

They need root and a kernel that loads eBPF. Without those they skip and say
why, except when CI=true: then they fail, because CI must run them.
"""

import ctypes
import json
import os
import re
import shlex
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = TESTS_DIR.parent
SENDERS = TESTS_DIR / "senders"
sys.path.insert(0, str(TESTS_DIR))
import udsrec  # noqa: E402

UDSDUMP = os.environ.get("UDSDUMP") or str(REPO_DIR / "build" / "udsdump")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
CAPTURING = "udsdump: capturing"
START_TIMEOUT = float(os.environ.get("UDSDUMP_START_TIMEOUT", "60"))
IN_CI = os.environ.get("CI", "").lower() == "true"


# ------------------------------------------------------------ environment

def _bpf_probe():
    """Try to create a one-entry BPF array map; None if it works, else why."""
    if os.uname().machine != "x86_64":
        return None  # cannot probe portably: let udsdump tell
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint8 * 128)()
    # union bpf_attr for BPF_MAP_CREATE: map_type, key_size, value_size,
    # max_entries (u32 each)
    for i, v in enumerate((2, 4, 4, 1)):  # BPF_MAP_TYPE_ARRAY
        ctypes.memmove(ctypes.addressof(attr) + 4 * i,
                       ctypes.byref(ctypes.c_uint32(v)), 4)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(321, 0, attr, 128)  # __NR_bpf, BPF_MAP_CREATE
    if fd < 0:
        e = ctypes.get_errno()
        return "bpf(BPF_MAP_CREATE) failed: %s" % os.strerror(e)
    os.close(fd)
    return None


def live_problems():
    why = []
    if os.geteuid() != 0:
        why.append("not running as root (live capture needs root)")
    if not os.access(UDSDUMP, os.X_OK):
        why.append("udsdump binary not found at %s (build it, or set "
                   "UDSDUMP)" % UDSDUMP)
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        why.append("no kernel BTF (/sys/kernel/btf/vmlinux)")
    if os.geteuid() == 0:
        p = _bpf_probe()
        if p:
            why.append("eBPF unavailable: " + p)
    return why


@pytest.fixture(scope="session", autouse=True)
def require_live():
    why = live_problems()
    if why:
        msg = "; ".join(why)
        if IN_CI:
            pytest.fail("CI=true but the live engine tests cannot run: "
                        + msg, pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    """A directory world-searchable (so uid-dropped senders reach it)."""
    d = Path("/tmp") / ("udsdump-tests-%d-%d" % (os.getpid(),
                                                 int(time.time())))
    d.mkdir(mode=0o755)
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", str(d)])


_n = [0]


def unique(prefix="t"):
    _n[0] += 1
    return "%s%d-%d-%d" % (prefix, os.getpid() % 100000, _n[0],
                           int(time.time() * 1000) % 100000)


# ------------------------------------------------------------ udsdump

class Udsdump:
    """One udsdump process writing to `out` (or stdout when out == '-')."""

    def __init__(self, args, out, env=None):
        self.args = [str(a) for a in args]
        self.out = str(out)
        self.proc = None
        self.stderr_lines = []
        self.stdout_data = bytearray()
        self._cap = threading.Event()
        self._threads = []
        self.rc = None
        self.env = env

    @property
    def cmd(self):
        # UDSDUMP_EXTRA_ARGS runs the same checks with other engine options
        # (scripts/test.sh: --hook=syscalls, the fallback for old kernels)
        extra = shlex.split(os.environ.get("UDSDUMP_EXTRA_ARGS", ""))
        return [UDSDUMP, "-w", self.out] + extra + self.args

    def start(self, timeout=START_TIMEOUT):
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.out == "-" else subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=self.env)

        def rd_err():
            for line in iter(self.proc.stderr.readline, b""):
                s = line.decode("utf-8", "replace")
                self.stderr_lines.append(s)
                if CAPTURING in s:
                    self._cap.set()

        def rd_out():
            while True:
                b = self.proc.stdout.read1(1 << 16)
                if not b:
                    break
                self.stdout_data += b

        ts = [threading.Thread(target=rd_err, daemon=True)]
        if self.out == "-":
            ts.append(threading.Thread(target=rd_out, daemon=True))
        for t in ts:
            t.start()
        self._threads = ts
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._cap.wait(0.05):
                return self
            if self.proc.poll() is not None:
                for t in ts:
                    t.join(5)
                raise AssertionError(
                    "udsdump exited %s before %r; stderr:\n%s"
                    % (self.proc.returncode, CAPTURING, self.stderr))
        self.kill()
        raise AssertionError("udsdump did not print %r within %ss; stderr:"
                             "\n%s" % (CAPTURING, timeout, self.stderr))

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    def stop(self, sig=signal.SIGINT, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("udsdump did not exit within %ss of %s; "
                                 "stderr:\n%s" % (timeout, sig, self.stderr))
        for t in self._threads:
            t.join(10)
        return self.rc

    def wait(self, timeout):
        self.rc = self.proc.wait(timeout)
        for t in self._threads:
            t.join(10)
        return self.rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def read(self):
        if self.out == "-":
            return udsrec.read_capture(bytes(self.stdout_data))
        return udsrec.read_capture(self.out)


def start_process(cmd, stdout=subprocess.DEVNULL, timeout=START_TIMEOUT):
    """Start udsdump (or a wrapper of it, e.g. valgrind) with cmd, wait for
    its "capturing" line; returns (process, stderr lines, reader thread)."""
    p = subprocess.Popen([str(a) for a in cmd], stdin=subprocess.DEVNULL,
                         stdout=stdout, stderr=subprocess.PIPE)
    lines = []
    ready = threading.Event()

    def rd():
        for line in iter(p.stderr.readline, b""):
            lines.append(line.decode(errors="replace"))
            if CAPTURING in lines[-1]:
                ready.set()
    t = threading.Thread(target=rd, daemon=True)
    t.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            t.join(5)
            raise AssertionError("udsdump did not start: %s" % "".join(lines))
    return p, lines, t


@pytest.fixture
def udsdump_factory(tmp_path):
    started = []

    def make(args=(), out=None, start=True):
        u = Udsdump(args, out or tmp_path / ("cap%d.pcapng" % len(started)))
        started.append(u)
        if start:
            u.start()
        return u
    yield make
    for u in started:
        u.kill()


# ------------------------------------------------------------ senders

def sender_cmd(script, *args):
    return [PYTHON, str(SENDERS / script)] + [str(a) for a in args]


def run_sender(script, *args, timeout=120, env=None):
    p = subprocess.run(sender_cmd(script, *args), capture_output=True,
                       timeout=timeout, env=env)
    if p.returncode != 0:
        raise AssertionError("sender %s %s failed (%d): %s" % (
            script, " ".join(map(str, args)), p.returncode,
            p.stderr.decode(errors="replace")))
    lines = p.stdout.decode().strip().splitlines()
    return json.loads(lines[-1])


class WaitingSender:
    """A sender run with --wait: set up, print {"ready"}, wait for go."""

    def __init__(self, script, *args, timeout=60):
        self.cmd = sender_cmd(script, *args, "--wait")
        self.p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        line = self.p.stdout.readline() if r else b""
        if not line:
            self.p.kill()
            raise AssertionError("sender not ready: %s" % (
                self.p.stderr.read().decode(errors="replace")))
        self.ready = json.loads(line)["ready"]

    def go(self, timeout=120):
        out, err = self.p.communicate(b"go\n", timeout=timeout)
        if self.p.returncode != 0:
            raise AssertionError("sender failed (%d): %s" % (
                self.p.returncode, err.decode(errors="replace")))
        return json.loads(out.decode().strip().splitlines()[-1])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


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
    import hashlib
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
