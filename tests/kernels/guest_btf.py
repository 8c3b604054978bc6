"""The lab's no-BTF check (issue 19), on the running kernel: with
/sys/kernel/btf hidden (a mount namespace whose /sys/kernel/btf is an
empty tmpfs, as in a container that does not mount it; libbpf then finds
no BTF, as on a kernel built without it), udsdump refuses with one line
naming the cause and --btf; given the BTF as a file (copied before it was
hidden) it captures on the raw-tracepoint rung, which its probe chooses,
every byte of a stream.

Run by guest_check.py after the main capture.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys

import guest_capture
import guest_verify

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import udsrec  # noqa: E402
from lib import capture  # noqa: E402

RAW_RUNG = "syscalls+hash+legacy+raw"


def without_btf(cmd):
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs none /sys/kernel/btf && exec "$@"', "sh"] + list(cmd)


def refused(udsdump, tmp):
    out = os.path.join(tmp, "nobtf.pcapng")
    p = subprocess.run(without_btf([udsdump, "-w", out]), capture_output=True, text=True,
                       timeout=guest_capture.START_TIMEOUT)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    ok = p.returncode == 1 and len(lines) == 1 and "--btf FILE" in lines[0] and not os.path.exists(out)
    return guest_verify.verdict(ok, "exit %d, stderr %r" % (p.returncode, lines[-3:]))


def exchange(path):
    """A stream that sends 3 messages each way through path; the bytes."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    cli = socket.socket(socket.AF_UNIX)
    cli.connect(path)
    acc, _ = srv.accept()
    sent = b""
    for i in range(3):
        msg = (b"no-btf %d " % i) * (i * 100 + 1)
        cli.sendall(msg)
        sent += msg
        got = b""
        while len(got) < len(msg):
            got += acc.recv(65536)
        acc.sendall(b"ok")
        cli.recv(2)
    ino = os.fstat(cli.fileno()).st_ino
    for s in (cli, acc, srv):
        s.close()
    return ino, sent


def with_file(udsdump, tmp):
    btf = os.path.join(tmp, "vmlinux.btf")
    shutil.copy("/sys/kernel/btf/vmlinux", btf)
    out, path = os.path.join(tmp, "btf.pcapng"), os.path.join(tmp, "btf.sock")
    cap = capture.Capture(without_btf([udsdump, "-w", out, "--btf", btf, "--path", path]),
                          ready="capturing", keep_newlines=False)
    cap.spawn()
    why = cap.wait_capturing(guest_capture.START_TIMEOUT)
    if why:
        cap.kill()
        return "fail: %s: %s" % (why, cap.lines[-3:])
    try:
        ino, sent = exchange(path)
    finally:
        rc = cap.stop(signal.SIGINT, timeout=120)
    engine = next((l for l in cap.lines if "engine" in l), "")
    recs = [r for r in udsrec.read_capture(out).records
            if r.event == udsrec.EV_DATA and r.socket and r.socket.inode == ino]
    data = udsrec.reassemble(recs).data if recs else b""
    ok = rc == 0 and RAW_RUNG in engine and data == sent
    return guest_verify.verdict(ok, "exit %s, %r, %d of %d bytes" % (rc, engine, len(data), len(sent)))


def check(udsdump, tmp, result):
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        result["skipped"]["no_btf"] = "this kernel has no BTF to hide"
        return
    result["checks"]["no_btf_refused"] = refused(udsdump, tmp)
    result["checks"]["no_btf_with_file"] = with_file(udsdump, tmp)
