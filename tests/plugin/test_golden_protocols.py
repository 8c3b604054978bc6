"""The real programs' captures kept in golden/protocols/ (make_golden.py
--protocols): the same fields and directions on every Wireshark of the
version matrix, without eBPF or root."""

import os
import shutil

import pytest

import protocol_checks

CASES = protocol_checks.stored()


def test_protocol_captures_are_kept():
    names = {c[0] for c in CASES}
    assert {"pgsql", "mysql", "x11", "dbus", "syslog", "http2", "fcgi"} <= names, names


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_protocol_capture(ts, case):
    name, src, checks, own, decode_as = case
    pcap = os.path.join(ts.captures, "proto-" + name + ".pcapng")
    shutil.copy(src, pcap)
    os.chmod(pcap, 0o644)
    assert checks
    protocol_checks.verify(ts, pcap, checks, own, decode_as)
