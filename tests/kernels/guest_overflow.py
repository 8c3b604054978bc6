"""The lab's forced overflow: a second capture with a 1 MiB ring behind a
slowly drained pipe, and a flood of stream traffic (tests/senders/flood.py)
from processes it filters on by name. Checks, per stream, that the bytes
captured plus the gaps are the bytes sent, that every lost byte and record
is counted in the LOSS records and the ISB, and that records were lost
(otherwise nothing was proven)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import guest_capture
import guest_verify

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import udsrec  # noqa: E402

FLOOD = Path(__file__).resolve().parent.parent / "senders" / "flood.py"
COMM = "labflood"
CONNS, BYTES, MAX_MSG = 8, 2 << 20, 16384


def flood():
    p = subprocess.run([sys.executable, str(FLOOD), "--conns", str(CONNS),
                        "--bytes", str(BYTES), "--max-msg", str(MAX_MSG),
                        "--comm", COMM, "--seed", "7"],
                       capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise RuntimeError("flood.py exited %d: %s" % (p.returncode,
                                                       p.stderr[-300:]))
    return json.loads(p.stdout.strip().splitlines()[-1])["conns"]


def stream_verdict(conn, recs):
    """Captured + gaps (inside, and a lost tail) == sent; no overlaps."""
    st = udsrec.reassemble(recs)
    tail = conn["sent"] - st.end_offset
    ok = tail >= 0 and not st.overlaps and \
        len(st.data) + st.gap_bytes + tail == conn["sent"]
    return guest_verify.verdict(ok, "sent %d, captured %d + %d in gaps + %d "
                                "lost at the end, %d overlaps" % (
                                    conn["sent"], len(st.data), st.gap_bytes,
                                    tail, len(st.overlaps))), \
        conn["sent"] - len(st.data)


def skipped_runs(stderr):
    """What udsdump said the kernel skipped (0 when it said nothing)."""
    m = re.search(r"^udsdump: (\d+) sends and reads were not seen", stderr,
                  re.M)
    return int(m.group(1)) if m else 0


def verify(out, conns, stderr=""):
    cap = udsrec.read_capture(out)
    losses = [r for r in cap.records if r.event == udsrec.EV_LOSS]
    kernel_recs = [r for r in cap.records
                   if r.event not in udsrec.WRITER_EVENTS]
    drop = cap.stats[-1].ifdrop if cap.stats else None
    checks = {"overflow.forced": guest_verify.verdict(
        bool(drop), "no record lost with a 1 MiB ring: nothing proven")}
    by_inode = udsrec.data_records_by_inode(cap.records)
    missing = 0
    for i, c in enumerate(conns):
        checks["overflow.%d.bytes" % i], miss = stream_verdict(
            c, by_inode.get(c["inode"], []))
        missing += miss
    told = losses[-1].loss.total_bytes if losses else 0
    # a send the kernel skipped the capture for (a lost record, FORMAT.md
    # "Stream offsets, gaps and loss") has bytes nobody counted: each is at
    # most one flood message
    skipped = skipped_runs(stderr)
    checks["overflow.lost_bytes"] = guest_verify.verdict(
        told <= missing <= told + skipped * MAX_MSG and
        (missing == told or skipped), "streams miss %d bytes, LOSS records "
        "say %d, and %d sends or reads were skipped by the kernel"
        % (missing, told, skipped))
    tried = sum(c["sends"] + c["reads"] + c["eofs"] for c in conns)
    checks["overflow.lost_records"] = guest_verify.verdict(
        drop is not None and len(kernel_recs) + drop == tried and
        sum(r.loss.records for r in losses) == drop,
        "captured %d + dropped %s != %d records the senders caused (LOSS "
        "records say %d)" % (len(kernel_recs), drop, tried,
                             sum(r.loss.records for r in losses)))
    return checks, {"overflow_lost_records": drop, "overflow_lost_bytes": told,
                    "overflow_skipped_runs": skipped}


def overflow_and_check(udsdump, extra, tmp, result):
    out = os.path.join(tmp, "overflow.pcapng")
    cap = guest_capture.Capture(udsdump, out, extra + [
        "--buffer-size", "1", "--comm", COMM, "--summary"], slow_reader=True)
    why = cap.wait_capturing()
    if why:
        result["checks"]["overflow.load"] = "fail: " + why
        return
    try:
        conns = flood()
    finally:
        rc = cap.stop()
    result["checks"]["overflow.stop"] = guest_verify.verdict(
        rc == 0, "udsdump exited %s after SIGINT: %s" % (rc, cap.lines[-3:]))
    checks, facts = verify(out, conns, "\n".join(cap.lines))
    result["checks"].update(checks)
    result.update(facts)
    if any(v != "pass" for v in checks.values()):
        result["overflow_stderr"] = cap.lines[-12:]
