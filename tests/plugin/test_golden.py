"""Stored real captures (tests/plugin/golden/, made by make_golden.py) against
facts taken from the senders' logs. Runs without eBPF or root."""

import difflib
import glob
import hashlib
import json
import os
import shutil

import pytest

import treedump
from lib import wsversion
from test_live import follow_chunks

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = sorted(glob.glob(os.path.join(HERE, "golden", "*.json")))


@pytest.mark.parametrize("facts_path", CASES, ids=[os.path.basename(c)[:-5] for c in CASES])
def test_golden_capture(ts, facts_path):
    with open(facts_path) as f:
        facts = json.load(f)
    pcap = os.path.join(ts.captures, os.path.basename(facts_path)[:-5] + ".pcapng")
    shutil.copy(facts_path[:-5] + ".pcapng", pcap)
    os.chmod(pcap, 0o644)

    rows = ts.fields(pcap, ["unix.task.pid", "unix.task.comm", "unix.inode", "unix.path",
                            "unix.addr.kind", "unix.sock_type", "unix.stream"], "unix.event == 1")
    assert rows
    seen = {(int(r[0]), r[1], int(r[2])) for r in rows}
    want = {(e["pid"], e["comm"], e["inode"]) for e in facts["senders"]}
    assert seen == want
    assert {(r[3], r[4], r[5]) for r in rows} == \
        {(facts["path"], str(facts["addr_kind"]), str(facts["sock_type"]))}
    streams = {r[6] for r in rows}
    assert len(streams) == 1
    client, server = follow_chunks(ts, pcap, int(streams.pop()))
    assert len(client) == facts["client"]["len"]
    assert hashlib.sha256(client).hexdigest() == facts["client"]["sha256"]
    assert len(server) == facts["server"]["len"]
    if facts["server"]["len"]:
        assert hashlib.sha256(server).hexdigest() == facts["server"]["sha256"]
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
    assert len([l for l in out.splitlines() if "<->" in l]) == 1, out
    assert ts.frames(pcap, "unix.expert.gap || _ws.malformed") == []


@pytest.mark.parametrize("facts_path", CASES, ids=[os.path.basename(c)[:-5] for c in CASES])
def test_golden_tree_same_on_every_wireshark(ts, facts_path):
    """Every unix.* field, value and label of the stored capture, exactly as
    the stored NAME.tree (made on Wireshark 4.0): the version matrix runs
    this on 4.4 and 4.6."""
    name = os.path.basename(facts_path)[:-5]
    pcap = os.path.join(ts.captures, name + ".tree.pcapng")
    shutil.copy(facts_path[:-5] + ".pcapng", pcap)
    os.chmod(pcap, 0o644)
    with open(facts_path[:-5] + ".tree") as f:
        want = f.read().splitlines()
    got = treedump.dump(ts, pcap)
    assert len(want) > 100 and any("unix.task.comm\t" in l for l in want)
    diff = list(difflib.unified_diff(want, got, "%s.tree" % name,
                                     "Wireshark %s" % wsversion.major_minor(), lineterm="", n=1))
    assert not diff, "\n".join(diff[:40])
