"""Conversations, endpoints, follow, expert info, malformed records, two-pass."""

import os
import random
import re

import synth as S

A, B = 41001, 41002          # client / server socket inodes
C, D = 42001, 42002          # a second connection
PATH = "/run/app.sock"


def data(ino, peer, pid, comm, payload, offset, flags=0, msg_len=None, msg_offset=0,
         local=None, peer_path=PATH, sock_type=S.SOCK_STREAM):
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(ino, peer, sock_type).task(pid, comm=comm)
    if local:
        r.local_addr(S.ADDR_PATHNAME, local)
    elif peer_path:
        r.peer_addr(S.ADDR_PATHNAME, peer_path)
    r.stream(offset, len(payload) if msg_len is None else msg_len, msg_offset)
    return r.build()


def event(ev, ino, peer, pid, comm, offset=None):
    r = S.Record(ev)
    r.socket(ino, peer).task(pid, comm=comm).peer_addr(S.ADDR_PATHNAME, PATH)
    if offset is not None:
        r.stream(offset, 0)
    return r.build()


def cli(payload, off, **kw):
    return data(A, B, 100, "client", payload, off, **kw)


def srv(payload, off, **kw):
    return data(B, A, 200, "server", payload, off, local=PATH, **kw)


# ------------------------------------------------------------ conversations


def conv_rows(out, title):
    """(a, b, frames b->a, bytes b->a, frames a->b, bytes a->b, frames, bytes)."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == title)
    rows = []
    for l in lines[start + 1:]:
        m = re.match(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+) bytes\s+(\d+)\s+(\d+) bytes"
                     r"\s+(\d+)\s+(\d+) bytes", l)
        if m:
            rows.append((m.group(1), m.group(2)) + tuple(int(x) for x in m.group(3, 4, 5, 6, 7, 8)))
        if l.startswith("====") and rows:
            break
    return rows


def endpoint_rows(out):
    """name -> (packets, bytes, tx packets, tx bytes, rx packets, rx bytes);
    4.6 prints "N bytes" where 4.0 and 4.4 print N."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "UNIX Endpoints")
    rows = {}
    for l in lines[start + 1:]:
        m = re.match(r"^(\S+)" + r"\s+(\d+)\s+(\d+)(?: bytes)?" * 3 + r"\s*$", l)
        if m:
            rows[m.group(1)] = tuple(int(x) for x in m.groups()[1:])
        if l.startswith("====") and rows:
            break
    return rows


def two_connections():
    return [
        event(S.EV_CONNECT, A, B, 100, "client"),
        cli(b"hello", 0),
        srv(b"HELLO!!", 0),
        data(C, D, 300, "other", b"x" * 11, 0),
        cli(b"again", 5),
        # a fork: the child (pid 101) sends on the same socket
        data(A, B, 101, "client", b"child", 10),
        srv(b"bye", 7),
    ]


def test_conversation_table(ts):
    pcap = ts.capture(two_connections())
    ts.assert_unix(pcap)
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
    rows = conv_rows(out, "UNIX Conversations")
    assert len(rows) == 2, out
    by_pair = {frozenset((r[0], r[1])): r for r in rows}
    # One conversation for A<->B despite the fork (pid 101), with the bytes
    # each side sent: client 5+5+5, server 7+3; 6 records (connect included).
    ab = [r for k, r in by_pair.items() if any(x.startswith("client[") for x in k)]
    assert len(ab) == 1, rows
    a_name, b_name, f_ba, b_ba, f_ab, b_ab, f_tot, b_tot = ab[0]
    if a_name.startswith("server"):
        f_ba, b_ba, f_ab, b_ab = f_ab, b_ab, f_ba, b_ba
    assert (f_ab, b_ab) == (4, 15)   # connect + three sends by the client socket
    assert (f_ba, b_ba) == (2, 10)
    assert (f_tot, b_tot) == (6, 25)
    cd = [r for k, r in by_pair.items() if any(x.startswith("other[") for x in k)]
    assert len(cd) == 1 and cd[0][6:] == (1, 11)


def test_endpoints_table(ts):
    pcap = ts.capture(two_connections())
    ts.assert_unix(pcap)
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "endpoints,unix"])
    rows = endpoint_rows(out)
    # Four socket ends. The client end is named after its last sender.
    assert len(rows) == 4, out
    client = [v for k, v in rows.items() if k.startswith("client[")]
    server = [v for k, v in rows.items() if k.startswith("server[")]
    assert len(client) == 1 and len(server) == 1
    # packets, bytes, tx packets, tx bytes, rx packets, rx bytes
    assert client[0] == (6, 25, 4, 15, 2, 10)
    assert server[0] == (6, 25, 2, 10, 4, 15)


# ------------------------------------------------------------------ follow


def follow(ts, pcap, stream):
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,raw,%d" % stream])
    lines = out.splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith("Node 1:"))
    chunks = []
    for l in lines[i + 1:]:
        if l.startswith("===="):
            break
        chunks.append(("server" if l.startswith("\t") else "client", bytes.fromhex(l.strip())))
    return chunks


def test_follow_prints_exactly_the_bytes_sent(ts):
    rnd = random.Random(4)
    c1 = bytes(range(256))
    s1 = bytes(rnd.randrange(256) for _ in range(300))
    c2 = b"\x00\r\n\\end"
    recs = [event(S.EV_CONNECT, A, B, 100, "client"), cli(c1, 0),
            data(C, D, 300, "other", b"NOT-THIS-STREAM", 0),
            srv(s1, 0)]
    # a RECV record carries metadata of the receive side, not new bytes
    r = S.Record(S.EV_RECV, flags=S.F_METADATA_ONLY)
    r.socket(B, A).task(200, comm="server").stream(0, 256, syscall=6)
    recs += [r.build(), cli(c2, 256), event(S.EV_CLOSE, A, B, 100, "client", offset=256 + len(c2))]
    pcap = ts.capture(recs)
    stream = int(ts.fields(pcap, ["unix.stream"], "frame.number == 2")[0][0])
    assert ts.fields(pcap, ["unix.stream"], "frame.number == 4")[0][0] == str(stream)
    chunks = follow(ts, pcap, stream)
    assert chunks == [("client", c1), ("server", s1), ("client", c2)]


def test_follow_other_stream(ts):
    pcap = ts.capture(two_connections())
    stream = int(ts.fields(pcap, ["unix.stream"], "unix.inode == %d" % C)[0][0])
    assert follow(ts, pcap, stream) == [("client", b"x" * 11)]


# ------------------------------------------------------------------ expert


def test_gap_expert_and_covering_records(ts):
    recs = [
        cli(b"aaaaa", 0, flags=S.F_FIRST_SEEN),          # 1: 0..5
        cli(b"bbbbb", 5),                                 # 2: contiguous
        srv(b"zz", 0),                                    # 3: other socket, own offsets
        cli(b"ccccc", 20),                                # 4: gap of 10 (5..20)
        # 5: bytes sent by sendfile: no payload, covers msg_len
        cli(b"", 25, flags=S.F_NO_PAYLOAD_SOURCE, msg_len=100),
        # 6: snap length cut: 4 of 10 bytes kept, covers 10
        cli(b"dddd", 125, flags=S.F_TRUNCATED, msg_len=10),
        # 7, 8: one 20-byte message split into two records
        cli(b"e" * 10, 135, flags=S.F_MORE, msg_len=20),
        cli(b"f" * 10, 145, msg_len=20, msg_offset=10),
        # 9: read fault, metadata only: both cover their message
        cli(b"", 155, flags=S.F_READ_FAULT, msg_len=7),
        cli(b"", 162, flags=S.F_METADATA_ONLY, msg_len=8),
        # 11: a truncated split message: first part covers up to the next
        cli(b"gg", 170, flags=S.F_TRUNCATED | S.F_MORE, msg_len=50),
        cli(b"hh", 190, flags=S.F_TRUNCATED, msg_len=50, msg_offset=20),
        # 13: the socket's final offset on close says 3 bytes went missing
        event(S.EV_CLOSE, A, B, 100, "client", offset=223),
        # 14: a new socket reusing the inode starts over: no gap
        cli(b"new", 1000, flags=S.F_FIRST_SEEN),
    ]
    pcap = ts.capture(recs)
    assert ts.frames(pcap, "unix.expert.gap") == [4, 13]
    assert ts.fields(pcap, ["unix.gap"], "unix.gap") == [["10"], ["3"]]
    info = ts.fields(pcap, ["_ws.col.Info"], "frame.number == 4")[0][0]
    assert "10 bytes missing" in info
    assert ts.frames(pcap, "unix.expert.truncated") == [6, 11, 12]
    assert ts.frames(pcap, "unix.expert.not_captured") == [5, 9]
    assert ts.frames(pcap, "unix.flags.truncated == 1") == [6, 11, 12]
    # gaps are warnings
    assert ts.frames(pcap, "_ws.expert.severity == 0x00600000 && unix.gap") == [4, 13]


def test_loss_record(ts):
    r = S.Record(S.EV_LOSS)
    r.loss(records=3, nbytes=4096, total_records=7, total_bytes=9000)
    pcap = ts.capture([cli(b"a", 0), r.build(), cli(b"b", 1)])
    assert ts.frames(pcap, "unix.expert.loss") == [2]
    assert ts.fields(pcap, ["unix.event", "unix.loss.records", "unix.loss.bytes",
                            "unix.loss.total_records", "unix.loss.total_bytes"],
                     "unix.event == 7") == [["7", "3", "4096", "7", "9000"]]
    info = ts.fields(pcap, ["_ws.col.Info"], "unix.event == 7")[0][0]
    assert info.startswith("LOSS") and "3" in info and "4096" in info


# --------------------------------------------------------------- malformed

MALFORMED_GROUP = "0x07000000"  # PI_MALFORMED


def malformed_records():
    good = cli(b"ok", 0)
    out = {}
    r = S.Record(S.EV_DATA, payload=b"x")
    r.socket(A, B)
    r.header_len_override = 10
    out["header_len_small"] = (r.build(), "unix.bad_header_len")
    r = S.Record(S.EV_DATA, payload=b"x")
    r.socket(A, B)
    r.header_len_override = 500
    out["header_len_big"] = (r.build(), "unix.bad_header_len")
    r = S.Record(S.EV_DATA, payload=b"xyz")
    r.socket(A, B).task(1, comm="t")
    r.payload_len_override = 0xFFFFFFF0
    out["payload_len_big"] = (r.build(), "unix.bad_payload_len")
    r = S.Record(S.EV_DATA)
    r.socket(A, B)
    r.raw_tlv(S.u16(S.T_TASK) + S.u16(400) + b"\0" * 8)   # runs past header_len
    out["tlv_overrun"] = (r.build(), "unix.tlv.overrun")
    r = S.Record(S.EV_DATA)
    r.raw_tlv(S.tlv(S.T_SOCKET, S.u64(A)))               # 8 of 20 bytes
    r.task(1, comm="t")
    out["tlv_short"] = (r.build(), "unix.tlv.short")
    r = S.Record(S.EV_DATA)
    r.socket(A, B)
    r.raw_tlv(b"\x02\x00")                                 # half a TLV header
    out["tlv_half_header"] = (r.build(), "unix.tlv.overrun")
    r = S.Record(S.EV_DATA)
    r.socket(A, B).task(1, comm="t")
    r.raw_tlv(S.tlv(S.T_SCM_RIGHTS_FD, S.i32(3) + b"\0" * 4))  # fd without the rest
    out["fd_short"] = (r.build(), "unix.tlv.short")
    r = S.Record(S.EV_DATA)
    r.raw_tlv(S.tlv(S.T_STREAM, b""))
    out["stream_empty"] = (r.build(), "unix.tlv.short")
    out["record_10_bytes"] = (good[:10], "unix.bad_header_len")
    out["record_5_bytes"] = (good[:5], "unix.bad_header_len")
    return good, out


def test_malformed_records_reported(ts):
    good, variants = malformed_records()
    names = sorted(variants)
    recs = [good] + [variants[n][0] for n in names] + [good]
    pcap = ts.capture(recs)
    ts.assert_unix(pcap)
    bad = ts.frames(pcap, "_ws.expert.group == %s" % MALFORMED_GROUP)
    flagged = ts.frames(pcap, "_ws.malformed")
    for i, n in enumerate(names):
        frame = i + 2
        expert = variants[n][1]
        assert frame in ts.frames(pcap, expert, check_unix=False), n
        assert frame in bad and frame in flagged, n
    # the good records around them are fine
    assert 1 not in bad and len(recs) not in bad
    assert ts.fields(pcap, ["unix.task.pid"], "frame.number == %d" % len(recs)) == [["100"]]
    # full tree and hex dump: no dissector bug, exit 0 (checked by ts.run)
    ts.run(["-r", pcap, "-V", "-x"])


def test_bad_magic_and_unknown_version(ts):
    good = cli(b"ok", 0)
    foreign = b"NOPE" + good[4:]
    v2 = bytearray(good)
    v2[4] = 2
    pcap = ts.capture([good, foreign, bytes(v2), b"UD"])
    assert ts.frames(pcap, "unix.bad_magic") == [2, 4]
    assert ts.frames(pcap, "unix.unknown_version") == [3]
    # nothing is decoded from them
    assert ts.frames(pcap, "unix.inode") == [1]
    ts.run(["-r", pcap, "-V", "-x"])


def test_fuzzed_records_never_crash(ts):
    rnd = random.Random(12345)
    r = S.Record(S.EV_DATA, flags=S.F_FIRST_SEEN, payload=b"GET / HTTP/1.1\r\n\r\n")
    r.socket(A, B).task(1, comm="c").peer_cred(2).peer_task(2, comm="s")
    r.local_addr(S.ADDR_ABSTRACT, b"x\0y").peer_addr(S.ADDR_PATHNAME, PATH)
    r.dest_addr(S.ADDR_PATHNAME, PATH).stream(0, 18)
    r.scm_fd(3, S.FILE_REGULAR, path="/etc/passwd").scm_creds(1, 2, 3).cmsg_raw(1, 2, b"abc")
    lr = S.Record(S.EV_LOSS)
    lr.loss(1, 2, 3, 4)
    seeds = [r.build(), lr.build(), cli(b"ok", 0)]
    recs = []
    for i in range(600):
        b = bytearray(rnd.choice(seeds))
        op = rnd.randrange(4)
        if op == 0:
            for _ in range(rnd.randint(1, 6)):
                p = rnd.randrange(4, len(b))
                b[p] = rnd.randrange(256)
        elif op == 1:
            b = b[:rnd.randrange(4, len(b))]
        elif op == 2:
            p = rnd.randrange(4, len(b))
            b[p:p] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40)))
        else:
            # lengths are where bugs hide: hit a TLV length or header field
            p = rnd.choice([6, 7, 12, 13, 14, 15, 18, 19])
            b[p] = rnd.choice([0, 1, 0x7f, 0x80, 0xff])
        recs.append(bytes(b))
    pcap = ts.capture(recs)
    ts.assert_unix(pcap)
    ts.run(["-r", pcap, "-V", "-x"])
    # Every bad length is caught by the dissector's own checks (reported as
    # malformed with a reason), never by a tvb exception. (A fuzzed HTTP
    # payload may still make the HTTP dissector throw: not ours.)
    assert ts.frames(pcap, '_ws.expert.message contains "Exception" && !http && !resp') == []
    assert len(ts.frames(pcap, "_ws.malformed")) > 100
    ts.run(["-r", pcap, "-2", "-q", "-z", "conv,unix", "-z", "endpoints,unix",
            "-z", "follow,unix,ascii,0", "-z", "expert"])


def test_editcap_fuzz(ts):
    pcap = ts.capture(two_connections() * 20)
    out = os.path.join(ts.captures, "fuzzed.pcapng")
    for seed in range(3):
        ts.run(["-E", "0.05", "--seed", str(seed + 1), pcap, out], tool="editcap")
        ts.assert_unix(out)
        ts.run(["-r", out, "-V", "-x"])


# -------------------------------------------------------------- two-pass


FIELDS = ["frame.number", "unix.stream", "unix.path", "unix.gap", "_ws.col.Source",
          "_ws.col.Destination", "_ws.col.Info", "_ws.expert.message"]


def mixed_capture(ts):
    recs = two_connections()
    recs += [cli(b"late", 100), srv(b"!", 10, flags=S.F_TRUNCATED, msg_len=9)]
    lr = S.Record(S.EV_LOSS)
    lr.loss(1, 2, 1, 2)
    recs.append(lr.build())
    recs.append(malformed_records()[1]["tlv_overrun"][0])
    return ts.capture(recs)


def test_two_pass_same_output(ts):
    pcap = mixed_capture(ts)
    one = ts.fields(pcap, FIELDS)
    two = ts.fields(pcap, FIELDS, extra=["-2"])
    assert one == two
    assert any(r[3] for r in one)  # there is a gap to compare


def test_pcap_copy_dissects_the_same(ts):
    pcap = mixed_capture(ts)
    copy = os.path.join(ts.captures, "copy.pcap")
    ts.run(["-F", "pcap", pcap, copy], tool="editcap")
    with open(copy, "rb") as f:
        assert f.read(4) in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
    assert ts.fields(copy, FIELDS) == ts.fields(pcap, FIELDS)


def test_send_before_accept_stays_one_connection(ts):
    # A client that writes right after connect(), before the server accept()s,
    # has no peer inode yet (the embryonic socket gets one only on accept).
    early = S.Record(S.EV_DATA, flags=S.F_FIRST_SEEN, payload=b"*1\r\n$4\r\nPING\r\n")
    early.socket(A, 0).task(100, comm="client").peer_cred(200)
    early.peer_addr(S.ADDR_PATHNAME, PATH).stream(0, 14, syscall=S.SYS_SENDTO)
    recs = [
        early.build(),
        data(C, D, 300, "other", b"zzz", 0),   # an unrelated connection in between
        srv(b"+PONG\r\n", 0),                   # the server names the pair
        cli(b"*1\r\n$4\r\nQUIT\r\n", 14),
    ]
    pcap = ts.capture(recs)
    streams = [r[0] for r in ts.fields(pcap, ["unix.stream"])]
    assert streams[0] == streams[2] == streams[3] != streams[1]
    for extra in ([], ["-2"]):
        _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"] + extra)
        rows = conv_rows(out, "UNIX Conversations")
        assert len(rows) == 2, out
        ab = [r for r in rows if "client[100]" in r[:2]]
        assert len(ab) == 1 and ab[0][6:] == (3, 14 + 7 + 14), out
    assert follow(ts, pcap, int(streams[0])) == [
        ("client", b"*1\r\n$4\r\nPING\r\n"), ("server", b"+PONG\r\n"),
        ("client", b"*1\r\n$4\r\nQUIT\r\n")]
    # no false gap on the client socket
    assert ts.frames(pcap, "unix.expert.gap") == []
