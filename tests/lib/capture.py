"""The one capture runner: udsdump (or a wrapper's command line around it,
e.g. valgrind) started, waited for until it prints "udsdump: capturing",
stopped with SIGINT, its stderr kept line by line.

Used by the engine, plugin, extcap and fuzz tests, the kernel lab's guest
check (tests/kernels/guest_capture.py) and the benchmarks (bench/common.py).
Standard library only.
"""

import os
import signal
import subprocess
import threading
import time

CAPTURING = "udsdump: capturing"
START_TIMEOUT = float(os.environ.get("UDSDUMP_START_TIMEOUT", "60"))


class CaptureError(AssertionError):
    """udsdump did not start, or did not stop, as it should."""


class Capture:
    """One process writing a capture until stop().

    cmd: the whole command line (udsdump -w OUT ARGS..., or a wrapper).
    stdout: subprocess.DEVNULL (the default), subprocess.PIPE (the caller
      drains proc.stdout) or "collect" (kept in stdout_data: `-w -`).
    merge_stdout: stdout and stderr both read as the log (its stdout is
      where bench/floor prints).
    log: a file that receives every line read, as it comes.
    ready: the text that says it is capturing.
    keep_newlines: False keeps the lines without their newline.
    """

    settle = 0.3  # seconds a `with` block waits before it stops udsdump

    def __init__(self, cmd, stdout=subprocess.DEVNULL, env=None, log=None,
                 ready=CAPTURING, merge_stdout=False, lines=None, out=None,
                 keep_newlines=True):
        self.cmd = [str(a) for a in cmd]
        self.out = None if out is None else str(out)
        self.stdout = stdout
        self.env = env
        self.log = log
        self.ready = ready
        self.merge_stdout = merge_stdout
        self.keep_newlines = keep_newlines
        self.proc = None
        # stderr lines, each with its newline (lines: a list to fill)
        self.lines = [] if lines is None else lines
        self.stdout_data = bytearray()
        self.rc = None
        self.rusage = None       # from wait4, once stopped
        self.wall_s = None
        self.capturing = threading.Event()
        self._threads = []
        self._logf = None

    # ------------------------------------------------------------ start

    def spawn(self):
        """Start the process and its readers; do not wait."""
        if self.log:
            self._logf = open(self.log, "w")
        self.t0 = time.monotonic()
        if self.merge_stdout:
            out, err = subprocess.PIPE, subprocess.STDOUT
        else:
            out = subprocess.PIPE if self.stdout == "collect" else self.stdout
            err = subprocess.PIPE
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=err, env=self.env)
        stream = self.proc.stdout if self.merge_stdout else self.proc.stderr
        self._threads = [threading.Thread(target=self._read_log, args=(stream,),
                                          daemon=True)]
        if self.stdout == "collect" and not self.merge_stdout:
            self._threads.append(threading.Thread(target=self._collect, daemon=True))
        for t in self._threads:
            t.start()
        return self

    def _read_log(self, stream):
        for line in iter(stream.readline, b""):
            s = line.decode("utf-8", "replace")
            self.lines.append(s if self.keep_newlines else s.rstrip("\n"))
            if self._logf:
                self._logf.write(s)
                self._logf.flush()
            if self.ready in s:
                self.capturing.set()

    def _collect(self):
        while True:
            b = self.proc.stdout.read1(1 << 16)
            if not b:
                break
            self.stdout_data += b

    def wait_capturing(self, timeout=START_TIMEOUT):
        """None once it is capturing, else why not (it exited, or the
        timeout passed: then it is killed)."""
        deadline = time.monotonic() + timeout
        while not self.capturing.wait(0.05):
            if self.proc.poll() is not None:
                self.join(5)
                if self.capturing.is_set():
                    return None
                return "udsdump exited %s before %r" % (self.proc.returncode, self.ready)
            if time.monotonic() > deadline:
                self.kill()
                return "udsdump did not print %r within %ss" % (self.ready, timeout)
        return None

    def start(self, timeout=START_TIMEOUT):
        """Spawn and wait until it is capturing; CaptureError if it does not."""
        self.spawn()
        why = self.wait_capturing(timeout)
        if why:
            self.kill()
            raise CaptureError("%s; stderr:\n%s" % (why, self.stderr))
        return self

    # ------------------------------------------------------------ stop

    @property
    def stderr(self):
        return ("" if self.keep_newlines else "\n").join(self.lines)

    def join(self, timeout=10):
        for t in self._threads:
            t.join(timeout)

    def _reap(self, timeout):
        """Wait for the process with wait4 (its rusage kept); returns its
        exit status, or raises subprocess.TimeoutExpired."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.proc.returncode is not None:
                return self.proc.returncode
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.rusage = ru
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return self.proc.returncode
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.cmd, timeout)
            time.sleep(0.01)

    def wait(self, timeout=None):
        """Wait for it to exit by itself; returns its exit status."""
        self.rc = self._reap(timeout)
        self.wall_s = time.monotonic() - self.t0
        self.join(10)
        self._close_log()
        return self.rc

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Send sig (SIGINT: finish the file) and wait; returns the exit
        status. CaptureError (after a kill) if it does not exit in time."""
        if self.proc.returncode is None:
            # not send_signal(): its poll() would reap the process before
            # wait4 could keep its rusage (the pid is ours until reaped)
            os.kill(self.proc.pid, sig)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise CaptureError("udsdump did not exit within %ss of %s; stderr:\n%s"
                               % (timeout, sig, self.stderr))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _close_log(self):
        if self._logf:
            self._logf.close()
            self._logf = None

    # a `with` block: started on entry, stopped on exit (the exit status
    # checked when the block raised nothing); the file is left readable by
    # all (tshark runs as nobody)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        time.sleep(self.settle)
        if self.proc.poll() is None:
            try:
                self.stop()
            except CaptureError:
                if exc[0] is None:
                    raise
        else:
            self.wait(10)
        if exc[0] is None and self.rc != 0:
            raise CaptureError("udsdump exited %s; stderr:\n%s" % (self.rc, self.stderr))
        if self.out and self.out != "-" and os.path.exists(self.out):
            os.chmod(self.out, 0o644)
        return False


def udsdump_capture(out, args=(), udsdump=None, **kw):
    """A Capture of `udsdump -w OUT ARGS...` (udsdump: $UDSDUMP or build/)."""
    if udsdump is None:
        from . import paths
        udsdump = paths.UDSDUMP
    return Capture([udsdump, "-w", out] + list(args), out=out, **kw)


def capture_to(directory, name, udsdump_args, sender_args, timeout=60, stderr_lines=None):
    """udsdump -w DIRECTORY/NAME UDSDUMP_ARGS around one sender run
    (sender_args: its script, then its arguments); returns (the capture's
    path, the sender's JSON log). stderr_lines: a list that receives
    udsdump's stderr lines."""
    from . import senders
    out = os.path.join(directory, name)
    with udsdump_capture(out, udsdump_args, lines=stderr_lines).start(timeout):
        log = senders.run_sender(*sender_args)
    return out, log
