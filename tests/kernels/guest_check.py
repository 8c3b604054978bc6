#!/usr/bin/python3
"""The lab's check of udsdump on the running kernel (in a lab guest or on
the host): one capture that covers every check.

  guest_check.py [--kernel NAME] [--keep DIR] UDSDUMP [EXTRA_UDSDUMP_ARGS...]

(a) `udsdump --probe`, where the binary knows it; (b) `udsdump -w FILE
EXTRA...` until it says "capturing"; (c) real traffic (guest_traffic.py);
(d) SIGINT; (e) the pcapng read with tests/udsrec.py and checked per
socket (guest_verify.py); (f) a forced overflow in a second capture
(guest_overflow.py); (g) the cgroup filter and the container facts in a
third (guest_containers.py); (h) with the kernel's BTF hidden, the refusal
and a capture from a --btf file (guest_btf.py).  Prints one JSON line:

  {"kernel", "uname", "engine", "checks": {name: "pass" | "fail: why"},
   "skipped": {...}, "seconds": {...}, ...}

and exits 1 if any check failed, 2 on bad usage.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest_btf  # noqa: E402
import guest_capture  # noqa: E402
import guest_containers  # noqa: E402
import guest_overflow  # noqa: E402
import guest_traffic  # noqa: E402
import guest_verify  # noqa: E402

UNKNOWN_OPTION = ("unknown option", "unrecognized option", "invalid option")


def probe(udsdump, result):
    """(a): --probe's verdict, or a note that this udsdump lacks it."""
    p = subprocess.run([udsdump, "--probe"], capture_output=True, text=True,
                       timeout=guest_capture.START_TIMEOUT)
    if p.returncode == 2 and any(u in p.stderr for u in UNKNOWN_OPTION):
        result["skipped"]["probe"] = "this udsdump has no --probe: " + \
            p.stderr.strip().splitlines()[-1]
        return
    result["probe"] = (p.stdout + p.stderr).strip().splitlines()[-20:]
    result["checks"]["probe"] = guest_verify.verdict(
        p.returncode == 0, "--probe exited %d" % p.returncode)
    result["checks"]["headroom"] = guest_verify.headroom(p.stdout)


def capture_and_check(args, result, tmp):
    older = guest_traffic.prepare(tmp)  # a connection older than the capture
    t = time.monotonic()
    out = os.path.join(tmp, "lab.pcapng")
    cap = guest_capture.Capture(args.udsdump, out, args.extra)
    why = cap.wait_capturing()
    result["engine"] = cap.engine_line()
    result["seconds"]["load"] = round(time.monotonic() - t, 1)
    result["checks"]["load"] = guest_verify.verdict(why is None, why or "")
    if why:
        result["stderr"] = cap.lines[-20:]
        return
    t = time.monotonic()
    try:
        sents = guest_traffic.drive(tmp, older)
    except (OSError, RuntimeError) as e:  # a failed check, not a crash
        cap.stop()
        result["checks"]["traffic"] = "fail: %r" % e
        return
    result["seconds"]["traffic"] = round(time.monotonic() - t, 1)
    for s in sents:
        if s.no_uring:
            result["skipped"]["io_uring"] = "no io_uring send: " + s.no_uring
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
        t0 = time.monotonic()
        guest_overflow.overflow_and_check(args.udsdump, args.extra, tmp,
                                          result)
        result["seconds"]["overflow"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        try:
            guest_containers.check(args.udsdump, args.extra, tmp, result)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            result["checks"]["containers"] = "fail: %r" % e
        result["seconds"]["containers"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        try:
            guest_btf.check(args.udsdump, tmp, result)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            result["checks"]["no_btf"] = "fail: %r" % e
        result["seconds"]["no_btf"] = round(time.monotonic() - t0, 1)
        if args.keep and os.path.exists(os.path.join(tmp, "lab.pcapng")):
            shutil.copy(os.path.join(tmp, "lab.pcapng"), args.keep)
    if guest_capture.REATTACHED:
        result["reattached"] = guest_capture.REATTACHED
    result["seconds"]["total"] = round(time.monotonic() - t, 1)
    return guest_verify.finish(result)


if __name__ == "__main__":
    sys.exit(main())
