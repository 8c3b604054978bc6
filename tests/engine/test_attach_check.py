"""The attach is proven live (src/engine/engine_attach.c): with the
syscall hook, udsdump waits until its program has run once before it says
"capturing", and attaches again when it has not. A 5.10 arm64 kernel once
accepted the attach and never ran the program (1 capture in 140 in the
kernel lab): the capture said "capturing" and wrote nothing.

The test build undoes the first N attaches at once
(UDSDUMP_FAULT_DEAD_ATTACHES), the state that kernel was left in: one dead
attach is attached again and the capture is whole; three end udsdump with
one line, before "capturing"."""

import os
import socket
import subprocess

from lib.capture import Capture
from lib.engine import udsrec, unique
from lib.paths import ASAN_UDSDUMP

MESSAGES = 5


def exchange(name):
    """MESSAGES messages on a named datagram socket; the sender's inode."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind("\0" + name)
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    cli.connect("\0" + name)
    for i in range(MESSAGES):
        cli.send(b"live-%d" % i)
        assert srv.recv(64) == b"live-%d" % i
    ino = os.fstat(cli.fileno()).st_ino
    cli.close()
    srv.close()
    return ino


def env_with(dead):
    return dict(os.environ, UDSDUMP_FAULT_DEAD_ATTACHES=str(dead))


def test_a_dead_attach_is_attached_again(tmp_path):
    name = unique("attach")
    out = tmp_path / "live.pcapng"
    cap = Capture([ASAN_UDSDUMP, "--hook", "syscalls", "-w", str(out),
                   "--path-prefix", "@" + name], env=env_with(1)).start()
    try:
        ino = exchange(name)
    finally:
        rc = cap.stop()
    said = "".join(cap.lines)
    assert rc == 0, said
    assert ("the kernel did not run the capture program it had attached; "
            "attached it again (1 time)") in said
    sent = [r.payload for r in udsrec.read_capture(str(out)).records
            if r.event == udsrec.EV_DATA and r.socket.inode == ino]
    assert sent == [b"live-%d" % i for i in range(MESSAGES)], said


def test_an_attach_that_never_runs_is_refused(tmp_path):
    out = tmp_path / "never.pcapng"
    p = subprocess.run([ASAN_UDSDUMP, "--hook", "syscalls", "-w", str(out)],
                       env=env_with(3), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1, p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert last == ("udsdump: the kernel accepted the capture program on "
                    "raw_syscalls:sys_exit but does not run it (3 attaches)")
    assert "capturing" not in p.stderr
