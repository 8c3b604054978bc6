"""The ring's reader between drains (src/engine/ring_wait.c). The programs
wake it only when the ring is a quarter full; otherwise it drains on a 10
ms tick. A level-triggered wait, once woken, returned at once for as long
as the ring held a single byte: under a steady flow the reader spun, a
pass per handful of records, ten times the CPU per record. Here a steady
flow through a 1 MiB ring (woken at 256 KiB) makes the kernel wake the
reader, and the passes must still come about once per tick or wakeup,
with nothing lost. (The level-triggered wait made some 100,000 passes
here, the edge-triggered one some 400.)"""

import os
import re
import subprocess
import time

from lib.engine import PYTHON, UDSDUMP, start_process, stop_process, unique

# One stream socketpair: COMM sends N 256-byte messages without a pause,
# reading each back: a record every few microseconds, so a reader that
# spins always finds one, and some 60 MB/s of events here, so the 1 MiB
# ring reaches a quarter between two ticks. Prints the bytes sent.
SENDER = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair()
msg = b"r" * 256
sent = 0
for _ in range(int(sys.argv[2])):
    sent += a.send(msg)
    b.recv(4096)
print(sent)
"""

MESSAGES = 150000


def pin(cpu):
    """The sender and the capture on CPUs of their own, where there are
    two: a reader that spins then never waits for the sender's CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    return {cpus[cpu % len(cpus)]}


def test_a_reader_woken_by_the_kernel_does_not_spin():
    comm = unique("rw")[:15]
    began = time.monotonic()
    p, lines, t = start_process([UDSDUMP, "-w", "/dev/null", "-v",
                                 "--summary", "--comm", comm,
                                 "--buffer-size", "1"])
    try:
        os.sched_setaffinity(p.pid, pin(1))
        r = subprocess.run([PYTHON, "-c", SENDER, comm, str(MESSAGES)],
                           capture_output=True, text=True, timeout=120,
                           preexec_fn=lambda: os.sched_setaffinity(0, pin(0)))
        assert r.returncode == 0, r.stderr
        assert int(r.stdout) == 256 * MESSAGES
    finally:
        rc = stop_process(p, t)
    elapsed = time.monotonic() - began
    said = "".join(lines)
    assert rc == 0, said
    assert "rings: 1 MiB for the steady flow, 0 MiB for bursts" in said, said
    # nothing lost to the waits: a DATA and a RECV record per message
    assert "%d records written, 0 lost" % (2 * MESSAGES) in said, said
    m = re.search(r"(\d+) passes over the rings, (\d+) of them woken by the "
                  r"kernel", said)
    assert m, said
    passes, woken = int(m.group(1)), int(m.group(2))
    assert woken > 0, "the flow never woke the reader: the test proves " \
        "nothing\n" + said
    # a pass per tick (every 10 ms), per wakeup, and one more at once
    # after a pass that found a burst: hundreds of records each; a reader
    # that spins reads a handful per pass
    most = int(elapsed * 100 * 1.2) + 50 + 2 * MESSAGES // 50
    assert passes <= most, "%d passes in %.2f s for %d records (at most " \
        "%d): the reader spins\n%s" % (passes, elapsed, 2 * MESSAGES, most,
                                       said)
