#!/usr/bin/python3
"""Client/server traffic on one AF_UNIX socket, with a chosen address kind,
socket type and send syscalls; prints a JSON log of every byte sent.

  traffic.py --addr path:/tmp/d/s.sock|abstract:NAME|abstract-hex:HEX|pair
             --type stream|dgram|seqpacket
             --syscalls write,writev,send,sendto,sendmsg,sendmmsg
             --sizes 1,100,64K,1M [--iovecs N] [--mmsg N]
             [--reply BYTES] [--client-comm X] [--server-comm Y]
             [--client-uid UID:GID] [--unconnected] [--wait]

The server runs in a forked child (its own pid and comm); the client is the
main process. With --wait, once the sockets are connected a line
{"ready": {...}} is printed and the client waits for a line on stdin before
sending. The last line of stdout is the full log:

  {"client": {inode, pid, comm, uid, sent_len, sent_sha256, sends: [...]},
   "server": {inode (accepted / bound socket), listen_inode, pid, comm,
              received_len, received_sha256, received_msgs, peercred,
              sent_len, sent_sha256, sends},
   "addr": {...}, "type": ..., "client_peercred": ...}

Syscalls: write -> write(2), writev -> writev(2), send -> sendto(2) without
an address, sendto -> sendto(2) with the address (datagram), sendmsg ->
sendmsg(2), sendmmsg -> sendmmsg(2) through ctypes.
"""

import argparse
import hashlib
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import now_ns  # noqa: E402


def parse_size(s):
    s = s.strip()
    mult = 1
    if s[-1] in "kK":
        mult, s = 1024, s[:-1]
    elif s[-1] in "mM":
        mult, s = 1024 * 1024, s[:-1]
    return int(s) * mult


def split(data, n):
    n = max(1, n)
    q, r = divmod(len(data), n)
    out, o = [], 0
    for i in range(n):
        k = q + (1 if i < r else 0)
        out.append(data[o:o + k])
        o += k
    return out


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--type", default="stream", choices=common.SOCK_TYPES)
    ap.add_argument("--syscalls", default="write")
    ap.add_argument("--sizes", default="1,100,4096")
    ap.add_argument("--iovecs", type=int, default=3)
    ap.add_argument("--mmsg", type=int, default=3)
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--greeting", type=int, default=0,
                    help="server writes this many bytes first; the client "
                    "reads them before it sends")
    ap.add_argument("--client-comm", default="")
    ap.add_argument("--server-comm", default="")
    ap.add_argument("--client-uid", default="")
    ap.add_argument("--unconnected", action="store_true")
    ap.add_argument("--wait", action="store_true")
    ap.add_argument("--log-data", action="store_true",
                    help="also log the hex of every accepted byte")
    ap.add_argument("--pattern", action="store_true",
                    help="send a counting byte pattern, not random bytes")
    return ap.parse_args()


def plan(a):
    """The derived settings of one run, refusing combinations that cannot
    be sent (one line each, exit non-zero)."""
    a.kind, a.pyaddr, a.name = common.parse_addr(a.addr)
    a.stype = common.SOCK_TYPES[a.type]
    a.syscall_list = [s for s in a.syscalls.split(",") if s]
    a.size_list = [parse_size(s) for s in a.sizes.split(",") if s]
    a.conn_oriented = a.type in ("stream", "seqpacket")
    a.unconnected = a.unconnected or (a.type == "dgram" and "sendto" in
                                      a.syscall_list and a.kind != "pair")
    if a.unconnected and (a.kind == "pair" or a.type != "dgram"):
        raise SystemExit("--unconnected needs a named datagram socket")
    if a.unconnected and set(a.syscall_list) & {"write", "writev", "send"}:
        raise SystemExit("write/writev/send need a connected socket")
    if "sendto" in a.syscall_list and a.type != "dgram":
        raise SystemExit("sendto with an address needs a datagram socket")
    if (a.reply or a.greeting) and not a.conn_oriented:
        raise SystemExit("--reply needs a stream or seqpacket socket")
    a.nmsgs = sum(len(a.size_list) * (a.mmsg if s == "sendmmsg" else 1)
                  for s in a.syscall_list)
    a.big = max(a.size_list) if a.size_list else 0
    a.has_peer = a.conn_oriented or a.kind == "pair"
    return a


def server_socket(a, pair, ready_w):
    """The server's end: the pair's other half, the accepted connection, or
    the bound datagram socket; "L" on ready_w once a client may connect."""
    if pair:
        pair[0].close()
        return pair[1], None
    ls = socket.socket(socket.AF_UNIX, a.stype)
    ls.bind(a.pyaddr)
    if a.kind == "path":
        os.chmod(a.pyaddr, 0o777)
    listen_inode = common.sock_inode(ls)
    if not a.conn_oriented:
        os.write(ready_w, b"L\n")
        return ls, listen_inode
    ls.listen(8)
    os.write(ready_w, b"L\n")
    s, _ = ls.accept()
    return s, listen_inode


def receive_all(a, s):
    """(bytes, sha256, message sizes) of everything the client sends."""
    h = hashlib.sha256()
    total = 0
    msgs = []
    if a.type == "stream":
        while True:
            b = os.read(s.fileno(), 1 << 20)
            if not b:
                break
            h.update(b)
            total += len(b)
        return total, h.hexdigest(), msgs
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    while len(msgs) < a.nmsgs:
        b = s.recv(4 << 20)
        msgs.append(len(b))
        h.update(b)
        total += len(b)
    return total, h.hexdigest(), msgs


def write_logged(log, fd, nbytes, **extra):
    data = os.urandom(nbytes)
    t = now_ns()
    n = os.write(fd, data)
    log.record("write", len(data), n, t, data[:n], **extra)


def serve(a, pair, ready_r, ready_w):
    """The forked server: its identity goes to the client through ready_w,
    its log is returned to the parent."""
    os.close(ready_r)
    common.set_comm(a.server_comm)
    s, listen_inode = server_socket(a, pair, ready_w)
    log = common.SockLog("server", s, a.type)
    info = {"inode": log.inode, "listen_inode": listen_inode,
            "pid": os.getpid(), "comm": common.get_comm()}
    if a.has_peer:
        info["peercred"] = common.peercred(s)
    if a.greeting:
        write_logged(log, s.fileno(), a.greeting, greeting=True)
    os.write(ready_w, (json.dumps(info) + "\n").encode())
    os.close(ready_w)
    total, digest, msgs = receive_all(a, s)
    if a.reply:
        write_logged(log, s.fileno(), a.reply)
    out = log.json()
    out.update(info)
    out.update({"received_len": total, "received_sha256": digest,
                "received_msgs": msgs})
    s.close()
    return out


def drop_client_uid(a):
    if a.client_uid:
        uid, gid = (int(x) for x in a.client_uid.split(":"))
        common.drop_to(uid, gid)


def client_socket(a, pair, ready):
    """The client's end, connected unless it sends to an address."""
    if pair:
        pair[1].close()
        c = pair[0]
        drop_client_uid(a)
    else:
        first = ready.readline()
        if first != "L\n":
            raise SystemExit("server failed: %r" % first)
        drop_client_uid(a)
        c = socket.socket(socket.AF_UNIX, a.stype)
        if not a.unconnected:
            c.connect(a.pyaddr)
    if a.type != "stream" and a.big > 100000:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF,
                     min(2 * a.big + 65536, 4 << 20))
    return c


def recv_exactly(c, n, what):
    got = b""
    while len(got) < n:
        b = c.recv(n - len(got))
        if not b:
            raise SystemExit("EOF before the " + what)
        got += b
    return got


def recv_to_eof(c):
    h = hashlib.sha256()
    n = 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)


class Payloads:
    """Random bytes, or with --pattern a byte counter that runs on across
    sends (so a reader can tell where any byte belongs)."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.counter = 0

    def __call__(self, n):
        if not self.pattern:
            return os.urandom(n)
        b = bytes((self.counter + i) % 251 for i in range(n))
        self.counter += n
        return b


def send_one(a, c, log, sc, size, payload):
    """One send with syscall sc, logged with what it accepted."""
    fd = c.fileno()
    dest = a.pyaddr if a.unconnected else None
    data = payload(size)
    parts = split(data, a.iovecs)
    t = now_ns()
    if sc == "write":
        n = os.write(fd, data)
        log.record(sc, size, n, t, data[:n])
    elif sc == "writev":
        n = os.writev(fd, parts)
        log.record(sc, size, n, t, data[:n], iovecs=len(parts))
    elif sc == "send":
        n = c.send(data)
        log.record(sc, size, n, t, data[:n])
    elif sc == "sendto":
        n = c.sendto(data, a.pyaddr)
        log.record(sc, size, n, t, data[:n], address=True)
    elif sc == "sendmsg":
        n = c.sendmsg(parts, [], 0, dest) if dest is not None \
            else c.sendmsg(parts)
        log.record(sc, size, n, t, data[:n], iovecs=len(parts),
                   address=dest is not None)
    elif sc == "sendmmsg":
        datas = [data] + [payload(size) for _ in range(a.mmsg - 1)]
        msgs = [split(d, a.iovecs) for d in datas]
        t = now_ns()
        r, lens = common.sendmmsg(fd, msgs, dest)
        acc = b"".join(d[:ln] for d, ln in zip(datas, lens))
        log.record(sc, size * len(datas), r, t, acc, msg_lens=lens,
                   msg_requested=size, iovecs=a.iovecs,
                   address=dest is not None)
    else:
        raise SystemExit("unknown syscall %r" % sc)


def wait_for_go(a, spid, log, sinfo):
    common.emit({"ready": {"client_pid": os.getpid(),
                           "server_pid": spid,
                           "client_inode": log.inode,
                           "server_inode": sinfo["inode"],
                           "listen_inode": sinfo["listen_inode"]}})
    if not sys.stdin.readline():
        raise SystemExit("stdin closed before go")


def main():
    a = plan(parse_args())
    common.set_comm(a.client_comm)
    if a.kind == "path" and os.path.lexists(a.pyaddr):
        os.unlink(a.pyaddr)
    pair = socket.socketpair(socket.AF_UNIX, a.stype) \
        if a.kind == "pair" else None
    ready_r, ready_w = os.pipe()
    spid, srfd = common.fork_child(lambda: serve(a, pair, ready_r, ready_w))
    os.close(ready_w)
    ready = os.fdopen(ready_r, "r")
    c = client_socket(a, pair, ready)
    sinfo = json.loads(ready.readline())
    log = common.SockLog("client", c, a.type)
    client_peercred = common.peercred(c) if a.has_peer else None
    greeting = recv_exactly(c, a.greeting, "greeting")
    if a.wait:
        wait_for_go(a, spid, log, sinfo)
    payload = Payloads(a.pattern)
    for sc in a.syscall_list:
        for size in a.size_list:
            send_one(a, c, log, sc, size, payload)
    reply_len, reply_sha = 0, hashlib.sha256().hexdigest()
    if a.has_peer:
        if a.type != "dgram":
            c.shutdown(socket.SHUT_WR)
        if a.reply:
            reply_len, reply_sha = recv_to_eof(c)
    sout = common.join_child(spid, srfd)
    cj = log.json()
    cj.update({"peercred": client_peercred, "reply_len": reply_len,
               "reply_sha256": reply_sha,
               "greeting_sha256": hashlib.sha256(greeting).hexdigest()})
    c.close()
    if a.kind == "path":
        try:
            os.unlink(a.pyaddr)
        except OSError:
            pass
    common.emit({"client": cj, "server": sout,
                 "addr": common.addr_json(a.kind, a.name), "type": a.type,
                 "unconnected": a.unconnected})


if __name__ == "__main__":
    main()
