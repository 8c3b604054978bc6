"""Loss accounting under overload, and faults: SIGKILL, a vanishing pipe
reader, a full disk, a sender killed mid-message, a close with data in
flight. (Issue "Robustness"; decisions.md "Loss".)"""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from lib.engine import (PYTHON, SENDERS, UDSDUMP, data_of, start_process,
                      stop_process, udsrec, unique, wireshark_check)


def start_udsdump(args, stdout=subprocess.DEVNULL):
    return start_process([UDSDUMP] + list(args), stdout=stdout)


def flood(comm, conns, nbytes, max_msg=16384, seed=1):
    r = subprocess.run([PYTHON, str(SENDERS / "flood.py"), "--conns",
                        str(conns), "--bytes", str(nbytes), "--max-msg",
                        str(max_msg), "--comm", comm, "--seed", str(seed)],
                       capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return json.loads(r.stdout.decode().strip().splitlines()[-1])["conns"]


def test_loss_accounting_is_exact_under_overload():
    """Tiny ring buffer, a writer that drains slowly, 64 senders: every
    record that did not reach the file is counted, and the counts agree
    with what the senders did, record for record and byte for byte."""
    comm = unique("fl")[:15]
    p, lines, t = start_udsdump(["-w", "-", "--buffer-size", "1", "--comm",
                                 comm, "--summary"], stdout=subprocess.PIPE)
    out = bytearray()

    def slow_reader():
        # drain the pipe slowly so the ring buffer overflows
        while True:
            b = p.stdout.read1(256 << 10)
            if not b:
                break
            out.extend(b)
            time.sleep(0.05)
    rt = threading.Thread(target=slow_reader, daemon=True)
    rt.start()
    try:
        conns = flood(comm, 64, 1 << 20)
        time.sleep(1.0)
    finally:
        rc = stop_process(p, rt, t)
    assert rc == 0, "".join(lines)
    cap = udsrec.read_capture(bytes(out))
    recs = cap.records
    losses = [r for r in recs if r.event == udsrec.EV_LOSS]
    kernel_recs = [r for r in recs
                   if r.event not in udsrec.WRITER_EVENTS]
    st = cap.stats[-1]
    assert st.ifdrop and st.ifdrop > 0, \
        "no loss under overload: the test proves nothing (%s)" % "".join(lines)
    # in-band LOSS records add up to the ISB's drop count
    assert sum(l.loss.records for l in losses) == st.ifdrop
    assert losses[-1].loss.total_records == st.ifdrop
    assert st.ifrecv == len(kernel_recs)

    # Records the kernel tried to emit, counted by the senders themselves:
    # one DATA record per send (messages fit one record), one RECV per
    # successful read, one inferred SHUTDOWN per end of file.
    tried = sum(c["sends"] + c["reads"] + c["eofs"] for c in conns)
    assert len(kernel_recs) + st.ifdrop == tried, \
        "captured %d + dropped %d != %d records the senders caused" % (
            len(kernel_recs), st.ifdrop, tried)

    # Bytes: what is missing from each stream is exactly its gaps, and all
    # the gaps together are the bytes the kernel reported lost.
    total_missing = 0
    for c in conns:
        data = sorted(data_of(cap, c["inode"]),
                      key=lambda r: r.stream.stream_offset)
        pos = captured = gaps = 0
        for r in data:
            off = r.stream.stream_offset
            assert off >= pos, "overlapping records on %d" % c["inode"]
            gaps += off - pos
            captured += r.payload_len
            pos = off + r.payload_len
        gaps += c["sent"] - pos  # a lost tail
        assert pos <= c["sent"]
        assert captured + gaps == c["sent"]
        total_missing += c["sent"] - captured
    assert total_missing == losses[-1].loss.total_bytes, \
        "senders miss %d bytes, kernel reported %d lost" % (
            total_missing, losses[-1].loss.total_bytes)


def bpf_prog_ids_of(pid):
    """Program ids held by a process, from /proc/PID/fdinfo (prog and
    link fds both name their program)."""
    ids = set()
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return sorted(ids)


def test_sigkill_leaves_no_program_attached(tmp_path):
    p, lines, t = start_udsdump(["-w", tmp_path / "k.pcapng"])
    try:
        ids = bpf_prog_ids_of(p.pid)
    finally:
        p.kill()
        p.wait(30)
    assert ids, "no BPF program held by udsdump while it ran"
    for _ in range(50):
        out = subprocess.run(["bpftool", "-j", "prog", "show"],
                             capture_output=True, text=True).stdout
        left = [x["id"] for x in json.loads(out or "[]") if x["id"] in ids]
        if not left:
            break
        time.sleep(0.1)
    assert not left, "programs %s still loaded after SIGKILL" % left
    links = subprocess.run(["bpftool", "-j", "link", "show"],
                           capture_output=True, text=True).stdout
    assert not [l for l in json.loads(links or "[]")
                if l.get("prog_id") in ids]


def test_vanishing_pipe_reader_ends_capture_with_status_zero():
    p = subprocess.Popen([UDSDUMP, "-w", "-"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(1.5)  # attached, maybe idle
    p.stdout.close()  # the reader goes away
    rc = p.wait(10)
    assert rc == 0, p.stderr.read().decode()


@pytest.fixture
def tiny_tmpfs(tmp_path):
    d = tmp_path / "full"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                        str(d)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot mount a tmpfs: %s" % r.stderr)
    yield d
    subprocess.run(["umount", "-l", str(d)])


def test_full_disk_gives_clear_error_and_valid_file(tiny_tmpfs):
    out = tiny_tmpfs / "cap.pcapng"
    comm = unique("fd")[:15]
    p, lines, t = start_udsdump(["-w", out, "--comm", comm])
    flood(comm, 4, 1 << 20)
    rc = p.wait(60)
    t.join(10)
    err = "".join(lines)
    assert rc == 1, "exit %s after the disk filled: %s" % (rc, err)
    msgs = [l for l in lines if "No space left" in l]
    assert len(msgs) == 1 and msgs[0].startswith("udsdump: writing ")
    # a valid file up to the last whole record
    cap = udsrec.read_capture(str(out))
    assert len(cap.records) > 0
    wireshark_check(out)


def test_sender_killed_mid_message_keeps_stream_consistent(tmp_path):
    """A sender killed during a large blocking send: what the kernel
    accepted is recorded (a partial send), and the stream reassembles to
    exactly what the reader received."""
    comm = unique("km")[:15]
    p, lines, t = start_udsdump(["-w", tmp_path / "km.pcapng", "--comm", comm,
                                 "--recv", "none"])
    a, b = socket.socketpair()
    child = os.fork()
    if child == 0:
        import ctypes
        ctypes.CDLL(None).prctl(15, comm.encode(), 0, 0, 0)
        b.close()
        a.sendall(b"head")
        a.send(bytes(range(256)) * 16384)  # 4 MiB: blocks, reader is slow
        os._exit(0)
    a.close()
    time.sleep(0.5)
    got = b.recv(1000)
    time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    while True:
        d = b.recv(1 << 20)
        if not d:
            break
        got += d
    sink_ino = os.fstat(b.fileno()).st_ino
    b.close()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    assert p.wait(30) == 0
    cap = udsrec.read_capture(str(tmp_path / "km.pcapng"))
    recs = [r for r in cap.records if r.event == udsrec.EV_DATA
            and r.socket.peer_inode == sink_ino]
    assert recs
    st = udsrec.reassemble(recs)
    assert st.complete, "gaps in the stream of the killed sender"
    assert bytes(st.data) == got, "captured %d bytes, reader got %d" % (
        len(st.data), len(got))
    assert len(got) < 4 + 256 * 16384  # it really was cut short


def test_close_with_data_in_flight(tmp_path):
    """The writer sends and closes before the reader reads anything: the
    capture holds every byte, and the inferred end of stream carries the
    final offset."""
    p, lines, t = start_udsdump(["-w", tmp_path / "cl.pcapng"])
    a, b = socket.socketpair()
    payload = os.urandom(100000)
    a.sendall(payload[:60000])
    a.sendall(payload[60000:])
    wino = os.fstat(a.fileno()).st_ino
    a.close()
    time.sleep(0.3)
    got = b""
    while True:
        d = b.recv(1 << 16)
        if not d:
            break
        got += d
    b.close()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    assert p.wait(30) == 0
    cap = udsrec.read_capture(str(tmp_path / "cl.pcapng"))
    st = udsrec.reassemble(data_of(cap, wino))
    assert st.complete and bytes(st.data) == got == payload
    ends = [r for r in cap.records if r.event == udsrec.EV_SHUTDOWN
            and r.socket.inode == wino]
    assert len(ends) == 1 and ends[0].has(udsrec.F_INFERRED)
    assert ends[0].stream.stream_offset == len(payload)
