"""A socket made in one network namespace and used from another: the giver
(run under unshare -n) makes a socketpair, passes one end with SCM_RIGHTS
over a path socket to the taker (in the caller's namespace), who sends
TEXT on it; the giver reads it from the other end. Each prints one JSON
line: its pid, its network namespace, the inodes it used.

    ns_fd_pass.py take PATH TEXT      bind PATH, take one descriptor, send TEXT on it
    ns_fd_pass.py give PATH           connect PATH, give one end, read the other
"""

import array
import json
import os
import socket
import sys


def netns():
    return int(os.readlink("/proc/self/ns/net").split("[")[1][:-1])


def take(path, text):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print(json.dumps({"listening": path}), flush=True)
    conn, _ = srv.accept()
    fds = array.array("i")
    _msg, anc, _flags, _addr = conn.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
    fds.frombytes(anc[0][2][:fds.itemsize])
    passed = socket.socket(fileno=fds[0])
    passed.sendall(text.encode())
    print(json.dumps({"pid": os.getpid(), "netns": netns(),
                      "inode": os.fstat(passed.fileno()).st_ino}), flush=True)
    passed.close()
    conn.close()
    os.unlink(path)


def give(path):
    a, b = socket.socketpair()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a.fileno()]))])
    given = os.fstat(a.fileno()).st_ino
    a.close()
    got = b.recv(4096)
    print(json.dumps({"pid": os.getpid(), "netns": netns(), "given": given,
                      "kept": os.fstat(b.fileno()).st_ino, "got": got.decode()}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "take":
        take(sys.argv[2], sys.argv[3])
    else:
        give(sys.argv[2])
