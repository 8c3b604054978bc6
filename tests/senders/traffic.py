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


def main():
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
    a = ap.parse_args()

    kind, pyaddr, name = common.parse_addr(a.addr)
    stype = common.SOCK_TYPES[a.type]
    syscalls = [s for s in a.syscalls.split(",") if s]
    sizes = [parse_size(s) for s in a.sizes.split(",") if s]
    conn_oriented = a.type in ("stream", "seqpacket")
    unconnected = a.unconnected or (a.type == "dgram" and "sendto" in
                                    syscalls and kind != "pair")
    if unconnected and (kind == "pair" or a.type != "dgram"):
        raise SystemExit("--unconnected needs a named datagram socket")
    if unconnected and set(syscalls) & {"write", "writev", "send"}:
        raise SystemExit("write/writev/send need a connected socket")
    if "sendto" in syscalls and a.type != "dgram":
        raise SystemExit("sendto with an address needs a datagram socket")
    if (a.reply or a.greeting) and not conn_oriented:
        raise SystemExit("--reply needs a stream or seqpacket socket")
    nmsgs = sum(len(sizes) * (a.mmsg if s == "sendmmsg" else 1)
                for s in syscalls)
    big = max(sizes) if sizes else 0

    common.set_comm(a.client_comm)
    if kind == "path" and os.path.lexists(pyaddr):
        os.unlink(pyaddr)

    pair = None
    if kind == "pair":
        pair = socket.socketpair(socket.AF_UNIX, stype)
    ready_r, ready_w = os.pipe()

    def server():
        os.close(ready_r)
        common.set_comm(a.server_comm)
        listen_inode = None
        if pair:
            pair[0].close()
            s = pair[1]
        else:
            ls = socket.socket(socket.AF_UNIX, stype)
            ls.bind(pyaddr)
            if kind == "path":
                os.chmod(pyaddr, 0o777)
            listen_inode = common.sock_inode(ls)
            if conn_oriented:
                ls.listen(8)
                os.write(ready_w, b"L\n")
                s, _ = ls.accept()
            else:
                s = ls
        if not conn_oriented and not pair:
            os.write(ready_w, b"L\n")
        log = common.SockLog("server", s, a.type)
        info = {"inode": log.inode, "listen_inode": listen_inode,
                "pid": os.getpid(), "comm": common.get_comm()}
        if conn_oriented or pair:
            info["peercred"] = common.peercred(s)
        if a.greeting:
            g = os.urandom(a.greeting)
            t = now_ns()
            n = os.write(s.fileno(), g)
            log.record("write", len(g), n, t, g[:n], greeting=True)
        os.write(ready_w, (json.dumps(info) + "\n").encode())
        os.close(ready_w)
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
        else:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            while len(msgs) < nmsgs:
                b = s.recv(4 << 20)
                if not b and conn_oriented and len(msgs) >= nmsgs:
                    break
                msgs.append(len(b))
                h.update(b)
                total += len(b)
        if a.reply:
            data = os.urandom(a.reply)
            t = now_ns()
            n = os.write(s.fileno(), data)
            log.record("write", len(data), n, t, data[:n])
        out = log.json()
        out.update(info)
        out.update({"received_len": total,
                    "received_sha256": h.hexdigest(),
                    "received_msgs": msgs})
        s.close()
        return out

    spid, srfd = common.fork_child(server)
    os.close(ready_w)
    rf = os.fdopen(ready_r, "r")
    if pair:
        pair[1].close()
        c = pair[0]
    else:
        first = rf.readline()
        if first != "L\n":
            raise SystemExit("server failed: %r" % first)
        if a.client_uid:
            uid, gid = (int(x) for x in a.client_uid.split(":"))
            common.drop_to(uid, gid)
        c = socket.socket(socket.AF_UNIX, stype)
        if not unconnected:
            c.connect(pyaddr)
    if pair and a.client_uid:
        uid, gid = (int(x) for x in a.client_uid.split(":"))
        common.drop_to(uid, gid)
    if a.type != "stream" and big > 100000:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF,
                     min(2 * big + 65536, 4 << 20))
    sinfo = json.loads(rf.readline())
    log = common.SockLog("client", c, a.type)
    client_peercred = common.peercred(c) if (conn_oriented or pair) else None
    greeting = b""
    while len(greeting) < a.greeting:
        b = c.recv(a.greeting - len(greeting))
        if not b:
            raise SystemExit("EOF before the greeting")
        greeting += b
    if a.wait:
        common.emit({"ready": {"client_pid": os.getpid(),
                               "server_pid": spid,
                               "client_inode": log.inode,
                               "server_inode": sinfo["inode"],
                               "listen_inode": sinfo["listen_inode"]}})
        if not sys.stdin.readline():
            raise SystemExit("stdin closed before go")

    fd = c.fileno()
    dest = pyaddr if unconnected else None
    counter = [0]

    def payload(n):
        if not a.pattern:
            return os.urandom(n)
        b = bytes((counter[0] + i) % 251 for i in range(n))
        counter[0] += n
        return b

    for sc in syscalls:
        for size in sizes:
            data = payload(size)
            parts = split(data, a.iovecs)
            if sc == "write":
                t = now_ns()
                n = os.write(fd, data)
                log.record(sc, size, n, t, data[:n])
            elif sc == "writev":
                t = now_ns()
                n = os.writev(fd, parts)
                log.record(sc, size, n, t, data[:n], iovecs=len(parts))
            elif sc == "send":
                t = now_ns()
                n = c.send(data)
                log.record(sc, size, n, t, data[:n])
            elif sc == "sendto":
                t = now_ns()
                n = c.sendto(data, pyaddr)
                log.record(sc, size, n, t, data[:n], address=True)
            elif sc == "sendmsg":
                t = now_ns()
                if dest is not None:
                    n = c.sendmsg(parts, [], 0, dest)
                else:
                    n = c.sendmsg(parts)
                log.record(sc, size, n, t, data[:n], iovecs=len(parts),
                           address=dest is not None)
            elif sc == "sendmmsg":
                datas = [data] + [payload(size)
                                  for _ in range(a.mmsg - 1)]
                msgs = [split(d, a.iovecs) for d in datas]
                t = now_ns()
                r, lens = common.sendmmsg(fd, msgs, dest)
                acc = b"".join(d[:ln] for d, ln in zip(datas, lens))
                log.record(sc, size * len(datas), r, t, acc, msg_lens=lens,
                           msg_requested=size,
                           iovecs=a.iovecs, address=dest is not None)
            else:
                raise SystemExit("unknown syscall %r" % sc)
    reply_h = hashlib.sha256()
    reply_len = 0
    if conn_oriented or pair:
        if a.type != "dgram":
            c.shutdown(socket.SHUT_WR)
        if a.reply:
            while True:
                b = c.recv(1 << 20)
                if not b:
                    break
                reply_h.update(b)
                reply_len += len(b)
    sout = common.join_child(spid, srfd)
    cj = log.json()
    cj["peercred"] = client_peercred
    cj["reply_len"] = reply_len
    cj["reply_sha256"] = reply_h.hexdigest()
    cj["greeting_sha256"] = hashlib.sha256(greeting).hexdigest()
    c.close()
    if kind == "path":
        try:
            os.unlink(pyaddr)
        except OSError:
            pass
    common.emit({"client": cj, "server": sout,
                 "addr": common.addr_json(kind, name), "type": a.type,
                 "unconnected": unconnected})


if __name__ == "__main__":
    main()
