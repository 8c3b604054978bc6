"""Bytes sent outside the traced syscalls become gaps; a pcap copy reads
the same; a live pipe into tshark works; EPB direction flags."""

import signal
import subprocess
import time

from lib.engine import UDSDUMP, Capture, data_of, run_sender, sha256, udsrec, unique


def test_sendfile_and_splice_are_gaps(udsdump_factory, workdir):
    d = workdir / unique("spl")
    d.mkdir()
    p = "%s/s.sock" % d
    u = udsdump_factory(["--path", p])
    log = run_sender("splice_send.py", "--addr", "path:" + p, "--dir", d)
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    c = log["client"]
    assert c["sent_sha256"] == log["server"]["received_sha256"]
    recs = data_of(cap, c["inode"])
    st = udsrec.reassemble(recs)
    assert st.lost == [], "records missing: %s" % st.lost
    want_gaps = [(e["offset"], e["offset"] + e["returned"])
                 for e in c["sends"] if not e["captured"]]
    assert udsrec.merge_ranges(st.gaps) == want_gaps, "gaps %s, expected %s" % (
        udsrec.merge_ranges(st.gaps), want_gaps)
    assert st.end_offset == c["sent_len"]
    assert st.data == b"".join(bytes.fromhex(e["data_hex"])
                               for e in c["sends"] if e["captured"])
    for s, e in want_gaps:
        inside = [r for r in recs if s <= r.stream.stream_offset < e]
        assert inside, "no record for the gap %d-%d" % (s, e)
        for r in inside:
            assert r.flags & udsrec.F_NO_PAYLOAD_SOURCE, r.flag_names
            assert r.payload_len == 0
            assert r.stream.syscall == 0, r.stream.syscall_name


def test_pcap_copy_reads_the_same(udsdump_factory, workdir, tmp_path):
    """editcap -F pcap keeps every byte a reader needs."""
    p = "%s/%s.sock" % (workdir, unique("pcap"))
    u = udsdump_factory(["--path", p])
    log = run_sender("traffic.py", "--addr", "path:" + p, "--sizes",
                     "5,70000", "--syscalls", "write,sendmsg", "--reply",
                     "20")
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    ng = u.read()
    copy = tmp_path / "copy.pcap"
    r = subprocess.run(["editcap", "-F", "pcap", u.out, str(copy)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    pc = udsrec.read_capture(str(copy))
    assert pc.format == "pcap" and pc.interfaces[0].linktype == 159
    assert [x.data for x in pc.packets] == [x.data for x in ng.packets]
    for slog in (log["client"], log["server"]):
        st = udsrec.reassemble(data_of(pc, slog["inode"]))
        assert st.complete and sha256(st.data) == slog["sent_sha256"]
    # microsecond pcap: timestamps agree to the microsecond
    for a, b in zip(ng.records, pc.records):
        assert abs(a.ts_ns - b.ts_ns) < 1000


def test_live_pipe_into_tshark(workdir):
    """udsdump -w - | tshark -r - : tshark reads the records."""
    p = "%s/%s.sock" % (workdir, unique("tsh"))
    cap = Capture([UDSDUMP, "-w", "-", "--path", p], stdout=subprocess.PIPE).spawn()
    proc = cap.proc
    ts = subprocess.Popen(["tshark", "-n", "-r", "-", "-T", "fields",
                           "-e", "frame.len"], stdin=proc.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # tshark holds it now
    try:
        why = cap.wait_capturing(60)
        assert why is None, "udsdump did not start: %s" % why
        log = run_sender("traffic.py", "--addr", "path:" + p, "--sizes",
                         "5,6,7", "--syscalls", "write")
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        out, err = ts.communicate(timeout=60)
    finally:
        for x in (proc, ts):
            if x.poll() is None:
                x.kill()
                x.wait()
    assert ts.returncode == 0, err
    lens = [int(x) for x in out.split()]
    assert len(lens) >= len(log["client"]["sends"]), (lens, err)


def test_epb_task_option(udsdump_factory, workdir):
    """The EPB process option (code 8) names each record's task: the
    sender of DATA, the reader of RECV; the writer's own records have
    none."""
    p = "%s/%s.sock" % (workdir, unique("task"))
    u = udsdump_factory(["--path", p])
    log = run_sender("traffic.py", "--addr", "path:" + p, "--sizes", "5",
                     "--syscalls", "write", "--reply", "5")
    time.sleep(0.5)
    assert u.stop() == 0
    cap = u.read()
    seen = set()
    for r in cap.records:
        if r.event in udsrec.WRITER_EVENTS:
            assert r.epb_task is None, r.event_name
            continue
        assert r.epb_task == (r.task.pid, r.task.tid), (r.event_name,
                                                         r.epb_task)
        seen.add((r.event, r.epb_task[0]))
    pids = {log["client"]["pid"], log["server"]["pid"]}
    assert {pid for ev, pid in seen if ev == udsrec.EV_DATA} == pids
    assert {pid for ev, pid in seen if ev == udsrec.EV_RECV} == pids


def test_epb_direction_flags(udsdump_factory, workdir):
    """EPB direction: outbound (2) for DATA, inbound (1) for RECV."""
    p = "%s/%s.sock" % (workdir, unique("dir"))
    u = udsdump_factory(["--path", p])
    run_sender("traffic.py", "--addr", "path:" + p, "--sizes", "5",
               "--syscalls", "write", "--reply", "5")
    time.sleep(0.5)
    assert u.stop() == 0
    cap = u.read()
    assert cap.records
    for r in cap.records:
        if r.event == udsrec.EV_DATA:
            assert r.epb_flags is not None and r.epb_flags & 3 == 2, \
                r.epb_flags
        elif r.event == udsrec.EV_RECV:
            assert r.epb_flags is not None and r.epb_flags & 3 == 1, \
                r.epb_flags


def test_msg_oob_flag(udsdump_factory):
    """A send with MSG_OOB is flagged OOB; the others are not."""
    u = udsdump_factory()
    log = run_sender("oob_send.py", "--addr", "pair")
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    c = log["client"]
    assert c["sent_sha256"] == log["server"]["received_sha256"]
    recs = {r.stream.stream_offset: r for r in data_of(cap, c["inode"])}
    st = udsrec.reassemble(recs.values())
    assert st.complete and sha256(st.data) == c["sent_sha256"]
    for e in c["sends"]:
        r = recs[e["offset"]]
        assert bool(r.flags & udsrec.F_OOB) == e["oob"], \
            "send at %d (oob=%s): flags %s" % (e["offset"], e["oob"],
                                               r.flag_names)
