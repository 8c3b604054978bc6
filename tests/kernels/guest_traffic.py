"""Real AF_UNIX traffic for the lab's guest check, with what was sent.

Every socket kind the capture must handle: pathname, abstract and unnamed
(socketpair) addresses x SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET; sends by
write, writev (several iovecs), sendmsg and sendmmsg; 1 B, 4 KiB, 100 KiB
and (streams) 1 MiB; one SCM_RIGHTS and one SCM_CREDENTIALS send.  A reader
thread drains each receiving socket.  Each sender remembers its own inode,
its peer's inode, its pid and the SHA-256 of the bytes the kernel accepted.

Two more streams: "stream-older", connected and used before the capture
started (prepare()), and "stream-nobuf", whose sends without a user
buffer (sendfile, splice, io_uring) the capture can only show as gaps
(or, where its ENGINE record says so, not at all).
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
import uring  # noqa: E402  (tests/senders: an io_uring send through ctypes)

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
        self.joined = False  # connected before the capture started
        self.nobuf = []  # (kind, stream offset, length): sends with no buffer
        self.no_uring = None  # why this kernel made no io_uring send

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


def connected_pair(addr, stype, tmpdir, tag=""):
    """(sender, receiver) sockets of one address kind and type."""
    if addr == "pair":
        return socket.socketpair(socket.AF_UNIX, TYPES[stype])
    if addr == "path":
        name = str(Path(tmpdir) / ("%s%s.sock" % (stype, tag)))
    else:
        name = "\0udsdump-guest-check-%d-%s%s" % (os.getpid(), stype, tag)
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


def finish_stream(sent, reader):
    sent.sock.shutdown(socket.SHUT_WR)
    reader.join(120)
    if reader.is_alive():
        raise RuntimeError("%s: the reader did not finish" % sent.name)
    sent.sock.close()


def prepare(tmpdir):
    """Before the capture: a connection that already carried bytes (which
    the capture cannot have: they are not in its Sent)."""
    snd, rcv = connected_pair("path", "stream", tmpdir, "-older")
    sent = Sent("stream-older", snd, rcv)
    sent.joined = True
    reader = threading.Thread(target=drain, args=(rcv,), daemon=True)
    reader.start()
    snd.sendall(os.urandom(1000))
    return sent, reader


def drive_older(older):
    sent, reader = older
    for syscall in SYSCALLS:
        send_all(sent, syscall, os.urandom(4096))
    finish_stream(sent, reader)
    return sent


def nobuf_sent(sent, kind, data):
    sent.nobuf.append((kind, sent.length, len(data)))
    sent.accepted(data, kind)


def send_nobuf(sent, tmpdir):
    """sendfile, splice and (where the kernel allows it) io_uring sends."""
    fd = sent.sock.fileno()
    body = os.urandom(30000)
    path = Path(tmpdir) / "nobuf-sendfile.bin"
    path.write_bytes(body)
    with open(path, "rb") as f:
        n = os.sendfile(fd, f.fileno(), 0, len(body))
    nobuf_sent(sent, "sendfile", body[:n])
    send_all(sent, "write", b"after-sendfile")
    r, w = os.pipe()
    os.write(w, body[:20000])
    n = os.splice(r, fd, 20000)
    os.close(r)
    os.close(w)
    nobuf_sent(sent, "splice", body[:n])
    send_all(sent, "write", b"after-splice")
    try:
        ring = uring.Ring()
    except OSError as e:
        sent.no_uring = str(e)
        return
    n = ring.send(fd, body[:3000])
    ring.close()
    nobuf_sent(sent, "io_uring", body[:n])
    send_all(sent, "write", b"after-io_uring")


def drive_nobuf(tmpdir):
    snd, rcv = connected_pair("path", "stream", tmpdir, "-nobuf")
    sent = Sent("stream-nobuf", snd, rcv)
    reader = threading.Thread(target=drain, args=(rcv,), daemon=True)
    reader.start()
    send_all(sent, "write", b"before")
    send_nobuf(sent, tmpdir)
    finish_stream(sent, reader)
    rcv.close()
    return sent


def drive(tmpdir, older=None):
    """All the traffic, one socket after another (OLDER: what prepare()
    returned, before the capture); returns [Sent]."""
    out = [drive_nobuf(tmpdir)]
    if older:
        out.append(drive_older(older))
    for stype in TYPES:
        for addr in ADDRS:
            snd, rcv = connected_pair(addr, stype, tmpdir)
            sent = Sent("%s-%s" % (stype, addr), snd, rcv)
            run_socket(sent, rcv, sizes_for(addr, stype))
            snd.close()
            rcv.close()
            out.append(sent)
    return out
