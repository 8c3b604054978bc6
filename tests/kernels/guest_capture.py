"""udsdump run by the lab's guest check: started, waited for until it
says "capturing" (or why it could not), stopped with SIGINT; its stderr
kept. Optionally behind a slowly drained pipe, to overflow its ring."""

import signal
import subprocess
import threading
import time

START_TIMEOUT = 240  # a load under TCG takes seconds; a refused one, 30+


class Capture:
    """(b) and (d): udsdump writing to a file, its stderr collected."""

    def __init__(self, udsdump, out, extra, slow_reader=False):
        """SLOW_READER: udsdump writes to a pipe that a thread drains
        slowly into OUT, so that its ring buffer overflows."""
        self.proc = subprocess.Popen(
            [udsdump, "-w", "-" if slow_reader else out] + extra,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if slow_reader else subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.drainer = None
        if slow_reader:
            self.drainer = threading.Thread(target=self._drain_slowly,
                                            args=(out,), daemon=True)
            self.drainer.start()
        self.capturing = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _drain_slowly(self, out):
        pipe = self.proc.stdout.buffer
        with open(out, "wb") as f:
            while True:
                b = pipe.read1(64 << 10)
                if not b:
                    return
                f.write(b)
                time.sleep(0.05)

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
        if self.drainer:
            self.drainer.join(120)
        return rc

    def engine_line(self):
        return next((l for l in self.lines if "engine" in l.lower()), None)
