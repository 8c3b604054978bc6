#!/usr/bin/python3
"""Bytes sent on a stream socket outside the traced send syscalls.

  splice_send.py --addr path:/x|abstract:N|pair --dir DIR

The client does: write(A) ; sendfile(file -> socket, B bytes) ;
write(C) ; splice(pipe -> socket, D bytes) ; write(E). The sendfile and
splice bytes go through sock_sendmsg without a user buffer: a capture must
show them as a gap of exactly their length (NO_PAYLOAD_SOURCE), not miss
them and not fill them with unrelated memory.

Last stdout line: {"client": {... "sends": [{syscall, offset, returned,
captured: bool, data_hex (writes only)}]}, "server": {received_sha256}}
"""

import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import now_ns  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="pair")
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    kind, pyaddr, name = common.parse_addr(a.addr)
    pair = common.stream_pair(kind, pyaddr)
    ready_r, ready_w = os.pipe()

    def server():
        os.close(ready_r)
        s, _ = common.accept_stream(pair, pyaddr, ready_w)
        n, digest = common.drain(s)
        return {"inode": common.sock_inode(s), "pid": os.getpid(),
                "received_len": n, "received_sha256": digest}

    spid, srfd = common.fork_child(server)
    os.close(ready_w)
    c = common.connect_stream(pair, pyaddr, ready_r)
    fd = c.fileno()
    log = common.SockLog("client", c, "stream")
    fpath = os.path.join(a.dir, "sendfile-src.bin")
    fdata = os.urandom(3000)
    with open(fpath, "wb") as f:
        f.write(fdata)

    def w(data):
        t = now_ns()
        n = os.write(fd, data)
        log.record("write", len(data), n, t, data[:n], captured=True,
                   data_hex=data[:n].hex())

    w(b"before-sendfile")
    ffd = os.open(fpath, os.O_RDONLY)
    t = now_ns()
    n = os.sendfile(fd, ffd, 0, len(fdata))
    log.record("sendfile", len(fdata), n, t, fdata[:n], captured=False)
    os.close(ffd)
    w(b"between")
    pr, pw = os.pipe()
    pdata = os.urandom(2000)
    os.write(pw, pdata)
    t = now_ns()
    n = os.splice(pr, fd, len(pdata))
    log.record("splice", len(pdata), n, t, pdata[:n], captured=False)
    os.close(pr)
    os.close(pw)
    w(b"after-splice")
    c.shutdown(socket.SHUT_WR)
    sout = common.join_child(spid, srfd)
    os.unlink(fpath)
    if kind == "path":
        os.unlink(pyaddr)
    common.emit({"client": log.json(), "server": sout,
                 "addr": common.addr_json(kind, name)})


if __name__ == "__main__":
    main()
