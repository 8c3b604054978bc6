"""Bytes sent outside the traced syscalls (sendfile, splice) are counted as
a gap at the right stream offset, never silently missed."""

import os
import socket
import sys
import time

from lib.engine import SENDERS, data_of, udsrec

sys.path.insert(0, str(SENDERS))
import uring  # noqa: E402  (tests/senders/uring.py)


def test_sendfile_bytes_are_a_visible_gap(udsdump_factory, tmp_path):
    u = udsdump_factory(["--recv", "none"])
    src = tmp_path / "src.bin"
    body = os.urandom(30000)
    src.write_bytes(body)
    a, b = socket.socketpair()
    ino = os.fstat(a.fileno()).st_ino
    a.sendall(b"before:")
    with open(src, "rb") as f:
        sent = 0
        while sent < len(body):
            sent += os.sendfile(a.fileno(), f.fileno(), sent, len(body) - sent)
            while True:  # keep the buffer from filling
                b.setblocking(False)
                try:
                    if not b.recv(1 << 20):
                        break
                except BlockingIOError:
                    break
    a.sendall(b":after")
    a.close()
    b.close()
    time.sleep(0.3)
    assert u.stop() == 0, u.stderr
    recs = sorted(data_of(u.read(), ino), key=lambda r: r.stream.stream_offset)
    assert recs[0].payload == b"before:"
    gaps = [r for r in recs if r.has(udsrec.F_NO_PAYLOAD_SOURCE)]
    assert gaps, [r.flag_names for r in recs]
    assert all(r.payload_len == 0 and r.stream.syscall == 0 for r in gaps)
    assert sum(r.stream.msg_len for r in gaps) == len(body)
    assert gaps[0].stream.stream_offset == len(b"before:")
    last = recs[-1]
    assert last.payload == b":after"
    assert last.stream.stream_offset == len(b"before:") + len(body)


def test_splice_read_is_a_read_at_the_syscall_hook(udsdump_factory):
    """A read by splice() (socket -> pipe) passes no recvmsg: at the syscall
    exits it is a RECV with no payload source, so the reader's next read
    is linked to the bytes it really read. (The sock tracepoints do not
    see it; their ENGINE record names that, tests/engine/test_engine_record.py.)"""
    u = udsdump_factory(["--hook", "syscalls"])
    a, b = socket.socketpair()
    reader_ino = os.fstat(b.fileno()).st_ino
    a.sendall(b"s" * 5000)
    r, w = os.pipe()
    assert os.splice(b.fileno(), w, 5000) == 5000
    a.sendall(b"next")
    assert b.recv(100) == b"next"
    for fd in (r, w):
        os.close(fd)
    a.close()
    b.close()
    time.sleep(0.3)
    assert u.stop() == 0, u.stderr
    reads = sorted((r for r in u.read().records if r.event == udsrec.EV_RECV
                    and r.socket.inode == reader_ino),
                   key=lambda r: r.stream.stream_offset)
    got = [(r.stream.stream_offset, r.stream.msg_len,
            r.has(udsrec.F_NO_PAYLOAD_SOURCE)) for r in reads]
    assert got[:2] == [(0, 5000, True), (5000, 4, False)], got


def test_io_uring_send_is_a_gap_or_named_unseen(udsdump_factory):
    """An io_uring send has no syscall registers to read: at the sock
    tracepoints it is a gap of exact size; at the syscall exits it is not
    seen at all, and the capture's ENGINE record says so (with the offsets
    of the socket's later sends short by its bytes, as the record says)."""
    u = udsdump_factory(["--recv", "none"])
    a, b = socket.socketpair()
    ino = os.fstat(a.fileno()).st_ino
    ring = uring.Ring()
    a.sendall(b"before:")
    body = os.urandom(3000)
    assert ring.send(a.fileno(), body) == len(body)
    a.sendall(b":after")
    ring.close()
    a.close()
    b.close()
    time.sleep(0.3)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    blind = udsrec.engine_records(cap.records)[0].engine.blind
    recs = sorted(data_of(cap, ino), key=lambda r: r.stream.stream_offset)
    got = [(r.stream.stream_offset, r.stream.msg_len, r.payload,
            r.has(udsrec.F_NO_PAYLOAD_SOURCE)) for r in recs]
    if "io_uring" in blind:
        assert got == [(0, 7, b"before:", False), (7, 6, b":after", False)]
    else:
        assert got == [(0, 7, b"before:", False), (7, 3000, b"", True),
                       (3007, 6, b":after", False)], got
