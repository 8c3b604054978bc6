"""Shared helpers of the udsdump test senders (Python 3 stdlib only).

Every sender does real sends on real AF_UNIX sockets and prints a JSON log
of what it did: pids, socket inodes, peer inodes, paths, and for every
socket the SHA-256 and length of all bytes the kernel accepted, plus the
CLOCK_REALTIME taken just before each send.
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                   use_errno=True)

PR_SET_NAME = 15
LOG_DATA = "--log-data" in sys.argv
SOCK_TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
              "seqpacket": socket.SOCK_SEQPACKET}


def set_comm(name):
    """Set this thread's comm (what /proc/PID/comm and TASK.comm show)."""
    if not name:
        return
    b = name.encode()[:15]
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(b), 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "prctl(PR_SET_NAME)")


def get_comm():
    with open("/proc/self/comm") as f:
        return f.read().rstrip("\n")


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


def sock_inode(fd):
    """The socket inode (as ss -x shows), checked two ways."""
    if hasattr(fd, "fileno"):
        fd = fd.fileno()
    st = os.fstat(fd)
    link = os.readlink("/proc/self/fd/%d" % fd)
    m = re.fullmatch(r"socket:\[(\d+)\]", link)
    if not m:
        raise RuntimeError("fd %d is %r, not a socket" % (fd, link))
    if int(m.group(1)) != st.st_ino:
        raise RuntimeError("fstat st_ino %d != /proc link %s"
                           % (st.st_ino, link))
    return st.st_ino


def peercred(sock):
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                          struct.calcsize("iII"))
    pid, uid, gid = struct.unpack("iII", raw)
    return {"pid": pid, "uid": uid, "gid": gid}


def parse_addr(spec):
    """'path:/x', 'abstract:name', 'abstract-hex:6162', 'pair' ->
    (kind, python address, name bytes)."""
    if spec == "pair":
        return "pair", None, b""
    kind, _, rest = spec.partition(":")
    if kind == "path":
        return "path", rest, os.fsencode(rest)
    if kind == "abstract":
        name = rest.encode()
        return "abstract", b"\0" + name, name
    if kind == "abstract-hex":
        name = bytes.fromhex(rest)
        return "abstract", b"\0" + name, name
    raise SystemExit("bad address %r" % spec)


def addr_json(kind, name):
    return {"kind": kind, "name_hex": name.hex(),
            "name": name.decode("utf-8", "backslashreplace")}


def sockaddr_un(pyaddr):
    """struct sockaddr_un bytes and length for a Python AF_UNIX address."""
    if isinstance(pyaddr, str):
        b = os.fsencode(pyaddr)
        raw = struct.pack("H", socket.AF_UNIX) + b + b"\0"
    else:
        raw = struct.pack("H", socket.AF_UNIX) + pyaddr
    return raw, len(raw)


# ------------------------------------------------------------ sendmmsg

class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class msghdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_void_p),
                ("msg_namelen", ctypes.c_uint32),
                ("msg_iov", ctypes.POINTER(iovec)),
                ("msg_iovlen", ctypes.c_size_t),
                ("msg_control", ctypes.c_void_p),
                ("msg_controllen", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int)]


class mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", msghdr), ("msg_len", ctypes.c_uint)]


def sendmmsg(fd, messages, addr=None, flags=0):
    """messages: list of lists of bytes (one list of iovecs per message).
    Returns (number of messages sent, [msg_len of each sent message])."""
    keep = []
    n = len(messages)
    vec = (mmsghdr * n)()
    name_buf = None
    if addr is not None:
        raw, ln = sockaddr_un(addr)
        name_buf = ctypes.create_string_buffer(raw, ln)
        keep.append(name_buf)
    for i, parts in enumerate(messages):
        iovs = (iovec * len(parts))()
        for j, p in enumerate(parts):
            b = ctypes.create_string_buffer(p, len(p))
            keep.append(b)
            iovs[j].iov_base = ctypes.cast(b, ctypes.c_void_p)
            iovs[j].iov_len = len(p)
        keep.append(iovs)
        h = vec[i].msg_hdr
        h.msg_iov = iovs
        h.msg_iovlen = len(parts)
        if name_buf is not None:
            h.msg_name = ctypes.cast(name_buf, ctypes.c_void_p)
            h.msg_namelen = len(name_buf)
    libc.sendmmsg.argtypes = [ctypes.c_int, ctypes.POINTER(mmsghdr),
                              ctypes.c_uint, ctypes.c_int]
    r = libc.sendmmsg(fd, vec, n, flags)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r, [vec[i].msg_len for i in range(r)]


# ------------------------------------------------------------ logging

class SockLog:
    """What one socket sent: running offset, digest, per-send details."""

    def __init__(self, role, sock, stype, **extra):
        self.role = role
        self.sock = sock
        self.fd = sock.fileno() if hasattr(sock, "fileno") else sock
        self.inode = sock_inode(self.fd)
        self.stype = stype
        self.sha = hashlib.sha256()
        self.length = 0
        self.sends = []
        self.extra = extra

    def record(self, syscall, requested, returned, t_ns, data_accepted,
               msg_lens=None, **kw):
        e = {"syscall": syscall, "requested": requested,
             "returned": returned, "t_ns": t_ns, "t_after_ns": now_ns(),
             "offset": self.length}
        if msg_lens is not None:
            e["msg_lens"] = msg_lens
        if LOG_DATA:
            e["data_hex"] = data_accepted.hex()
        e.update(kw)
        self.sends.append(e)
        self.sha.update(data_accepted)
        self.length += len(data_accepted)

    def json(self):
        d = {"role": self.role, "inode": self.inode, "type": self.stype,
             "pid": os.getpid(), "tid": threading_tid(), "comm": get_comm(),
             "uid": os.getuid(), "gid": os.getgid(),
             "sent_len": self.length, "sent_sha256": self.sha.hexdigest(),
             "sends": self.sends}
        d.update(self.extra)
        return d


def threading_tid():
    return threading.get_native_id()


def emit(obj, stream=None):
    s = stream or sys.stdout
    s.write(json.dumps(obj, sort_keys=True) + "\n")
    s.flush()


def read_exact_json(fd):
    chunks = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        chunks.append(b)
    data = b"".join(chunks)
    return json.loads(data) if data else None


def fork_child(fn):
    """Run fn() in a child; fn returns a JSON-able object handed back.
    Returns (pid, read_fd)."""
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            out = fn()
        except BaseException as e:  # report, then exit non-zero
            import traceback
            out = {"error": repr(e), "traceback": traceback.format_exc()}
            code = 1
        data = json.dumps(out).encode()
        while data:
            n = os.write(w, data)
            data = data[n:]
        os.close(w)
        os._exit(code)
    os.close(w)
    return pid, r


def join_child(pid, rfd):
    out = read_exact_json(rfd)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError("child %d exited %d: %s" % (pid, code, out))
    return out


def drop_to(uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


# One connected stream between a forked server and the client, over a
# socketpair or a named address: the server writes "L" on the ready pipe
# once it listens, so the client never connects too early.

def stream_pair(kind, pyaddr):
    """Before the fork: the socketpair (kind "pair"), else None after
    removing a stale socket file."""
    if kind == "path" and os.path.lexists(pyaddr):
        os.unlink(pyaddr)
    if kind == "pair":
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return None


def accept_stream(pair, pyaddr, ready_w):
    """The server's end and the listening socket's inode (None for a
    pair)."""
    if pair:
        pair[0].close()
        return pair[1], None
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(pyaddr)
    ls.listen(1)
    listen_inode = sock_inode(ls)
    os.write(ready_w, b"L")
    s, _ = ls.accept()
    return s, listen_inode


def connect_stream(pair, pyaddr, ready_r):
    """The client's end, connected once the server listens."""
    if pair:
        pair[1].close()
        return pair[0]
    if os.read(ready_r, 1) != b"L":
        raise SystemExit("the server did not start listening")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(pyaddr)
    return c


def drain(s, bufsize=1 << 20):
    """(bytes, sha256 hex) of everything read from s until EOF."""
    h = hashlib.sha256()
    n = 0
    while True:
        b = os.read(s.fileno(), bufsize)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)
