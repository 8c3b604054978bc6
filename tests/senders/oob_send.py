#!/usr/bin/python3
"""MSG_OOB on a stream socket (Linux 5.15+ supports it on AF_UNIX).

  oob_send.py --addr pair|path:/x|abstract:N

The client sends "before", then "!" with MSG_OOB, then "after"; the server
reads with SO_OOBINLINE so every byte arrives in the stream.
Last stdout line: {"client": {... "sends": [{..., "oob": bool}]},
"server": {received_sha256}}
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
    a = ap.parse_args()
    kind, pyaddr, name = common.parse_addr(a.addr)
    pair = common.stream_pair(kind, pyaddr)
    ready_r, ready_w = os.pipe()

    def server():
        os.close(ready_r)
        s, _ = common.accept_stream(pair, pyaddr, ready_w)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        os.write(ready_w, b"A")
        n, digest = common.drain(s, 65536)
        return {"inode": common.sock_inode(s), "pid": os.getpid(),
                "received_len": n, "received_sha256": digest}

    spid, srfd = common.fork_child(server)
    os.close(ready_w)
    c = common.connect_stream(pair, pyaddr, ready_r)
    assert os.read(ready_r, 1) == b"A"
    log = common.SockLog("client", c, "stream")
    for data, flags in ((b"before", 0), (b"!", socket.MSG_OOB),
                        (b"after", 0)):
        t = now_ns()
        n = c.send(data, flags)
        log.record("send", len(data), n, t, data[:n],
                   oob=bool(flags & socket.MSG_OOB))
    c.shutdown(socket.SHUT_WR)
    sout = common.join_child(spid, srfd)
    if kind == "path":
        os.unlink(pyaddr)
    common.emit({"client": log.json(), "server": sout,
                 "addr": common.addr_json(kind, name)})


if __name__ == "__main__":
    main()
