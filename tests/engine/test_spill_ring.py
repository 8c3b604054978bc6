"""The kernel's two rings (bpf/lib/maps.h): an 8 MiB one takes the steady
flow, and a burst that does not fit it spills into the --buffer-size ring.
A pipe whose reader stops for 3 s while 32 MiB pass: with the default 64
MiB spill ring nothing is lost, the burst went through the spill ring, and
each socket's records are in the file in the order they happened. The same
burst with one 8 MiB ring (--buffer-size 8) is lost in part: the contrast
shows the test can fail."""

import subprocess
import threading
import time

from lib.engine import (PYTHON, UDSDUMP, data_of, records_of, start_process,
                        stop_process, udsrec, unique)

# One stream socketpair; the writer, named COMM, sends TOTAL bytes in 64 KiB
# writes at about 50 MB/s (a pause after each MiB) while a thread reads.
SENDER = r"""
import ctypes, os, socket, sys, threading, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
total = int(sys.argv[2])
a, b = socket.socketpair()
got = [0]
def drain():
    while True:
        d = b.recv(1 << 16)
        if not d:
            return
        got[0] += len(d)
t = threading.Thread(target=drain)
t.start()
chunk = bytes(range(256)) * 256
sent = 0
while sent < total:
    sent += a.send(chunk[:min(len(chunk), total - sent)])
    if sent % (1 << 20) == 0:
        time.sleep(0.02)
ino, peer = os.fstat(a.fileno()).st_ino, os.fstat(b.fileno()).st_ino
a.close()
t.join()
print(ino, peer, sent, got[0])
"""

TOTAL = 32 << 20  # more than the 8 MiB steady ring, less than the spill ring
PAUSE = 3.0       # seconds the pipe's reader does not read: the whole burst


def burst_through_a_stopped_reader(extra):
    comm = unique("sp")[:15]
    p, lines, t = start_process([UDSDUMP, "-w", "-", "-v", "--summary",
                                 "--comm", comm] + extra,
                                stdout=subprocess.PIPE)
    out = bytearray()

    def late_reader():
        time.sleep(PAUSE)
        while True:
            b = p.stdout.read1(1 << 20)
            if not b:
                return
            out.extend(b)
    rt = threading.Thread(target=late_reader, daemon=True)
    rt.start()
    try:
        r = subprocess.run([PYTHON, "-c", SENDER, comm, str(TOTAL)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        ino, peer, sent, got = (int(x) for x in r.stdout.split())
        assert sent == got == TOTAL
        time.sleep(0.5)  # the last events reach the ring's reader
    finally:
        rc = stop_process(p, rt, t)
    assert rc == 0, "".join(lines)
    return udsrec.read_capture(bytes(out)), ino, peer, "".join(lines)


def in_file_order(recs):
    """Each record's stream offset is where the one before it ended."""
    pos = None
    for r in recs:
        off = r.stream.stream_offset
        if pos is not None and off != pos:
            return "offset %d after %d" % (off, pos)
        pos = off + r.stream.msg_len if r.event == udsrec.EV_RECV \
            else off + r.payload_len
    return None


def test_a_burst_spills_and_keeps_its_order():
    cap, ino, peer, said = burst_through_a_stopped_reader([])
    assert "rings: 8 MiB for the steady flow, 64 MiB for bursts" in said, said
    lost = cap.stats[-1].ifdrop
    assert lost == 0, "%d records lost with a 64 MiB spill ring:\n%s" % (
        lost, said)
    spilled = [l for l in said.splitlines() if "through the spill ring" in l]
    assert spilled and int(spilled[0].split()[1]) > 100, \
        "the burst did not go through the spill ring:\n" + said
    data = data_of(cap, ino)
    assert sum(r.payload_len for r in data) == TOTAL
    assert in_file_order(data) is None, in_file_order(data)
    reads = records_of(cap, [peer], [udsrec.EV_RECV])
    assert sum(r.stream.msg_len for r in reads) == TOTAL
    assert in_file_order(reads) is None, in_file_order(reads)


def test_one_small_ring_loses_the_same_burst_in_part():
    cap, ino, peer, said = burst_through_a_stopped_reader(
        ["--buffer-size", "8"])
    assert "rings: 8 MiB for the steady flow, 0 MiB for bursts" in said, said
    data = sum(r.payload_len for r in data_of(cap, ino))
    assert cap.stats[-1].ifdrop > 0 and data < TOTAL, \
        "nothing lost with no spill ring: the burst proves nothing (%d " \
        "bytes)" % data
