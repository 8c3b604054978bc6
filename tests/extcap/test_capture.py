"""Live captures through tshark -i udsdump: options set with
-o extcap.udsdump.<option>:value and capture filters given with -f take
effect on real traffic from tests/senders/numbered.py; after tshark stops nothing of the
capture is left in the kernel."""

import os
import re

import pytest

from lib.extcap import (assert_detached, data_records, finish_tshark, read_records,
                      start_tshark, wait_attached)

DURATION = 5


def capture(wsdir, tmp_path, senders_spec, start_sender, *tshark_args, duration=DURATION):
    """Start tshark, wait until udsdump is attached, start the senders, let
    tshark stop by itself; return (run, records, senders, link ids, prog ids)."""
    log = tmp_path / "udsdump.log"
    out = tmp_path / "out.pcapng"
    run = start_tshark(wsdir, out, duration, "-o", "extcap.udsdump.logfile:%s" % log,
                       "-o", "extcap.udsdump.loglevel:info", *tshark_args)
    try:
        pid, links, progs = wait_attached(str(log))
    except AssertionError:
        run.proc.kill()
        finish_tshark(run)
        raise AssertionError("udsdump did not start: %s %s" % (run.stderr, log.read_text()
                                                              if log.exists() else ""))
    started = [start_sender(name, *args) for name, args in senders_spec]
    finish_tshark(run)
    sent = {s.name: s.sent() for s in started}
    assert run.proc.returncode == 0, run.stderr
    assert not os.path.exists("/proc/%d" % pid) or \
        open("/proc/%d/stat" % pid).read().split()[2] == "Z", "udsdump still runs"
    logtext = log.read_text()
    # tshark's stop closes the FIFO and sends SIGTERM: udsdump may notice
    # either first (seen once in 600 runs), and ends cleanly on both
    assert re.search(r"(stopped by signal 15 |the FIFO's reader went away).*exit status 0",
                     logtext), logtext
    cap, recs = read_records(out)
    return cap, recs, {s.name: s for s in started}, sent, links, progs, logtext


def comms(recs):
    return {r.task.comm for r in data_records(recs)}


def test_comm_option_and_clean_stop(live, wsdir, tmp_path, senders):
    cap, recs, who, sent, links, progs, log = capture(
        wsdir, tmp_path, [("uxA-keep", ("--kind", "dgram-pair")),
                          ("uxA-drop", ("--kind", "dgram-pair"))],
        senders, "-o", "extcap.udsdump.comm:uxA-keep")
    kept = data_records(recs)
    assert kept, "no records captured"
    assert comms(recs) == {"uxA-keep"}
    # the payloads are the sender's own messages, in order, none invented
    seqs = [int(r.payload.split(b":")[0].split(b"-")[-1]) for r in kept]
    logged = {m["seq"] for m in sent["uxA-keep"]}
    assert set(seqs) <= logged and seqs == sorted(seqs)
    assert len(seqs) >= 10
    # the ISB made it through the FIFO into tshark's file
    assert cap.stats, "no interface statistics block"
    assert cap.stats[-1].ifrecv is not None and cap.stats[-1].ifrecv >= len(kept)
    assert_detached(links, progs)


def test_type_snaplen_and_path_options(live, wsdir, tmp_path, senders):
    path = str(tmp_path / "srv.sock")
    cap, recs, who, sent, links, progs, _ = capture(
        wsdir, tmp_path, [("uxB-stream", ("--kind", "stream-path", "--path", path, "--size", "100")),
                          ("uxB-dgram", ("--kind", "dgram-path", "--path", path + "2")),
                          ("uxB-pair", ("--kind", "dgram-pair"))],
        senders, "-o", "extcap.udsdump.type:stream", "-o", "extcap.udsdump.snaplen:12",
        "-o", "extcap.udsdump.path:%s" % path)
    d = data_records(recs)
    assert d, "no records"
    assert comms(recs) == {"uxB-stream"}
    assert all(r.socket.sock_type == 1 for r in d)
    assert all(r.payload_len <= 12 for r in d)
    assert all(r.stream.msg_len == 100 for r in d)
    assert all(r.payload.startswith(b"uxB-stream-") for r in d)
    assert all(r.socket_path().display() == path for r in d)
    assert_detached(links, progs)


def test_metadata_only_and_pid_options(live, wsdir, tmp_path, senders):
    a = senders("uxC-one", "--kind", "dgram-pair", "--size", "77")
    senders("uxC-two", "--kind", "dgram-pair")
    cap, recs, _, sent, links, progs, _ = capture(
        wsdir, tmp_path, [], senders, "-o", "extcap.udsdump.nopayload:true",
        "-o", "extcap.udsdump.pid:%d" % a.pid)
    d = data_records(recs)
    assert d
    assert {r.task.pid for r in d} == {a.pid}
    assert all(r.payload_len == 0 and r.stream.msg_len == 77 for r in d)
    assert_detached(links, progs)


def test_capture_filter_takes_effect(live, wsdir, tmp_path, senders):
    path = str(tmp_path / "f.sock")
    keep = senders("uxD-keep", "--kind", "stream-path", "--path", path)
    other = senders("uxD-other", "--kind", "stream-path", "--path", path + ".x")
    cap, recs, _, sent, links, progs, log = capture(
        wsdir, tmp_path, [], senders, "-f", "path %s and not pid %d" % (path, other.pid))
    d = data_records(recs)
    assert d
    # both ends of the connection at `path` talk (client sends; the server
    # end has the path as its own name), nothing from the other socket
    assert {r.task.pid for r in d} == {keep.pid}
    assert all(r.socket_path().display() == path for r in d)
    assert "filter: not pid %d and path %s" % (other.pid, path) in log
    assert_detached(links, progs)


def test_abstract_filter(live, wsdir, tmp_path, senders):
    name = "udsdump-test-%d" % os.getpid()
    cap, recs, _, sent, links, progs, _ = capture(
        wsdir, tmp_path, [("uxE-abs", ("--kind", "abstract-dgram", "--path", name)),
                          ("uxE-path", ("--kind", "dgram-path", "--path", str(tmp_path / "p.sock"))),
                          ("uxE-pair", ("--kind", "dgram-pair"))],
        senders, "-f", "abstract and (comm uxE-abs or comm uxE-path)".replace(
            "(comm uxE-abs or comm uxE-path)", "not comm uxE-pair"))
    d = [r for r in data_records(recs) if r.task.comm.startswith("uxE-")]
    assert d
    assert comms(d) == {"uxE-abs"}
    assert all(r.socket_path().display() == "@" + name for r in d)
    # and every record of the whole capture involves an abstract name
    assert all(r.socket_path() is not None and r.socket_path().display().startswith("@")
               for r in data_records(recs))
    assert_detached(links, progs)


def test_bad_capture_filter_is_refused(live, wsdir, tmp_path):
    out = tmp_path / "bad.pcapng"
    run = finish_tshark(start_tshark(wsdir, out, 3, "-f", "pid 1 or pid 2"))
    assert run.proc.returncode != 0
    assert "bad capture filter: 'pid 1 or pid 2' cannot be applied in the kernel" in run.stderr
