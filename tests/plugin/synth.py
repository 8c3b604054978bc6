"""Synthetic udsdump captures, written from doc/FORMAT.md (not from record.h).

A second, independent writer of the record format: if the prose and the C
header disagree, tests built on this module fail. Each field goes at its
offset from udsrec.OFF (copied from FORMAT.md), as the C writer puts it at
record.h's UDS_<TLV>_OFF_<FIELD>.

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
    F_PARTIAL, F_PEER_AS_BEFORE, F_READ_FAULT, F_TRUNCATED, FDF_PATH_CUT, FDF_UNRESOLVED,
    FK_ANON_INODE, FK_PIPE,
    FK_REGULAR, FK_SOCKET, LINKTYPE_USER12, MISSING_KERNEL, MISSING_WITHOUT, SOCK_DGRAM,
    SOCK_SEQPACKET, SOCK_STREAM, SYSCALL_NUMBERS, T_CMSG_RAW, T_DEST_ADDR, T_ENGINE_BLIND,
    T_ENGINE_KERNEL, T_ENGINE_MISSING, T_ENGINE_REASON, T_ENGINE_RUNG, T_ENGINE_VERSION,
    T_LOCAL_ADDR, T_LOSS, T_PEER_ADDR, T_PEER_CRED, T_PEER_TASK, T_SCM_CREDS, T_SCM_RIGHTS_FD,
    T_SOCKET, T_STREAM, T_TASK, T_TASK_NS, T_PEER_TASK_NS, T_SOCK_NS, T_PEER_CRED_NS, OFF,
    T_CGROUP, T_CONTAINER, T_POD, T_CONTAINER_NAME, EV_CGROUP, TLV_MIN_LEN,
    T_READS, READS_ENTRY_LEN)
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


def fixed(name, fields, rest=b""):
    """The value of fixed TLV `name` (udsrec.OFF's key; "ADDR" for the three
    address TLVs): its fixed length of zeros, each (field, struct format,
    value) packed at its offset from FORMAT.md, then `rest` (a variable
    tail: path, data, name)."""
    t = {"SOCKET": T_SOCKET, "TASK": T_TASK, "PEER_CRED": T_PEER_CRED,
         "PEER_TASK": T_PEER_TASK, "ADDR": T_LOCAL_ADDR, "STREAM": T_STREAM,
         "SCM_RIGHTS_FD": T_SCM_RIGHTS_FD, "SCM_CREDS": T_SCM_CREDS, "CMSG_RAW": T_CMSG_RAW,
         "LOSS": T_LOSS, "ENGINE_MISSING": T_ENGINE_MISSING, "TASK_NS": T_TASK_NS,
         "SOCK_NS": T_SOCK_NS, "PEER_CRED_NS": T_PEER_CRED_NS}[name]
    v = bytearray(TLV_MIN_LEN[t])
    for field, fmt, value in fields:
        struct.pack_into("<" + fmt, v, OFF[name][field], value)
    return bytes(v) + rest


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

    def socket(self, inode, peer_inode=0, sock_type=SOCK_STREAM):
        return self.add(T_SOCKET, fixed("SOCKET", [("inode", "Q", inode), (
            "peer_inode", "Q", peer_inode), ("sock_type", "H", sock_type)]))

    def task(self, pid, tid=None, uid=0, gid=0, start_ns=0, comm=""):
        tid = pid if tid is None else tid
        return self.add(T_TASK, fixed("TASK", [
            ("pid", "I", pid), ("tid", "I", tid), ("uid", "I", uid), ("gid", "I", gid),
            ("start_ns", "Q", start_ns), ("comm", "16s", comm16(comm))]))

    def task_ns(self, cgroup_id, ns_pid, ns_tid, pid_ns, mnt_ns, t=T_TASK_NS):
        """TASK_NS (or, with t=T_PEER_TASK_NS, the peer's)."""
        return self.add(t, fixed("TASK_NS", [
            ("cgroup_id", "Q", cgroup_id), ("ns_pid", "I", ns_pid), ("ns_tid", "I", ns_tid),
            ("pid_ns", "I", pid_ns), ("mnt_ns", "I", mnt_ns)]))

    def sock_ns(self, net_ns, peer_net_ns=0, file=(0, 0), peer_file=(0, 0)):
        """SOCK_NS; file and peer_file: (dev, inode)."""
        return self.add(T_SOCK_NS, fixed("SOCK_NS", [
            ("net_ns", "I", net_ns), ("peer_net_ns", "I", peer_net_ns),
            ("file_dev", "I", file[0]), ("peer_file_dev", "I", peer_file[0]),
            ("file_ino", "Q", file[1]), ("peer_file_ino", "Q", peer_file[1])]))

    def peer_cred(self, pid, uid=0, gid=0):
        return self.add(T_PEER_CRED, fixed("PEER_CRED", [
            ("pid", "I", pid), ("uid", "I", uid), ("gid", "I", gid)]))

    def peer_cred_ns(self, ns_pid, pid_ns):
        return self.add(T_PEER_CRED_NS, fixed("PEER_CRED_NS", [
            ("ns_pid", "I", ns_pid), ("pid_ns", "I", pid_ns)]))

    def peer_task(self, pid, tid=None, start_ns=0, source=1, comm=""):
        tid = pid if tid is None else tid
        return self.add(T_PEER_TASK, fixed("PEER_TASK", [
            ("pid", "I", pid), ("tid", "I", tid), ("start_ns", "Q", start_ns),
            ("source", "B", source), ("comm", "16s", comm16(comm))]))

    @staticmethod
    def _addr(kind, name):
        name = name.encode() if isinstance(name, str) else name
        return fixed("ADDR", [("kind", "B", kind)], name)

    def local_addr(self, kind, name=b""):
        return self.add(T_LOCAL_ADDR, self._addr(kind, name))

    def peer_addr(self, kind, name=b""):
        return self.add(T_PEER_ADDR, self._addr(kind, name))

    def dest_addr(self, kind, name=b""):
        return self.add(T_DEST_ADDR, self._addr(kind, name))

    def stream(self, offset, msg_len, msg_offset=0, requested_len=None, syscall=SYS_WRITE):
        requested_len = msg_len if requested_len is None else requested_len
        return self.add(T_STREAM, fixed("STREAM", [
            ("stream_offset", "Q", offset), ("msg_len", "I", msg_len),
            ("msg_offset", "I", msg_offset), ("requested_len", "I", requested_len),
            ("syscall", "H", syscall)]))

    def reads(self, entries, count=None):
        """READS: entries are (ns_before, msg_len, requested_len), in read
        order; count: another count than len(entries) (a malformed one)."""
        o = OFF["READS"]
        v = bytearray(TLV_MIN_LEN[T_READS] + READS_ENTRY_LEN * len(entries))
        struct.pack_into("<I", v, o["count"], len(entries) if count is None else count)
        for i, (ns_before, msg_len, requested_len) in enumerate(entries):
            at = READS_ENTRY_LEN * i
            struct.pack_into("<I", v, o["ns_before"] + at, ns_before)
            struct.pack_into("<I", v, o["msg_len"] + at, msg_len)
            struct.pack_into("<I", v, o["requested_len"] + at, requested_len)
        return self.add(T_READS, bytes(v))

    def scm_fd(self, fd, kind=0, fd_flags=0, sock_type=0, mode=0, sock_family=0,
               inode=0, dev=0, path=b""):
        path = path.encode() if isinstance(path, str) else path
        return self.add(T_SCM_RIGHTS_FD, fixed("SCM_RIGHTS_FD", [
            ("fd", "i", fd), ("file_kind", "B", kind), ("fd_flags", "B", fd_flags),
            ("sock_type", "H", sock_type), ("mode", "I", mode),
            ("sock_family", "H", sock_family), ("inode", "Q", inode), ("dev", "Q", dev)], path))

    def scm_creds(self, pid, uid, gid):
        return self.add(T_SCM_CREDS, fixed("SCM_CREDS", [
            ("pid", "I", pid), ("uid", "I", uid), ("gid", "I", gid)]))

    def cmsg_raw(self, level, typ, data):
        return self.add(T_CMSG_RAW, fixed("CMSG_RAW", [
            ("level", "i", level), ("type", "i", typ)], data))

    def loss(self, records, nbytes, total_records, total_bytes):
        return self.add(T_LOSS, fixed("LOSS", [
            ("records", "Q", records), ("bytes", "Q", nbytes),
            ("total_records", "Q", total_records), ("total_bytes", "Q", total_bytes)]))

    def engine_missing(self, name, reason, source=MISSING_KERNEL):
        name = name.encode() if isinstance(name, str) else name
        reason = reason.encode() if isinstance(reason, str) else reason
        return self.add(T_ENGINE_MISSING, fixed("ENGINE_MISSING", [
            ("source", "B", source), ("name_len", "B", len(name))], name + reason))

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

    def cgroup(self, cgroup_id, path, runtime=0, container="", monitor=0, pod="", name=""):
        """The TLVs of a CGROUP record, in the writer's order."""
        self.add(T_CGROUP, u64(cgroup_id) + path.encode())
        if runtime:
            self.add(T_CONTAINER, u8(runtime) + u8(monitor) + container.encode())
        if pod:
            self.add(T_POD, pod.encode())
        if runtime and name:
            self.add(T_CONTAINER_NAME, name.encode())
        return self

    def build(self):
        tlvs = b"".join(self.tlvs)
        header_len = 16 + len(tlvs) if self.header_len_override is None else self.header_len_override
        payload_len = len(self.payload) if self.payload_len_override is None else self.payload_len_override
        hdr = (self.magic + u8(self.version) + u8(self.event) + u16(header_len) +
               u32(self.flags) + u32(payload_len))
        assert len(hdr) == 16
        return hdr + tlvs + self.payload + self.trailer
