#!/usr/bin/python3
"""The kernel lab's result table, from lines "KERNEL EXIT SECONDS JSON"
(JSON: guest_check.py's line, missing when the lab itself failed).
Exits 1 unless every kernel passed every check, or was refused by udsdump
with exactly the reason tests/kernels/refusals expects of it."""

import json
import os
import sys

REFUSALS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "refusals")


def expected_refusals(path=REFUSALS):
    """kernel name -> the text its refusal line must contain."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, text = line.split(None, 1)
                out[name] = text
    return out


def refused_as_expected(r, want):
    """Only the load (and --probe) failed, with the expected reason."""
    failed = {k for k, v in r["checks"].items() if v != "pass"}
    return failed and failed <= {"load", "probe"} and "load" in failed and \
        want in r["checks"]["load"]

COLUMNS = ("kernel", "uname -r", "engine", "passed", "failed", "seconds",
           "first failure")


def row(line, refusals):
    kernel, rc, secs, *rest = line.split(" ", 3)
    if not rest or not rest[0].strip():
        return [kernel, "-", "-", "0", "-", secs,
                "the lab failed (exit %s): see its messages" % rc], False
    r = json.loads(rest[0])
    fails = ["%s: %s" % (k, v[6:]) for k, v in sorted(r["checks"].items())
             if v != "pass"]
    cells = [kernel, r.get("uname", "-"), r.get("engine") or "(none printed)",
             str(r["passed"]), str(r["failed"]), secs, fails[0][:160] if fails else ""]
    if kernel in refusals:
        if refused_as_expected(r, refusals[kernel]):
            cells[6] = "refused as expected: " + refusals[kernel]
            return cells, True
        cells[6] = "expected a refusal (%s); got: %s" % (
            refusals[kernel], cells[6] or "it loads: remove it from tests/kernels/refusals")
        return cells, False
    return cells, not fails and rc == "0"


def main(path):
    refusals = expected_refusals()
    rows, ok = [], True
    with open(path) as f:
        for line in f:
            if line.strip():
                cells, passed = row(line.rstrip("\n"), refusals)
                rows.append(cells)
                ok = ok and passed
    widths = [max(len(c[i]) for c in rows + [list(COLUMNS)])
              for i in range(len(COLUMNS))]
    for cells in [list(COLUMNS)] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
