"""Fixtures and helpers of the extcap tests (tests/extcap/).

They drive Wireshark's own programs (tshark, sshdump, the Qt GUI under Xvfb)
against the real udsdump binary (env UDSDUMP, default <repo>/build/udsdump),
installed the way Wireshark finds extcaps: into the extcap/ directory of a
temporary WIRESHARK_CONFIG_DIR. Traffic comes from sender.py, started by the
tests; captures are read with tests/udsrec.py (written from doc/FORMAT.md).

Live tests need root, eBPF and tshark. Without them they skip and say why,
except when CI=true: then they fail, because CI must run them.

Run with the system Python: /usr/bin/python3 -m pytest tests/extcap
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TESTS_DIR = HERE.parent
REPO_DIR = TESTS_DIR.parent
sys.path.insert(0, str(TESTS_DIR))
import udsrec  # noqa: E402

UDSDUMP = os.environ.get("UDSDUMP") or str(REPO_DIR / "build" / "udsdump")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
SENDER = HERE / "sender.py"
IN_CI = os.environ.get("CI", "").lower() == "true"
GLOBAL_EXTCAP_DIR = "/usr/lib/x86_64-linux-gnu/wireshark/extcap"


def need(cond, why):
    """Skip (or fail under CI=true) unless cond."""
    if cond:
        return
    if IN_CI:
        pytest.fail("CI=true, so this may not be skipped: " + why)
    pytest.skip(why)


def live_problems():
    why = []
    if os.geteuid() != 0:
        why.append("not running as root (live capture needs root)")
    if not os.access(UDSDUMP, os.X_OK):
        why.append("udsdump not built at %s (build it or set UDSDUMP)" % UDSDUMP)
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        why.append("no kernel BTF (/sys/kernel/btf/vmlinux)")
    if not shutil.which("tshark"):
        why.append("tshark is not installed")
    if not shutil.which("bpftool") and not os.path.exists("/usr/sbin/bpftool"):
        why.append("bpftool is not installed")
    return why


@pytest.fixture
def live():
    why = live_problems()
    need(not why, "; ".join(why))


@pytest.fixture
def udsdump_bin():
    need(os.access(UDSDUMP, os.X_OK), "udsdump not built at %s" % UDSDUMP)
    return UDSDUMP


@pytest.fixture
def wsdir(tmp_path):
    """A WIRESHARK_CONFIG_DIR with udsdump installed as an extcap."""
    d = tmp_path / "wsconfig"
    (d / "extcap").mkdir(parents=True)
    shutil.copy2(UDSDUMP, d / "extcap" / "udsdump")
    os.chmod(d / "extcap" / "udsdump", 0o755)
    return d


def ws_env(wsdir, **extra):
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = str(wsdir)
    env.pop("WIRESHARK_PLUGIN_DIR", None)
    env.update(extra)
    return env


# ------------------------------------------------------------ senders

class Sender:
    """sender.py in the background: sends numbered messages until stopped
    and logs each one as a JSON line."""

    def __init__(self, tmp_path, name, *args):
        self.log = tmp_path / ("%s.jsonl" % name)
        self.proc = subprocess.Popen(
            [PYTHON, str(SENDER), "--log", str(self.log), "--comm", name] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.name = name
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.proc.kill()
            raise RuntimeError("sender %s did not start: %s %s" % (
                name, line, self.proc.stderr.read()))
        self.info = json.loads(line.split(" ", 1)[1])
        self.pid = self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def sent(self):
        self.stop()
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text().splitlines() if x.strip()]


@pytest.fixture
def senders(tmp_path):
    started = []

    def start(name, *args):
        s = Sender(tmp_path, name, *args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


# ------------------------------------------------------------ BPF state

def bpftool_json(*args):
    out = subprocess.run(["bpftool", "-j"] + list(args), capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out or "[]")


def link_ids_of(pid):
    """The BPF link ids whose fds process pid holds (from fdinfo)."""
    ids = set()
    fddir = Path("/proc/%d/fdinfo" % pid)
    try:
        entries = list(fddir.iterdir())
    except OSError:
        return ids
    for e in entries:
        try:
            m = re.search(r"^link_id:\s*(\d+)", e.read_text(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


def udsdump_processes(marker):
    """Pids of processes whose command line contains marker and runs udsdump."""
    pids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            argv = (p / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and b"udsdump" in argv[0] and any(marker.encode() in a for a in argv):
            pids.append(int(p.name))
    return pids


def wait_attached(marker, timeout=60):
    """Wait until a udsdump process with marker in its argv holds BPF links;
    return (pid, link ids, prog ids)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for pid in udsdump_processes(marker):
            ids = link_ids_of(pid)
            if len(ids) >= 1:
                time.sleep(0.2)  # every program attaches in the same call
                ids = link_ids_of(pid)
                links = {l["id"]: l for l in bpftool_json("link", "show")}
                progs = {links[i]["prog_id"] for i in ids if i in links}
                return pid, ids, progs
        time.sleep(0.05)
    raise AssertionError("no udsdump process with %r attached its programs within %ss"
                         % (marker, timeout))


def assert_detached(link_ids, prog_ids, timeout=10):
    """The capture's links and programs are gone. The kernel frees a
    program shortly after its last reference (RCU), so wait a little."""
    assert link_ids, "no link ids were recorded during the capture"
    deadline = time.time() + timeout
    while True:
        links = {l["id"] for l in bpftool_json("link", "show")}
        progs = {p["id"] for p in bpftool_json("prog", "show")}
        if not (link_ids & links) and not (prog_ids & progs) or time.time() > deadline:
            break
        time.sleep(0.1)
    assert not (link_ids & links), "BPF links left after the capture: %s" % (link_ids & links)
    assert not (prog_ids & progs), "BPF programs left after the capture: %s" % (prog_ids & progs)


# ------------------------------------------------------------ tshark

class TsharkRun:
    def __init__(self, proc, out, marker):
        self.proc = proc
        self.out = out
        self.marker = marker
        self.stdout = self.stderr = ""


def start_tshark(wsdir, out, duration, *args, marker=None):
    """tshark -i udsdump -a duration:N -w out; marker (a string unique to this
    run, e.g. the log file path given with -o) finds the extcap process."""
    cmd = ["tshark", "-i", "udsdump", "-a", "duration:%d" % duration, "-w", str(out)] + list(args)
    proc = subprocess.Popen(cmd, env=ws_env(wsdir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd="/tmp")
    return TsharkRun(proc, out, marker)


def finish_tshark(run, timeout=120):
    run.stdout, run.stderr = run.proc.communicate(timeout=timeout)
    return run


def read_records(path):
    cap = udsrec.read_capture(str(path))
    recs = cap.decode()
    return cap, recs


def data_records(recs):
    return [r for r in recs if r.event == udsrec.EV_DATA]
