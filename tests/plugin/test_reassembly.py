"""Issue 5: reassembly rules on synthetic records (doc/FORMAT.md via synth.py):
pipelined PDUs in one record, one PDU over records, messages split by the
engine (MORE) joined, datagrams never joined across messages, gaps."""

import synth as S
from lib.wsversion import http_body

PATH = "/run/r.sock"


def cli(payload, off, flags=0, ino=1, peer=2, sock_type=S.SOCK_STREAM, msg_len=None, msg_offset=0):
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(ino, peer, sock_type).task(10, comm="cli").peer_addr(S.ADDR_PATHNAME, PATH)
    r.stream(off, len(payload) if msg_len is None else msg_len, msg_offset)
    return r.build()


def srv(payload, off, flags=0, ino=2, peer=1, sock_type=S.SOCK_STREAM):
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(ino, peer, sock_type).task(20, comm="srv").local_addr(S.ADDR_PATHNAME, PATH)
    r.stream(off, len(payload))
    return r.build()


def resp_cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def values(ts, pcap, dfilter):
    return [r[1] for r in ts.fields(pcap, ["frame.number", "resp.bulk_string.value"], dfilter)]


def test_pipelined_commands_split_anywhere(ts):
    cmds = [resp_cmd(b"SET", b"k%d" % i, b"v" * (i * 7)) for i in range(12)]
    stream = b"".join(cmds)
    # cut the byte stream at awkward places: mid-length, mid-CRLF, mid-value
    cuts = [0, 3, 40, 41, 90, 200, 201, 333, len(stream)]
    recs, off = [], 0
    for a, b in zip(cuts, cuts[1:]):
        recs.append(cli(stream[a:b], a))
    pcap = ts.capture(recs)
    vals = ",".join(v for v in values(ts, pcap, "resp") if v)
    got = [bytes.fromhex(x.replace(":", "")) for x in vals.split(",")]
    want = [x for i in range(12) for x in (b"SET", b"k%d" % i, b"v" * (i * 7)) if x]
    # every command once, whole, in order
    assert [g for g in got if g] == want
    lens = ",".join(r[0] for r in ts.fields(pcap, ["resp.array.length"], "resp"))
    assert lens.split(",") == ["3"] * 12
    one = ts.run(["-r", pcap, "-T", "fields", "-e", "_ws.col.Info", "-e", "resp.bulk_string.value"])[1]
    two = ts.run(["-2", "-r", pcap, "-T", "fields", "-e", "_ws.col.Info", "-e", "resp.bulk_string.value"])[1]
    assert one == two


def test_message_split_by_engine_is_joined_on_stream_and_seqpacket(ts):
    req = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"
    a, b = req[:20], req[20:]
    for st in (S.SOCK_STREAM, S.SOCK_SEQPACKET):
        pcap = ts.capture([cli(a, 0, S.F_MORE, sock_type=st, msg_len=len(req)),
                           cli(b, 20, sock_type=st, msg_len=len(req), msg_offset=20)])
        rows = ts.fields(pcap, ["frame.protocols", "http.request.method", "http.file_data",
                                "unix.reassembled_in"], extra=["-2"])
        assert rows[0][0] == "unix" and rows[0][3] == "2"
        assert rows[1][0].startswith("unix:http")
        assert rows[1][1] == "POST" and http_body(rows[1][2]) == b"0123456789"


def test_datagrams_are_not_joined_across_messages(ts):
    req = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"
    a, b = req[:30], req[30:]
    pcap = ts.capture([cli(a, 0, sock_type=S.SOCK_SEQPACKET),
                       cli(b, 30, sock_type=S.SOCK_SEQPACKET)])
    rows = ts.fields(pcap, ["frame.number", "http.request.method", "http.file_data", "unix.segment.count"])
    # the first message alone (no body), the second not glued to it
    assert rows[0][1] == "POST" and rows[0][2] == ""
    assert rows[1][1] == "" and rows[1][3] == ""


def test_gap_drops_pending_pdu_and_next_decodes(ts):
    big = resp_cmd(b"SET", b"k", b"x" * 300)
    nxt = resp_cmd(b"GET", b"k")
    recs = [cli(big[:100], 0), cli(big[200:], 200), cli(nxt, len(big))]  # 100..200 missing
    pcap = ts.capture(recs)
    assert ts.frames(pcap, "unix.expert.reassembly_gap") == [2]
    assert ts.frames(pcap, "resp.bulk_string.value == 53:45:54") == []
    got = values(ts, pcap, "frame.number == 3")
    assert got == [",".join(x.hex() for x in (b"GET", b"k"))] or \
        got == [",".join(":".join("%02x" % c for c in x) for x in (b"GET", b"k"))]
