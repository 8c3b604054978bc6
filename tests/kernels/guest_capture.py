"""udsdump run by the lab's guest check: started, waited for until it
says "capturing" (or why it could not), stopped with SIGINT; its stderr
kept. Optionally behind a slowly drained pipe, to overflow its ring.

The runner is the test suite's (tests/lib/capture.py, standard library
only), reached through sys.path: the guest sees the checkout over 9p."""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lib import capture  # noqa: E402

START_TIMEOUT = 240  # a load under TCG takes seconds; a refused one, 30+

# udsdump's "attached it again" lines of every capture of this guest check
# (a kernel that accepted the attach and did not run the program):
# reported in the result, so that the lab shows how often it happens.
REATTACHED = []


class Capture(capture.Capture):
    """(b) and (d): udsdump writing to a file, its stderr collected."""

    def __init__(self, udsdump, out, extra, slow_reader=False):
        """SLOW_READER: udsdump writes to a pipe that a thread drains
        slowly into OUT, so that its ring buffer overflows."""
        super().__init__([udsdump, "-w", "-" if slow_reader else out] + extra,
                         stdout=subprocess.PIPE if slow_reader else subprocess.DEVNULL,
                         ready="capturing", keep_newlines=False)
        self.spawn()
        self.drainer = None
        if slow_reader:
            self.drainer = threading.Thread(target=self._drain_slowly,
                                            args=(out,), daemon=True)
            self.drainer.start()

    def _drain_slowly(self, out):
        pipe = self.proc.stdout
        with open(out, "wb") as f:
            while True:
                b = pipe.read1(64 << 10)
                if not b:
                    return
                f.write(b)
                time.sleep(0.05)

    def wait_capturing(self):
        """None once capturing, else why not (the load error, say)."""
        why = super().wait_capturing(START_TIMEOUT)
        if why is None:
            return None
        if self.proc.returncode is not None and "exited" in why:
            return "udsdump exited %d: %s" % (self.proc.returncode, self.load_error())
        return "no 'capturing' within %ds" % START_TIMEOUT

    def load_error(self):
        """udsdump's last word, and libbpf's first (usually the cause)."""
        said = [l for l in self.lines if l.startswith("udsdump:")]
        cause = [l for l in self.lines if l.startswith("libbpf:")]
        why = (said or self.lines or ["(nothing on stderr)"])[-1]
        why = why[len("udsdump: "):] if why.startswith("udsdump: ") else why
        return why + (" (%s)" % cause[0] if cause else "")

    def stop(self):
        try:
            rc = super().stop(timeout=120)
        except capture.CaptureError:
            rc = "killed after SIGINT"
        if self.drainer:
            self.drainer.join(120)
        REATTACHED.extend(l for l in self.lines if "attached it again" in l)
        return rc

    def engine_line(self):
        return next((l for l in self.lines if "engine" in l.lower()), None)
