"""A kernel whose BTF libbpf cannot find: /sys/kernel/btf hidden, as in a
container that does not mount it (or a kernel built without
CONFIG_DEBUG_INFO_BTF). udsdump refuses with one line naming the cause and
the fix; given the BTF as a file with --btf, it captures, on the raw
tracepoint rung, which its probe chooses by itself; a bad --btf file is
one line too."""

import json
import os
import shutil
import subprocess

from lib.capture import Capture
from lib.engine import UDSDUMP, CAPTURING, data_of, run_sender, sha256, udsrec, unique


def without_btf(cmd):
    """cmd in a mount namespace whose /sys/kernel/btf is an empty tmpfs."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs none /sys/kernel/btf && exec "$@"', "sh"] + [str(c) for c in cmd]


def one_line(text):
    return len([l for l in text.splitlines() if l.strip()]) == 1


def test_no_btf_is_refused_with_its_cause_and_fix(tmp_path):
    out = tmp_path / "x.pcapng"
    r = subprocess.run(without_btf([UDSDUMP, "-w", out]), capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert one_line(r.stderr), r.stderr
    assert "/sys/kernel/btf/vmlinux" in r.stderr and "--btf FILE" in r.stderr, r.stderr
    assert CAPTURING not in r.stderr and not out.exists()
    # the probe names it too
    p = subprocess.run(without_btf([UDSDUMP, "--probe", "--btf", "/sys/kernel/btf/vmlinux"]),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and one_line(p.stderr) and "cannot read BTF from" in p.stderr, p.stderr


def test_btf_file_captures_on_the_raw_rung(tmp_path, workdir):
    btf = tmp_path / "vmlinux.btf"
    shutil.copy("/sys/kernel/btf/vmlinux", btf)
    probe = subprocess.run(without_btf([UDSDUMP, "--probe", "--btf", btf]), capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert "kernel-btf        no" in probe.stdout, probe.stdout
    assert "engine: syscalls+hash+legacy+raw (kernel-btf: libbpf finds no BTF" in probe.stdout, \
        probe.stdout

    path = "%s/%s.sock" % (workdir, unique("btf"))
    out = tmp_path / "raw.pcapng"
    cap = Capture(without_btf([UDSDUMP, "-w", out, "--btf", btf, "--path", path]), out=str(out))
    with cap.start():
        log = run_sender("traffic.py", "--addr", "path:" + path, "--sizes", "7,40000",
                         "--syscalls", "write,sendmsg", "--reply", "300")
        # a raw tracepoint, not tp_btf (a "tracing" program): what the kernel holds
        progs = json.loads(subprocess.run(["bpftool", "--json", "prog", "show"], capture_output=True,
                                          text=True, check=True).stdout)
        types = {p["type"] for p in progs if p.get("name") == "uds_sys_exit"}
        assert types == {"raw_tracepoint"}, types
    assert "engine syscalls+hash+legacy+raw" in cap.stderr, cap.stderr
    capture = udsrec.read_capture(str(out))
    for side in ("client", "server"):
        recs = data_of(capture, log[side]["inode"])
        st = udsrec.reassemble(recs)
        assert st.complete and sha256(st.data) == log[side]["sent_sha256"], side
        assert recs[0].socket_path().name == os.fsencode(path), side


def test_bad_btf_file_is_one_line(tmp_path):
    for bad, why in ((tmp_path / "missing.btf", "No such file"), ("/etc/hostname", "")):
        r = subprocess.run([UDSDUMP, "-w", tmp_path / "x.pcapng", "--btf", bad], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and one_line(r.stderr), r.stderr
        assert ("cannot read BTF from %s" % bad) in r.stderr and why in r.stderr, r.stderr
