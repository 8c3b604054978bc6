"""Synthetic udsdump captures, written from doc/FORMAT.md (not from record.h).

A second, independent reader/writer of the record format: if the prose and
the C header disagree, tests built on this module fail.

    rec = Record(EV_DATA, payload=b"hello")
    rec.socket(inode=1001, peer_inode=1002, sock_type=SOCK_STREAM)
    rec.task(pid=4242, tid=4242, uid=1000, gid=1000, start_ns=5, comm="curl")
    rec.stream(offset=0, msg_len=5)
    write_pcapng(path, [rec.build()])
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The format's constants have one home: tests/udsrec.py (from FORMAT.md).
from udsrec import (  # noqa: E402,F401
    ADDR_ABSTRACT, ADDR_PATHNAME, ADDR_UNNAMED, EV_ACCEPT, EV_CLOSE, EV_CONNECT, EV_DATA,
    EV_ENGINE, EV_LOSS, EV_RECV, EV_SHUTDOWN, EV_SOCKETPAIR, F_CMSG_TRUNCATED, F_FIRST_SEEN,
    F_INFERRED, F_JOINED_MIDSTREAM, F_METADATA_ONLY, F_MORE, F_NO_PAYLOAD_SOURCE, F_OOB,
    F_PARTIAL, F_READ_FAULT, F_TRUNCATED, FDF_PATH_CUT, FDF_UNRESOLVED, FK_ANON_INODE, FK_PIPE,
    FK_REGULAR, FK_SOCKET, LINKTYPE_USER12, MISSING_KERNEL, MISSING_WITHOUT, SOCK_DGRAM,
    SOCK_SEQPACKET, SOCK_STREAM, SYSCALL_NUMBERS, T_CMSG_RAW, T_DEST_ADDR, T_ENGINE_BLIND,
    T_ENGINE_KERNEL, T_ENGINE_MISSING, T_ENGINE_REASON, T_ENGINE_RUNG, T_ENGINE_VERSION,
    T_LOCAL_ADDR, T_LOSS, T_PEER_ADDR, T_PEER_CRED, T_PEER_TASK, T_SCM_CREDS, T_SCM_RIGHTS_FD,
    T_SOCKET, T_STREAM, T_TASK)
from lib.pcapng import pcapng_bytes, write_pcapng  # noqa: E402,F401

# The names the plugin tests use for some of them.
SYS_WRITE = SYSCALL_NUMBERS["write"]
SYS_SENDTO = SYSCALL_NUMBERS["sendto"]
SYS_SENDMSG = SYSCALL_NUMBERS["sendmsg"]
FILE_REGULAR = FK_REGULAR
FILE_SOCKET = FK_SOCKET
FILE_PIPE = FK_PIPE
FILE_ANON = FK_ANON_INODE
FD_PATH_TRUNCATED = FDF_PATH_CUT
FD_UNRESOLVED = FDF_UNRESOLVED


def u8(v):
    return struct.pack("<B", v)


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def i32(v):
    return struct.pack("<i", v)


def u64(v):
    return struct.pack("<Q", v)


def tlv(t, value):
    return u16(t) + u16(len(value)) + value


def comm16(name):
    b = name.encode() if isinstance(name, str) else name
    assert len(b) <= 16
    return b + b"\0" * (16 - len(b))


class Record:
    """One udsdump record: 16-byte header, TLVs, payload."""

    def __init__(self, event, flags=0, payload=b"", version=1, magic=b"UDSK"):
        self.event = event
        self.flags = flags
        self.payload = payload
        self.version = version
        self.magic = magic
        self.tlvs = []
        self.trailer = b""  # bytes after header_len + payload_len (ignored)
        self.header_len_override = None
        self.payload_len_override = None

    def add(self, t, value):
        self.tlvs.append(tlv(t, value))
        return self

    def raw_tlv(self, raw):
        self.tlvs.append(raw)
        return self

    # SOCKET: u64 inode, u64 peer_inode, u16 sock_type, u16 reserved
    def socket(self, inode, peer_inode=0, sock_type=SOCK_STREAM):
        return self.add(T_SOCKET, u64(inode) + u64(peer_inode) + u16(sock_type) + u16(0))

    # TASK: u32 pid, tid, uid, gid, u64 start_ns, char comm[16]
    def task(self, pid, tid=None, uid=0, gid=0, start_ns=0, comm=""):
        tid = pid if tid is None else tid
        return self.add(T_TASK, u32(pid) + u32(tid) + u32(uid) + u32(gid) +
                        u64(start_ns) + comm16(comm))

    # PEER_CRED: u32 pid, uid, gid
    def peer_cred(self, pid, uid=0, gid=0):
        return self.add(T_PEER_CRED, u32(pid) + u32(uid) + u32(gid))

    # PEER_TASK: u32 pid, u32 tid, u64 start_ns, u8 source, u8[3], comm[16]
    def peer_task(self, pid, tid=None, start_ns=0, source=1, comm=""):
        tid = pid if tid is None else tid
        return self.add(T_PEER_TASK, u32(pid) + u32(tid) + u64(start_ns) +
                        u8(source) + b"\0\0\0" + comm16(comm))

    @staticmethod
    def _addr(kind, name):
        name = name.encode() if isinstance(name, str) else name
        return u8(kind) + name

    def local_addr(self, kind, name=b""):
        return self.add(T_LOCAL_ADDR, self._addr(kind, name))

    def peer_addr(self, kind, name=b""):
        return self.add(T_PEER_ADDR, self._addr(kind, name))

    def dest_addr(self, kind, name=b""):
        return self.add(T_DEST_ADDR, self._addr(kind, name))

    # STREAM: u64 stream_offset, u32 msg_len, u32 msg_offset,
    #         u32 requested_len, u16 syscall, u16 reserved
    def stream(self, offset, msg_len, msg_offset=0, requested_len=None, syscall=SYS_WRITE):
        requested_len = msg_len if requested_len is None else requested_len
        return self.add(T_STREAM, u64(offset) + u32(msg_len) + u32(msg_offset) +
                        u32(requested_len) + u16(syscall) + u16(0))

    # SCM_RIGHTS_FD: i32 fd, u8 file_kind, u8 fd_flags, u16 sock_type,
    #   u32 mode, u16 sock_family, u16 reserved, u64 inode, u64 dev, path
    def scm_fd(self, fd, kind=0, fd_flags=0, sock_type=0, mode=0, sock_family=0,
               inode=0, dev=0, path=b""):
        path = path.encode() if isinstance(path, str) else path
        return self.add(T_SCM_RIGHTS_FD, i32(fd) + u8(kind) + u8(fd_flags) +
                        u16(sock_type) + u32(mode) + u16(sock_family) + u16(0) +
                        u64(inode) + u64(dev) + path)

    def scm_creds(self, pid, uid, gid):
        return self.add(T_SCM_CREDS, u32(pid) + u32(uid) + u32(gid))

    def cmsg_raw(self, level, typ, data):
        return self.add(T_CMSG_RAW, i32(level) + i32(typ) + data)

    def loss(self, records, nbytes, total_records, total_bytes):
        return self.add(T_LOSS, u64(records) + u64(nbytes) + u64(total_records) + u64(total_bytes))

    # ENGINE_MISSING: u8 source, u8 name_len, name, reason (the rest)
    def engine_missing(self, name, reason, source=MISSING_KERNEL):
        name = name.encode() if isinstance(name, str) else name
        reason = reason.encode() if isinstance(reason, str) else reason
        return self.add(T_ENGINE_MISSING, u8(source) + u8(len(name)) + name + reason)

    def engine(self, kernel, rung, version="0.1.0", missing=(), blind=None, reason=None):
        """The TLVs of an ENGINE record, in the writer's order; missing:
        (name, reason, source) tuples. Text values: UTF-8, no NUL."""
        self.add(T_ENGINE_KERNEL, kernel.encode()).add(T_ENGINE_RUNG, rung.encode())
        for m in missing:
            self.engine_missing(*m)
        if blind:
            self.add(T_ENGINE_BLIND, blind.encode())
        self.add(T_ENGINE_VERSION, version.encode())
        if reason:
            self.add(T_ENGINE_REASON, reason.encode())
        return self

    def build(self):
        tlvs = b"".join(self.tlvs)
        header_len = 16 + len(tlvs) if self.header_len_override is None else self.header_len_override
        payload_len = len(self.payload) if self.payload_len_override is None else self.payload_len_override
        hdr = (self.magic + u8(self.version) + u8(self.event) + u16(header_len) +
               u32(self.flags) + u32(payload_len))
        assert len(hdr) == 16
        return hdr + tlvs + self.payload + self.trailer
