#!/usr/bin/python3
"""The lab's lockdown row (issue 19), in a guest booted with
lockdown=confidentiality: the kernel says so, it does refuse to load
udsdump's programs (bpftool, without udsdump's own check), and udsdump
refuses with one line naming the cause and the fix, capturing nothing.

  guest_lockdown.py --kernel NAME BUILD_DIR

Prints one JSON line as guest_check.py does; exits 1 if a check failed.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import guest_verify

SECURITY = "/sys/kernel/security"


def lockdown_mode():
    if not os.path.exists(os.path.join(SECURITY, "lockdown")):
        subprocess.run(["mount", "-t", "securityfs", "none", SECURITY], check=False)
    try:
        with open(os.path.join(SECURITY, "lockdown")) as f:
            return f.read().strip()
    except OSError as e:
        return "unreadable: %s" % e


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default="host")
    ap.add_argument("build")
    args = ap.parse_args()
    result = {"kernel": args.kernel + "+lockdown", "uname": os.uname().release, "engine": None,
              "checks": {}, "skipped": {}, "seconds": {}}
    mode = lockdown_mode()
    result["checks"]["lockdown_on"] = guest_verify.verdict("[confidentiality]" in mode, mode)
    with tempfile.TemporaryDirectory(prefix="guest-lockdown-") as tmp:
        pin = os.path.join("/sys/fs/bpf", "udsdump-lockdown-%d" % os.getpid())
        obj = os.path.join(args.build, "bpf", "udsdump_legacy.bpf.o")
        p = subprocess.run(["bpftool", "prog", "loadall", obj, pin], capture_output=True, text=True)
        subprocess.run(["rm", "-rf", pin])
        result["checks"]["lockdown_blocks_bpf"] = guest_verify.verdict(
            p.returncode != 0, "bpftool loaded the programs under lockdown")
        out = os.path.join(tmp, "x.pcapng")
        r = subprocess.run([os.path.join(args.build, "udsdump"), "-w", out], capture_output=True,
                           text=True, timeout=120)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        ok = r.returncode == 1 and len(lines) == 1 and "locked down" in lines[0] and \
            "lockdown=integrity" in lines[0] and not os.path.exists(out)
        result["checks"]["lockdown_refused"] = guest_verify.verdict(
            ok, "exit %d: %r" % (r.returncode, lines[-2:]))
        result["refusal"] = lines[-1:]
    return guest_verify.finish(result)


if __name__ == "__main__":
    sys.exit(main())
