#!/usr/bin/python3
"""Send numbered messages on a Unix socket until SIGTERM, for the extcap tests
(run in the background by tests/lib/senders.py: Background).

    numbered.py --comm NAME --kind KIND [--path P] [--size N] [--interval S]
              [--log FILE] [--count N]

KIND: dgram-pair (socketpair), stream-pair, stream-path, dgram-path,
seqpacket-path (a server bound at --path, by this process), abstract-stream,
abstract-dgram (bound at the abstract name --path, without the '@').

The process renames itself NAME (prctl PR_SET_NAME: the comm the kernel
reports). Prints "ready {json}" once the sockets exist, then sends one
message every --interval seconds; each message starts with NAME-SEQ: and is
padded to --size bytes; each send is logged as a JSON line to --log.
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import sys
import time

stop = False


def on_term(sig, frame):
    global stop
    stop = True


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def make(kind, path):
    """Return (sending socket, receiving socket, dest address or None)."""
    if kind == "dgram-pair":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        return a, b, None
    if kind == "stream-pair":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        return a, b, None
    if kind in ("stream-path", "seqpacket-path", "abstract-stream"):
        t = socket.SOCK_SEQPACKET if kind == "seqpacket-path" else socket.SOCK_STREAM
        addr = "\0" + path if kind.startswith("abstract") else path
        if not kind.startswith("abstract") and os.path.exists(path):
            os.unlink(path)
        srv = socket.socket(socket.AF_UNIX, t)
        srv.bind(addr)
        srv.listen(1)
        cli = socket.socket(socket.AF_UNIX, t)
        cli.connect(addr)
        conn, _ = srv.accept()
        srv.close()
        return cli, conn, None
    if kind in ("dgram-path", "abstract-dgram"):
        addr = "\0" + path if kind.startswith("abstract") else path
        if not kind.startswith("abstract") and os.path.exists(path):
            os.unlink(path)
        rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        rx.bind(addr)
        tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        return tx, rx, addr
    raise SystemExit("unknown kind " + kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--comm", required=True)
    ap.add_argument("--kind", default="dgram-pair")
    ap.add_argument("--path")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--log")
    a = ap.parse_args()

    set_comm(a.comm)
    signal.signal(signal.SIGTERM, on_term)
    tx, rx, dest = make(a.kind, a.path)
    rx.setblocking(False)
    info = {"pid": os.getpid(), "comm": a.comm, "kind": a.kind, "path": a.path,
            "inode": os.fstat(tx.fileno()).st_ino, "peer_inode": os.fstat(rx.fileno()).st_ino,
            "uid": os.getuid()}
    print("ready " + json.dumps(info), flush=True)
    log = open(a.log, "a") if a.log else None
    seq = 0
    while not stop and (not a.count or seq < a.count):
        msg = ("%s-%06d:" % (a.comm, seq)).encode()
        msg = msg + b"x" * max(0, a.size - len(msg))
        ts = time.time_ns()
        if dest is not None:
            n = tx.sendto(msg, dest)
        else:
            n = tx.send(msg)
        if log:
            log.write(json.dumps({"seq": seq, "len": n, "ts": ts}) + "\n")
            log.flush()
        try:
            while True:
                if not rx.recv(65536):
                    break
        except BlockingIOError:
            pass
        seq += 1
        time.sleep(a.interval)
    if log:
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
