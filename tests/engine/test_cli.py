"""The command line: signals, -c, -s, -G, --no-payload, -w -, --summary,
and the bad-input cases with their messages and exit codes."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from lib.engine import (UDSDUMP, CAPTURING, Udsdump, WaitingSender, data_of,
                      run_sender, sha256, udsrec, unique, wireshark_check)


def traffic(*args):
    return run_sender("traffic.py", *args)


def run(args, timeout=30, **kw):
    return subprocess.run([UDSDUMP] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout,
                          **kw)


def one_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return len(lines) == 1


# ------------------------------------------------------------ signals

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stop_gives_valid_pcapng_with_isb(udsdump_factory, workdir,
                                                 sig):
    p = "%s/%s.sock" % (workdir, unique("sig"))
    u = udsdump_factory()
    log = traffic("--addr", "path:" + p, "--sizes", "10,20000",
                  "--syscalls", "write,writev", "--reply", "100")
    time.sleep(0.5)
    rc = u.stop(sig)
    assert rc == 0, "exit %s after %s; stderr: %s" % (rc, sig.name, u.stderr)
    n = wireshark_check(u.out)
    cap = u.read()
    assert n == len(cap.packets) > 0
    # SHB, IDB, ..., ISB last
    assert cap.block_types[0] == udsrec.PCAPNG_SHB
    assert cap.block_types[1] == udsrec.PCAPNG_IDB
    assert cap.block_types[-1] == udsrec.PCAPNG_ISB, cap.block_types[-3:]
    st = cap.stats[-1]
    assert st.ifrecv is not None, "ISB without isb_ifrecv"
    assert st.ifdrop is not None, "ISB without isb_ifdrop"
    ndata = len([r for r in cap.records
                 if r.event not in udsrec.WRITER_EVENTS])
    assert st.ifdrop == 0
    assert st.ifrecv == ndata, "isb_ifrecv %d, %d records in the file" % (
        st.ifrecv, ndata)
    # SHB options: os and application; IDB: name, description
    sec = cap.sections[0]
    assert sec.opt_str(3), "SHB without shb_os"
    assert sec.opt_str(4), "SHB without shb_userappl"
    assert cap.interfaces[0].description, "IDB without if_description"
    for slog in (log["client"], log["server"]):
        st = udsrec.reassemble(data_of(cap, slog["inode"]))
        assert st.complete and sha256(st.data) == slog["sent_sha256"]


def test_sigint_right_after_send_keeps_every_record(udsdump_factory,
                                                    workdir):
    """Records the kernel produced before the signal are in the file: the
    ring buffer is drained before the ISB is written."""
    p = "%s/%s.sock" % (workdir, unique("drain"))
    u = udsdump_factory()
    log = traffic("--addr", "path:" + p, "--sizes", "1,5000,300000",
                  "--syscalls", "write,send,sendmmsg", "--reply", "100")
    assert u.stop(signal.SIGINT) == 0, u.stderr  # no delay
    cap = u.read()
    for slog in (log["client"], log["server"]):
        st = udsrec.reassemble(data_of(cap, slog["inode"]))
        assert st.complete and len(st.data) == slog["sent_len"] and \
            sha256(st.data) == slog["sent_sha256"], \
            "socket %d: %d of %d bytes, gaps %s" % (
                slog["inode"], len(st.data), slog["sent_len"], st.gaps[:3])


# ------------------------------------------------------------ options

def test_count_stops_after_n_data_records(tmp_path, workdir):
    p = "%s/%s.sock" % (workdir, unique("cnt"))
    u = Udsdump(["-c", "5", "--path", p], tmp_path / "c.pcapng").start()
    try:
        traffic("--addr", "path:" + p, "--sizes", "1,2,3,4,5,6,7,8,9,10",
                "--syscalls", "write,send")
        rc = u.wait(20)
    finally:
        u.kill()
    assert rc == 0, u.stderr
    cap = u.read()
    data = [r for r in cap.records if r.event == udsrec.EV_DATA]
    assert len(data) == 5, "%d DATA records with -c 5" % len(data)
    assert cap.block_types[-1] == udsrec.PCAPNG_ISB
    wireshark_check(u.out)


def test_snaplen_truncates_messages(udsdump_factory, workdir):
    p = "%s/%s.sock" % (workdir, unique("snap"))
    u = udsdump_factory(["-s", "100", "--path", p])
    log = traffic("--addr", "path:" + p, "--type", "seqpacket",
                  "--sizes", "50,100,101,1000,300000",
                  "--syscalls", "write,sendmsg", "--log-data")
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    recs = data_of(cap, log["client"]["inode"])
    by_start = {}
    for r in recs:
        by_start.setdefault(r.stream.stream_offset - r.stream.msg_offset,
                            []).append(r)
    for e in log["client"]["sends"]:
        data = bytes.fromhex(e["data_hex"])
        rs = by_start.get(e["offset"])
        assert rs, "no record of the %d-byte message" % len(data)
        got = b"".join(r.payload for r in sorted(
            rs, key=lambda r: r.stream.msg_offset))
        assert got == data[:100], "message of %d: kept %d bytes" % (
            len(data), len(got))
        for r in rs:
            assert r.stream.msg_len == len(data)
            assert bool(r.flags & udsrec.F_TRUNCATED) == (len(data) > 100), \
                "message of %d: flags %s" % (len(data), r.flag_names)
    st = udsrec.reassemble(recs)
    assert st.lost == [] and st.end_offset == log["client"]["sent_len"]
    assert st.gap_bytes == sum(max(0, e["returned"] - 100)
                               for e in log["client"]["sends"])


def test_no_payload(udsdump_factory, workdir):
    p = "%s/%s.sock" % (workdir, unique("nop"))
    u = udsdump_factory(["--no-payload", "--path", p])
    log = traffic("--addr", "path:" + p, "--sizes", "10,70000",
                  "--syscalls", "write,writev")
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    recs = data_of(cap, log["client"]["inode"])
    assert recs
    for r in recs:
        assert r.payload_len == 0 and r.flags & udsrec.F_METADATA_ONLY
    st = udsrec.reassemble(recs)
    assert st.lost == [] and st.gap_bytes == log["client"]["sent_len"]
    assert sorted(r.stream.msg_len for r in recs) == sorted(
        e["returned"] for e in log["client"]["sends"])


def test_duration_stops_by_itself(tmp_path):
    u = Udsdump(["--duration", "2"], tmp_path / "g.pcapng").start()
    t0 = time.monotonic()
    try:
        rc = u.wait(15)
    finally:
        u.kill()
    took = time.monotonic() - t0
    assert rc == 0, u.stderr
    assert 1.0 <= took <= 6.0, "--duration 2 stopped after %.1fs" % took
    cap = u.read()
    assert cap.block_types[-1] == udsrec.PCAPNG_ISB


def test_write_to_stdout_pipe(workdir):
    p = "%s/%s.sock" % (workdir, unique("pipe"))
    u = Udsdump(["--path", p], "-").start()
    try:
        log = traffic("--addr", "path:" + p, "--sizes", "10,100000",
                      "--syscalls", "write,sendmsg", "--reply", "10")
        time.sleep(0.5)
        assert u.stop() == 0, u.stderr
    finally:
        u.kill()
    cap = u.read()
    assert cap.block_types[-1] == udsrec.PCAPNG_ISB
    for slog in (log["client"], log["server"]):
        st = udsrec.reassemble(data_of(cap, slog["inode"]))
        assert st.complete and sha256(st.data) == slog["sent_sha256"]


def test_records_written_as_they_arrive(workdir, tmp_path):
    """A live reader sees a record within a second of the send."""
    p = "%s/%s.sock" % (workdir, unique("live"))
    u = Udsdump(["--path", p], tmp_path / "live.pcapng").start()
    w = WaitingSender("traffic.py", "--addr", "path:" + p,
                      "--sizes", "42", "--syscalls", "write")
    try:
        ci = w.ready["client_inode"]
        w.go()
        deadline = time.monotonic() + 1.5
        seen = False
        while time.monotonic() < deadline and not seen:
            time.sleep(0.1)
            data = open(u.out, "rb").read()
            try:
                blocks = udsrec.parse_pcapng(_complete_blocks(data))
                seen = any(udsrec.decode_record(pk.data).inode == ci
                           for pk in blocks.packets)
            except udsrec.FormatError:
                pass
        assert seen, "no record in the file 1.5 s after the send"
    finally:
        w.kill()
        u.stop()


def _complete_blocks(data):
    """The prefix of a growing pcapng file made of whole blocks."""
    import struct
    o = 0
    while o + 8 <= len(data):
        n = struct.unpack_from("<I", data, o + 4)[0]
        if n < 12 or o + n > len(data):
            break
        o += n
    return data[:o]


def test_summary(udsdump_factory, workdir):
    p = "%s/%s.sock" % (workdir, unique("sum"))
    u = udsdump_factory(["--summary", "--path", p])
    log = traffic("--addr", "path:" + p, "--sizes", "10", "--syscalls",
                  "write")
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    assert p in u.stderr, "summary does not name %s:\n%s" % (p, u.stderr)
    assert str(log["client"]["pid"]) in u.stderr, u.stderr
    # the kernel's own count: every send and read of bytes the path filter
    # let through became one record (nothing was lost); the server's read
    # of the end of file is the third record (SHUTDOWN), not a read of bytes
    written = re.search(r"udsdump: (\d+) records written, 0 lost", u.stderr)
    seen = re.search(r"udsdump: the kernel saw (\d+) sends and reads that "
                     r"matched the filter and put (\d+) events in the ring "
                     r"\(0 lost", u.stderr)
    assert written and seen, u.stderr
    assert int(seen.group(1)) == int(written.group(1)) - 1 >= 2, u.stderr
    assert int(seen.group(2)) >= int(seen.group(1)), u.stderr


def test_help_and_version():
    h = run(["--help"])
    assert h.returncode == 0 and "-w" in h.stdout + h.stderr
    v = run(["--version"])
    assert v.returncode == 0 and "udsdump" in v.stdout


# ------------------------------------------------------------ bad input

def test_unknown_option_is_usage_error(tmp_path):
    r = run(["-w", tmp_path / "x.pcapng", "--no-such-option"])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert one_line(r.stderr), "not one line:\n" + r.stderr
    assert "no-such-option" in r.stderr
    assert CAPTURING not in r.stderr


@pytest.mark.parametrize("args", [
    ["--type", "raw"], ["--type", ""], ["--inode", "abc"],
    ["--inode", "-1"], ["--pid", "12x"], ["--pid", "-5"],
    ["--uid", "nobody-x"], ["-c", "many"], ["-c", "-3"], ["-s", "big"],
    ["-G", "soon"], ["--duration", "0"], ["--comm", "a-command-name-longer-than-15"],
    ["--path", ""], ["--path-prefix", ""],
    ["-C", "0"], ["-C", "1kb"], ["-C", "1.5"], ["-W", "3"], ["-C", "1", "-W", "0"],
], ids=lambda a: " ".join(a) or "empty")
def test_bad_filter_value_is_usage_error(tmp_path, args):
    r = run(["-w", tmp_path / "x.pcapng"] + args)
    assert r.returncode == 2, "%s: exit %s, stderr %r" % (args, r.returncode,
                                                          r.stderr)
    assert one_line(r.stderr), "not one line:\n" + r.stderr
    assert CAPTURING not in r.stderr


@pytest.mark.parametrize("args", [["-C", "1"], ["-G", "5"], ["-C", "1", "-W", "2"]],
                         ids=lambda a: " ".join(a))
def test_file_ring_to_stdout_is_usage_error(args):
    r = run(["-w", "-"] + args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert one_line(r.stderr) and "-w FILE" in r.stderr, r.stderr


def test_file_ring_unwritable_says_which_file(tmp_path):
    r = run(["-w", "/nonexistent/dir/ring.pcapng", "-C", "1", "-W", "2"])
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert one_line(r.stderr), "not one line:\n" + r.stderr
    assert "/nonexistent/dir/ring_00001.pcapng" in r.stderr, r.stderr
    assert CAPTURING not in r.stderr


def test_missing_w_is_usage_error():
    r = run([])
    assert r.returncode == 2, (r.returncode, r.stderr)


def test_unwritable_output():
    out = "/nonexistent/dir/x.pcapng"
    t0 = time.monotonic()
    r = run(["-w", out])
    assert r.returncode != 0
    assert one_line(r.stderr), "not one line:\n" + r.stderr
    assert "/nonexistent/dir" in r.stderr, r.stderr
    assert CAPTURING not in r.stderr
    # reported before loading BPF: nothing from libbpf
    assert "libbpf" not in r.stderr
    assert time.monotonic() - t0 < 5


def test_not_root_says_so():
    # a directory nobody can reach and write (pytest's tmp_path is not:
    # its parents are root's alone)
    d = tempfile.mkdtemp(prefix="udsdump-nobody-", dir="/tmp")
    os.chmod(d, 0o777)
    try:
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                            "--clear-groups", UDSDUMP, "-w", os.path.join(d, "x.pcapng")],
                           capture_output=True, text=True, timeout=30)
        left = os.listdir(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert r.returncode == 1, "udsdump as nobody: exit %d: %s" % (r.returncode, r.stderr)
    assert one_line(r.stderr), "not one line:\n" + r.stderr
    assert "need CAP_BPF and CAP_PERFMON" in r.stderr and "capture group" in r.stderr, r.stderr
    assert left == [], "a refused capture left %s" % left
    assert CAPTURING not in r.stderr
    # the sysctl that keeps a user's own bpf() out, named where it is set
    with open("/proc/sys/kernel/unprivileged_bpf_disabled") as f:
        value = int(f.read())
    assert (("kernel.unprivileged_bpf_disabled=%d" % value) in r.stderr) == (value != 0), r.stderr


def test_failure_leaves_no_broken_file_or_a_valid_one(tmp_path):
    """When udsdump exits with an error, the output is absent or valid
    pcapng ("valid pcapng whenever udsdump exits")."""
    d = tmp_path / "nobody2"
    d.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(d, 0o777)
    out = d / "x.pcapng"
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", UDSDUMP, "-w", str(out)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    if out.exists():
        cap = udsrec.read_capture(str(out))
        assert cap.block_types[0] == udsrec.PCAPNG_SHB


def _nice_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])


@pytest.mark.parametrize("prefix,expected", [((), -10), (("nice", "-n", "5"), 5)])
def test_reader_priority(tmp_path, prefix, expected):
    """Run as root, udsdump reads the ring at nice -10 (else the load it
    captures starves it and the kernel drops records); a nice value the
    user chose is left alone."""
    if os.geteuid() != 0:
        pytest.skip("needs root (CAP_SYS_NICE) to raise its priority")
    p = subprocess.Popen(list(prefix) + [UDSDUMP, "-w", str(tmp_path / "n.pcapng")],
                         stderr=subprocess.PIPE, text=True)
    try:
        lines = [p.stderr.readline()]
        while lines[-1] and CAPTURING not in lines[-1]:
            lines.append(p.stderr.readline())
        assert CAPTURING in lines[-1], "".join(lines)
        assert _nice_of(p.pid) == expected
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(30)
    assert p.returncode == 0
