"""The in-band ENGINE record (doc/FORMAT.md, "Engine records"): the first
record of the file and again every 10 s, saying the rung udsdump named on
stderr, the kernel, the features it runs without (the kernel's lack and
--without's) and what the rung does not see; a pcap copy keeps it.

Expected values come from outside the record: the engine line on stderr,
`uname -r`, `udsdump --version` and `udsdump --probe`."""

import os
import re
import signal
import subprocess
import time

import pytest

from lib.engine import UDSDUMP, Udsdump, data_of, run_sender, unique, udsrec

ENGINE_LINE = re.compile(r"^udsdump: engine (\S+) on (\S+)(?: \((.*)\))?$",
                         re.M)


def engine_line(u):
    """(rung, kernel, reason or None) from udsdump's stderr."""
    m = ENGINE_LINE.search(u.stderr)
    assert m, u.stderr
    return m.group(1), m.group(2), m.group(3)


def probe(*args):
    """--probe's view: {feature: yes|no|off}, reasons, and "not seen"."""
    p = subprocess.run([UDSDUMP, "--probe"] + list(args),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    feats, why = {}, {}
    for line in p.stdout.splitlines():
        m = re.match(r"^  (\S+)\s+(yes|no|off)\s+(.*)$", line)
        if m:
            feats[m.group(1)] = m.group(2)
            why[m.group(1)] = m.group(3)
    m = re.search(r"^not seen: (.*)$", p.stdout, re.M)
    return feats, why, m.group(1)


def version():
    p = subprocess.run([UDSDUMP, "--version"], capture_output=True,
                       text=True, timeout=30)
    return p.stdout.split()[-1]


def capture(tmp_path, args, name):
    """A short capture with one conversation in it."""
    u = Udsdump(args, tmp_path / name)
    u.start()
    try:
        d = tmp_path / unique("eng")
        d.mkdir()
        os.chmod(d, 0o777)
        log = run_sender("traffic.py", "--addr", "path:%s/e.sock" % d,
                         "--sizes", "5,300", "--syscalls", "write")
        time.sleep(0.3)
    finally:
        assert u.stop(signal.SIGINT) == 0, u.stderr
    return u, u.read(), log


def check_against_probe(e, without=()):
    """The missing features are --probe's "no" and "off" ones, in its
    order, each with the reason --probe gives."""
    feats, why, blind = probe(*without)
    want = [(n, udsrec.MISSING_WITHOUT if s == "off"
             else udsrec.MISSING_KERNEL) for n, s in feats.items()
            if s != "yes"]
    assert [(m.name, m.source) for m in e.missing] == want
    for m in e.missing:
        if m.hidden:
            assert m.reason == "hidden by --without"
        else:
            assert why[m.name].endswith(": " + m.reason), (why[m.name],
                                                           m.reason)
    return blind


@pytest.fixture(scope="module")
def default_capture(tmp_path_factory):
    return capture(tmp_path_factory.mktemp("engine"), [], "default.pcapng")


def test_first_record_names_the_rung_from_stderr(default_capture):
    u, cap, log = default_capture
    rung, kernel, reason = engine_line(u)
    first = cap.records[0]
    assert first.event == udsrec.EV_ENGINE, first.event_name
    assert udsrec.engine_records(cap.records) == [first]
    e = first.engine
    assert e.rung == rung and e.kernel == kernel == os.uname().release
    assert e.version == version()
    assert e.reason == reason  # None when the fastest rung loaded
    blind = check_against_probe(e)
    assert e.blind == blind
    # each hook's blind spot: splice reads at the sock tracepoints,
    # io_uring at the syscall exits
    assert ("splice" if rung.startswith("sock+") else "io_uring") in blind
    # the traffic is there too, and the ENGINE record is in no stream
    assert data_of(cap, log["client"]["inode"])
    assert first.socket is None and first.epb_flags in (None, 0)


def test_without_sock_tracepoints_says_syscalls(tmp_path):
    u, cap, _ = capture(tmp_path, ["--without", "sock-tracepoints"],
                        "without.pcapng")
    assert engine_line(u)[0] == "syscalls+hash", u.stderr
    first = cap.records[0]
    assert first.event == udsrec.EV_ENGINE
    e = first.engine
    assert e.rung == "syscalls+hash"
    hidden = [m for m in e.missing if m.name == "sock-tracepoints"]
    assert len(hidden) == 1 and hidden[0].hidden, e.missing
    assert hidden[0].reason == "hidden by --without"
    assert e.reason == "sock-tracepoints: hidden by --without"
    blind = check_against_probe(e, ["--without", "sock-tracepoints"])
    assert e.blind == blind and "io_uring" in e.blind


def test_engine_record_every_10_seconds(tmp_path):
    u = Udsdump([], tmp_path / "long.pcapng")
    u.start()
    time.sleep(10.8)
    assert u.stop(signal.SIGINT) == 0, u.stderr
    cap = u.read()
    engines = udsrec.engine_records(cap.records)
    assert len(engines) == 2, [r.event_name for r in cap.records][:5]
    assert cap.records[0] is engines[0]
    gap = (engines[1].ts_ns - engines[0].ts_ns) / 1e9
    assert 9.9 <= gap <= 10.5, gap
    assert engines[1].engine == engines[0].engine


def test_pcap_copy_keeps_the_engine_record(default_capture, tmp_path):
    u, ng, _ = default_capture
    copy = tmp_path / "copy.pcap"
    r = subprocess.run(["editcap", "-F", "pcap", u.out, str(copy)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    pc = udsrec.read_capture(str(copy))
    assert pc.format == "pcap"
    assert pc.records[0].event == udsrec.EV_ENGINE
    assert pc.packets[0].data == ng.packets[0].data
    assert pc.records[0].engine == ng.records[0].engine
