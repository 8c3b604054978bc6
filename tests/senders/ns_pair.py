"""A server and a client on one stream socket, run inside whatever
namespaces and cgroup the caller put this process in (unshare -n, -m, -p
-f; a cgroup.procs write): the client sends TEXT, the server answers
"ack:" + TEXT. Prints one JSON line, then holds its namespaces until its
standard input ends (namespace inodes are reused once a namespace dies:
two runs compared must be alive at once). The line: for each end its pid and tid as its
own pid namespace and as the host see them, its namespaces' inodes, its
socket's inode, and the bound file (inode and kernel-encoded device).

    ns_pair.py ADDR TEXT       ADDR: a path, or @name for an abstract name
"""

import json
import os
import socket
import sys


def sockaddr(addr):
    return "\0" + addr[1:] if addr.startswith("@") else addr


def me(sock):
    """Where this process lives, as it and the host see it."""
    ns = {k: int(os.readlink("/proc/self/ns/" + k).split("[")[1][:-1])
          for k in ("net", "mnt", "pid")}
    return {"nspid": os.getpid(), "host_pid": int(os.readlink("/proc/self")),
            "ns": ns, "inode": os.fstat(sock.fileno()).st_ino}


def client(addr, text, w):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sockaddr(addr))
    info = me(c)
    c.sendall(text)
    info["reply"] = c.recv(4096).decode()
    os.write(w, json.dumps(info).encode())
    os._exit(0)


def main():
    addr, text = sys.argv[1], sys.argv[2].encode()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sockaddr(addr))
    srv.listen(1)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        client(addr, text, w)
    os.close(w)
    conn, _ = srv.accept()
    server = me(conn)
    got = conn.recv(4096)
    conn.sendall(b"ack:" + got)
    os.waitpid(child, 0)
    cinfo = json.loads(os.read(r, 65536))
    out = {"server": server, "client": cinfo, "received": got.decode()}
    if not addr.startswith("@"):
        st = os.stat(addr)
        out["file"] = {"inode": st.st_ino,
                       "dev": os.major(st.st_dev) << 20 | os.minor(st.st_dev)}
        os.unlink(addr)
    print(json.dumps(out), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
