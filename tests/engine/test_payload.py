"""Payload, identity, syscall and timestamp checks on real traffic.

Each scenario is one capture (no filter) around one sender run. For every
socket that sent, the records of its inode are reassembled in stream_offset
order and must equal, byte for byte, what the sender logged (SHA-256 and
length); every logged send must show up as one message with the right
syscall, lengths and a timestamp within 10 ms of the sender's clock.
"""

import signal
import time
from types import SimpleNamespace

import pytest

from lib.engine import (Udsdump, run_sender, wireshark_check, data_of, sha256,
                      unique, udsrec)

SIZES = "1,2,100,4095,4096,65535,65536,65537,262144,1M"
ALL = "write,writev,send,sendmsg,sendmmsg"
TYPE_CODE = {"stream": 1, "dgram": 2, "seqpacket": 5}
SYSCALL_CODE = {"write": 1, "writev": 2, "send": 3, "sendto": 3,
                "sendmsg": 4, "sendmmsg": 5}
TS_TOLERANCE_NS = 10_000_000


def abstract_name(tag):
    # NUL and non-UTF-8 bytes inside an abstract name must survive
    return (b"udsdump-test\0\xff" + tag.encode()).hex()


def scenarios(d):
    """name -> (sender script, args). d: a world-searchable temp dir."""
    s = {}
    for typ in ("stream", "seqpacket"):
        s["%s-path" % typ] = ("traffic.py", [
            "--addr", "path:%s/%s.sock" % (d, typ), "--type", typ,
            "--syscalls", ALL, "--sizes", SIZES, "--reply", "5000",
            "--client-comm", "uds-cli-" + typ[:3],
            "--server-comm", "uds-srv-" + typ[:3]])
        s["%s-abstract" % typ] = ("traffic.py", [
            "--addr", "abstract-hex:" + abstract_name(unique(typ)),
            "--type", typ, "--syscalls", ALL, "--sizes", SIZES,
            "--reply", "3000"])
        s["%s-pair" % typ] = ("traffic.py", [
            "--addr", "pair", "--type", typ, "--syscalls", ALL,
            "--sizes", SIZES, "--reply", "777"])
    s["dgram-path"] = ("traffic.py", [
        "--addr", "path:%s/dgram.sock" % d, "--type", "dgram",
        "--syscalls", ALL, "--sizes", SIZES])
    s["dgram-abstract"] = ("traffic.py", [
        "--addr", "abstract-hex:" + abstract_name(unique("dg")),
        "--type", "dgram", "--syscalls", ALL, "--sizes", SIZES])
    s["dgram-pair"] = ("traffic.py", [
        "--addr", "pair", "--type", "dgram", "--syscalls", ALL,
        "--sizes", SIZES])
    s["dgram-path-unconnected"] = ("traffic.py", [
        "--addr", "path:%s/dgram-u.sock" % d, "--type", "dgram",
        "--syscalls", "sendto,sendmsg,sendmmsg", "--unconnected",
        "--sizes", SIZES])
    s["dgram-abstract-unconnected"] = ("traffic.py", [
        "--addr", "abstract-hex:" + abstract_name(unique("dgu")),
        "--type", "dgram", "--syscalls", "sendto,sendmsg,sendmmsg",
        "--unconnected", "--sizes", SIZES])
    s["stream-iov500"] = ("traffic.py", [
        "--addr", "path:%s/iov500.sock" % d, "--type", "stream",
        "--syscalls", "writev,sendmsg,sendmmsg", "--iovecs", "500",
        "--mmsg", "2", "--sizes", "1,499,500,501,100000,1M"])
    s["stream-iov1024"] = ("traffic.py", [
        "--addr", "path:%s/iov1024.sock" % d, "--type", "stream",
        "--syscalls", "writev,sendmsg", "--iovecs", "1024",
        "--sizes", "1024,4097,1M"])
    s["seqpacket-iov500"] = ("traffic.py", [
        "--addr", "pair", "--type", "seqpacket",
        "--syscalls", "writev,sendmsg,sendmmsg", "--iovecs", "500",
        "--mmsg", "2", "--sizes", "1,500,100000"])
    for sc in ("send", "write", "writev", "sendmsg"):
        s["partial-" + sc] = ("partial_send.py", [
            "--addr", "path:%s/partial-%s.sock" % (d, sc),
            "--syscall", sc, "--size", "4M"])
    s["partial-pair"] = ("partial_send.py", ["--addr", "pair",
                                             "--size", "3M"])
    return s


SCENARIOS = sorted(scenarios("/D"))


@pytest.fixture(scope="module")
def results(workdir, tmp_path_factory):
    cache = {}
    outdir = tmp_path_factory.mktemp("payload")
    defs = scenarios(workdir)

    def get(name):
        if name not in cache:
            script, args = defs[name]
            out = outdir / (name + ".pcapng")
            u = Udsdump([], out)
            try:
                u.start()
                try:
                    log = run_sender(script, *args)
                    time.sleep(0.5)
                finally:
                    rc = u.stop(signal.SIGINT)
                cap = u.read()
                cache[name] = SimpleNamespace(name=name, cap=cap, log=log,
                                              rc=rc, stderr=u.stderr,
                                              path=out, error=None)
            except BaseException as e:  # the same failure for each test
                u.kill()
                cache[name] = SimpleNamespace(error=e)
        r = cache[name]
        if r.error is not None:
            raise r.error
        return r
    return get


def senders_of(log):
    """(role, socket log) of every socket of the sender that sent bytes."""
    out = [("client", log["client"])]
    if log["server"].get("sent_len"):
        out.append(("server", log["server"]))
    return out


def expected_messages(slog, with_times=False):
    """[(stream offset, msg_len, requested_len, syscall, t_ns)] per message
    the socket sent, from the sender's log. with_times: also the index of
    the message in its call and the time the call returned."""
    msgs = []
    for e in slog["sends"]:
        if e["syscall"] == "sendmmsg":
            off = e["offset"]
            for i, ln in enumerate(e["msg_lens"]):
                m = (off, ln, e["msg_requested"], "sendmmsg", e["t_ns"])
                msgs.append(m + (i, e["t_after_ns"]) if with_times else m)
                off += ln
        else:
            m = (e["offset"], e["returned"], e["requested"], e["syscall"],
                 e["t_ns"])
            msgs.append(m + (0, e["t_after_ns"]) if with_times else m)
    return msgs


@pytest.mark.parametrize("name", SCENARIOS)
def test_payload_digest(results, name):
    """Concatenated payload of each socket == what the sender sent."""
    r = results(name)
    for role, slog in senders_of(r.log):
        recs = data_of(r.cap, slog["inode"])
        assert recs, "%s: no DATA record for the %s socket (inode %d)" % (
            name, role, slog["inode"])
        st = udsrec.reassemble(recs)
        assert not st.gaps, "%s %s: gaps %s (lost %s)" % (
            name, role, st.gaps[:5], st.lost[:5])
        assert not st.overlaps, "%s %s: overlaps %s" % (name, role,
                                                        st.overlaps[:5])
        assert len(st.data) == slog["sent_len"], (
            "%s %s: captured %d bytes, sender sent %d" % (
                name, role, len(st.data), slog["sent_len"]))
        assert sha256(st.data) == slog["sent_sha256"], (
            "%s %s: payload differs from what was sent" % (name, role))
        # the sender's own end-to-end check (what the peer received)
        if role == "client":
            assert r.log["server"]["received_sha256"] == slog["sent_sha256"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_socket_identity(results, name):
    """Inodes, peer inodes, type, sender task and addresses of each record."""
    r = results(name)
    log = r.log
    typ = log.get("type", "stream")
    server_inode = log["server"]["inode"]
    client_inode = log["client"]["inode"]
    unconnected = log.get("unconnected", False)
    addr = log["addr"]
    name_bytes = bytes.fromhex(addr["name_hex"])
    kind = {"path": 1, "abstract": 2, "pair": 0}[addr["kind"]]
    for role, slog in senders_of(log):
        peer = server_inode if role == "client" else client_inode
        for rec in data_of(r.cap, slog["inode"]):
            where = "%s %s record at offset %s" % (
                name, role, rec.stream and rec.stream.stream_offset)
            assert rec.socket.inode == slog["inode"]
            if unconnected:
                assert rec.socket.peer_inode == 0, where
            else:
                assert rec.socket.peer_inode == peer, where
            assert rec.socket.sock_type == TYPE_CODE[typ], where
            assert rec.task is not None, where + ": no TASK"
            assert rec.task.pid == slog["pid"], where
            assert rec.task.tid == slog["tid"], where
            assert rec.task.uid == slog["uid"], where
            assert rec.task.gid == slog["gid"], where
            assert rec.task.comm == slog["comm"], where
            # addresses
            local = rec.local_addr or udsrec.Addr(0, b"")
            peer_a = rec.peer_addr or udsrec.Addr(0, b"")
            if kind == 0:
                assert not local.has_name and not peer_a.has_name, where
                assert rec.socket_path() is None, where
            elif unconnected:
                assert rec.dest_addr is not None, where + ": no DEST_ADDR"
                assert (rec.dest_addr.kind, rec.dest_addr.name) == \
                    (kind, name_bytes), where
                assert not local.has_name, where
            elif role == "client":
                assert not local.has_name, where
                assert (peer_a.kind, peer_a.name) == (kind, name_bytes), where
            else:
                # the accepted socket carries the listener's name
                assert (local.kind, local.name) == (kind, name_bytes), where
            if kind:
                sp = rec.socket_path()
                assert sp is not None and (sp.kind, sp.name) == \
                    (kind, name_bytes), where


@pytest.mark.parametrize("name", SCENARIOS)
def test_syscalls_and_lengths(results, name):
    """Every logged send is one message: syscall, msg_len, requested_len,
    msg_offset, MORE/PARTIAL flags; and no record belongs to no send."""
    r = results(name)
    for role, slog in senders_of(r.log):
        recs = data_of(r.cap, slog["inode"])
        by_msg = {}
        for rec in recs:
            assert rec.stream is not None, "DATA record without STREAM"
            start = rec.stream.stream_offset - rec.stream.msg_offset
            by_msg.setdefault(start, []).append(rec)
        exp = expected_messages(slog)
        assert sorted(by_msg) == sorted(m[0] for m in exp), (
            "%s %s: message start offsets in the capture %s != sent %s" % (
                name, role, sorted(by_msg)[:20], [m[0] for m in exp][:20]))
        for off, mlen, req, sc, _t in exp:
            rs = sorted(by_msg[off], key=lambda x: x.stream.msg_offset)
            where = "%s %s message at offset %d (%s of %d)" % (
                name, role, off, sc, mlen)
            assert rs[0].stream.msg_offset == 0, where
            for i, rec in enumerate(rs):
                s = rec.stream
                assert s.msg_len == mlen, where + ": msg_len %d" % s.msg_len
                assert s.requested_len == req, \
                    where + ": requested_len %d != %d" % (s.requested_len,
                                                         req)
                assert s.syscall == SYSCALL_CODE[sc], \
                    where + ": syscall %s" % s.syscall_name
                assert bool(rec.flags & udsrec.F_PARTIAL) == (mlen < req), \
                    where + ": PARTIAL flag %s" % rec.flag_names
                assert not rec.flags & udsrec.F_TRUNCATED, where
                last = i == len(rs) - 1
                assert bool(rec.flags & udsrec.F_MORE) == (not last), \
                    where + ": MORE flag on record %d of %d" % (i, len(rs))
                if not last:
                    assert rs[i + 1].stream.msg_offset == \
                        s.msg_offset + rec.payload_len, where
            assert sum(x.payload_len for x in rs) == mlen, where


@pytest.mark.parametrize("name", SCENARIOS)
def test_timestamps(results, name):
    """Record time within 10 ms of CLOCK_REALTIME taken just before send.

    A send of a large message (or the 2nd message of a sendmmsg) takes
    time itself and the kernel stamps it when it is done, so every record
    must lie in [before - 10 ms, after the call returned + 10 ms], and the
    first record of every call that took under 1 ms within 10 ms of the
    time taken just before it."""
    r = results(name)
    bad = []
    n = strict = 0
    for role, slog in senders_of(r.log):
        first = {}
        for rec in data_of(r.cap, slog["inode"]):
            if rec.stream and rec.stream.msg_offset == 0:
                first[rec.stream.stream_offset] = rec
        for off, _ln, _req, sc, t, idx, t_after in expected_messages(
                slog, with_times=True):
            rec = first.get(off)
            assert rec is not None, "%s %s: no record at %d" % (name, role,
                                                                off)
            n += 1
            d = rec.ts_ns - t
            # the window: from just before the call to its return, +-10 ms
            if not (t - TS_TOLERANCE_NS <= rec.ts_ns
                    <= t_after + TS_TOLERANCE_NS):
                bad.append((role, sc + "#%d" % idx, off, d / 1e6,
                            (t_after - t) / 1e6))
            # a quick call (< 1 ms): within 10 ms of the time before it
            elif idx == 0 and t_after - t < 1_000_000:
                strict += 1
                if abs(d) > TS_TOLERANCE_NS:
                    bad.append((role, sc, off, d / 1e6, (t_after - t) / 1e6))
    assert n
    if not name.startswith("partial"):
        assert strict, "no quick call to check strictly"
    assert not bad, "%s: %d of %d messages off by more than 10 ms " \
        "(role, syscall, offset, ms off, ms the call took): %s" % (
            name, len(bad), n, bad[:10])


@pytest.mark.parametrize("name", SCENARIOS)
def test_file_valid_and_no_loss(results, name):
    """udsdump exited 0; capinfos/tshark read the file; ISB last, no loss."""
    r = results(name)
    assert r.rc == 0, "udsdump exit %s; stderr:\n%s" % (r.rc, r.stderr)
    n = wireshark_check(r.path)
    assert n == len(r.cap.packets)
    assert r.cap.block_types[-1] == udsrec.PCAPNG_ISB, \
        "last block is 0x%x, not an ISB" % r.cap.block_types[-1]
    assert len(r.cap.interfaces) == 1
    itf = r.cap.interfaces[0]
    assert itf.linktype == udsrec.LINKTYPE_USER12
    assert itf.name == "udsdump"
    st = r.cap.stats[-1]
    assert st.ifdrop == 0, "isb_ifdrop %s" % st.ifdrop
    assert udsrec.loss_totals(r.cap.records) == (0, 0)
    assert not [x for x in r.cap.records if x.event == udsrec.EV_LOSS]


@pytest.mark.parametrize("name", [n for n in SCENARIOS
                                  if n.startswith("partial")])
def test_partial_send_recorded(results, name):
    """The non-blocking partial send: msg_len = what the kernel accepted,
    requested_len = what was asked, PARTIAL set."""
    r = results(name)
    p = r.log["partial"]
    assert p["accepted"] < p["requested"], "sender did not get a partial " \
        "send: %s" % p
    recs = [x for x in data_of(r.cap, r.log["client"]["inode"])
            if x.stream.stream_offset - x.stream.msg_offset == 0]
    assert recs, "no record of the partial send"
    for rec in recs:
        assert rec.stream.msg_len == p["accepted"]
        assert rec.stream.requested_len == p["requested"]
        assert rec.flags & udsrec.F_PARTIAL
        assert rec.stream.syscall == SYSCALL_CODE[p["syscall"]]
    assert sum(x.payload_len for x in recs) == p["accepted"]


def test_first_seen_flag(results):
    """FIRST_SEEN per direction (FORMAT.md): exactly the first DATA record
    of a socket carries it, and the first RECV record if there are any;
    the sockets did not exist before the capture, so none is
    JOINED_MIDSTREAM."""
    r = results("stream-path")
    for role, slog in senders_of(r.log):
        allrecs = [x for x in r.cap.records
                   if x.socket and x.socket.inode == slog["inode"]]
        for ev in (udsrec.EV_DATA, udsrec.EV_RECV):
            recs = sorted((x for x in allrecs if x.event == ev),
                          key=lambda x: x.stream.stream_offset)
            if ev == udsrec.EV_DATA:
                assert recs
            if not recs:
                continue
            first = [x for x in recs if x.flags & udsrec.F_FIRST_SEEN]
            assert len(first) == 1, "%s: %d %s records with FIRST_SEEN" % (
                role, len(first), udsrec.EVENT_NAMES[ev])
            assert first[0] is recs[0], \
                "%s: FIRST_SEEN on the %s record at offset %d" % (
                    role, udsrec.EVENT_NAMES[ev],
                    first[0].stream.stream_offset)
        joined = [x for x in allrecs if x.flags & udsrec.F_JOINED_MIDSTREAM]
        assert not joined, "%s: JOINED_MIDSTREAM on a socket created " \
            "during the capture" % role
