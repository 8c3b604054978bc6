#!/usr/bin/python3
"""Hostile senders for the robustness tests. Prints one JSON line of what
it did (inodes, names as hex, fd numbers, which sends the kernel refused).

  hostile.py DIR
"""
import array
import ctypes
import json
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


def raw_sendmsg(fd, payload, control):
    """sendmsg(2) with control bytes exactly as given (lengths may lie)."""
    buf = ctypes.create_string_buffer(payload, len(payload))
    iov = iovec(ctypes.cast(buf, ctypes.c_void_p), len(payload))
    cbuf = ctypes.create_string_buffer(control, len(control))
    m = msghdr(None, 0, ctypes.pointer(iov), 1, ctypes.cast(cbuf, ctypes.c_void_p),
               len(control), 0)
    r = libc.sendmsg(fd, ctypes.byref(m), 0)
    return r, (ctypes.get_errno() if r < 0 else 0)


def raw_addr_call(fn, sock, path: bytes):
    """bind/connect with a sockaddr_un whose sun_path is exactly `path`
    (108 bytes leave no room for a NUL: Python's own bind refuses that)."""
    sa = (socket.AF_UNIX).to_bytes(2, "little") + path
    buf = ctypes.create_string_buffer(sa, len(sa))
    if fn(sock.fileno(), buf, len(sa)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def ino(s):
    return os.fstat(s.fileno()).st_ino


def main(d):
    out = {}
    # 1. SCM_MAX_FD (253) descriptors in one message
    a, b = socket.socketpair()
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(253)]
    a.sendmsg([b"253 fds"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                              array.array("i", fds))])
    msg, anc, _, _ = b.recvmsg(64, socket.CMSG_SPACE(4 * 253))
    got = array.array("i")
    for lvl, typ, data in anc:
        got.frombytes(data[:len(data) - len(data) % 4])
    out["many_fds"] = {"inode": ino(a), "fds": fds, "received": len(got),
                       "devnull_ino": os.stat("/dev/null").st_ino}
    for fd in list(got) + fds:
        os.close(fd)

    # 2. control buffers whose cmsg_len lies: the kernel refuses them
    c1, c2 = socket.socketpair()
    hdr = lambda ln: ln.to_bytes(8, "little") + (1).to_bytes(4, "little") + \
        (1).to_bytes(4, "little")
    lies = []
    for ln in (4, 1 << 20, 0xffffffffffff):
        r, e = raw_sendmsg(c1.fileno(), b"liar", hdr(ln) + bytes(8))
        lies.append({"cmsg_len": ln, "ret": r, "errno": e})
    c1.sendall(b"honest after lies")
    out["lies"] = {"inode": ino(c1), "results": lies}

    # 2b. more control messages than the capture parses: 8 empty
    # SCM_RIGHTS, then one with a descriptor (the kernel accepts all)
    e1, e2 = socket.socketpair()
    empty = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"")] * 8
    e1.sendmsg([b"nine cmsgs"], empty + [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                           array.array("i", [e1.fileno()]))])
    out["many_cmsgs"] = {"inode": ino(e1)}

    # 3. a 1-byte sun_path (relative, in DIR)
    os.chdir(d)
    s1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s1.bind("a")
    t1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    t1.sendto(b"to a", "a")
    out["one_byte"] = {"sender_inode": ino(t1), "name": b"a".hex()}

    # 4. a 108-byte sun_path, no room for a NUL
    base = os.path.join(d, "p")
    os.makedirs(base, exist_ok=True)
    name = base + "/" + "x" * (108 - len(base) - 1)
    assert len(name.encode()) == 108
    s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw_addr_call(libc.bind, s2, name.encode())
    s2.listen()
    t2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw_addr_call(libc.connect, t2, name.encode())
    conn, _ = s2.accept()
    t2.sendall(b"long path")
    out["long_path"] = {"client_inode": ino(t2), "server_inode": ino(conn),
                        "name": name.encode().hex()}

    # 5. an abstract name full of NULs and bytes that are not UTF-8
    raw = b"\x00\xff\xfe\x00abc\x80\x00\x01"
    s3 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s3.bind(b"\x00" + raw)
    s3.listen()
    t3 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    t3.connect(b"\x00" + raw)
    conn3, _ = s3.accept()
    t3.sendall(b"weird name")
    out["abstract"] = {"client_inode": ino(t3), "name": raw.hex()}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
