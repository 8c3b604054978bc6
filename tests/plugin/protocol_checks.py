"""What a capture of a real program must show (issue 15): one set of checks
used by the live tests (tests/plugin/test_live_protocols.py) and, on the
captures they keep in golden/protocols/, by every Wireshark of the version
matrix (test_golden_protocols.py).

A check is {"filter": DISPLAY FILTER, "fields": [FIELD...]} and either
"rows" (the distinct rows of those fields over the frames the filter keeps,
exactly) or "includes" (rows that must be among them). Expected rows come
from what the test gave the program (its SQL, its method names), never
from tshark.
"""

import json
import os
import shutil

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "protocols")
# make_golden.py --protocols sets it: the live tests then keep their captures
KEEP_ENV = "UDSDUMP_KEEP_PROTOCOLS"


def distinct_rows(ts, pcap, fields, dfilter, extra=()):
    return {tuple(r) for r in ts.fields(pcap, fields, dfilter, extra=list(extra))}


def run_checks(ts, pcap, checks, extra=()):
    for c in checks:
        got = distinct_rows(ts, pcap, c["fields"], c["filter"], extra)
        if "rows" in c:
            assert got == {tuple(r) for r in c["rows"]}, (c, sorted(got))
        else:
            missing = {tuple(r) for r in c["includes"]} - got
            assert not missing, (c, sorted(missing), sorted(got))


def verify(ts, pcap, checks, own, decode_as=()):
    """The checks; no malformed frame and no expert error; the same with a
    second pass (-2); with the shipped socket table off, no dissector but
    the program's own (named in own: a start we recognise) claims it; and
    the same checks by Decode As alone (decode_as: [path, protocol] pairs,
    the table off: a socket not in the table)."""
    assert ts.frames(pcap, "_ws.malformed || _ws.expert.severity == error") == []
    run_checks(ts, pcap, checks)
    run_checks(ts, pcap, checks, extra=["-2"])
    rows = ts.fields(pcap, ["frame.protocols"], extra=["-o", "unix.shipped_sockets:FALSE"])
    seen = {p for r in rows for p in r[0].split(":")}
    assert seen <= {"unix", "data"} | set(own), seen
    if decode_as:
        extra = ["-o", "unix.shipped_sockets:FALSE"]
        for path, proto in decode_as:
            extra += ["-d", "unix.path==%s,%s" % (path, proto)]
        run_checks(ts, pcap, checks, extra=extra)


def keep(name, pcap, checks, own, decode_as=()):
    """With KEEP_ENV set, store the capture and its checks as golden."""
    if not os.environ.get(KEEP_ENV):
        return
    os.makedirs(GOLDEN, exist_ok=True)
    shutil.copy(pcap, os.path.join(GOLDEN, name + ".pcapng"))
    with open(os.path.join(GOLDEN, name + ".json"), "w") as f:
        json.dump({"checks": checks, "own": own, "decode_as": list(decode_as)}, f, indent=1)
        f.write("\n")


def stored():
    """(name, pcap path, checks, own, decode_as) of every kept capture."""
    out = []
    for j in sorted(f for f in os.listdir(GOLDEN) if f.endswith(".json")) \
            if os.path.isdir(GOLDEN) else []:
        with open(os.path.join(GOLDEN, j)) as f:
            facts = json.load(f)
        out.append((j[:-5], os.path.join(GOLDEN, j[:-5] + ".pcapng"), facts["checks"],
                    facts["own"], facts.get("decode_as", [])))
    return out
