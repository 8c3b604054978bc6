"""Real AF_UNIX traffic for the lab's guest check, with what was sent.

Every socket kind the capture must handle: pathname, abstract and unnamed
(socketpair) addresses x SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET; sends by
write, writev (several iovecs), sendmsg and sendmmsg; 1 B, 4 KiB, 100 KiB
and (streams) 1 MiB; one SCM_RIGHTS and one SCM_CREDENTIALS send.  A reader
thread drains each receiving socket.  Each sender remembers its own inode,
its peer's inode, its pid and the SHA-256 of the bytes the kernel accepted.
"""

import hashlib
import os
import socket
import struct
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "senders"))
import common  # noqa: E402  (tests/senders: sendmmsg through ctypes)

TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
         "seqpacket": socket.SOCK_SEQPACKET}
ADDRS = ("path", "abstract", "pair")
SYSCALLS = ("write", "writev", "sendmsg", "sendmmsg")
SIZES = (1, 4096, 100 * 1024, 1024 * 1024)
IOVECS = 3


class Sent:
    """What one sending socket put on the wire, by its own account."""

    def __init__(self, name, sock, peer):
        self.name = name
        self.sock = sock
        self.inode = os.fstat(sock.fileno()).st_ino
        self.peer_inode = os.fstat(peer.fileno()).st_ino
        self.pid = os.getpid()
        self.peercred_pid = common.peercred(sock)["pid"]
        self.sha = hashlib.sha256()
        self.length = 0
        self.data = bytearray()  # every accepted byte, to locate a mismatch
        self.sends = []  # (syscall, bytes requested, stream offset, accepted)
        self.passed_fd_inode = None
        self.creds_pid = None

    def accepted(self, data, syscall="sendmsg", requested=None):
        self.sends.append((syscall, len(data) if requested is None
                           else requested, self.length, len(data)))
        self.sha.update(data)
        self.data += data
        self.length += len(data)

    def send_at(self, offset):
        """The send that put the byte at OFFSET on the wire."""
        for s in self.sends:
            if s[2] <= offset < s[2] + s[3]:
                return "%s of %d B at offset %d (%d accepted)" % s
        return "past the last send"


def split(data, n):
    step = max(1, -(-len(data) // n))
    return [data[i:i + step] for i in range(0, len(data), step)] or [b""]


def send_once(sent, syscall, data):
    """One send by SYSCALL; returns the bytes the kernel accepted."""
    fd = sent.sock.fileno()
    if syscall == "write":
        n = os.write(fd, data)
    elif syscall == "writev":
        n = os.writev(fd, split(data, IOVECS))
    elif syscall == "sendmsg":
        n = sent.sock.sendmsg(split(data, IOVECS))
    else:
        half = len(data) // 2
        msgs = [split(data[:half], 2), split(data[half:], 2)] if half \
            else [[data]]
        _, lens = common.sendmmsg(fd, msgs)
        n = sum(lens)
    return data[:n]


def send_all(sent, syscall, data):
    """Streams may accept part of a send: send the rest the same way."""
    while data:
        took = send_once(sent, syscall, data)
        sent.accepted(took, syscall, len(data))
        data = data[len(took):]


def drain(sock):
    """Reader: receive (and close any passed fds) until the sender is done."""
    bufsize = 2 * 1024 * 1024
    while True:
        data, anc, _, _ = sock.recvmsg(bufsize, socket.CMSG_SPACE(64))
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for fd in struct.unpack("%di" % (len(raw) // 4), raw):
                    os.close(fd)
        if not data and sock.type != socket.SOCK_DGRAM:
            return
        if data == b"\0END":
            return


def connected_pair(addr, stype, tmpdir):
    """(sender, receiver) sockets of one address kind and type."""
    if addr == "pair":
        return socket.socketpair(socket.AF_UNIX, TYPES[stype])
    if addr == "path":
        name = str(Path(tmpdir) / ("%s.sock" % stype))
    else:
        name = "\0udsdump-guest-check-%d-%s" % (os.getpid(), stype)
    server = socket.socket(socket.AF_UNIX, TYPES[stype])
    server.bind(name)
    client = socket.socket(socket.AF_UNIX, TYPES[stype])
    if stype == "dgram":
        client.connect(name)
        return client, server
    server.listen(1)
    client.connect(name)
    receiver, _ = server.accept()
    server.close()
    return client, receiver


def sizes_for(addr, stype):
    if stype != "stream":
        return SIZES[:3]  # a datagram cannot hold 1 MiB
    return SIZES if addr == "path" else SIZES[:3]


def send_scm(sent, name):
    """SCM_RIGHTS on the stream pair, SCM_CREDENTIALS on the dgram pair."""
    if name == "stream-pair":
        r, w = os.pipe()
        sent.passed_fd_inode = os.fstat(r).st_ino
        fds = struct.pack("i", r)
        sent.accepted(b"F"[:sent.sock.sendmsg(
            [b"F"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])])
        os.close(r)
        os.close(w)
    elif name == "dgram-pair":
        creds = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
        sent.creds_pid = os.getpid()
        sent.accepted(b"C"[:sent.sock.sendmsg(
            [b"C"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])])


def run_socket(sent, receiver, sizes):
    reader = threading.Thread(target=drain, args=(receiver,), daemon=True)
    reader.start()
    for syscall in SYSCALLS:
        for size in sizes:
            send_all(sent, syscall, os.urandom(size))
    send_scm(sent, sent.name)
    if sent.sock.type == socket.SOCK_DGRAM:
        # the reader's stop mark: sent data like any other
        sent.sock.send(b"\0END")
        sent.accepted(b"\0END")
    else:
        sent.sock.shutdown(socket.SHUT_WR)
    reader.join(120)
    if reader.is_alive():
        raise RuntimeError("%s: the reader did not finish" % sent.name)


def drive(tmpdir):
    """All the traffic, one socket after another; returns [Sent]."""
    out = []
    for stype in TYPES:
        for addr in ADDRS:
            snd, rcv = connected_pair(addr, stype, tmpdir)
            sent = Sent("%s-%s" % (stype, addr), snd, rcv)
            run_socket(sent, rcv, sizes_for(addr, stype))
            snd.close()
            rcv.close()
            out.append(sent)
    return out
