"""The peer's identity is written in a socket's first record of each file,
again when it changes and every 10 seconds; the socket's records in
between say PEER_AS_BEFORE and leave it out, and SOCK_NS with it
(doc/FORMAT.md), and both readers give them those of the socket's last
record without the flag. (Each file read alone: test_live_file_ring.py.)"""

import os
import time

import pytest

from lib.capture import udsdump_capture
from test_live_file_ring import RespPair
import udsrec

pytestmark = pytest.mark.live

PEER_TLVS = ("peer_cred", "peer_cred_ns", "peer_task", "peer_task_ns", "sock_ns")


def raw_records(pcap):
    """DATA and RECV records as written, without the reader's carrying."""
    cap = udsrec.read_capture(pcap, decode=False)
    out = []
    for p in cap.packets:
        r = udsrec.decode_record(p.data)
        r.ts_ns = p.ts_ns
        if r.event in (udsrec.EV_DATA, udsrec.EV_RECV):
            out.append(r)
    return out


def test_peer_identity_once_then_every_10s(ts, tmp_path):
    path = str(tmp_path / "peer.sock")
    pcap = os.path.join(ts.captures, "peer.pcapng")
    with udsdump_capture(pcap, ["--path", path]).start():
        pair = RespPair(path)
        bound = os.stat(path).st_ino
        for i in range(20):
            pair.send(i, 60)
        time.sleep(10.5)
        for i in range(20, 25):
            pair.send(i, 60)
        pair.close()
        time.sleep(0.3)
    me = os.getpid()  # both ends: the server is a thread of this process
    recs = raw_records(pcap)
    by_sock = {}
    for r in recs:
        by_sock.setdefault(r.socket.inode, []).append(r)
    assert len(by_sock) == 2, by_sock.keys()
    flagged = 0
    for ino, rs in by_sock.items():
        first = next(i for i, r in enumerate(rs) if r.peer_task)
        assert not any(r.has(udsrec.F_PEER_AS_BEFORE) for r in rs[:first + 1]), ino
        # the kernel's time of the records: the capture's clock is boot time
        # converted to wall clock, so compare the gap, not the clock
        gap = max(range(first + 1, len(rs)), key=lambda i: rs[i].ts_ns - rs[i - 1].ts_ns)
        assert rs[gap].ts_ns - rs[gap - 1].ts_ns >= 10 * 10**9, "no 10 s pause in %d" % ino
        for i, r in enumerate(rs[first:], first):
            written = i in (first, gap)
            assert r.has(udsrec.F_PEER_AS_BEFORE) != written, (ino, i, r.flag_names)
            assert all((getattr(r, t) is None) != written for t in PEER_TLVS), (ino, i, r)
            if written:
                assert r.peer_task.pid == me and r.peer_cred.pid == me, r
                assert bound in (r.sock_ns.file_ino, r.sock_ns.peer_file_ino), r
        flagged += len(rs) - first - 2
    assert flagged >= 2 * 2 * 20 - 8, flagged

    # the Python reader carries them
    carried = [r for r in udsrec.read_capture(pcap).records
               if r.event in (udsrec.EV_DATA, udsrec.EV_RECV) and r.has(udsrec.F_PEER_AS_BEFORE)]
    assert len(carried) == flagged
    assert all(r.peer_carried and r.peer_task.pid == me and r.peer_cred.pid == me and
               r.peer_task_ns is not None and
               bound in (r.sock_ns.file_ino, r.sock_ns.peer_file_ino) for r in carried)
    # and so does the dissector: every field and filter, and the frame it is from
    rows = ts.fields(pcap, ["frame.number", "unix.peer_task.pid", "unix.peer_cred.pid",
                            "unix.peer_task.nspid", "unix.peer_from", "unix.file_inode",
                            "unix.peer_file_inode"],
                     "unix.flags.peer_as_before == 1")
    assert len(rows) == flagged
    assert all(r[1:4] == [str(me)] * 3 and 0 < int(r[4]) < int(r[0]) for r in rows), rows[:5]
    # the server's end is bound to the path, the client's peer is
    assert all({int(r[5]), int(r[6])} == {0, bound} for r in rows), rows[:5]
    assert ts.frames(pcap, "(unix.event == 1 || unix.event == 8) && "
                     "unix.flags.peer_as_before == 1 && !unix.peer_task") == []
