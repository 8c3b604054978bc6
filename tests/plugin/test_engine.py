"""ENGINE records in the dissector (doc/FORMAT.md, "Engine records"): the
unix.engine.* fields and the Info text, on synthetic records (synth.py,
written from the document) and on a live capture; and that they are not
traffic: the golden captures dissect the same with ENGINE records among
their frames, which are in no conversation, stream or follow output."""

import glob
import os
import re
import subprocess
import sys

import pytest

import synth as S

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import udsrec  # noqa: E402

from lib.capture import capture_to  # noqa: E402
from lib.paths import SENDERS, UDSDUMP  # noqa: E402
from test_live import workdir  # noqa: E402

GOLDEN = sorted(glob.glob(os.path.join(HERE, "golden", "*.pcapng")))
ENGINE_FIELDS = ["unix.event", "unix.engine.kernel", "unix.engine.rung", "unix.engine.missing",
                 "unix.engine.missing.source", "unix.engine.missing.reason", "unix.engine.blind",
                 "unix.engine.version", "unix.engine.reason", "unix.stream", "_ws.col.Info"]


def engine_record(**kw):
    args = dict(kernel="6.18.44-fc-v1252", rung="sock+hash",
                missing=[("sk-storage", "refused by the verifier: R2")],
                reason="sk-storage: refused by the verifier: R2")
    args.update(kw)
    return S.Record(S.EV_ENGINE).engine(**args).build()


def data_record(offset, payload, inode=1001, peer=1002, pid=4242, comm="cli"):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(inode, peer).task(pid, comm=comm).peer_addr(S.ADDR_PATHNAME, "/run/e.sock")
    return r.stream(offset, len(payload)).build()


def test_synthetic_engine_fields(ts):
    rec = engine_record(
        rung="syscalls+hash", blind="io_uring, splice, sendfile",
        missing=[("sock-tracepoints", "hidden by --without", S.MISSING_WITHOUT),
                 ("sk-storage", "refused by the verifier: R2", S.MISSING_KERNEL)],
        reason="sock-tracepoints: hidden by --without")
    pcap = ts.capture([rec])
    assert ts.fields(pcap, ENGINE_FIELDS) == [[
        "9", "6.18.44-fc-v1252", "syscalls+hash", "sock-tracepoints,sk-storage", "2,1",
        "hidden by --without,refused by the verifier: R2", "io_uring, splice, sendfile",
        "0.1.0", "sock-tracepoints: hidden by --without", "",
        "Engine syscalls+hash on 6.18.44-fc-v1252 (sock-tracepoints hidden, sk-storage missing)"]]
    assert ts.frames(pcap, 'unix.engine.rung == "syscalls+hash"') == [1]
    assert ts.frames(pcap, "_ws.malformed || _ws.expert") == []


def test_info_without_missing_features(ts):
    pcap = ts.capture([engine_record(rung="sock+storage", kernel="6.12.1", missing=[],
                                     reason=None)])
    rows = ts.fields(pcap, ["_ws.col.Info", "unix.engine.missing", "unix.engine.blind",
                            "unix.engine.reason"])
    assert rows == [["Engine sock+storage on 6.12.1", "", "", ""]]


@pytest.mark.parametrize("tlvs,expert", [
    ([(S.T_ENGINE_MISSING, b"\x01")], "unix.tlv.short"),
    ([(S.T_ENGINE_MISSING, b"\x01\x09abc")], "unix.tlv.short"),
    ([(S.T_ENGINE_KERNEL, b"a"), (S.T_ENGINE_KERNEL, b"b")], "unix.tlv.repeated"),
    ([(S.T_SOCKET, b"\0" * 20)], "unix.tlv.unknown"),
])
def test_odd_engine_records_are_reported(ts, tlvs, expert):
    r = S.Record(S.EV_ENGINE)
    for t, v in tlvs:
        r.add(t, v)
    pcap = ts.capture([r.build(), data_record(0, b"x")])
    assert ts.frames(pcap, expert) == [1]
    assert ts.frames(pcap, '_ws.expert.message contains "Exception"') == []
    assert ts.fields(pcap, ["unix.stream"], "unix.event == 9") == [[""]]


def test_overrun_and_newer_version(ts):
    over = S.Record(S.EV_ENGINE).add(S.T_ENGINE_KERNEL, b"6.1").raw_tlv(b"\x0e\x00\x40\x00ab")
    newer = S.Record(S.EV_ENGINE, version=2).engine(kernel="7.0", rung="sock+hash")
    pcap = ts.capture([over.build(), newer.build()])
    assert ts.frames(pcap, "unix.tlv.overrun") == [1]
    assert ts.fields(pcap, ["_ws.col.Info"], "frame.number == 1") == \
        [["Engine ? on 6.1 [Malformed]"]]
    # a record of a newer version: one clear expert line, nothing decoded
    rows = ts.fields(pcap, ["_ws.expert.message", "unix.engine.kernel"], "frame.number == 2")
    assert rows == [["Unknown record version 2: cannot decode", ""]]


def test_not_in_conversations_streams_or_follow(ts):
    a, b = data_record(0, b"hello"), data_record(5, b"world")
    pcap = ts.capture([engine_record(), a, engine_record(), b, engine_record()])
    assert ts.frames(pcap, "unix.stream") == [2, 4]
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
    convs = [l for l in out.splitlines() if "<->" in l]
    assert len(convs) == 1 and re.search(r"\b2 10 bytes\b", convs[0]), out
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,ascii,0"])
    body = out.split("Node 1: 1002:0\n", 1)[1].split("=====", 1)[0]
    assert body.split() == ["5", "hello", "5", "world"], out  # the two sends, nothing else
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,ascii,1"], check=False)
    assert "hello" not in out  # no second stream made of ENGINE records


# ---------------------------------------------------------------- golden

FRAME_FIELDS = ("unix.reassembled_in", "unix.reader.frame", "unix.sent_in")
COMPARED = ["unix.event", "unix.stream", "unix.inode", "unix.peer_inode", "unix.src", "unix.dst",
            "unix.path", "_ws.col.Source", "_ws.col.Destination", "_ws.col.Info",
            "_ws.col.Protocol", "_ws.expert.message", "unix.gap"] + list(FRAME_FIELDS)


def rows_of(ts, pcap):
    return ts.fields(pcap, COMPARED, extra=["-2"])


@pytest.mark.parametrize("golden", GOLDEN, ids=[os.path.basename(g)[:-7] for g in GOLDEN])
def test_golden_dissects_the_same_among_engine_records(ts, golden):
    """The golden capture as is, and with ENGINE records first, in the
    middle and last: every golden frame dissects the same (its frame
    references shifted by the ENGINE frames before them), and the
    conversation table is the same."""
    pkts = udsrec.read_capture(golden).packets
    orig = [(p.data, p.ts_ns // 1000) for p in pkts]
    mid = len(orig) // 2
    eng = engine_record()
    mixed = ([(eng, orig[0][1])] + orig[:mid] + [(eng, orig[mid][1])] + orig[mid:] +
             [(eng, orig[-1][1])])
    plain = ts.capture(orig, name="plain-" + os.path.basename(golden))
    with_engine = ts.capture(mixed, name="engine-" + os.path.basename(golden))

    def new_number(n):  # golden frame n in the mixed capture
        return n + (1 if n <= mid else 2)

    want = rows_of(ts, plain)
    got = rows_of(ts, with_engine)
    assert len(got) == len(want) + 3
    engine_rows = [got[0], got[mid + 1], got[-1]]
    assert {r[0] for r in engine_rows} == {"9"} and {r[1] for r in engine_rows} == {""}
    golden_rows = got[1:mid + 1] + got[mid + 2:-1]
    for i, (w, g) in enumerate(zip(want, golden_rows)):
        for k in range(len(COMPARED) - len(FRAME_FIELDS), len(COMPARED)):
            w[k] = ",".join(str(new_number(int(x))) for x in w[k].split(",") if x)
        assert g == w, "golden frame %d" % (i + 1)

    def convs(pcap):
        _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
        return [l for l in out.splitlines() if "<->" in l]
    assert convs(with_engine) == convs(plain) and convs(plain)


# ---------------------------------------------------------------- live

def live_capture(ts, name, args=()):
    """udsdump around one sender; (pcap, engine line of stderr)."""
    d = workdir(ts, name)
    err = []
    out, _ = capture_to(ts.captures, name, list(args), [
        os.path.join(SENDERS, "traffic.py"), "--addr", "path:" + os.path.join(d, "e.sock"),
        "--sizes", "5,70", "--syscalls", "write", "--reply", "3"], stderr_lines=err)
    m = re.search(r"^udsdump: engine (\S+) on (\S+)(?: \((.*)\))?$", "".join(err), re.M)
    assert m, "".join(err)
    return out, m


@pytest.mark.live
def test_live_engine_record(ts):
    """(the conftest fails or skips a live test where udsdump cannot capture)"""
    pcap, line = live_capture(ts, "live-engine.pcapng")
    rung, kernel, reason = line.groups()
    assert kernel == os.uname().release
    rows = ts.fields(pcap, ENGINE_FIELDS + ["frame.number"], "unix.event == 9")
    assert len(rows) == 1 and rows[0][-1] == "1", rows
    (event, k, r, missing, sources, _reasons, blind, version, why, stream, info, _n) = rows[0]
    assert (k, r, why, stream) == (kernel, rung, reason or "", "")
    assert version and re.match(r"^\d+\.\d+", version)
    names = [x for x in missing.split(",") if x]
    want = "Engine %s on %s" % (rung, kernel)
    if names:
        kinds = ["hidden" if s == "2" else "missing" for s in sources.split(",")]
        want += " (%s)" % ", ".join("%s %s" % nk for nk in zip(names, kinds))
    assert info == want
    probe = subprocess.run([UDSDUMP, "--probe"], capture_output=True, text=True, timeout=60)
    assert "not seen: %s\n" % blind in probe.stdout, (blind, probe.stdout)
    # the traffic around it: one conversation, and follow has only its bytes
    assert len(ts.frames(pcap, "unix.event == 1")) >= 3
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
    assert len([l for l in out.splitlines() if "<->" in l]) == 1, out
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,ascii,0"])
    assert kernel not in out and rung not in out
