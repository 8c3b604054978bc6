#!/usr/bin/python3
"""The kernel lab's result table, from lines "KERNEL EXIT SECONDS JSON"
(JSON: guest_check.py's line, missing when the lab itself failed).
Exits 1 unless every kernel passed every check with the engine variant
tests/kernels/expect names for it (or was refused with the reason it
names)."""

import json
import os
import sys

COLUMNS = ("kernel", "uname -r", "engine", "passed", "failed", "seconds",
           "first failure")
EXPECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expect")


def expectations(path=EXPECT):
    """kernel name -> ("rung", NAME) or ("refuse", TEXT)."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, kind, text = line.split(None, 2)
                if kind not in ("rung", "refuse"):
                    raise ValueError("%s: unknown expectation %r" % (path, kind))
                out[name] = (kind, text)
    return out


def refused_as_expected(r, want):
    """Only the load (and --probe) failed, with the expected reason."""
    failed = {k for k, v in r["checks"].items() if v != "pass"}
    return failed and failed <= {"load", "probe"} and "load" in failed and \
        want in r["checks"]["load"]


def judge(cells, r, rc, expect):
    """(cells, passed) against the kernel's expectation, if it has one."""
    fails = cells[6]
    if expect is None:
        return cells, not fails and rc == "0"
    kind, text = expect
    if kind == "refuse":
        if refused_as_expected(r, text):
            cells[6] = "refused as expected: " + text
            return cells, True
        cells[6] = "expected a refusal (%s); got: %s" % (
            text, fails or "it loads: change tests/kernels/expect")
        return cells, False
    engine = r.get("engine") or ""
    if not engine.startswith("udsdump: engine %s on " % text):
        cells[6] = "expected engine %s; %s" % (text, engine or "none printed")
        return cells, False
    return cells, not fails and rc == "0"


def row(line, expect):
    kernel, rc, secs, *rest = line.split(" ", 3)
    if not rest or not rest[0].strip():
        return [kernel, "-", "-", "0", "-", secs,
                "the lab failed (exit %s): see its messages" % rc], False
    r = json.loads(rest[0])
    fails = ["%s: %s" % (k, v[6:]) for k, v in sorted(r["checks"].items())
             if v != "pass"]
    refusal = r.get("refusal") and "refused: " + r["refusal"][0].split(": ", 1)[-1][:60] + "..."
    cells = [kernel, r.get("uname", "-"), r.get("engine") or refusal or "(none printed)",
             str(r["passed"]), str(r["failed"]), secs, fails[0][:160] if fails else ""]
    return judge(cells, r, rc, expect.get(kernel))


def main(path):
    forced = os.environ.get("KERNEL_LAB_FORCED") == "1"
    expect = {} if forced else expectations()
    rows, ok, notes = [], True, []
    with open(path) as f:
        for line in f:
            if line.strip():
                cells, passed = row(line.rstrip("\n"), expect)
                rows.append(cells)
                ok = ok and passed
                notes += reattached(line)
    widths = [max(len(c[i]) for c in rows + [list(COLUMNS)])
              for i in range(len(COLUMNS))]
    for cells in [list(COLUMNS)] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    for n in notes:
        print(n)
    return 0 if ok else 1


def reattached(line):
    """A kernel that accepted an attach and did not run the program (the
    capture went on, attached again): one line each, under the table."""
    kernel, _rc, _secs, *rest = line.split(" ", 3)
    try:
        r = json.loads(rest[0]) if rest and rest[0].strip() else {}
    except ValueError:
        return []
    return ["%s: %s" % (kernel, l.split("udsdump: ", 1)[-1]) for l in r.get("reattached", [])]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
