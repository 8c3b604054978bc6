#!/usr/bin/python3
"""The lab's check of udsdump on the running kernel (in a lab guest or on
the host): one capture that covers every check.

  guest_check.py [--kernel NAME] [--keep DIR] UDSDUMP [EXTRA_UDSDUMP_ARGS...]

(a) `udsdump --probe`, where the binary knows it; (b) `udsdump -w FILE
EXTRA...` until it says "capturing"; (c) real traffic (guest_traffic.py);
(d) SIGINT; (e) the pcapng read with tests/udsrec.py and checked per
socket (guest_verify.py).  Prints one JSON line:

  {"kernel", "uname", "engine", "checks": {name: "pass" | "fail: why"},
   "skipped": {...}, "seconds": {...}, ...}

and exits 1 if any check failed, 2 on bad usage.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest_traffic  # noqa: E402
import guest_verify  # noqa: E402

START_TIMEOUT = 240  # a load under TCG takes seconds; a refused one, 30+
UNKNOWN_OPTION = ("unknown option", "unrecognized option", "invalid option")


def probe(udsdump, result):
    """(a): --probe's verdict, or a note that this udsdump lacks it."""
    p = subprocess.run([udsdump, "--probe"], capture_output=True, text=True,
                       timeout=START_TIMEOUT)
    if p.returncode == 2 and any(u in p.stderr for u in UNKNOWN_OPTION):
        result["skipped"]["probe"] = "this udsdump has no --probe: " + \
            p.stderr.strip().splitlines()[-1]
        return
    result["probe"] = (p.stdout + p.stderr).strip().splitlines()[-20:]
    result["checks"]["probe"] = guest_verify.verdict(
        p.returncode == 0, "--probe exited %d" % p.returncode)


class Capture:
    """(b) and (d): udsdump writing to a file, its stderr collected."""

    def __init__(self, udsdump, out, extra):
        self.proc = subprocess.Popen([udsdump, "-w", out] + extra,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.capturing = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if "capturing" in line:
                self.capturing.set()

    def wait_capturing(self):
        """None once capturing, else why not (the load error, say)."""
        deadline = time.monotonic() + START_TIMEOUT
        while not self.capturing.wait(0.1):
            if self.proc.poll() is not None:
                self.reader.join(5)
                return "udsdump exited %d: %s" % (self.proc.returncode,
                                                  self.load_error())
            if time.monotonic() > deadline:
                self.proc.kill()
                return "no 'capturing' within %ds" % START_TIMEOUT
        return None

    def load_error(self):
        """udsdump's last word, and libbpf's first (usually the cause)."""
        said = [l for l in self.lines if l.startswith("udsdump:")]
        cause = [l for l in self.lines if l.startswith("libbpf:")]
        why = (said or self.lines or ["(nothing on stderr)"])[-1]
        why = why[len("udsdump: "):] if why.startswith("udsdump: ") else why
        return why + (" (%s)" % cause[0] if cause else "")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "killed after SIGINT"
        self.reader.join(5)
        return rc

    def engine_line(self):
        return next((l for l in self.lines if "engine" in l.lower()), None)


def capture_and_check(args, result, tmp):
    t = time.monotonic()
    out = os.path.join(tmp, "lab.pcapng")
    cap = Capture(args.udsdump, out, args.extra)
    why = cap.wait_capturing()
    result["engine"] = cap.engine_line()
    result["seconds"]["load"] = round(time.monotonic() - t, 1)
    result["checks"]["load"] = guest_verify.verdict(why is None, why or "")
    if why:
        result["stderr"] = cap.lines[-20:]
        return
    t = time.monotonic()
    try:
        sents = guest_traffic.drive(tmp)
    except (OSError, RuntimeError) as e:  # a failed check, not a crash
        cap.stop()
        result["checks"]["traffic"] = "fail: %r" % e
        return
    result["seconds"]["traffic"] = round(time.monotonic() - t, 1)
    rc = cap.stop()
    result["engine"] = cap.engine_line()
    result["checks"]["stop"] = guest_verify.verdict(
        rc == 0, "udsdump exited %s after SIGINT: %s" % (rc, cap.lines[-3:]))
    t = time.monotonic()
    checks, facts = guest_verify.verify(out, sents, result["engine"] or "")
    result["seconds"]["verify"] = round(time.monotonic() - t, 1)
    result["checks"].update(checks)
    result.update(facts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=os.environ.get("KERNEL_LAB_KERNEL",
                                                       "host"))
    ap.add_argument("--keep", metavar="DIR",
                    help="copy the capture to DIR (a --share of the lab)")
    ap.add_argument("udsdump")
    ap.add_argument("extra", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not os.access(args.udsdump, os.X_OK):
        print("guest_check: %s is not an executable" % args.udsdump,
              file=sys.stderr)
        return 2
    result = {"kernel": args.kernel, "uname": os.uname().release,
              "engine": None, "checks": {}, "skipped": {}, "seconds": {}}
    t = time.monotonic()
    probe(args.udsdump, result)
    with tempfile.TemporaryDirectory(prefix="guest-check-") as tmp:
        capture_and_check(args, result, tmp)
        if args.keep and os.path.exists(os.path.join(tmp, "lab.pcapng")):
            shutil.copy(os.path.join(tmp, "lab.pcapng"), args.keep)
    result["seconds"]["total"] = round(time.monotonic() - t, 1)
    failed = [k for k, v in result["checks"].items() if v != "pass"]
    result["passed"] = len(result["checks"]) - len(failed)
    result["failed"] = len(failed)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
