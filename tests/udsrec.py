"""A reader of udsdump captures, written from doc/FORMAT.md alone.

This module deliberately does not look at include/udsdump/record.h: it is the
second, independent reading of the format, so a mistake in the document (or a
writer that disagrees with it) shows up in the tests.

Standard library only.  Public entry points:

    read_capture(path_or_bytes) -> Capture     pcapng or pcap, auto-detected
    decode_record(bytes)        -> Record      one udsdump record, strict
    data_records_by_inode(records, event=DATA) -> {inode: [Record, ...]}
    reassemble(records)         -> Stream      payload in stream_offset order,
                                               with the gaps that were found
    reassemble_all(records, event=DATA) -> {inode: Stream}
    engine_records(records)     -> [Record]    the ENGINE records (.engine)
"""

from __future__ import annotations

import dataclasses
import os
import struct
from typing import Dict, Iterable, List, Optional, Tuple, Union

# --------------------------------------------------------------------------
# Constants from doc/FORMAT.md: udsrec_format.py

from udsrec_format import *  # noqa: E402,F401,F403  (the reader's public names)
from udsrec_format import OFF, TLV_MIN_LEN, COMM_LEN  # noqa: E402  (used below)
# The errors and what a decoded record holds: udsrec_records.py
from udsrec_records import *  # noqa: E402,F401,F403


# --------------------------------------------------------------------------
# Decoding a record

def _int(size, signed=False):
    """A reader of a little-endian integer of size bytes at offset o."""
    return lambda b, o: int.from_bytes(b[o:o + size], "little", signed=signed)


_u8, _u16, _u32, _u64, _i32 = _int(1), _int(2), _int(4), _int(8), _int(4, True)


def _cstr(raw: bytes) -> str:
    """comm[16]: NUL-padded."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _addr(v: bytes) -> Addr:
    kind = v[OFF["ADDR"]["kind"]]
    name = bytes(v[OFF["ADDR"]["name"]:])
    if kind == ADDR_UNNAMED and name:
        raise FormatError("unnamed address with %d name bytes" % len(name))
    return Addr(kind, name)


def _text(v: bytes) -> str:
    return bytes(v).decode("utf-8", "replace")


def _engine_tlv(rec: Record, t: int, v: bytes) -> None:
    if rec.engine is None:
        rec.engine = EngineInfo()
    e = rec.engine
    if t == T_ENGINE_MISSING:
        o = OFF["ENGINE_MISSING"]
        name_len = v[o["name_len"]]
        if name_len > len(v) - o["name"]:
            raise FormatError("ENGINE_MISSING name_len %d > %d bytes left"
                              % (name_len, len(v) - o["name"]))
        e.missing.append(MissingFeature(
            v[o["source"]], _text(v[o["name"]:o["name"] + name_len]),
            _text(v[o["name"] + name_len:])))
    else:
        setattr(e, {T_ENGINE_KERNEL: "kernel", T_ENGINE_RUNG: "rung",
                    T_ENGINE_BLIND: "blind", T_ENGINE_VERSION: "version",
                    T_ENGINE_REASON: "reason"}[t], _text(v))


ENGINE_TLVS = {T_ENGINE_KERNEL, T_ENGINE_RUNG, T_ENGINE_MISSING,
               T_ENGINE_BLIND, T_ENGINE_VERSION, T_ENGINE_REASON}


def _at(v, o, *fields):
    """Fields (name, reader) of value v, each read at its offset in o."""
    return [read(v, o[name]) for name, read in fields]


def _comm(v, off):
    return _cstr(v[off:off + COMM_LEN]), v[off:off + COMM_LEN]


def _fixed_tlv(rec, t, v):
    """A traffic TLV's value into rec, read at OFF (its length checked)."""
    cred = (("pid", _u32), ("uid", _u32), ("gid", _u32))
    if t == T_SOCKET:
        rec.socket = SocketInfo(*_at(v, OFF["SOCKET"], ("inode", _u64), (
            "peer_inode", _u64), ("sock_type", _u16), ("reserved", _u16)))
    elif t == T_TASK:
        o = OFF["TASK"]
        rec.task = TaskInfo(*_at(v, o, ("pid", _u32), ("tid", _u32), (
            "uid", _u32), ("gid", _u32), ("start_ns", _u64)),
            *_comm(v, o["comm"]))
    elif t in (T_PEER_CRED, T_SCM_CREDS):
        c = Cred(*_at(v, OFF["PEER_CRED" if t == T_PEER_CRED else
                             "SCM_CREDS"], *cred))
        setattr(rec, "peer_cred" if t == T_PEER_CRED else "scm_creds", c)
    elif t == T_PEER_TASK:
        o = OFF["PEER_TASK"]
        rec.peer_task = PeerTask(*_at(v, o, ("pid", _u32), ("tid", _u32), (
            "start_ns", _u64), ("source", _u8)), *_comm(v, o["comm"]))
    elif t in (T_LOCAL_ADDR, T_PEER_ADDR, T_DEST_ADDR):
        setattr(rec, {T_LOCAL_ADDR: "local_addr", T_PEER_ADDR: "peer_addr",
                      T_DEST_ADDR: "dest_addr"}[t], _addr(v))
    elif t == T_STREAM:
        rec.stream = StreamInfo(*_at(v, OFF["STREAM"], (
            "stream_offset", _u64), ("msg_len", _u32), ("msg_offset", _u32),
            ("requested_len", _u32), ("syscall", _u16), ("reserved", _u16)))
    elif t == T_SCM_RIGHTS_FD:
        o = OFF["SCM_RIGHTS_FD"]
        rec.scm_rights.append(PassedFd(*_at(v, o, ("fd", _i32), (
            "file_kind", _u8), ("fd_flags", _u8), ("sock_type", _u16), (
            "mode", _u32), ("sock_family", _u16), ("reserved", _u16), (
            "inode", _u64), ("dev", _u64)), bytes(v[o["path"]:])))
    elif t == T_CMSG_RAW:
        o = OFF["CMSG_RAW"]
        rec.cmsg_raw.append(RawCmsg(*_at(v, o, ("level", _i32), (
            "type", _i32)), bytes(v[o["data"]:])))
    elif t in (T_TASK_NS, T_PEER_TASK_NS):
        setattr(rec, "task_ns" if t == T_TASK_NS else "peer_task_ns", TaskNs(*_at(
            v, OFF["TASK_NS"], ("cgroup_id", _u64), ("ns_pid", _u32), ("ns_tid", _u32),
            ("pid_ns", _u32), ("mnt_ns", _u32))))
    elif t == T_PEER_CRED_NS:
        rec.peer_cred_ns = PeerCredNs(*_at(v, OFF["PEER_CRED_NS"], ("ns_pid", _u32),
                                           ("pid_ns", _u32)))
    elif t == T_SOCK_NS:
        rec.sock_ns = SockNs(*_at(v, OFF["SOCK_NS"], ("net_ns", _u32), ("peer_net_ns", _u32),
                                  ("file_dev", _u32), ("peer_file_dev", _u32),
                                  ("file_ino", _u64), ("peer_file_ino", _u64)))
    elif t == T_CGROUP:
        o = OFF["CGROUP"]
        info = rec.cgroup or CgroupInfo(0, "")
        info.cgroup_id, info.path = _u64(v, o["cgroup_id"]), _text(v[o["path"]:])
        rec.cgroup = info
    elif t in (T_CONTAINER, T_POD, T_CONTAINER_NAME):
        info = rec.cgroup = rec.cgroup or CgroupInfo(0, "")
        if t == T_POD:
            info.pod = _text(v)
        elif t == T_CONTAINER_NAME:
            info.name = _text(v)
        else:
            o = OFF["CONTAINER"]
            info.runtime, info.monitor = v[o["runtime"]], v[o["monitor"]]
            info.container = _text(v[o["id"]:])
    elif t == T_READS:
        rec.reads = _reads(v)
    elif t == T_LOSS:
        rec.loss = LossInfo(*_at(v, OFF["LOSS"], ("records", _u64), (
            "bytes", _u64), ("total_records", _u64), ("total_bytes", _u64)))
    else:
        return False
    return True


def _reads(v: bytes) -> List[ReadInfo]:
    """READS' entries (their stream offsets are set once STREAM is known)."""
    o = OFF["READS"]
    count = _u32(v, o["count"])
    if count < 2 or len(v) != TLV_MIN_LEN[T_READS] + READS_ENTRY_LEN * count:
        raise FormatError("READS of %d bytes with count %d" % (len(v), count))
    return [ReadInfo(*_at(v, {k: o[k] + READS_ENTRY_LEN * i for k in o},
                          ("ns_before", _u32), ("msg_len", _u32),
                          ("requested_len", _u32)), stream_offset=0)
            for i in range(count)]


def _place_reads(rec: Record) -> None:
    """Each read's stream offset; READS must add up to STREAM's msg_len."""
    if not rec.reads:
        return
    if rec.event != EV_RECV or rec.stream is None:
        raise FormatError("READS in a record that is no RECV with a STREAM")
    if sum(r.msg_len for r in rec.reads) != rec.stream.msg_len:
        raise FormatError("READS add up to %d bytes, STREAM says %d" % (
            sum(r.msg_len for r in rec.reads), rec.stream.msg_len))
    at = rec.stream.stream_offset
    for r in rec.reads:
        r.stream_offset = at
        at += r.msg_len


PeerIdentity = Tuple[Optional[Cred], Optional[PeerCredNs],
                     Optional[PeerTask], Optional[TaskNs], Optional[SockNs]]


def carry_peer(r: Record, last: Dict[int, PeerIdentity]) -> None:
    """doc/FORMAT.md "TLVs": a record flagged PEER_AS_BEFORE has the peer
    and SOCK_NS of the last record of its socket without the flag, each
    part it does not hold itself; last holds those, per socket inode, in
    file order."""
    if r.socket is None:
        return
    if not r.has(F_PEER_AS_BEFORE):
        last[r.socket.inode] = (r.peer_cred, r.peer_cred_ns, r.peer_task,
                                r.peer_task_ns, r.sock_ns)
        return
    known = last.get(r.socket.inode)
    if known is None:
        return
    if r.peer_cred is None and r.peer_task is None and any(x is not None for x in known[:4]):
        (r.peer_cred, r.peer_cred_ns, r.peer_task, r.peer_task_ns) = known[:4]
        r.peer_carried = True
    if r.sock_ns is None and known[4] is not None:
        r.sock_ns = known[4]
        r.peer_carried = True


def decode_record(data: bytes) -> Record:
    """Decode one record strictly; raise FormatError (or a subclass)."""
    data = bytes(data)
    if len(data) < 4 or data[:4] != MAGIC:
        raise BadMagic("bad magic %r" % data[:4])
    if len(data) < HEADER_FIXED_LEN:
        raise FormatError("record of %d bytes is shorter than the header"
                          % len(data))
    h = OFF["HDR"]
    version = data[h["version"]]
    if version != VERSION:
        raise UnsupportedVersion("record version %d" % version)
    event = data[h["event"]]
    header_len = _u16(data, h["header_len"])
    flags = _u32(data, h["flags"])
    payload_len = _u32(data, h["payload_len"])
    if header_len < HEADER_FIXED_LEN:
        raise FormatError("header_len %d < 16" % header_len)
    if header_len > len(data):
        raise FormatError("header_len %d > record length %d"
                          % (header_len, len(data)))
    if header_len + payload_len > len(data):
        raise FormatError("header_len %d + payload_len %d > record length %d"
                          % (header_len, payload_len, len(data)))
    rec = Record(event=event, flags=flags, header_len=header_len,
                 payload_len=payload_len, version=version,
                 payload=data[header_len:header_len + payload_len],
                 trailing=data[header_len + payload_len:])
    seen = set()
    o = HEADER_FIXED_LEN
    while o < header_len:
        if o + 4 > header_len:
            raise FormatError("TLV header at %d runs past header_len %d"
                              % (o, header_len))
        t = _u16(data, o)
        ln = _u16(data, o + 2)
        vs = o + 4
        ve = vs + ln
        if ve > header_len:
            raise FormatError("TLV type %d length %d at %d runs past "
                              "header_len %d" % (t, ln, o, header_len))
        v = data[vs:ve]
        o = ve
        rec.tlv_order.append(t)
        if t in TLV_MIN_LEN:
            if ln < TLV_MIN_LEN[t]:
                raise FormatError("TLV type %d length %d < %d"
                                  % (t, ln, TLV_MIN_LEN[t]))
            if t in seen and t not in TLV_REPEATABLE:
                raise FormatError("TLV type %d repeats" % t)
            seen.add(t)
        known = _fixed_tlv(rec, t, v)
        if t in ENGINE_TLVS:
            _engine_tlv(rec, t, v)
        elif not known:
            rec.unknown_tlvs.append((t, bytes(v)))
    _place_reads(rec)
    return rec


# --------------------------------------------------------------------------
# pcapng / pcap

PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 0x00000001
PCAPNG_SPB = 0x00000003
PCAPNG_ISB = 0x00000005
PCAPNG_EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D


@dataclasses.dataclass
class Interface:
    linktype: int
    snaplen: int
    options: Dict[int, List[bytes]]
    tsresol: Tuple[int, int] = (10, 6)  # base, exponent: units of base**-exp
    section: int = 0

    def ts_to_ns(self, ticks: int) -> int:
        base, exp = self.tsresol
        if base == 10:
            if exp <= 9:
                return ticks * 10 ** (9 - exp)
            return ticks // 10 ** (exp - 9)
        return (ticks * 10 ** 9) >> exp

    def opt_str(self, code: int) -> Optional[str]:
        v = self.options.get(code)
        return v[0].decode("utf-8", "replace") if v else None

    @property
    def name(self):
        return self.opt_str(2)

    @property
    def description(self):
        return self.opt_str(3)


@dataclasses.dataclass
class Packet:
    interface_id: int
    ts_ns: int
    caplen: int
    origlen: int
    data: bytes
    options: Dict[int, List[bytes]]
    epb_flags: Optional[int] = None
    block_index: int = 0
    epb_task: Optional[Tuple[int, int]] = None  # epb_processid_threadid


@dataclasses.dataclass
class Stats:
    interface_id: int
    ts_ns: Optional[int]
    options: Dict[int, List[bytes]]
    ifrecv: Optional[int] = None
    ifdrop: Optional[int] = None
    block_index: int = 0


@dataclasses.dataclass
class Section:
    byte_order: str
    major: int
    minor: int
    options: Dict[int, List[bytes]]

    def opt_str(self, code: int) -> Optional[str]:
        v = self.options.get(code)
        return v[0].decode("utf-8", "replace") if v else None


@dataclasses.dataclass
class Capture:
    format: str  # "pcapng" or "pcap"
    sections: List[Section]
    interfaces: List[Interface]
    packets: List[Packet]
    stats: List[Stats]
    block_types: List[int]  # every block in file order (pcapng)
    records: List[Record] = dataclasses.field(default_factory=list)

    def decode(self, strict_linktype: bool = True) -> List[Record]:
        recs = []
        last_peer: Dict[int, PeerIdentity] = {}
        for p in self.packets:
            itf = self.interfaces[p.interface_id]
            if itf.linktype != LINKTYPE_USER12:
                if strict_linktype:
                    raise FormatError("packet on link type %d" % itf.linktype)
                continue
            if p.caplen != p.origlen:
                raise FormatError("packet %d captured %d of %d bytes: a "
                                  "udsdump record must be whole"
                                  % (p.block_index, p.caplen, p.origlen))
            r = decode_record(p.data)
            carry_peer(r, last_peer)
            r.ts_ns = p.ts_ns
            r.epb_flags = p.epb_flags
            r.epb_task = p.epb_task
            r.interface_id = p.interface_id
            r.caplen = p.caplen
            r.origlen = p.origlen
            recs.append(r)
        self.records = recs
        return recs


def _parse_options(buf: bytes, bo: str) -> Dict[int, List[bytes]]:
    opts: Dict[int, List[bytes]] = {}
    o = 0
    while o + 4 <= len(buf):
        code, ln = struct.unpack_from(bo + "HH", buf, o)
        o += 4
        if code == 0:
            break
        if o + ln > len(buf):
            raise FormatError("option %d length %d runs past its block"
                              % (code, ln))
        opts.setdefault(code, []).append(bytes(buf[o:o + ln]))
        o += (ln + 3) & ~3
    return opts


def _opt_fixed(opts, code, bo, fmt):
    """The first value of option CODE unpacked with FMT (whose size it
    must have), or None when absent."""
    v = opts.get(code)
    if not v:
        return None
    want = struct.calcsize(bo + fmt)
    if len(v[0]) != want:
        raise FormatError("option %d has %d bytes, expected %d"
                          % (code, len(v[0]), want))
    return struct.unpack(bo + fmt, v[0])


def _opt_u64(opts, code, bo) -> Optional[int]:
    v = _opt_fixed(opts, code, bo, "Q")
    return v and v[0]


def _opt_u32_pair(opts, code, bo) -> Optional[Tuple[int, int]]:
    return _opt_fixed(opts, code, bo, "II")


def _opt_u32(opts, code, bo) -> Optional[int]:
    v = _opt_fixed(opts, code, bo, "I")
    return v and v[0]


def parse_pcapng(data: bytes) -> Capture:
    cap = Capture("pcapng", [], [], [], [], [])
    o = 0
    bo = None
    section_ifaces: List[int] = []  # indexes into cap.interfaces
    section_no = -1
    n = 0
    while o < len(data):
        if len(data) - o < 12:
            raise FormatError("truncated block at offset %d" % o)
        btype_le = struct.unpack_from("<I", data, o)[0]
        if btype_le == PCAPNG_SHB:
            bom = data[o + 8:o + 12]
            if bom == struct.pack("<I", BYTE_ORDER_MAGIC):
                bo = "<"
            elif bom == struct.pack(">I", BYTE_ORDER_MAGIC):
                bo = ">"
            else:
                raise FormatError("bad SHB byte-order magic %r" % bom)
        elif bo is None:
            raise FormatError("file does not start with a section header")
        btype, blen = struct.unpack_from(bo + "II", data, o)
        if blen < 12 or blen % 4 or o + blen > len(data):
            raise FormatError("block type 0x%x at %d: bad length %d"
                              % (btype, o, blen))
        trailer = struct.unpack_from(bo + "I", data, o + blen - 4)[0]
        if trailer != blen:
            raise FormatError("block at %d: trailing length %d != %d"
                              % (o, trailer, blen))
        body = data[o + 8:o + blen - 4]
        cap.block_types.append(btype)
        if btype == PCAPNG_SHB:
            if len(body) < 16:
                raise FormatError("short SHB")
            major, minor = struct.unpack_from(bo + "HH", body, 4)
            if major != 1:
                raise FormatError("pcapng major version %d" % major)
            cap.sections.append(Section("little" if bo == "<" else "big",
                                        major, minor,
                                        _parse_options(body[16:], bo)))
            section_ifaces = []
            section_no += 1
        elif btype == PCAPNG_IDB:
            if len(body) < 8:
                raise FormatError("short IDB")
            lt, _res, snap = struct.unpack_from(bo + "HHI", body, 0)
            opts = _parse_options(body[8:], bo)
            itf = Interface(lt, snap, opts, section=section_no)
            if 9 in opts:
                r = opts[9][0][0]
                itf.tsresol = (2, r & 0x7F) if r & 0x80 else (10, r)
            section_ifaces.append(len(cap.interfaces))
            cap.interfaces.append(itf)
        elif btype == PCAPNG_EPB:
            if len(body) < 20:
                raise FormatError("short EPB")
            ifid, hi, lo, caplen, origlen = struct.unpack_from(
                bo + "IIIII", body, 0)
            if ifid >= len(section_ifaces):
                raise FormatError("EPB for undefined interface %d" % ifid)
            if 20 + caplen > len(body):
                raise FormatError("EPB caplen %d runs past its block"
                                  % caplen)
            itf_index = section_ifaces[ifid]
            itf = cap.interfaces[itf_index]
            pkt = body[20:20 + caplen]
            opts = _parse_options(body[20 + ((caplen + 3) & ~3):], bo)
            cap.packets.append(Packet(
                itf_index, itf.ts_to_ns((hi << 32) | lo), caplen, origlen,
                bytes(pkt), opts, _opt_u32(opts, 2, bo), n,
                _opt_u32_pair(opts, EPB_OPT_PROCESSID_THREADID, bo)))
        elif btype == PCAPNG_SPB:
            if not section_ifaces:
                raise FormatError("SPB without an interface")
            origlen = struct.unpack_from(bo + "I", body, 0)[0]
            itf = cap.interfaces[section_ifaces[0]]
            caplen = min(origlen, itf.snaplen or origlen, len(body) - 4)
            cap.packets.append(Packet(section_ifaces[0], 0, caplen, origlen,
                                      bytes(body[4:4 + caplen]), {}, None, n))
        elif btype == PCAPNG_ISB:
            if len(body) < 12:
                raise FormatError("short ISB")
            ifid, hi, lo = struct.unpack_from(bo + "III", body, 0)
            if ifid >= len(section_ifaces):
                raise FormatError("ISB for undefined interface %d" % ifid)
            itf_index = section_ifaces[ifid]
            opts = _parse_options(body[12:], bo)
            cap.stats.append(Stats(
                itf_index,
                cap.interfaces[itf_index].ts_to_ns((hi << 32) | lo), opts,
                _opt_u64(opts, 4, bo), _opt_u64(opts, 5, bo), n))
        # other block types are skipped
        o += blen
        n += 1
    if not cap.sections:
        raise FormatError("empty file")
    return cap


def parse_pcap(data: bytes) -> Capture:
    if len(data) < 24:
        raise FormatError("short pcap header")
    m_le = struct.unpack_from("<I", data, 0)[0]
    m_be = struct.unpack_from(">I", data, 0)[0]
    if m_le in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        bo, magic = "<", m_le
    elif m_be in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        bo, magic = ">", m_be
    else:
        raise FormatError("not a pcap file")
    nano = magic == PCAP_MAGIC_NS
    _maj, _min, _zone, _sig, snap, network = struct.unpack_from(
        bo + "HHiIII", data, 4)
    itf = Interface(network & 0x0FFFFFFF, snap, {},
                    (10, 9) if nano else (10, 6))
    cap = Capture("pcap", [], [itf], [], [], [])
    o = 24
    n = 0
    while o < len(data):
        if o + 16 > len(data):
            raise FormatError("truncated pcap record header at %d" % o)
        sec, frac, caplen, origlen = struct.unpack_from(bo + "IIII", data, o)
        o += 16
        if o + caplen > len(data):
            raise FormatError("truncated pcap record at %d" % o)
        ts = sec * 10 ** 9 + (frac if nano else frac * 1000)
        cap.packets.append(Packet(0, ts, caplen, origlen,
                                  bytes(data[o:o + caplen]), {}, None, n))
        o += caplen
        n += 1
    return cap


def parse_file_bytes(data: bytes) -> Capture:
    if len(data) >= 4 and struct.unpack_from("<I", data, 0)[0] == PCAPNG_SHB:
        return parse_pcapng(data)
    return parse_pcap(data)


def read_capture(src: Union[str, bytes, "os.PathLike[str]"],
                 decode: bool = True) -> Capture:
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
    else:
        with open(src, "rb") as f:
            data = f.read()
    cap = parse_file_bytes(data)
    if decode:
        cap.decode()
    return cap


# --------------------------------------------------------------------------
# Grouping and reassembly

def data_records_by_inode(records: Iterable[Record], event: int = EV_DATA
                          ) -> Dict[int, List[Record]]:
    out: Dict[int, List[Record]] = {}
    for r in records:
        if r.event != event:
            continue
        if r.socket is None:
            raise FormatError("%s record without a SOCKET TLV"
                              % r.event_name)
        out.setdefault(r.socket.inode, []).append(r)
    return out


@dataclasses.dataclass
class Stream:
    inode: int
    data: bytes                    # captured bytes, in stream order
    end_offset: int                # offset just past the last covered byte
    gaps: List[Tuple[int, int]]    # [start, end) stream ranges not captured
    lost: List[Tuple[int, int]]    # [start, end) ranges with no record at all
    overlaps: List[Tuple[int, int]]
    records: List[Record]

    @property
    def complete(self) -> bool:
        return not self.gaps and not self.overlaps

    @property
    def gap_bytes(self) -> int:
        return sum(e - s for s, e in self.gaps)


def merge_ranges(ranges: Iterable[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """[start, end) ranges, sorted, with touching or overlapping ones
    joined."""
    out: List[Tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def reassemble(records: Iterable[Record]) -> Stream:
    """Reassemble one socket's records (all must carry SOCKET and STREAM).

    Records are ordered by stream_offset; the payload of each is appended.
    A stretch of the stream no record covers is a lost range (and a gap);
    the part of a record's coverage beyond its payload (TRUNCATED,
    NO_PAYLOAD_SOURCE, READ_FAULT, METADATA_ONLY) is a gap too.
    """
    recs = list(records)
    inodes = {r.socket.inode if r.socket else None for r in recs}
    if len(inodes) > 1:
        raise ValueError("records of several sockets: %s" % sorted(
            i for i in inodes if i is not None))
    for r in recs:
        if r.stream is None:
            raise FormatError("%s record without a STREAM TLV"
                              % r.event_name)
    recs.sort(key=lambda r: (r.stream.stream_offset, r.stream.msg_offset))
    out = bytearray()
    gaps: List[Tuple[int, int]] = []
    lost: List[Tuple[int, int]] = []
    overlaps: List[Tuple[int, int]] = []
    pos = 0
    for i, r in enumerate(recs):
        s = r.stream
        nxt = None
        if r.flags & F_MORE and i + 1 < len(recs):
            cand = recs[i + 1]
            if cand.stream.msg_offset > s.msg_offset and \
                    cand.stream.stream_offset - s.stream_offset == \
                    cand.stream.msg_offset - s.msg_offset:
                nxt = cand
        cov = r.covered_len(nxt)
        if r.payload_len > cov:
            raise FormatError("record at offset %d has %d payload bytes but "
                              "covers %d" % (s.stream_offset, r.payload_len,
                                             cov))
        start = s.stream_offset
        if start > pos:
            lost.append((pos, start))
            gaps.append((pos, start))
        elif start < pos:
            overlaps.append((start, pos))
        out += r.payload
        if cov > r.payload_len:
            gaps.append((start + r.payload_len, start + cov))
        pos = max(pos, start + cov)
    return Stream(inode=next(iter(inodes)) if recs else 0, data=bytes(out),
                  end_offset=pos, gaps=gaps, lost=lost, overlaps=overlaps,
                  records=recs)


def reassemble_all(records: Iterable[Record], event: int = EV_DATA
                   ) -> Dict[int, Stream]:
    return {ino: reassemble(rs)
            for ino, rs in data_records_by_inode(records, event).items()}


def loss_totals(records: Iterable[Record]) -> Tuple[int, int]:
    """(records, bytes) lost according to the in-band LOSS records."""
    nrec = nbytes = 0
    for r in records:
        if r.event == EV_LOSS:
            if r.loss is None:
                raise FormatError("LOSS event without a LOSS TLV")
            nrec += r.loss.records
            nbytes += r.loss.bytes
    return nrec, nbytes


def engine_records(records: Iterable[Record]) -> List[Record]:
    """The ENGINE records, each checked to carry what FORMAT.md says is
    always there (kernel, rung, version) and nothing of traffic."""
    out = []
    for r in records:
        if r.event != EV_ENGINE:
            continue
        e = r.engine
        if e is None or None in (e.kernel, e.rung, e.version):
            raise FormatError("ENGINE record without ENGINE_KERNEL, "
                              "ENGINE_RUNG or ENGINE_VERSION")
        if r.socket is not None or r.stream is not None or r.payload_len:
            raise FormatError("ENGINE record with a SOCKET or STREAM TLV "
                              "or a payload")
        out.append(r)
    return out


def _main(argv):
    import json
    import sys
    for path in argv[1:]:
        cap = read_capture(path)
        for r in cap.records:
            d = r.as_dict()
            d["payload"] = r.payload[:64].hex()
            d["trailing"] = r.trailing.hex()
            for k in ("comm_raw",):
                for sub in ("task", "peer_task"):
                    if d.get(sub):
                        d[sub].pop(k, None)

            def enc(o):
                if isinstance(o, bytes):
                    return o.decode("utf-8", "backslashreplace")
                raise TypeError(type(o))
            sys.stdout.write(json.dumps(d, default=enc) + "\n")
        for st in cap.stats:
            sys.stdout.write(json.dumps({"isb": {"ifrecv": st.ifrecv,
                                                 "ifdrop": st.ifdrop}}) + "\n")


if __name__ == "__main__":
    import sys
    _main(sys.argv)
