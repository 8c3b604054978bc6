"""Synthetic udsdump captures, written from doc/FORMAT.md (not from record.h).

A second, independent reader/writer of the record format: if the prose and
the C header disagree, tests built on this module fail.

    rec = Record(EV_DATA, payload=b"hello")
    rec.socket(inode=1001, peer_inode=1002, sock_type=SOCK_STREAM)
    rec.task(pid=4242, tid=4242, uid=1000, gid=1000, start_ns=5, comm="curl")
    rec.stream(offset=0, msg_len=5)
    write_pcapng(path, [rec.build()])
"""

import struct

# Link type (FORMAT.md: LINKTYPE_USER12).
LINKTYPE_USER12 = 159

# Events (FORMAT.md "Events").
EV_DATA = 1
EV_CONNECT = 2
EV_ACCEPT = 3
EV_SOCKETPAIR = 4
EV_SHUTDOWN = 5
EV_CLOSE = 6
EV_LOSS = 7
EV_RECV = 8
EV_ENGINE = 9

# Flags (FORMAT.md "Flags": bit numbers).
F_TRUNCATED = 1 << 0
F_MORE = 1 << 1
F_OOB = 1 << 2
F_PARTIAL = 1 << 3
F_FIRST_SEEN = 1 << 4
F_JOINED_MIDSTREAM = 1 << 5
F_NO_PAYLOAD_SOURCE = 1 << 6
F_INFERRED = 1 << 7
F_CMSG_TRUNCATED = 1 << 8
F_READ_FAULT = 1 << 9
F_METADATA_ONLY = 1 << 10

# TLV types (FORMAT.md "TLVs").
T_SOCKET = 1
T_TASK = 2
T_PEER_CRED = 3
T_PEER_TASK = 4
T_LOCAL_ADDR = 5
T_PEER_ADDR = 6
T_DEST_ADDR = 7
T_STREAM = 8
T_SCM_RIGHTS_FD = 9
T_SCM_CREDS = 10
T_CMSG_RAW = 11
T_LOSS = 12
T_ENGINE_KERNEL = 13
T_ENGINE_RUNG = 14
T_ENGINE_MISSING = 15
T_ENGINE_BLIND = 16
T_ENGINE_VERSION = 17
T_ENGINE_REASON = 18

# ENGINE_MISSING source (FORMAT.md "Engine records")
MISSING_KERNEL = 1
MISSING_WITHOUT = 2

SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_SEQPACKET = 5

ADDR_UNNAMED = 0
ADDR_PATHNAME = 1
ADDR_ABSTRACT = 2

SYS_WRITE = 1
SYS_SENDMSG = 4
SYS_SENDTO = 3

FILE_REGULAR = 1
FILE_SOCKET = 3
FILE_PIPE = 4
FILE_ANON = 8

FD_PATH_TRUNCATED = 1 << 0
FD_UNRESOLVED = 1 << 1


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


# ---------------------------------------------------------------- pcapng


def _block(btype, body):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return u32(btype) + u32(total) + body + b"\0" * pad + u32(total)


def pcapng_bytes(packets, linktype=LINKTYPE_USER12, start_ts_us=1_700_000_000_000_000):
    """packets: list of record bytes (or (bytes, ts_us) tuples)."""
    shb = _block(0x0A0D0D0A, u32(0x1A2B3C4D) + u16(1) + u16(0) + struct.pack("<q", -1))
    idb = _block(0x00000001, u16(linktype) + u16(0) + u32(0))
    out = [shb, idb]
    for i, p in enumerate(packets):
        if isinstance(p, tuple):
            data, ts = p
        else:
            data, ts = p, start_ts_us + i * 1000
        body = u32(0) + u32(ts >> 32) + u32(ts & 0xFFFFFFFF) + u32(len(data)) + u32(len(data)) + data
        out.append(_block(0x00000006, body))
    return b"".join(out)


def write_pcapng(path, packets, linktype=LINKTYPE_USER12):
    with open(path, "wb") as f:
        f.write(pcapng_bytes(packets, linktype))
