"""Unit tests of tests/udsrec.py on bytes built by hand from doc/FORMAT.md.

The byte strings here are spelled out field by field from the document's
tables (not produced by udsrec), so these tests check the reader against the
document.
"""

import os
import struct
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import udsrec  # noqa: E402


# ---------------------------------------------------------------- builders

def tlv(t, value):
    return struct.pack("<HH", t, len(value)) + value


def socket_tlv(inode, peer, stype):
    return tlv(1, struct.pack("<QQHH", inode, peer, stype, 0))


def task_tlv(pid, tid, uid, gid, start_ns, comm):
    return tlv(2, struct.pack("<IIIIQ", pid, tid, uid, gid, start_ns)
               + comm.ljust(16, b"\0"))


def stream_tlv(off, msg_len, msg_off, req, sysc):
    return tlv(8, struct.pack("<QIIIHH", off, msg_len, msg_off, req, sysc, 0))


def record(event, flags, tlvs, payload, payload_len=None, version=1,
           header_len=None, magic=b"UDSK", trailing=b""):
    body = b"".join(tlvs)
    hl = 16 + len(body) if header_len is None else header_len
    pl = len(payload) if payload_len is None else payload_len
    return (magic + bytes([version, event]) + struct.pack("<H", hl)
            + struct.pack("<I", flags) + struct.pack("<I", pl) + body
            + payload + trailing)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def opt(code, value, bo="<"):
    return struct.pack(bo + "HH", code, len(value)) + pad4(value)


def block(btype, body, bo="<"):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(bo + "II", btype, n) + body + struct.pack(bo + "I", n)


def shb(bo="<", options=b""):
    return block(0x0A0D0D0A,
                 struct.pack(bo + "IHHq", 0x1A2B3C4D, 1, 0, -1) + options, bo)


def idb(linktype=159, snaplen=0, options=b"", bo="<"):
    return block(1, struct.pack(bo + "HHI", linktype, 0, snaplen) + options,
                 bo)


def epb(data, ts, ifid=0, bo="<", options=b"", origlen=None):
    return block(6, struct.pack(bo + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF,
                                len(data), len(data) if origlen is None
                                else origlen) + pad4(data) + options, bo)


def isb(recv, drop, ifid=0, bo="<"):
    o = (opt(4, struct.pack(bo + "Q", recv), bo)
         + opt(5, struct.pack(bo + "Q", drop), bo) + opt(0, b"", bo))
    return block(5, struct.pack(bo + "III", ifid, 0, 0) + o, bo)


# The example of FORMAT.md: write(fd, "hello", 5) on a connected stream.
HELLO = record(1, 0, [
    socket_tlv(1001, 1002, 1),
    task_tlv(42, 43, 1000, 100, 123456789, b"hello-client"),
    stream_tlv(0, 5, 0, 5, 1),
], b"hello")


# ------------------------------------------------------------ record tests

def test_example_from_doc_bytes():
    # the literal bytes the example shows, checked against our builder
    assert HELLO[:6] == bytes([0x55, 0x44, 0x53, 0x4B, 0x01, 0x01])
    assert HELLO[12:16] == bytes([0x05, 0, 0, 0])
    assert HELLO[16:20] == bytes([0x01, 0x00, 0x14, 0x00])
    assert HELLO[-5:] == b"hello"
    r = udsrec.decode_record(HELLO)
    assert r.event == udsrec.EV_DATA and r.event_name == "DATA"
    assert r.header_len == 16 + 24 + 44 + 28
    assert r.payload == b"hello" and r.payload_len == 5
    assert r.socket.inode == 1001 and r.socket.peer_inode == 1002
    assert r.socket.sock_type == 1
    assert (r.task.pid, r.task.tid, r.task.uid, r.task.gid) == (42, 43, 1000,
                                                                100)
    assert r.task.start_ns == 123456789
    assert r.task.comm == "hello-client"
    s = r.stream
    assert (s.stream_offset, s.msg_len, s.msg_offset, s.requested_len) == \
        (0, 5, 0, 5)
    assert s.syscall_name == "write"
    assert r.tlv_order == [1, 2, 8]


def test_all_tlvs():
    path = b"/run/x.sock"
    abstract = b"ab\0c\xff"
    fdv = (struct.pack("<iBBHIHHQQ", 7, 1, 0, 0, 0o100644, 0, 0, 555,
                       (8 << 20) | 1) + b"/etc/passwd")
    sockfd = (struct.pack("<iBBHIHHQQ", 3, 3, 0, 1, 0o140777, 1, 0, 9999, 8)
              + b"socket:[9999]")
    unresolved = struct.pack("<iBBHIHHQQ", 11, 0, 2, 0, 0, 0, 0, 0, 0)
    rec = record(1, (1 << 3) | (1 << 4), [
        socket_tlv(10, 11, 5),
        task_tlv(1, 2, 3, 4, 5, b"c" * 16),  # comm filling all 16 bytes
        tlv(3, struct.pack("<III", 100, 101, 102)),
        tlv(4, struct.pack("<IIQB3x", 200, 201, 202, 1) + b"srv\0".ljust(16,
                                                                  b"\0")),
        tlv(5, bytes([1]) + path),
        tlv(6, bytes([2]) + abstract),
        tlv(7, bytes([0])),
        stream_tlv(100, 3, 0, 10, 4),
        tlv(9, fdv),
        tlv(9, sockfd),
        tlv(9, unresolved),
        tlv(10, struct.pack("<III", 300, 301, 302)),
        tlv(11, struct.pack("<ii", 1, 99) + b"raw"),
        tlv(11, struct.pack("<ii", 2, 98)),
        tlv(12, struct.pack("<QQQQ", 1, 2, 3, 4)),
        tlv(0x7777, b"future"),
    ], b"abc")
    r = udsrec.decode_record(rec)
    assert r.has(udsrec.F_PARTIAL) and r.has(udsrec.F_FIRST_SEEN)
    assert not r.has(udsrec.F_TRUNCATED)
    assert r.flag_names == ["PARTIAL", "FIRST_SEEN"]
    assert r.socket.sock_type == udsrec.SOCK_SEQPACKET
    assert r.task.comm == "c" * 16
    assert (r.peer_cred.pid, r.peer_cred.uid, r.peer_cred.gid) == (100, 101,
                                                                   102)
    pt = r.peer_task
    assert (pt.pid, pt.tid, pt.start_ns, pt.source, pt.comm) == \
        (200, 201, 202, 1, "srv")
    assert r.local_addr.kind == 1 and r.local_addr.name == path
    assert r.local_addr.display() == "/run/x.sock"
    assert r.peer_addr.kind == 2 and r.peer_addr.name == abstract
    assert r.peer_addr.display().startswith("@ab")
    assert r.dest_addr.kind == 0 and r.dest_addr.name == b""
    assert r.socket_path() == r.local_addr
    assert r.stream.syscall_name == "sendmsg" and r.stream.requested_len == 10
    assert len(r.scm_rights) == 3
    f0, f1, f2 = r.scm_rights
    assert (f0.fd, f0.file_kind, f0.mode, f0.inode, f0.dev, f0.path) == \
        (7, udsrec.FK_REGULAR, 0o100644, 555, (8 << 20) | 1, b"/etc/passwd")
    assert (f1.fd, f1.file_kind, f1.sock_type, f1.sock_family, f1.inode,
            f1.path) == (3, udsrec.FK_SOCKET, 1, 1, 9999, b"socket:[9999]")
    assert f2.fd == 11 and f2.fd_flags & udsrec.FDF_UNRESOLVED
    assert (r.scm_creds.pid, r.scm_creds.uid, r.scm_creds.gid) == (300, 301,
                                                                   302)
    assert [(c.level, c.type, c.data) for c in r.cmsg_raw] == \
        [(1, 99, b"raw"), (2, 98, b"")]
    assert (r.loss.records, r.loss.bytes, r.loss.total_records,
            r.loss.total_bytes) == (1, 2, 3, 4)
    assert r.unknown_tlvs == [(0x7777, b"future")]


def test_socket_path_falls_back_to_peer_then_dest():
    r = udsrec.decode_record(record(1, 0, [
        tlv(5, b"\0"), tlv(7, b"\x01/dev/log")], b""))
    assert r.socket_path().display() == "/dev/log"
    r = udsrec.decode_record(record(1, 0, [
        tlv(6, b"\x02name"), tlv(7, b"\x01/dev/log")], b""))
    assert r.socket_path().display() == "@name"
    r = udsrec.decode_record(record(1, 0, [], b""))
    assert r.socket_path() is None


def test_longer_tlv_value_reads_known_prefix():
    r = udsrec.decode_record(record(1, 0, [
        tlv(1, struct.pack("<QQHH", 5, 6, 2, 0) + b"EXTRA-FIELDS"),
        tlv(8, struct.pack("<QIIIHH", 9, 1, 0, 1, 3, 0) + b"\x01\x02")],
        b"x"))
    assert (r.socket.inode, r.socket.peer_inode, r.socket.sock_type) == \
        (5, 6, 2)
    assert r.stream.stream_offset == 9 and r.stream.syscall_name == "sendto"


def test_trailing_bytes_ignored():
    r = udsrec.decode_record(record(1, 0, [], b"ab", trailing=b"later"))
    assert r.payload == b"ab" and r.trailing == b"later"


def test_big_values_little_endian():
    r = udsrec.decode_record(record(1, 0xFFFFFFFF, [
        socket_tlv(0x0102030405060708, 0xFFFFFFFFFFFFFFFF, 1)], b""))
    assert r.socket.inode == 0x0102030405060708
    assert r.socket.peer_inode == 2 ** 64 - 1
    assert r.flags == 0xFFFFFFFF


@pytest.mark.parametrize("bad,exc", [
    (b"UDSX" + HELLO[4:], udsrec.BadMagic),
    (b"", udsrec.BadMagic),
    (HELLO[:10], udsrec.FormatError),
    (HELLO[:4] + b"\x02" + HELLO[5:], udsrec.UnsupportedVersion),
    (record(1, 0, [], b"", header_len=15), udsrec.FormatError),
    (record(1, 0, [], b"", header_len=40), udsrec.FormatError),
    (record(1, 0, [], b"abc", payload_len=4), udsrec.FormatError),
    (HELLO[:-1], udsrec.FormatError),  # payload cut
    # a TLV running past header_len
    (record(1, 0, [struct.pack("<HH", 1, 40) + b"\0" * 20], b"",
            header_len=36), udsrec.FormatError),
    # half a TLV header
    (record(1, 0, [b"\x01\x00"], b""), udsrec.FormatError),
    # values shorter than their fixed size
    (record(1, 0, [tlv(1, b"\0" * 19)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(2, b"\0" * 39)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(3, b"\0" * 11)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(4, b"\0" * 35)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(5, b"")], b""), udsrec.FormatError),
    (record(1, 0, [tlv(8, b"\0" * 23)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(9, b"\0" * 31)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(10, b"\0" * 11)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(11, b"\0" * 7)], b""), udsrec.FormatError),
    (record(1, 0, [tlv(12, b"\0" * 31)], b""), udsrec.FormatError),
    # a type that may not repeat
    (record(1, 0, [socket_tlv(1, 2, 1), socket_tlv(1, 2, 1)], b""),
     udsrec.FormatError),
    # unnamed address carrying name bytes
    (record(1, 0, [tlv(5, b"\0abc")], b""), udsrec.FormatError),
])
def test_malformed_rejected(bad, exc):
    with pytest.raises(exc):
        udsrec.decode_record(bad)


def test_unknown_version_is_its_own_error():
    bad = HELLO[:4] + b"\x07" + HELLO[5:]
    with pytest.raises(udsrec.UnsupportedVersion):
        udsrec.decode_record(bad)
    # and is still a FormatError for callers that do not care
    assert issubclass(udsrec.UnsupportedVersion, udsrec.FormatError)


# ------------------------------------------------------------ file tests

def _file(bo="<", records=(HELLO,), ts=1_700_000_000_123_456, tsresol=None,
          with_isb=True):
    out = shb(bo, opt(3, b"Linux", bo) + opt(4, b"udsdump 0.1", bo)
              + opt(0, b"", bo))
    io = opt(2, b"udsdump", bo)
    if tsresol is not None:
        io += opt(9, bytes([tsresol]), bo)
    out += idb(options=io + opt(0, b"", bo), bo=bo)
    for i, r in enumerate(records):
        out += epb(r, ts + i, bo=bo, options=opt(2, struct.pack(bo + "I", 1),
                                                 bo) + opt(0, b"", bo))
    if with_isb:
        out += isb(len(records), 3, bo=bo)
    return out


@pytest.mark.parametrize("bo", ["<", ">"])
def test_pcapng_both_byte_orders(bo):
    cap = udsrec.read_capture(_file(bo))
    assert cap.format == "pcapng"
    assert cap.sections[0].byte_order == ("little" if bo == "<" else "big")
    assert cap.sections[0].opt_str(4) == "udsdump 0.1"
    assert cap.interfaces[0].linktype == 159
    assert cap.interfaces[0].name == "udsdump"
    assert len(cap.records) == 1
    r = cap.records[0]
    # record contents are little-endian whatever the section's byte order
    assert r.socket.inode == 1001 and r.payload == b"hello"
    assert r.ts_ns == 1_700_000_000_123_456 * 1000  # default microseconds
    assert r.epb_flags == 1
    assert cap.stats[0].ifrecv == 1 and cap.stats[0].ifdrop == 3
    assert cap.block_types == [0x0A0D0D0A, 1, 6, 5]


def test_pcapng_tsresol_nanoseconds_and_binary():
    cap = udsrec.read_capture(_file(ts=1_700_000_000_123_456_789, tsresol=9))
    assert cap.records[0].ts_ns == 1_700_000_000_123_456_789
    cap = udsrec.read_capture(_file(ts=3 << 10, tsresol=0x80 | 10))
    assert cap.records[0].ts_ns == 3 * 10 ** 9


def test_pcapng_bad_block_length_rejected():
    data = bytearray(_file())
    data[-4] ^= 1  # ISB trailing length
    with pytest.raises(udsrec.FormatError):
        udsrec.read_capture(bytes(data))
    with pytest.raises(udsrec.FormatError):
        udsrec.read_capture(_file()[:-2])


def test_pcapng_foreign_linktype_rejected():
    data = shb() + idb(linktype=147) + epb(HELLO, 0)
    with pytest.raises(udsrec.FormatError):
        udsrec.read_capture(data)


def test_pcapng_cut_record_rejected():
    data = shb() + idb() + epb(HELLO[:20], 0, origlen=len(HELLO))
    with pytest.raises(udsrec.FormatError):
        udsrec.read_capture(data)


@pytest.mark.parametrize("bo,nano", [("<", False), (">", False),
                                     ("<", True), (">", True)])
def test_pcap(bo, nano):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    hdr = struct.pack(bo + "IHHiIII", magic, 2, 4, 0, 0, 262144, 159)
    frac = 123456789 if nano else 123456
    recs = hdr + struct.pack(bo + "IIII", 1700000000, frac, len(HELLO),
                             len(HELLO)) + HELLO
    cap = udsrec.read_capture(recs)
    assert cap.format == "pcap"
    assert cap.interfaces[0].linktype == 159
    r = cap.records[0]
    assert r.payload == b"hello" and r.task.comm == "hello-client"
    assert r.ts_ns == 1700000000 * 10 ** 9 + (frac if nano else frac * 1000)


# ------------------------------------------------------------ reassembly

def data_rec(inode, off, payload, msg_len=None, msg_off=0, flags=0,
             payload_len=None):
    ml = len(payload) if msg_len is None else msg_len
    return udsrec.decode_record(record(1, flags, [
        socket_tlv(inode, 0, 1), stream_tlv(off, ml, msg_off, ml, 1)],
        payload, payload_len=payload_len))


def test_reassemble_in_offset_order():
    recs = [data_rec(5, 5, b"world"), data_rec(7, 0, b"x"),
            data_rec(5, 0, b"hello")]
    byino = udsrec.data_records_by_inode(recs)
    assert sorted(byino) == [5, 7]
    streams = udsrec.reassemble_all(recs)
    assert streams[5].data == b"helloworld" and streams[5].complete
    assert streams[5].end_offset == 10
    assert streams[7].data == b"x"


def test_reassemble_split_message():
    # a 10-byte message split in records of 4, 4, 2 (MORE on the first two)
    m = b"0123456789"
    recs = [data_rec(1, 100, m[:4], 10, 0, udsrec.F_MORE),
            data_rec(1, 108, m[8:], 10, 8, 0),
            data_rec(1, 104, m[4:8], 10, 4, udsrec.F_MORE)]
    st = udsrec.reassemble(recs)
    assert st.data == m
    # the capture's first record starts at 100: 0..100 is missing
    assert st.lost == [(0, 100)] and st.gaps == [(0, 100)]


def test_reassemble_detects_lost_record():
    recs = [data_rec(1, 0, b"aaa"), data_rec(1, 10, b"bbb")]
    st = udsrec.reassemble(recs)
    assert st.gaps == [(3, 10)] and st.lost == [(3, 10)]
    assert not st.complete and st.gap_bytes == 7
    assert st.data == b"aaabbb"


def test_reassemble_truncated_and_no_payload_cover_message():
    recs = [
        data_rec(1, 0, b"ab", 10, 0, udsrec.F_TRUNCATED),   # covers 10
        data_rec(1, 10, b"", 6, 0, udsrec.F_NO_PAYLOAD_SOURCE),  # covers 6
        data_rec(1, 16, b"", 4, 0, udsrec.F_METADATA_ONLY),
        data_rec(1, 20, b"zz"),
    ]
    st = udsrec.reassemble(recs)
    assert st.data == b"abzz"
    assert st.gaps == [(2, 10), (10, 16), (16, 20)]
    assert st.lost == []
    assert st.end_offset == 22


def test_reassemble_truncated_split_message_covers_to_next_record():
    # READ_FAULT on the first record of a split 8-byte message
    recs = [data_rec(1, 0, b"", 8, 0, udsrec.F_READ_FAULT | udsrec.F_MORE),
            data_rec(1, 4, b"wxyz", 8, 4)]
    st = udsrec.reassemble(recs)
    assert st.gaps == [(0, 4)] and st.data == b"wxyz" and st.lost == []


def test_reassemble_overlap_reported():
    st = udsrec.reassemble([data_rec(1, 0, b"abcd"), data_rec(1, 2, b"cd")])
    assert st.overlaps == [(2, 4)] and not st.complete


def test_reassemble_rejects_mixed_sockets():
    with pytest.raises(ValueError):
        udsrec.reassemble([data_rec(1, 0, b"a"), data_rec(2, 0, b"b")])


def test_loss_totals():
    l1 = udsrec.decode_record(record(7, 0, [tlv(12, struct.pack(
        "<QQQQ", 2, 100, 2, 100))], b""))
    l2 = udsrec.decode_record(record(7, 0, [tlv(12, struct.pack(
        "<QQQQ", 1, 50, 3, 150))], b""))
    assert udsrec.loss_totals([l1, HELLO and data_rec(1, 0, b"a"), l2]) == \
        (3, 150)


# ------------------------------------------------------------ ENGINE (event 9)

def text_tlv(t, s):
    return tlv(t, s.encode())


def missing_tlv(source, name, reason):
    # FORMAT.md: u8 source, u8 name_len, name, reason (the rest)
    return tlv(15, bytes([source, len(name)]) + name.encode()
               + reason.encode())


ENGINE = record(9, 0, [
    text_tlv(13, "6.18.44-fc-v1252"),
    text_tlv(14, "syscalls+hash"),
    missing_tlv(2, "sock-tracepoints", "hidden by --without"),
    missing_tlv(1, "sk-storage", "refused by the verifier: R2"),
    text_tlv(16, "io_uring, splice, sendfile"),
    text_tlv(17, "0.1.0"),
    text_tlv(18, "sock-tracepoints: hidden by --without"),
], b"")


def test_engine_record():
    r = udsrec.decode_record(ENGINE)
    assert r.event == udsrec.EV_ENGINE and r.event_name == "ENGINE"
    assert r.socket is None and r.stream is None and r.payload_len == 0
    e = r.engine
    assert (e.kernel, e.rung, e.version) == ("6.18.44-fc-v1252",
                                             "syscalls+hash", "0.1.0")
    assert e.blind == "io_uring, splice, sendfile"
    assert e.reason == "sock-tracepoints: hidden by --without"
    assert [(m.source, m.name, m.reason, m.hidden) for m in e.missing] == [
        (2, "sock-tracepoints", "hidden by --without", True),
        (1, "sk-storage", "refused by the verifier: R2", False)]
    assert r.unknown_tlvs == []
    assert udsrec.engine_records([r, udsrec.decode_record(HELLO)]) == [r]


def test_engine_record_optional_tlvs_absent():
    r = udsrec.decode_record(record(9, 0, [
        text_tlv(13, "6.12.1"), text_tlv(14, "sock+storage"),
        text_tlv(17, "0.1.0")], b""))
    e = r.engine
    assert e.missing == [] and e.blind is None and e.reason is None
    assert udsrec.engine_records([r]) == [r]


def test_engine_missing_with_empty_reason_and_name():
    r = udsrec.decode_record(record(9, 0, [tlv(15, b"\x01\x00")], b""))
    assert [(m.source, m.name, m.reason) for m in r.engine.missing] == \
        [(1, "", "")]


@pytest.mark.parametrize("tlvs", [
    [tlv(15, b"\x01")],                           # shorter than its 2 bytes
    [tlv(15, b"\x01\x05abc")],                    # name_len past the value
    [text_tlv(13, "a"), text_tlv(13, "b")],       # kernel repeats
    [text_tlv(14, "a"), text_tlv(14, "b")],       # rung repeats
])
def test_engine_malformed(tlvs):
    with pytest.raises(udsrec.FormatError):
        udsrec.decode_record(record(9, 0, tlvs, b""))


@pytest.mark.parametrize("tlvs,payload", [
    ([text_tlv(14, "sock+hash"), text_tlv(17, "0.1.0")], b""),  # no kernel
    ([text_tlv(13, "6.1"), text_tlv(17, "0.1.0")], b""),        # no rung
    ([text_tlv(13, "6.1"), text_tlv(14, "sock+hash")], b""),    # no version
    ([text_tlv(13, "6.1"), text_tlv(14, "sock+hash"), text_tlv(17, "0.1"),
      socket_tlv(1, 2, 1)], b""),                               # traffic
    ([text_tlv(13, "6.1"), text_tlv(14, "sock+hash"), text_tlv(17, "0.1")],
     b"x"),                                                     # payload
])
def test_engine_records_checks_what_is_always_there(tlvs, payload):
    r = udsrec.decode_record(record(9, 0, tlvs, payload))
    with pytest.raises(udsrec.FormatError):
        udsrec.engine_records([r])


def test_engine_record_is_no_traffic():
    """An ENGINE record in a file is in no stream and no loss count."""
    cap = udsrec.read_capture(_file(records=(ENGINE, HELLO)))
    assert [r.event for r in cap.records] == [9, 1]
    assert list(udsrec.data_records_by_inode(cap.records)) == [1001]
    assert udsrec.loss_totals(cap.records) == (0, 0)
    assert udsrec.WRITER_EVENTS == {udsrec.EV_LOSS, udsrec.EV_ENGINE, udsrec.EV_CGROUP}


def test_cgroup_record_decodes():
    """FORMAT.md "Cgroup records": CGROUP, CONTAINER and POD, by hand."""
    cid = "ab" * 32
    r = udsrec.decode_record(record(10, 0, [
        tlv(22, struct.pack("<Q", 1234) + b"/docker/" + cid.encode()),
        tlv(23, b"\x01\x00" + cid.encode()), tlv(24, b"0f1a-pod")], b""))
    assert r.event_name == "CGROUP" and r.unknown_tlvs == []
    assert r.cgroup == udsrec.CgroupInfo(1234, "/docker/" + cid, 1, 0, cid, "0f1a-pod")


def test_unknown_event_decodes_by_number():
    """FORMAT.md: an event the reader does not know is not an error (how a
    reader older than ENGINE saw event 9)."""
    r = udsrec.decode_record(record(42, 0, [tlv(99, b"later")], b""))
    assert r.event_name == "event#42" and r.unknown_tlvs == [(99, b"later")]


# ------------------------------------------------------ peer as before

def peer_tlvs(pid):
    return [tlv(3, struct.pack("<III", pid, 0, 0)),
            tlv(25, struct.pack("<II", pid - 1, 4026531836)),
            tlv(4, struct.pack("<IIQBBBB", pid, pid, 7, 1, 0, 0, 0)
                + b"srv".ljust(16, b"\0")),
            tlv(20, struct.pack("<QIIII", 77, pid - 1, pid - 1, 4026531836, 4026531840))]


def test_peer_as_before_carried_per_socket_in_file_order():
    """doc/FORMAT.md: a PEER_AS_BEFORE record has the peer of the last
    record of its socket without the flag (none if that had none)."""
    F = udsrec.F_PEER_AS_BEFORE

    def rec(inode, flags=0, pid=None):
        return record(1, flags, [socket_tlv(inode, inode + 1, 1)]
                      + (peer_tlvs(pid) if pid else []), b"x")
    recs = [rec(10, pid=812), rec(10, F), rec(20, F), rec(10, pid=900), rec(10, F),
            rec(10), rec(10, F)]
    data = shb() + idb() + b"".join(epb(r, 1000 + i) for i, r in enumerate(recs))
    got = udsrec.read_capture(data).records
    assert [(r.peer_task.pid if r.peer_task else None, r.peer_carried) for r in got] == [
        (812, False), (812, True), (None, False), (900, False), (900, True),
        (None, False), (None, False)]
    assert got[1].peer_cred.pid == 812 and got[1].peer_cred_ns.ns_pid == 811
    assert got[4].peer_task_ns.ns_pid == 899
    # one record alone keeps what it has
    alone = udsrec.decode_record(recs[1])
    assert alone.has(F) and alone.peer_task is None and not alone.peer_carried


def sock_ns_tlv(net):
    return tlv(21, struct.pack("<IIIIQQ", net, net + 1, 0, 0, 0, 0))


def test_sock_ns_carried_with_the_peer_and_a_record_keeps_its_own():
    """doc/FORMAT.md: PEER_AS_BEFORE leaves SOCK_NS out too; a flagged
    record that holds it (a writer that carried only the peer) keeps its
    own and is given the peer alone."""
    F = udsrec.F_PEER_AS_BEFORE

    def rec(flags=0, pid=None, net=None):
        return record(1, flags, [socket_tlv(10, 11, 1)] + (peer_tlvs(pid) if pid else [])
                      + ([sock_ns_tlv(net)] if net else []), b"x")
    recs = [rec(pid=812, net=4026531992), rec(F), rec(F, net=4026532100),
            rec(net=4026532200), rec(F)]
    data = shb() + idb() + b"".join(epb(r, 1000 + i) for i, r in enumerate(recs))
    got = udsrec.read_capture(data).records
    assert [(r.peer_task.pid if r.peer_task else None, r.sock_ns.net_ns, r.peer_carried)
            for r in got] == [
        (812, 4026531992, False), (812, 4026531992, True), (812, 4026532100, True),
        (None, 4026532200, False), (None, 4026532200, True)]
    assert got[1].sock_ns.peer_net_ns == 4026531993


# ------------------------------------------------------ READS (merged reads)

def reads_tlv(count, entries):
    """READS (type 27): u32 count, u32 reserved, then 12 bytes per read:
    u32 ns_before, u32 msg_len, u32 requested_len."""
    return tlv(27, struct.pack("<II", count, 0) + b"".join(
        struct.pack("<III", *e) for e in entries))


def recv_with_reads(count, entries, total):
    return record(8, 1 << 10, [socket_tlv(7, 8, 1), stream_tlv(100, total, 0, 0, 6),
                               reads_tlv(count, entries)], b"")


def test_merged_read_decodes_each_read():
    r = udsrec.decode_record(recv_with_reads(2, [(900, 3, 16), (0, 4, 32)], 7))
    assert r.read_count == 2
    assert [(x.ns_before, x.msg_len, x.requested_len, x.stream_offset) for x in r.reads] == \
        [(900, 3, 16, 100), (0, 4, 32, 103)]


def test_one_read_counts_one_and_a_send_none():
    one = udsrec.decode_record(record(8, 0, [socket_tlv(7, 8, 1), stream_tlv(0, 5, 0, 5, 6)], b""))
    assert one.reads == [] and one.read_count == 1
    send = udsrec.decode_record(record(1, 0, [socket_tlv(7, 8, 1), stream_tlv(0, 2, 0, 2, 1)], b"ab"))
    assert send.read_count == 0


@pytest.mark.parametrize("count, entries, total", [
    (3, [(9, 3, 3), (0, 4, 4)], 7),   # the count says more than the value holds
    (1, [(0, 7, 7)], 7),              # a record of one read has no READS
    (2, [(9, 3, 3), (0, 4, 4)], 8),   # the reads do not add up to STREAM's
])
def test_malformed_reads_rejected(count, entries, total):
    with pytest.raises(udsrec.FormatError):
        udsrec.decode_record(recv_with_reads(count, entries, total))
