#!/usr/bin/python3
"""A non-blocking partial send on a stream socket.

The server does not read until told to, so the client's socket buffer fills
up: a non-blocking send of --size bytes returns fewer bytes than asked (a
partial send), a further send fails with EAGAIN. The log records what the
kernel accepted. Then the server drains the socket and the client sends the
rest of the first buffer blocking, so the stream goes on.

  partial_send.py --addr path:/x|abstract:N|pair [--size 4M]
                  [--syscall send|write|writev|sendmsg] [--client-comm X]

Last stdout line: {"client": {..., "sends": [{"requested", "returned",
"partial": true, ...}]}, "server": {...received_sha256...},
"partial": {"requested": N, "accepted": M}}
"""

import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import now_ns  # noqa: E402
from traffic import parse_size, split  # noqa: E402


def do_send(c, sc, data):
    fd = c.fileno()
    if sc == "send":
        return c.send(data)
    if sc == "write":
        return os.write(fd, data)
    if sc == "writev":
        return os.writev(fd, split(data, 16))
    if sc == "sendmsg":
        return c.sendmsg(split(data, 16))
    raise SystemExit("unknown syscall " + sc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="pair")
    ap.add_argument("--size", default="4M")
    ap.add_argument("--syscall", default="send")
    ap.add_argument("--client-comm", default="")
    a = ap.parse_args()
    kind, pyaddr, name = common.parse_addr(a.addr)
    size = parse_size(a.size)
    common.set_comm(a.client_comm)
    pair = common.stream_pair(kind, pyaddr)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()

    def server():
        os.close(ready_r)
        os.close(go_w)
        s, listen_inode = common.accept_stream(pair, pyaddr, ready_w)
        os.write(ready_w, b"A")
        os.close(ready_w)
        os.read(go_r, 1)  # do not read until the client filled the buffer
        total, digest = common.drain(s)
        return {"inode": common.sock_inode(s), "listen_inode": listen_inode,
                "pid": os.getpid(), "received_len": total,
                "received_sha256": digest}

    spid, srfd = common.fork_child(server)
    os.close(ready_w)
    os.close(go_r)
    c = common.connect_stream(pair, pyaddr, ready_r)
    assert os.read(ready_r, 1) == b"A"
    log = common.SockLog("client", c, "stream")
    c.setblocking(False)
    data = os.urandom(size)
    t = now_ns()
    n = do_send(c, a.syscall, data)
    log.record(a.syscall, size, n, t, data[:n], partial=n < size)
    eagain = False
    t2 = now_ns()
    try:
        n2 = do_send(c, a.syscall, b"z" * 65536)
        log.record(a.syscall, 65536, n2, t2, b"z" * n2, partial=n2 < 65536)
    except BlockingIOError:
        eagain = True
    c.setblocking(True)
    os.write(go_w, b"g")
    os.close(go_w)
    rest = data[n:]
    while rest:
        t = now_ns()
        m = os.write(c.fileno(), rest)
        log.record("write", len(rest), m, t, rest[:m])
        rest = rest[m:]
    c.shutdown(socket.SHUT_WR)
    sout = common.join_child(spid, srfd)
    if kind == "path":
        os.unlink(pyaddr)
    common.emit({"client": log.json(), "server": sout,
                 "addr": common.addr_json(kind, name),
                 "partial": {"requested": size, "accepted": n,
                             "syscall": a.syscall,
                             "second_send_eagain": eagain}})


if __name__ == "__main__":
    main()
