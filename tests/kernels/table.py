#!/usr/bin/python3
"""The kernel lab's result table, from lines "KERNEL EXIT SECONDS JSON"
(JSON: guest_check.py's line, missing when the lab itself failed).
Exits 1 unless every kernel passed every check."""

import json
import sys

COLUMNS = ("kernel", "uname -r", "engine", "passed", "failed", "seconds",
           "first failure")


def row(line):
    kernel, rc, secs, *rest = line.split(" ", 3)
    if not rest or not rest[0].strip():
        return [kernel, "-", "-", "0", "-", secs,
                "the lab failed (exit %s): see its messages" % rc], False
    r = json.loads(rest[0])
    fails = ["%s: %s" % (k, v[6:]) for k, v in sorted(r["checks"].items())
             if v != "pass"]
    return [kernel, r.get("uname", "-"), r.get("engine") or "(none printed)",
            str(r["passed"]), str(r["failed"]), secs,
            fails[0][:160] if fails else ""], not fails and rc == "0"


def main(path):
    rows, ok = [], True
    with open(path) as f:
        for line in f:
            if line.strip():
                cells, passed = row(line.rstrip("\n"))
                rows.append(cells)
                ok = ok and passed
    widths = [max(len(c[i]) for c in rows + [list(COLUMNS)])
              for i in range(len(COLUMNS))]
    for cells in [list(COLUMNS)] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
