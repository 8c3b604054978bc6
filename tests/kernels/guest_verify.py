"""Checks of one lab capture against what the senders know they sent.

Each check is named "<socket>.<what>" (or "scm_rights", "scm_credentials")
and is "pass" or "fail: why".
"""

import json
import hashlib
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import udsrec  # noqa: E402  (tests/udsrec.py, written from doc/FORMAT.md)


def verdict(ok, why):
    return "pass" if ok else "fail: " + why


# Every program within a quarter of the verifier's 1,000,000-instruction
# budget, on every kernel (issue 13): room for the next kernel's verifier.
HEADROOM = 1000000 // 4


def finish(result):
    """Count the checks into result, print it as the one JSON line the lab
    reads; the exit status (1 if a check failed)."""
    failed = [k for k, v in result["checks"].items() if v != "pass"]
    result["passed"] = len(result["checks"]) - len(failed)
    result["failed"] = len(failed)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 1 if failed else 0


def headroom(probe_out):
    """The verdict on `udsdump --probe`'s "program: NAME N instructions
    verified" lines: at least one, none above HEADROOM."""
    progs = {m.group(1): int(m.group(2)) for m in
             (re.match(r"^program: (\S+) (\d+) instructions verified", line)
              for line in probe_out.splitlines()) if m}
    over = {k: v for k, v in progs.items() if v > HEADROOM}
    if not progs:
        return verdict(False, "--probe named no program")
    return verdict(not over, "over %d instructions: %s" % (HEADROOM, over))


def first_difference(sent, stream):
    """Where the captured stream first departs from the bytes sent."""
    got, want = stream.data, bytes(sent.data)
    end, block = min(len(got), len(want)), 65536
    n = next((i for i in range(0, end, block)
              if got[i:i + block] != want[i:i + block]), end)
    n = next((i for i in range(n, min(n + block, end)) if got[i] != want[i]),
             min(n + block, end))
    return "; first difference at offset %d, in the %s" % (n,
                                                           sent.send_at(n))


def where(sent, what, ranges):
    """Where the first of RANGES ([start, end) stream offsets) falls."""
    if not ranges:
        return ""
    s, e = ranges[0]
    return "; first %s [%d, %d) in the %s" % (what, s, e, sent.send_at(s))


def check_bytes(sent, stream):
    covered = len(stream.data) + stream.gap_bytes
    why = "sent %d, captured %d + %d in gaps, %d overlaps" % (
        sent.length, len(stream.data), stream.gap_bytes, len(stream.overlaps))
    why += where(sent, "hole", stream.lost)
    why += where(sent, "overlap", stream.overlaps)
    ok = covered == sent.length and not stream.overlaps
    if not ok and not stream.gaps:
        why += first_difference(sent, stream)
    return verdict(ok, why)


def check_sha(sent, stream):
    if stream.gaps:
        return "pass"  # nothing to compare where bytes were not captured
    got = hashlib.sha256(stream.data).hexdigest()
    if got == sent.sha.hexdigest():
        return "pass"
    return "fail: captured bytes differ from the bytes sent" + \
        first_difference(sent, stream)


def check_peer_inode(sent, recs):
    bad = sorted({r.socket.peer_inode for r in recs} - {sent.peer_inode})
    return verdict(not bad, "peer inode %s, expected %d"
                   % (bad, sent.peer_inode))


def check_peer_pid(sent, recs):
    """PEER_CRED is what SO_PEERCRED says: this process on the sockets it
    connected or paired, and nothing where the kernel holds no peer
    credentials (a datagram socket connect()ed to a bound one)."""
    pids = {r.peer_cred.pid if r.peer_cred else None for r in recs}
    if sent.peercred_pid == 0:
        want, own = {None, 0}, True
    else:
        want, own = {sent.peercred_pid}, sent.peercred_pid == sent.pid
    return verdict(pids <= want and own,
                   "PEER_CRED pids %s, SO_PEERCRED %d, getpid %d"
                   % (sorted(pids, key=str), sent.peercred_pid, sent.pid))


def check_nobuf(sent, stream, blind):
    """Sends with no user buffer are gaps of their exact size at their
    offsets; the kinds the ENGINE record says the rung does not see are
    absent, every later offset short by their bytes; the rest is the
    bytes written."""
    # every rung sees sendfile and splice sends (as gaps); io_uring only
    # where the ENGINE record does not name it
    unseen = [(o, n) for kind, o, n in sent.nobuf
              if kind == "io_uring" and "io_uring" in (blind or "")]
    want_gaps, want_data, pos, shift = [], bytearray(), 0, 0
    for kind, off, n in sent.nobuf:
        want_data += sent.data[pos:off]
        pos = off + n
        if (off, n) in unseen:
            shift += n
        else:
            want_gaps.append((off - shift, off - shift + n))
    want_data += sent.data[pos:]
    got = (udsrec.merge_ranges(stream.gaps), len(stream.data), stream.end_offset)
    want = (want_gaps, len(want_data), sent.length - shift)
    why = "gaps, captured bytes, end offset %s; expected %s (sends without " \
        "a buffer: %s; not seen by this rung: %s)" % (got, want, sent.nobuf,
                                                      unseen)
    return verdict(got == want and stream.data == want_data, why)


def check_joined(recs):
    """A connection older than the capture: its first record says so."""
    first = min(recs, key=lambda r: r.stream.stream_offset)
    return verdict(first.stream.stream_offset == 0 and
                   first.has(udsrec.F_JOINED_MIDSTREAM),
                   "first record at %d, flags %s" % (
                       first.stream.stream_offset, first.flag_names))


def check_socket(sent, recs, holes, blind=None):
    """The checks of one sending socket; HOLES collects, per socket,
    its stretches that no record covers (as "name [start, end)")."""
    name = sent.name
    if not recs:
        return {name + ".bytes": "fail: no DATA record for inode %d"
                % sent.inode}
    stream = udsrec.reassemble(recs)
    holes += [(sent.name, s, e) for s, e in stream.lost]
    out = {name + ".bytes": check_nobuf(sent, stream, blind) if sent.nobuf
           else check_bytes(sent, stream),
           name + ".sha256": check_sha(sent, stream),
           name + ".peer_inode": check_peer_inode(sent, recs),
           name + ".peer_pid": check_peer_pid(sent, recs)}
    if sent.joined:
        out[name + ".joined"] = check_joined(recs)
    return out


def check_scm(sents, by_inode):
    """The SCM_RIGHTS record (with the passed pipe's inode) and the
    SCM_CREDENTIALS record (with this pid)."""
    out = {}
    for s in sents:
        recs = by_inode.get(s.inode, [])
        if s.passed_fd_inode is not None:
            inodes = [p.inode for r in recs for p in r.scm_rights]
            out["scm_rights"] = verdict(
                s.passed_fd_inode in inodes, "no SCM_RIGHTS_FD for inode %d"
                " on %s (found %s)" % (s.passed_fd_inode, s.name, inodes))
        if s.creds_pid is not None:
            pids = [r.scm_creds.pid for r in recs if r.scm_creds]
            out["scm_credentials"] = verdict(
                s.creds_pid in pids, "no SCM_CREDS with pid %d on %s "
                "(found %s)" % (s.creds_pid, s.name, pids))
    return out


def check_engine_record(cap, engine_line):
    """The first record is ENGINE and names the rung and kernel that
    udsdump's engine line on stderr named (FORMAT.md "Engine records")."""
    m = re.match(r"^udsdump: engine (\S+) on (\S+)", engine_line or "")
    first = cap.records[0] if cap.records else None
    if not m or first is None or first.event != udsrec.EV_ENGINE:
        return verdict(False, "first record %s, engine line %r" % (
            first and first.event_name, engine_line))
    e = first.engine
    return verdict((e.rung, e.kernel) == m.groups(),
                   "ENGINE record says %s on %s, stderr %r" % (
                       e.rung, e.kernel, engine_line))


def verify(pcapng, sents, engine_line=None):
    """All checks; returns (checks, facts about the capture)."""
    cap = udsrec.read_capture(pcapng)
    by_inode = udsrec.data_records_by_inode(cap.records)
    engines = udsrec.engine_records(cap.records)
    blind = engines[0].engine.blind if engines else None
    checks, holes = {}, []
    for s in sents:
        checks.update(check_socket(s, by_inode.get(s.inode, []), holes,
                                   blind))
    checks.update(check_scm(sents, by_inode))
    lost = udsrec.loss_totals(cap.records)
    # A dropped record leaves a hole in its stream; the LOSS records must
    # account for at least those bytes, or the gap was not flagged.
    missing = sum(e - s for _, s, e in holes)
    checks["gaps_flagged"] = verdict(
        missing <= lost[1], "%d bytes missing between records, LOSS records "
        "account for %d; first hole: %s" % (missing, lost[1], holes[:1]))
    if engine_line is not None:
        checks["engine_record"] = check_engine_record(cap, engine_line)
    facts = {"records": len(cap.records), "lost_records": lost[0],
             "lost_bytes": lost[1], "file_bytes": os.path.getsize(pcapng)}
    return checks, facts
