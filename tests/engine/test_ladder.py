"""The load ladder (issue 13): udsdump probes the kernel, loads the fastest
engine variant ("rung") that the kernel accepts, says which on stderr and
in `--probe` and in the capture's ENGINE record, and every rung this kernel
can run captures the same bytes and identities.

A rung is forced with `--without FEATURE`, which goes through the same
probe-then-choose code as a kernel that lacks the feature. Which rung ran is
checked from outside with bpftool (the programs udsdump holds, and whether
per-socket state went to the inode hash), not only from udsdump's word.
The rungs this kernel cannot run (socket storage where the verifier
refuses it) are proven in the kernel lab (tests/kernels/).
"""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from lib.engine import (UDSDUMP, Udsdump, data_of, run_sender, sha256, unique,
                      udsrec)

INSN_BUDGET = 1_000_000
HEADROOM = INSN_BUDGET // 4  # every program within a quarter of it


def probe(*args):
    p = subprocess.run([UDSDUMP, "--probe"] + list(args), capture_output=True,
                       text=True, timeout=120)
    return p


def parse_probe(out):
    feats, progs = {}, {}
    engine = None
    for line in out.splitlines():
        m = re.match(r"^  (\S+)\s+(yes|no|off)\s", line)
        if m:
            feats[m.group(1)] = m.group(2)
        m = re.match(r"^program: (\S+) (\d+) instructions verified", line)
        if m:
            progs[m.group(1)] = int(m.group(2))
        m = re.match(r"^engine: (\S+)", line)
        if m:
            engine = m.group(1)
    return feats, progs, engine


# rung -> (the --without list that forces it here, programs it attaches,
# whether per-socket state lives in the inode hash)
RUNGS = {
    "sock+storage": ([], {"uds_send", "uds_recv"}, False),
    "sock+hash": (["--without", "sk-storage"], {"uds_send", "uds_recv"},
                  True),
    "syscalls+hash": (["--without", "sock-tracepoints"], {"uds_sys_exit"},
                      True),
    "syscalls+hash+legacy": (["--without", "bpf-loop"], {"uds_sys_exit"},
                             True),
    # raw tracepoints, for a kernel whose BTF libbpf cannot find
    "syscalls+hash+legacy+raw": (["--without", "kernel-btf"], {"uds_sys_exit"},
                                 True),
}


def runnable_rungs():
    """The rungs this kernel runs, each forced the way the test will."""
    out = []
    for rung, (args, _, _) in RUNGS.items():
        p = probe(*args)
        if p.returncode == 0 and parse_probe(p.stdout)[2] == rung:
            out.append(rung)
    return out or ["(none)"]


def test_probe_report():
    """--probe names the kernel, every feature, the rung, what each program
    cost the verifier, and what a capture there does not see."""
    p = probe()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "kernel: %s\n" % os.uname().release in p.stdout
    feats, progs, engine = parse_probe(p.stdout)
    assert set(feats) == {"ringbuf", "task-btf", "bpf-loop", "task-pt-regs",
                          "kfuncs", "sock-tracepoints", "sk-storage", "kernel-btf"}, feats
    assert engine in RUNGS, p.stdout
    assert progs, p.stdout
    for name, insns in progs.items():
        assert 0 < insns <= HEADROOM, "%s: %d instructions verified" % (
            name, insns)
    assert re.search(r"^not seen: \S", p.stdout, re.M), p.stdout
    # a feature the probe found missing says why
    for line in p.stdout.splitlines():
        if re.match(r"^  \S+\s+no\s", line):
            assert ": " in line.split(")", 1)[-1], line


def test_probe_without_hides_a_feature():
    p = probe("--without", "sock-tracepoints")
    assert p.returncode == 0, p.stderr
    feats, progs, engine = parse_probe(p.stdout)
    assert feats["sock-tracepoints"] == "off"
    assert engine == "syscalls+hash"
    assert set(progs) == {"uds_sys_exit", "uds_cgroup_mkdir"}
    assert "io_uring" in p.stdout  # what that rung does not see


def test_without_unknown_feature_is_a_usage_error(tmp_path):
    p = subprocess.run([UDSDUMP, "-w", str(tmp_path / "x.pcapng"),
                        "--without", "sk-storage,warp-drive"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "'warp-drive'" in lines[0], p.stderr


def test_no_rung_left_is_one_line(tmp_path):
    """Hiding what every rung needs: one line naming it, exit 1, no file
    left half-written."""
    out = tmp_path / "x.pcapng"
    p = subprocess.run([UDSDUMP, "-w", str(out), "--without", "ringbuf"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "ring buffer" in lines[0] and "--without" in lines[0], lines[0]
    assert not out.exists()


def test_verbose_startup(tmp_path):
    """-v: how the engine was chosen, what each program cost the verifier,
    and the time from start to capturing (under 2 s on these machines)."""
    u = Udsdump(["-v"], tmp_path / "v.pcapng")
    u.start()
    u.stop(signal.SIGINT)
    err = u.stderr
    assert re.search(r"^udsdump: engine \S+ on %s" % re.escape(
        os.uname().release), err, re.M), err
    assert re.search(r"^udsdump: program \S+: \d+ instructions verified",
                     err, re.M), err
    m = re.search(r"^udsdump: ([\d.]+) s from start to capturing", err, re.M)
    assert m, err
    assert float(m.group(1)) < 2.0, err


def _bpftool_json(*args):
    p = subprocess.run(["bpftool", "--json"] + list(args),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout or "[]")


def _held_ids(pid, key):
    """BPF object ids (fdinfo `prog_id` or `map_id`) among pid's fds."""
    ids = set()
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                for line in f:
                    if line.startswith(key + ":"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass  # closed meanwhile
    return ids


def programs_held_by(pid):
    """Names of the BPF programs process pid holds (its fds, as the kernel
    reports them in /proc/PID/fdinfo, named by bpftool)."""
    return {_bpftool_json("prog", "show", "id", str(i))["name"]
            for i in _held_ids(pid, "prog_id")}


def hashed_inodes(pid):
    """Socket inodes with state in the inode-keyed hash of process pid."""
    maps = [m for m in (_bpftool_json("map", "show", "id", str(i))
                        for i in _held_ids(pid, "map_id"))
            if m.get("name") == "sock_states"]
    assert len(maps) == 1, maps
    entries = _bpftool_json("map", "dump", "id", str(maps[0]["id"]))
    inodes = set()
    for e in entries:
        key = e.get("key")
        if isinstance(key, list):  # bytes as hex strings, little-endian
            inodes.add(int.from_bytes(bytes(int(b, 16) for b in key),
                                      "little"))
        elif isinstance(key, int):
            inodes.add(key)
    return inodes


@pytest.mark.parametrize("rung", runnable_rungs())
def test_forced_rung_captures(tmp_path, rung):
    """Each rung this kernel runs: the engine line and bpftool agree on
    which one ran, and it captures every byte with the right inodes, peer
    and sender."""
    assert rung in RUNGS, "no rung loads on this kernel"
    args, progs, hashed = RUNGS[rung]
    u = Udsdump(args, tmp_path / "rung.pcapng")
    u.start()
    try:
        assert re.search(r"^udsdump: engine %s on " % re.escape(rung),
                         u.stderr, re.M), u.stderr
        held = programs_held_by(u.proc.pid)
        assert progs <= held, "udsdump holds %s" % held
        other = {"uds_send", "uds_recv", "uds_sys_exit"} - progs
        assert not (other & held), "udsdump holds %s" % held
        d = tmp_path / "s"
        d.mkdir()
        os.chmod(d, 0o777)
        logs = [run_sender("traffic.py", "--addr", "path:%s/r.sock" % d,
                           "--type", "stream", "--syscalls",
                           "write,writev,sendmsg,sendmmsg",
                           "--sizes", "1,4096,100000", "--reply", "300"),
                run_sender("traffic.py", "--addr", "abstract:" + unique("rung"),
                           "--type", "dgram", "--syscalls", "send,sendmsg",
                           "--sizes", "1,2000")]
        time.sleep(0.3)
        in_hash = hashed_inodes(u.proc.pid)
    finally:
        rc = u.stop(signal.SIGINT)
    assert rc == 0, u.stderr
    cap = u.read()
    # ... and the in-band ENGINE record, first in the file, says the same
    assert cap.records[0].event == udsrec.EV_ENGINE, cap.records[0].event_name
    assert udsrec.engine_records(cap.records)[0].engine.rung == rung
    for log in logs:
        client, server = log["client"], log["server"]
        assert (client["inode"] in in_hash) == hashed, (rung, in_hash)
        recs = data_of(cap, client["inode"])
        st = udsrec.reassemble(recs)
        assert not st.gaps and len(st.data) == client["sent_len"]
        assert sha256(st.data) == client["sent_sha256"]
        for r in recs:
            assert r.socket.peer_inode == server["inode"]
            assert r.task.pid == client["pid"] and r.task.comm == client["comm"]


def test_legacy_cap_is_a_gap_of_exact_size(tmp_path):
    """The legacy variant copies at most 2 MiB of a one-buffer message (its
    --probe says so); the rest is a gap of exactly the missing size, in a
    record flagged READ_FAULT, never silence."""
    p = probe("--without", "bpf-loop")
    assert parse_probe(p.stdout)[2] == "syscalls+hash+legacy", p.stdout
    assert "beyond 2 MiB (one buffer)" in p.stdout
    u = Udsdump(["--without", "bpf-loop"], tmp_path / "cap.pcapng")
    u.start()
    try:
        log = run_sender("traffic.py", "--addr", "pair", "--type", "stream",
                         "--syscalls", "write", "--sizes", "3M")
        time.sleep(0.3)
    finally:
        assert u.stop(signal.SIGINT) == 0, u.stderr
    client = log["client"]
    recs = data_of(u.read(), client["inode"])
    st = udsrec.reassemble(recs)
    cap = 2 << 20
    assert client["sent_len"] == 3 << 20
    assert len(st.data) == cap
    assert st.gaps == [(cap, client["sent_len"])], st.gaps
    assert not st.lost, st.lost
    marked = [r for r in recs if r.flags & udsrec.F_READ_FAULT]
    assert len(marked) == 1 and marked[0].stream.msg_offset == cap
