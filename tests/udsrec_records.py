"""The errors and the record structures of tests/udsrec.py (the reader
written from doc/FORMAT.md): what a decoded record holds, field by field.
udsrec.py fills them; its users import them from there."""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Tuple

from udsrec_format import (ADDR_ABSTRACT, ADDR_PATHNAME, ADDR_UNNAMED, EV_RECV, EVENT_NAMES,
                           F_COVERS_MESSAGE, FLAG_NAMES, MISSING_WITHOUT, SYSCALLS, VERSION)

__all__ = ["FormatError", "BadMagic", "UnsupportedVersion", "SocketInfo", "TaskInfo", "Cred",
           "PeerTask", "Addr", "StreamInfo", "PassedFd", "RawCmsg", "LossInfo", "TaskNs",
           "PeerCredNs", "SockNs", "ReadInfo", "CgroupInfo", "MissingFeature", "EngineInfo",
           "Record"]

class FormatError(ValueError):
    """The bytes are not a valid udsdump record / capture file."""


class BadMagic(FormatError):
    """Not udsdump data (foreign USER12 packet)."""


class UnsupportedVersion(FormatError):
    """A udsdump record of a version this reader cannot decode."""


@dataclasses.dataclass
class SocketInfo:
    inode: int
    peer_inode: int
    sock_type: int
    reserved: int = 0


@dataclasses.dataclass
class TaskInfo:
    pid: int
    tid: int
    uid: int
    gid: int
    start_ns: int
    comm: str
    comm_raw: bytes = b""


@dataclasses.dataclass
class Cred:
    pid: int
    uid: int
    gid: int


@dataclasses.dataclass
class PeerTask:
    pid: int
    tid: int
    start_ns: int
    source: int
    comm: str
    comm_raw: bytes = b""


@dataclasses.dataclass
class Addr:
    kind: int
    name: bytes  # pathname without NUL, or abstract name without leading NUL

    def display(self) -> str:
        if self.kind == ADDR_PATHNAME:
            return self.name.decode("utf-8", "surrogateescape")
        if self.kind == ADDR_ABSTRACT:
            return "@" + self.name.decode("utf-8", "backslashreplace")
        if self.kind == ADDR_UNNAMED:
            return ""
        return "?%d:%s" % (self.kind, self.name.hex())

    @property
    def has_name(self) -> bool:
        return self.kind in (ADDR_PATHNAME, ADDR_ABSTRACT)


@dataclasses.dataclass
class StreamInfo:
    stream_offset: int
    msg_len: int
    msg_offset: int
    requested_len: int
    syscall: int
    reserved: int = 0

    @property
    def syscall_name(self) -> str:
        return SYSCALLS.get(self.syscall, "syscall#%d" % self.syscall)


@dataclasses.dataclass
class PassedFd:
    fd: int
    file_kind: int
    fd_flags: int
    sock_type: int
    mode: int
    sock_family: int
    reserved: int
    inode: int
    dev: int
    path: bytes


@dataclasses.dataclass
class RawCmsg:
    level: int
    type: int
    data: bytes


@dataclasses.dataclass
class LossInfo:
    records: int
    bytes: int
    total_records: int
    total_bytes: int


@dataclasses.dataclass
class TaskNs:
    """TASK_NS / PEER_TASK_NS: where a task lives."""
    cgroup_id: int
    ns_pid: int
    ns_tid: int
    pid_ns: int
    mnt_ns: int


@dataclasses.dataclass
class PeerCredNs:
    """PEER_CRED_NS: PEER_CRED's pid as its own pid namespace numbers it."""
    ns_pid: int
    pid_ns: int


@dataclasses.dataclass
class SockNs:
    """SOCK_NS: the sockets' network namespaces and bound files."""
    net_ns: int
    peer_net_ns: int
    file_dev: int
    peer_file_dev: int
    file_ino: int
    peer_file_ino: int


@dataclasses.dataclass
class ReadInfo:
    """One read of a RECV record's READS TLV (FORMAT.md "Receive records")."""
    ns_before: int      # how long before the record's timestamp it ended
    msg_len: int
    requested_len: int
    stream_offset: int  # where its bytes start in the socket's stream


@dataclasses.dataclass
class CgroupInfo:
    """A CGROUP record's TLVs (FORMAT.md "Cgroup records")."""
    cgroup_id: int
    path: str
    runtime: int = 0  # CONTAINER's, 0 when absent
    monitor: int = 0
    container: str = ""
    pod: str = ""
    name: str = ""  # CONTAINER_NAME's, "" when absent


@dataclasses.dataclass
class MissingFeature:
    source: int  # MISSING_KERNEL or MISSING_WITHOUT
    name: str
    reason: str

    @property
    def hidden(self) -> bool:
        return self.source == MISSING_WITHOUT


@dataclasses.dataclass
class EngineInfo:
    """The ENGINE record's TLVs (FORMAT.md "Engine records")."""
    kernel: Optional[str] = None
    rung: Optional[str] = None
    version: Optional[str] = None
    blind: Optional[str] = None
    reason: Optional[str] = None
    missing: List[MissingFeature] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Record:
    event: int
    flags: int
    header_len: int
    payload_len: int
    payload: bytes
    version: int = VERSION
    socket: Optional[SocketInfo] = None
    task: Optional[TaskInfo] = None
    peer_cred: Optional[Cred] = None
    peer_cred_ns: Optional[PeerCredNs] = None
    peer_task: Optional[PeerTask] = None
    local_addr: Optional[Addr] = None
    peer_addr: Optional[Addr] = None
    dest_addr: Optional[Addr] = None
    stream: Optional[StreamInfo] = None
    scm_rights: List[PassedFd] = dataclasses.field(default_factory=list)
    scm_creds: Optional[Cred] = None
    cmsg_raw: List[RawCmsg] = dataclasses.field(default_factory=list)
    loss: Optional[LossInfo] = None
    engine: Optional[EngineInfo] = None
    task_ns: Optional[TaskNs] = None
    peer_task_ns: Optional[TaskNs] = None
    sock_ns: Optional[SockNs] = None
    cgroup: Optional[CgroupInfo] = None
    reads: List[ReadInfo] = dataclasses.field(default_factory=list)  # READS
    unknown_tlvs: List[Tuple[int, bytes]] = dataclasses.field(
        default_factory=list)
    tlv_order: List[int] = dataclasses.field(default_factory=list)
    trailing: bytes = b""
    # filled in by the capture reader
    peer_carried: bool = False  # PEER_AS_BEFORE: the peer TLVs or SOCK_NS
    #                             given from the socket's last record without it
    ts_ns: Optional[int] = None
    epb_flags: Optional[int] = None
    epb_task: Optional[Tuple[int, int]] = None  # (pid, tid) of the EPB option
    interface_id: Optional[int] = None
    caplen: Optional[int] = None
    origlen: Optional[int] = None

    @property
    def event_name(self) -> str:
        return EVENT_NAMES.get(self.event, "event#%d" % self.event)

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    @property
    def flag_names(self) -> List[str]:
        return [n for m, n in sorted(FLAG_NAMES.items()) if self.flags & m]

    @property
    def inode(self) -> Optional[int]:
        return self.socket.inode if self.socket else None

    @property
    def read_count(self) -> int:
        """The reads a RECV record stands for (READS' count, else 1)."""
        if self.event != EV_RECV:
            return 0
        return len(self.reads) or 1

    def socket_path(self) -> Optional[Addr]:
        """The "socket path of the connection" as FORMAT.md defines it."""
        for a in (self.local_addr, self.peer_addr, self.dest_addr):
            if a is not None and a.has_name:
                return a
        return None

    def covered_len(self, next_in_message: Optional["Record"] = None) -> int:
        """Bytes of the socket's stream this record stands for."""
        if not (self.flags & F_COVERS_MESSAGE) or self.stream is None:
            return self.payload_len
        if next_in_message is not None and next_in_message.stream is not None:
            return (next_in_message.stream.msg_offset
                    - self.stream.msg_offset)
        return self.stream.msg_len - self.stream.msg_offset

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["event_name"] = self.event_name
        d["flag_names"] = self.flag_names
        return d
