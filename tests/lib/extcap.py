"""Helpers of the extcap tests (tests/extcap/): Wireshark's environment
with udsdump installed as an extcap, the BPF state a capture leaves, and
tshark capturing through the extcap (tshark -i udsdump)."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import udsrec

from . import ci, paths
from .ci import IN_CI, need  # noqa: F401  (the extcap tests' names)

GLOBAL_EXTCAP_DIR = "/usr/lib/x86_64-linux-gnu/wireshark/extcap"
HERE = Path(paths.TESTS) / "extcap"
REPO_DIR = Path(paths.REPO)
UDSDUMP = paths.UDSDUMP


def live_problems():
    """Why the live extcap tests cannot run (also tshark and bpftool)."""
    return ci.live_problems(tshark=True, bpftool=True)


def ws_env(wsdir, **extra):
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = str(wsdir)
    env.pop("WIRESHARK_PLUGIN_DIR", None)
    env.update(extra)
    return env


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
