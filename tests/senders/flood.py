#!/usr/bin/python3
"""Overload sender for the loss-accounting tests.

Forks --conns processes; each names itself --comm (so a capture can filter
on it), makes a stream socketpair, and forks a reader that reads until end
of file while the writer sends --bytes bytes in messages of random sizes
(1 to --max-msg bytes, at most one record each) and closes. Every process
counts what it did; the parent prints one JSON line:
  {"conns": [{"inode", "peer_inode", "sent", "sends", "sha256",
              "reads", "read_bytes", "eofs"}...]}
"""
import argparse
import ctypes
import hashlib
import json
import os
import random
import socket
import sys

PR_SET_NAME = 15


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)


def one_conn(args, idx, out_w):
    set_comm(args.comm)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    rpipe_r, rpipe_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # reader
        a.close()
        os.close(rpipe_r)
        reads = nbytes = eofs = 0
        while True:
            d = b.recv(65536)
            if not d:
                eofs += 1
                break
            reads += 1
            nbytes += len(d)
        os.write(rpipe_w, json.dumps({"reads": reads, "read_bytes": nbytes,
                                      "eofs": eofs}).encode())
        os._exit(0)
    os.close(rpipe_w)
    b_ino = os.fstat(b.fileno()).st_ino
    b.close()
    rnd = random.Random(args.seed * 1000 + idx)
    h = hashlib.sha256()
    sent = sends = 0
    while sent < args.bytes:
        n = min(rnd.randint(1, args.max_msg), args.bytes - sent)
        data = bytes([(sent + i) & 0xff for i in range(min(n, 256))]) * (n // 256 + 1)
        data = data[:n]
        k = a.send(data)
        h.update(data[:k])
        sent += k
        sends += 1
    ino = os.fstat(a.fileno()).st_ino
    a.close()
    rd = b""
    while True:
        chunk = os.read(rpipe_r, 4096)
        if not chunk:
            break
        rd += chunk
    os.waitpid(pid, 0)
    r = json.loads(rd)
    r.update({"inode": ino, "peer_inode": b_ino, "sent": sent, "sends": sends,
              "sha256": h.hexdigest()})
    os.write(out_w, (json.dumps(r) + "\n").encode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--bytes", type=int, default=1 << 20)
    ap.add_argument("--max-msg", type=int, default=16384)
    ap.add_argument("--comm", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    out_r, out_w = os.pipe()
    kids = []
    for i in range(args.conns):
        pid = os.fork()
        if pid == 0:
            os.close(out_r)
            try:
                one_conn(args, i, out_w)
            finally:
                os._exit(0)
        kids.append(pid)
    os.close(out_w)
    data = b""
    while True:
        chunk = os.read(out_r, 65536)
        if not chunk:
            break
        data += chunk
    for pid in kids:
        os.waitpid(pid, 0)
    conns = [json.loads(l) for l in data.decode().splitlines() if l.strip()]
    if len(conns) != args.conns:
        print("flood: %d of %d connections reported" % (len(conns), args.conns),
              file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"conns": conns}))


if __name__ == "__main__":
    main()
