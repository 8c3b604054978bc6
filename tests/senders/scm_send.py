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

    def server():
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
            entry = {"len": len(msg), "fds": [], "creds": None,
                     "flags": flags}
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds = array.array("i")
                    fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                    for fd in fds:
                        st = os.fstat(fd)
                        entry["fds"].append({"ino": st.st_ino,
                                             "mode": st.st_mode,
                                             "link": os.readlink(
                                                 "/proc/self/fd/%d" % fd)})
                        os.close(fd)
                elif level == socket.SOL_SOCKET and \
                        typ == socket.SCM_CREDENTIALS:
                    pid, uid, gid = struct.unpack("iII", cdata[:12])
                    entry["creds"] = {"pid": pid, "uid": uid, "gid": gid}
            got.append(entry)
        return {"inode": common.sock_inode(s), "pid": os.getpid(),
                "listen_inode": common.sock_inode(ls), "messages": got,
                "received_len": total, "received_sha256": h.hexdigest()}

    spid, srfd = common.fork_child(server)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"L"
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(spath)
    log = common.SockLog("client", c, "stream", path=spath)

    # things to pass
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(lpath)
    lsock.listen(4)
    with open(fpath, "wb") as f:
        f.write(b"passed over SCM_RIGHTS\n")
    ffd = os.open(fpath, os.O_RDONLY)
    fst = os.fstat(ffd)
    lst = os.fstat(lsock.fileno())

    m1 = b"rights"
    fds = [lsock.fileno(), ffd]
    t = now_ns()
    n = c.sendmsg([m1], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                          array.array("i", fds).tobytes())])
    log.record("sendmsg", len(m1), n, t, m1[:n], cmsg="SCM_RIGHTS")

    if os.geteuid() == 0:
        creds = {"pid": spid, "uid": 65534, "gid": 65533}
    else:
        creds = {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid()}
    m2 = b"creds"
    t = now_ns()
    n = c.sendmsg([m2], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS,
                          struct.pack("iII", creds["pid"], creds["uid"],
                                      creds["gid"]))])
    log.record("sendmsg", len(m2), n, t, m2[:n], cmsg="SCM_CREDENTIALS")

    # 3. other kinds of descriptors: pipe, eventfd, memfd, directory
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
    m3 = b"kinds"
    t = now_ns()
    n = c.sendmsg([m3], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                          array.array("i", [k["fd"] for k in kinds])
                          .tobytes())])
    log.record("sendmsg", len(m3), n, t, m3[:n], cmsg="SCM_RIGHTS")

    # 4. many descriptors (SCM_MAX_FD is 253)
    many = [os.dup(ffd) for _ in range(a.many)]
    m4 = b"many"
    t = now_ns()
    n = c.sendmsg([m4], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                          array.array("i", many).tobytes())])
    log.record("sendmsg", len(m4), n, t, m4[:n], cmsg="SCM_RIGHTS")
    for fd in many + [pr, pw, efd, mfd, dfd]:
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
