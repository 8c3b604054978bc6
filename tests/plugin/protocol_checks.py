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

import concurrent.futures
import json
import os
import shutil

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "protocols")
# make_golden.py --protocols sets it: the live tests then keep their captures
KEEP_ENV = "UDSDUMP_KEEP_PROTOCOLS"


def distinct_rows(ts, pcap, fields, dfilter, extra=()):
    return {tuple(r) for r in ts.fields(pcap, fields, dfilter, extra=list(extra))}


def check_rows(c, got, extra):
    """A check's rows against what tshark (with options extra) showed."""
    if "rows" in c:
        assert got == {tuple(r) for r in c["rows"]}, (c, extra, sorted(got))
    else:
        missing = {tuple(r) for r in c["includes"]} - got
        assert not missing, (c, extra, sorted(missing), sorted(got))


def verify(ts, pcap, checks, own, decode_as=()):
    """The checks; no malformed frame and no expert error; the same with a
    second pass (-2); with the shipped socket table off, no dissector but
    the program's own (named in own: a start we recognise) claims it; and
    the same checks by Decode As alone (decode_as: [path, protocol] pairs,
    the table off: a socket not in the table).

    Every check is a tshark run of its own (a display filter each) and
    they do not depend on each other: they run side by side, one per CPU,
    and are judged in order."""
    assert ts.frames(pcap, "_ws.malformed || _ws.expert.severity == error") == []
    passes = [[], ["-2"]]
    if decode_as:
        extra = ["-o", "unix.shipped_sockets:FALSE"]
        for path, proto in decode_as:
            extra += ["-d", "unix.path==%s,%s" % (path, proto)]
        passes.append(extra)
    # "is any frame unix" once per pass, before the runs side by side
    # (each would otherwise miss the cache and ask tshark itself)
    for extra in passes:
        ts.assert_unix(pcap, extra)
    runs = [(c, extra) for extra in passes for c in checks]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = list(pool.map(
            lambda run: distinct_rows(ts, pcap, run[0]["fields"], run[0]["filter"], run[1]),
            runs))
    for (c, extra), got in zip(runs, found):
        check_rows(c, got, extra)
    rows = ts.fields(pcap, ["frame.protocols"], extra=["-o", "unix.shipped_sockets:FALSE"])
    seen = {p for r in rows for p in r[0].split(":")}
    assert seen <= {"unix", "data"} | set(own), seen


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
