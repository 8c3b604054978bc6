"""Issue 9, dissector side: each send shows who read it and where
(unix.reader.*), each read links back to the sends it returned
(unix.sent_in), unread data at the end of a stream is an expert item.

Live cases run tests/senders/recv_cases.py under udsdump (needs root and
eBPF); expected pids, inodes and bytes come from the scenario's own log.
"""

import json
import os
import subprocess

import pytest

import synth as S
from lib.pcapng import START_TS_US
from test_live import workdir
from lib.capture import udsdump_capture

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "senders", "recv_cases.py")


def run_case(ts, name, extra=()):
    d = workdir(ts, "recv-" + name)
    pcap = os.path.join(ts.captures, "recv-%s.pcapng" % name)
    with udsdump_capture(pcap, ["--recv", "meta"] + list(extra)):
        p = subprocess.run(["/usr/bin/python3", CASES, name, d], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return pcap, json.loads(p.stdout.decode().strip().splitlines()[-1])


F = ["frame.number", "unix.event", "unix.task.pid", "unix.msg_len", "unix.reader.pid",
     "unix.reader.comm", "unix.reader.frame", "unix.sent_in", "unix.peer_cred.pid"]


def rows_for(ts, pcap, cond):
    out = []
    for r in ts.fields(pcap, F, cond, extra=["-2"]):
        out.append(dict(zip(F, r)))
    return out


def check_link(data, recvs):
    """data: one DATA row; recvs: RECV rows; the DATA names exactly the reads
    that link back to it."""
    reads = [r for r in recvs if data["frame.number"] in r["unix.sent_in"].split(",")]
    assert reads, (data, recvs)
    assert data["unix.reader.frame"].split(",") == [r["frame.number"] for r in reads]
    assert data["unix.reader.pid"].split(",") == [r["unix.task.pid"] for r in reads]
    return reads


# ------------------------------------------------- reads recorded before sends
# A sender's record is made when its sendmsg() has returned; a reader on
# another CPU can read the bytes and be recorded first.

W, R = 51001, 51002  # the writer's and the reader's socket


def sent(ino, peer, payload, offset, sock_type=S.SOCK_STREAM):
    r = S.Record(S.EV_DATA, payload=payload).socket(ino, peer, sock_type).task(100, comm="writer")
    return r.stream(offset, len(payload)).build()


def read(ino, peer, n, offset, sock_type=S.SOCK_STREAM):
    r = S.Record(S.EV_RECV).socket(ino, peer, sock_type).task(200, comm="reader")
    return r.stream(offset, n, syscall=S.SYSCALL_NUMBERS["read"]).build()


def links(ts, records):
    """frame -> (its reader frames, its send frames), as tshark -2 shows them."""
    pcap = ts.capture(records)
    rows = ts.fields(pcap, ["frame.number", "unix.reader.frame", "unix.sent_in"], extra=["-2"])
    return {int(f): (rd, sn) for f, rd, sn in rows}


def test_stream_read_recorded_before_its_send(ts):
    got = links(ts, [read(R, W, 5, 0), sent(W, R, b"hello", 0),
                     sent(W, R, b"world", 5), read(R, W, 5, 5)])
    assert got == {1: ("", "2"), 2: ("1", ""), 3: ("4", ""), 4: ("", "3")}


def test_one_read_before_the_two_sends_it_returned(ts):
    got = links(ts, [sent(W, R, b"ab", 0), read(R, W, 10, 0), sent(W, R, b"cdef", 2),
                     sent(W, R, b"ghij", 6), read(R, W, 3, 10), sent(W, R, b"klm", 10)])
    assert got == {1: ("2", ""), 2: ("", "1,3,4"), 3: ("2", ""), 4: ("2", ""),
                   5: ("", "6"), 6: ("5", "")}


def test_datagram_read_before_its_send(ts):
    d = S.SOCK_DGRAM
    got = links(ts, [read(R, 0, 4, 0, d), sent(W, R, b"one.", 0, d),
                     sent(W, R, b"two.", 4, d), read(R, 0, 4, 0, d)])
    assert got == {1: ("", "2"), 2: ("1", ""), 3: ("4", ""), 4: ("", "3")}


def test_early_read_waits_a_second_at_most(ts):
    """A read whose send never came (sent before the capture, or filtered out)
    is not given a later send: past a second, or longer than the datagram."""
    d = S.SOCK_DGRAM
    t = START_TS_US
    got = links(ts, [(read(R, W, 5, 0), t), (sent(W, R, b"hello", 0), t + 1500000),
                     (read(51003, 0, 9, 0, d), t + 1500001),
                     (sent(51004, 51003, b"short", 0, d), t + 1500002)])
    assert got == {1: ("", ""), 2: ("", ""), 3: ("", ""), 4: ("", "")}


def test_reads_without_sends_are_forgotten(ts):
    """A reader captured alone: thousands of reads wait for sends that never
    come, and the capture still dissects in both passes."""
    recs = [read(R, W, 10, 10 * i) for i in range(3000)] + [sent(W, R, b"x" * 10, 29990)]
    got = links(ts, recs)
    assert got[3001] == ("3000", "") and got[3000] == ("", "3001")
    assert all(v == ("", "") for f, v in got.items() if f < 3000)


@pytest.mark.live
def test_fork_server_reader_is_the_child(ts):
    pcap, log = run_case(ts, "fork-server")
    sent = rows_for(ts, pcap, "unix.event == 1 && unix.inode == %d" % log["client_inode"])
    recv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["server_inode"])
    assert len(sent) == 1 and sent[0]["unix.msg_len"] == str(len(b"PING from the client"))
    reads = check_link(sent[0], recv)
    # read by the child that really called recv(), not the accepting parent
    assert {r["unix.task.pid"] for r in reads} == {str(log["child_pid"])}
    assert sent[0]["unix.reader.comm"].split(",")[0] == "fs-child"
    # the reply is read by the client
    reply = rows_for(ts, pcap, "unix.event == 1 && unix.inode == %d" % log["server_inode"])
    crecv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["client_inode"])
    reads = check_link(reply[0], crecv)
    assert {r["unix.task.pid"] for r in reads} == {str(log["client_pid"])}
    # the text the GUI shows
    _, out, _ = ts.run(["-2", "-r", pcap, "-V", "-Y", "frame.number == %s" % sent[0]["frame.number"]])
    assert "Read by fs-child[%d] in frame %s" % (log["child_pid"], reads and
                                                  sent[0]["unix.reader.frame"].split(",")[0]) in out


@pytest.mark.live
def test_writes_before_accept_are_linked_to_their_reader(ts):
    """Bytes written before the server accepted (no peer inode yet in the
    sender's records) still show who read them, and the read shows them."""
    pcap, log = run_case(ts, "early-write")
    sent = rows_for(ts, pcap, "unix.event == 1 && unix.inode == %d" % log["client_inode"])
    recv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["server_inode"])
    assert [int(s["unix.msg_len"]) for s in sent] == log["lens"]
    assert recv and sum(int(r["unix.msg_len"]) for r in recv) == sum(log["lens"])
    for data in sent:
        reads = check_link(data, recv)
        assert {r["unix.task.pid"] for r in reads} == {str(log["child_pid"])}
        assert data["unix.reader.comm"].split(",")[0] == "ew-child"


@pytest.mark.live
def test_handoff_reads_attributed_to_second_process(ts):
    pcap, log = run_case(ts, "handoff")
    sent = rows_for(ts, pcap, "unix.event == 1 && unix.inode == %d" % log["writer_inode"])
    recv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["handed_inode"])
    data = [s for s in sent if s["unix.msg_len"] == str(len(log["b_data"]))]
    assert len(data) == 1
    reads = check_link(data[0], recv)
    assert {r["unix.task.pid"] for r in reads} == {str(log["b_pid"])}


@pytest.mark.live
def test_passfd_and_passcred_reads_linked(ts):
    for case in ("passfd", "passcred"):
        pcap, log = run_case(ts, case)
        sent = rows_for(ts, pcap, "unix.event == 1 && unix.inode == %d" % log["sender_inode"])
        recv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["receiver_inode"])
        assert len(sent) == 1
        reads = check_link(sent[0], recv)
        assert len(reads) == 1


@pytest.mark.live
def test_dgram_reader_of_logger(ts):
    pcap, log = run_case(ts, "dgram-reader")
    recv = rows_for(ts, pcap, "unix.event == 8 && unix.inode == %d" % log["reader_inode"])
    assert recv and recv[0]["unix.task.pid"] == str(log["reader_pid"])
    sent = rows_for(ts, pcap, "unix.event == 1 && unix.task.pid == %d" % log["logger_pid"])
    assert len(sent) == 1 and sent[0]["unix.msg_len"] == str(len(log["data"]))
    reads = check_link(sent[0], recv)
    assert [r["unix.task.pid"] for r in reads] == [str(log["reader_pid"])]
    assert sent[0]["unix.reader.comm"] == "log-reader"


# ----------------------------------------------------------- synthetic


def data(payload, off, ino=1, peer=2):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(ino, peer).task(10, comm="w").stream(off, len(payload))
    return r.build()


def recv(n, off, ino=2, peer=1, pid=20, comm="r"):
    r = S.Record(S.EV_RECV, flags=S.F_METADATA_ONLY)
    r.socket(ino, peer).task(pid, comm=comm).stream(off, n, syscall=9)
    return r.build()


def end(event, off, flags=0, ino=1, peer=2):
    r = S.Record(event, flags=flags)
    r.socket(ino, peer).task(10, comm="w").stream(off, 0)
    return r.build()


def test_partial_reads_and_unread_at_end(ts):
    # 100 + 50 bytes sent; reads of 30, 90 (spanning both sends); 30 unread
    pcap = ts.capture([data(b"a" * 100, 0), recv(30, 0, pid=21, comm="r1"), data(b"b" * 50, 100),
                       recv(90, 30, pid=22, comm="r2"), end(S.EV_CLOSE, 150)])
    rows = {r["frame.number"]: r for r in rows_for(ts, pcap, "unix")}
    assert rows["1"]["unix.reader.frame"] == "2,4" and rows["1"]["unix.reader.pid"] == "21,22"
    assert rows["3"]["unix.reader.frame"] == "4" and rows["3"]["unix.reader.comm"] == "r2"
    assert rows["2"]["unix.sent_in"] == "1" and rows["4"]["unix.sent_in"] == "1,3"
    assert ts.fields(pcap, ["unix.unread"], "unix.expert.unread", extra=["-2"]) == [["30"]]
    # all read: no expert
    pcap = ts.capture([data(b"a" * 10, 0), recv(10, 0), end(S.EV_SHUTDOWN, 10, S.F_INFERRED)])
    assert ts.frames(pcap, "unix.expert.unread", extra=["-2"]) == []
    assert ts.frames(pcap, "unix.expert.unread") == []


@pytest.mark.live
def test_unread_data_at_close_live(ts):
    """With --lifecycle the writer's close is recorded with its final offset:
    the bytes no read covered are an expert item."""
    pcap, log = run_case(ts, "unread", ["--lifecycle"])
    rows = ts.fields(pcap, ["frame.number", "unix.unread"],
                     "unix.event == 6 && unix.inode == %d" % log["writer_inode"],
                     extra=["-2"])
    assert len(rows) == 1, rows
    assert rows[0][1] == str(log["sent"] - log["read"])
    _, out, _ = ts.run(["-2", "-r", pcap, "-z", "expert,warn", "-q"])
    assert "unix.expert.unread" in out or "never read" in out, out
