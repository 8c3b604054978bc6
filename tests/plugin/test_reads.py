"""A RECV record that stands for several reads (doc/FORMAT.md READS):
the count, each read's time, offset and size, the links to the sends it
read, and the two ways such a record can be malformed, on synthetic
captures (tests/plugin/synth.py: the Wireshark version matrix runs them
too); and live, what `udsdump --recv merged` writes."""

import json
import os
import re
import subprocess

import pytest

import synth as S
import udsrec
from lib import paths
from lib.capture import udsdump_capture
from lib.pcapng import START_TS_US
from test_live import workdir

RUNS = os.path.join(paths.SENDERS, "read_runs.py")

W, R = 61001, 61002  # the writer's and the reader's socket
READ = S.SYSCALL_NUMBERS["read"]


def sent(payload, offset):
    r = S.Record(S.EV_DATA, payload=payload).socket(W, R).task(100, comm="writer")
    return r.stream(offset, len(payload)).build()


def merged_read(entries, offset=0, total=None, count=None):
    """A RECV of the reader standing for entries (ns_before, len, requested)."""
    total = sum(e[1] for e in entries) if total is None else total
    r = S.Record(S.EV_RECV, flags=S.F_METADATA_ONLY).socket(R, W).task(200, comm="reader")
    r.stream(offset, total, requested_len=sum(e[2] for e in entries), syscall=READ)
    return r.reads(entries, count=count).build()


def one_read(n, offset):
    r = S.Record(S.EV_RECV, flags=S.F_METADATA_ONLY).socket(R, W).task(200, comm="reader")
    return r.stream(offset, n, syscall=READ).build()


T = START_TS_US  # the reads' record at T + 10 ms
ENTRIES = [(7_000_000, 5, 64), (4_500_000, 5, 64), (0, 2, 4096)]


def capture(ts, name):
    return ts.capture([(sent(b"hello", 0), T), (sent(b"world", 5), T + 4000),
                       (sent(b"!!", 10), T + 9000), (merged_read(ENTRIES), T + 10000),
                       (sent(b"more", 12), T + 11000), (one_read(4, 12), T + 12000)], name=name)


def test_merged_read_shows_each_read(ts):
    pcap = capture(ts, "reads-each.pcapng")
    f = ["unix.reads", "unix.read.offset", "unix.read.len", "unix.read.requested",
         "unix.read.ns_before", "unix.msg_len"]
    (row,) = ts.fields(pcap, f, "frame.number == 4")
    assert row == ["3", "0,5,10", "5,5,2", "64,64,4096", "7000000,4500000,0", "12"]
    _, out, _ = ts.run(["-r", pcap, "-V", "-Y", "frame.number == 4"])
    assert "Read 1 of 3: 5 bytes at offset 0, 7000000 ns before the last" in out
    assert "Read 3 of 3: 2 bytes at offset 10, 0 ns before the last" in out


def test_read_times_are_the_records_less_ns_before(ts):
    """The record is at 22:13:20.010 UTC: its reads ended 7 and 4.5 ms
    before (the seconds and their fraction read the same in any zone)."""
    pcap = capture(ts, "reads-times.pcapng")
    (row,) = ts.fields(pcap, ["unix.read.time"], "frame.number == 4")
    got = re.findall(r":(\d\d\.\d{9})", row[0])
    assert got == ["20.003000000", "20.005500000", "20.010000000"], row


def test_info_says_how_many_reads(ts):
    pcap = capture(ts, "reads-info.pcapng")
    rows = ts.fields(pcap, ["frame.number", "_ws.col.Info"], "unix.event == 8")
    assert rows[0][0] == "4" and rows[0][1].endswith(" Reads=3 Bytes=12"), rows
    assert rows[1][0] == "6" and "Reads=" not in rows[1][1], rows


def test_one_read_counts_one(ts):
    pcap = capture(ts, "reads-one.pcapng")
    rows = ts.fields(pcap, ["frame.number", "unix.reads"], "unix.event == 8")
    assert rows == [["4", "3"], ["6", "1"]]
    # the sends carry no count
    assert ts.fields(pcap, ["frame.number"], "unix.event == 1 && unix.reads") == []


def test_merged_read_links_every_send_it_read(ts):
    pcap = capture(ts, "reads-links.pcapng")
    rows = ts.fields(pcap, ["frame.number", "unix.reader.frame", "unix.sent_in"], extra=["-2"])
    got = {int(f): (rd, sn) for f, rd, sn in rows}
    assert got == {1: ("4", ""), 2: ("4", ""), 3: ("4", ""), 4: ("", "1,2,3"),
                   5: ("6", ""), 6: ("", "5")}


def test_reads_that_do_not_add_up_are_malformed(ts):
    pcap = ts.capture([sent(b"hello", 0), merged_read(ENTRIES, total=13)],
                      name="reads-sum.pcapng")
    (row,) = ts.fields(pcap, ["_ws.expert.message"], "frame.number == 2")
    assert "The reads add up to 12 bytes, the stream's length says 13" in row[0]


def test_reads_in_a_send_are_malformed(ts):
    r = S.Record(S.EV_DATA, payload=b"hello").socket(W, R).task(100, comm="writer")
    pcap = ts.capture([r.stream(0, 5).reads([(1, 2, 2), (0, 3, 3)]).build()], name="reads-send.pcapng")
    (row,) = ts.fields(pcap, ["_ws.expert.message", "unix.reads"], "frame.number == 1")
    assert "READS in a record that is no RECV" in row[0] and row[1] == "", row


def test_reads_whose_length_is_not_their_count_are_malformed(ts):
    pcap = ts.capture([sent(b"hello", 0), merged_read(ENTRIES, count=4),
                       merged_read([(0, 5, 5)], offset=5)], name="reads-count.pcapng")
    rows = ts.fields(pcap, ["frame.number", "_ws.expert.message", "unix.reads"],
                     "unix.event == 8")
    assert rows[0][0] == "2" and "READS of 44 bytes with count 4" in rows[0][1]
    # a count of one is no merged read either
    assert rows[1][0] == "3" and "READS of 20 bytes with count 1" in rows[1][1]


# ----------------------------------------------- live: udsdump --recv merged

@pytest.mark.live
def test_live_merged_reads_keep_every_read(ts):
    """Ping-pong, a stream read in pieces and a second reading thread,
    captured with --recv merged: each socket's reads, expanded from its
    RECV records in offset order, are exactly the reads the program made
    (thread and size, in order), far fewer records hold them, and every
    send is still linked to the record that read it."""
    d = workdir(ts, "merged-reads")
    pcap = os.path.join(ts.captures, "merged-reads.pcapng")
    with udsdump_capture(pcap, ["--recv", "merged", "--path-prefix", d]):
        p = subprocess.run([paths.PYTHON, RUNS, d], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    want = json.loads(p.stdout.decode().strip().splitlines()[-1])["reads"]
    cap = udsrec.read_capture(pcap)
    for ino, reads in want.items():
        recs = sorted((r for r in cap.records if r.event == S.EV_RECV and r.socket.inode == int(ino)),
                      key=lambda r: r.stream.stream_offset)
        got, offset = [], 0
        for r in recs:
            for x in r.reads or [udsrec.ReadInfo(0, r.stream.msg_len, r.stream.requested_len,
                                                 r.stream.stream_offset)]:
                assert x.stream_offset == offset, (ino, r)
                offset += x.msg_len
                got.append([r.task.tid, x.msg_len])
            times = [r.ts_ns - x.ns_before for x in r.reads]
            assert times == sorted(times) and (not times or times[-1] == r.ts_ns)
        assert got == reads, ino
        assert len(recs) * 4 < len(reads), (len(recs), len(reads))
    # every send read, as the dissector links them; the reads add up
    rows = ts.fields(pcap, ["frame.number", "unix.reader.frame"], "unix.event == 1", extra=["-2"])
    assert len(rows) == 300 * 2 + 64 + 50 and all(r[1] for r in rows)
    counts = ts.fields(pcap, ["unix.reads"], "unix.event == 8")
    assert sum(int(c[0]) for c in counts) == sum(len(v) for v in want.values())
