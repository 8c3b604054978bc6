#!/usr/bin/python3
"""SCM_RIGHTS and SCM_CREDENTIALS on a pathname stream socket.

  scm_send.py --dir DIR [--client-comm X]

The client passes, with sendmsg:
  1. "rights": SCM_RIGHTS [a listening stream socket, a regular file]
  2. "creds":  SCM_CREDENTIALS {pid, uid, gid}; as root the values are
     chosen to differ from the sender's own (the server's pid, uid 65534,
     gid 65533), so a recorder that copies the sender's identity is caught.
  3. "kinds":  SCM_RIGHTS [pipe read end, eventfd, memfd, directory]
  4. "many":   SCM_RIGHTS with --many (default 200) dups of the file
The server (SO_PASSCRED) logs what it received, so the log shows what the
kernel really delivered.

Last stdout line: {"client": {..., "sends": [...]}, "server": {...},
"rights": {"fds": [l, f], "listen": {inode, path, mode}, "file": {fd, ino,
dev, mode, path, realpath}}, "creds": {pid, uid, gid}, "received": {...}}
"""

import argparse
import array
import hashlib
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import now_ns  # noqa: E402


def received_entry(msg, anc, flags):
    """What one recvmsg delivered: its length, each passed descriptor as the
    server sees it, and the credentials."""
    entry = {"len": len(msg), "fds": [], "creds": None, "flags": flags}
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
            for fd in fds:
                st = os.fstat(fd)
                entry["fds"].append({"ino": st.st_ino, "mode": st.st_mode,
                                     "link": os.readlink(
                                         "/proc/self/fd/%d" % fd)})
                os.close(fd)
        elif level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid, uid, gid = struct.unpack("iII", cdata[:12])
            entry["creds"] = {"pid": pid, "uid": uid, "gid": gid}
    return entry


def serve(spath, ready_r, ready_w):
    """The forked server: accepts one connection with SO_PASSCRED and logs
    every message until EOF."""
    os.close(ready_r)
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(spath)
    ls.listen(1)
    os.write(ready_w, b"L")
    os.close(ready_w)
    s, _ = ls.accept()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    got = []
    h = hashlib.sha256()
    total = 0
    while True:
        msg, anc, flags, _ = s.recvmsg(65536, 4096)
        if not msg:
            break
        h.update(msg)
        total += len(msg)
        got.append(received_entry(msg, anc, flags))
    return {"inode": common.sock_inode(s), "pid": os.getpid(),
            "listen_inode": common.sock_inode(ls), "messages": got,
            "received_len": total, "received_sha256": h.hexdigest()}


def send_with(c, log, data, cmsg_type, cmsg_data):
    """One sendmsg of data with one SOL_SOCKET control message, logged."""
    t = now_ns()
    n = c.sendmsg([data], [(socket.SOL_SOCKET, cmsg_type, cmsg_data)])
    name = "SCM_RIGHTS" if cmsg_type == socket.SCM_RIGHTS \
        else "SCM_CREDENTIALS"
    log.record("sendmsg", len(data), n, t, data[:n], cmsg=name)


def fd_array(fds):
    return array.array("i", fds).tobytes()


def other_kinds(d):
    """A pipe's read end, an eventfd, a memfd and a directory, described
    as the sender sees them (the write end of the pipe is returned too,
    to be closed)."""
    pr, pw = os.pipe()
    efd = os.eventfd(0)
    mfd = os.memfd_create("udsdump-test-memfd")
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    kinds = []
    for kind, fd in (("pipe", pr), ("eventfd", efd), ("memfd", mfd),
                     ("directory", dfd)):
        st = os.fstat(fd)
        kinds.append({"kind": kind, "fd": fd, "ino": st.st_ino,
                      "mode": st.st_mode,
                      "link": os.readlink("/proc/self/fd/%d" % fd),
                      "dev_major": os.major(st.st_dev),
                      "dev_minor": os.minor(st.st_dev)})
    return kinds, pw


def passed_things(lpath, fpath):
    """The listening socket and the regular file of the first message."""
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(lpath)
    lsock.listen(4)
    with open(fpath, "wb") as f:
        f.write(b"passed over SCM_RIGHTS\n")
    ffd = os.open(fpath, os.O_RDONLY)
    return lsock, ffd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--client-comm", default="")
    ap.add_argument("--many", type=int, default=200,
                    help="descriptors passed in the 4th message")
    a = ap.parse_args()
    common.set_comm(a.client_comm)
    d = os.path.abspath(a.dir)
    spath = os.path.join(d, "scm.sock")
    lpath = os.path.join(d, "passed-listener.sock")
    fpath = os.path.join(d, "passed-file.txt")
    for p in (spath, lpath):
        if os.path.lexists(p):
            os.unlink(p)
    ready_r, ready_w = os.pipe()
    spid, srfd = common.fork_child(lambda: serve(spath, ready_r, ready_w))
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"L"
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(spath)
    log = common.SockLog("client", c, "stream", path=spath)

    lsock, ffd = passed_things(lpath, fpath)
    fst = os.fstat(ffd)
    lst = os.fstat(lsock.fileno())
    # 1. a socket and a file
    fds = [lsock.fileno(), ffd]
    send_with(c, log, b"rights", socket.SCM_RIGHTS, fd_array(fds))
    # 2. credentials that differ from the sender's own where root may
    if os.geteuid() == 0:
        creds = {"pid": spid, "uid": 65534, "gid": 65533}
    else:
        creds = {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid()}
    send_with(c, log, b"creds", socket.SCM_CREDENTIALS,
              struct.pack("iII", creds["pid"], creds["uid"], creds["gid"]))
    # 3. other kinds of descriptors
    kinds, pw = other_kinds(d)
    send_with(c, log, b"kinds", socket.SCM_RIGHTS,
              fd_array([k["fd"] for k in kinds]))
    # 4. many descriptors (SCM_MAX_FD is 253)
    many = [os.dup(ffd) for _ in range(a.many)]
    send_with(c, log, b"many", socket.SCM_RIGHTS, fd_array(many))
    for fd in many + [k["fd"] for k in kinds] + [pw]:
        os.close(fd)
    c.shutdown(socket.SHUT_WR)
    sout = common.join_child(spid, srfd)
    out = {
        "client": log.json(), "server": sout,
        "rights": {
            "fds": fds,
            "listen": {"fd": lsock.fileno(), "inode": lst.st_ino,
                       "mode": lst.st_mode, "path": lpath,
                       "sock_type": socket.SOCK_STREAM,
                       "family": socket.AF_UNIX},
            "file": {"fd": ffd, "ino": fst.st_ino, "mode": fst.st_mode,
                     "dev": fst.st_dev, "dev_major": os.major(fst.st_dev),
                     "dev_minor": os.minor(fst.st_dev), "path": fpath,
                     "realpath": os.path.realpath(fpath)},
        },
        "creds": creds,
        "kinds": kinds,
        "many": many,
        "dir": {"path": d, "realpath": os.path.realpath(d)},
    }
    os.close(ffd)
    lsock.close()
    c.close()
    for p in (spath, lpath):
        os.unlink(p)
    common.emit(out)


if __name__ == "__main__":
    main()
