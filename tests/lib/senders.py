"""Running the senders of tests/senders/: once to the end (run_sender),
set up then released (WaitingSender), or in the background until stopped
(Background). Every sender prints a JSON log of what it did as its last
line of stdout (Background: one JSON line a send, in its --log file).
Standard library only."""

import json
import select
import signal
import subprocess

from . import paths


def sender_cmd(script, *args):
    """script: a file name in tests/senders/ (or a whole path)."""
    return [paths.PYTHON, paths.sender(str(script))] + [str(a) for a in args]


def run_sender(script, *args, timeout=120, env=None):
    """Run a sender to its end; its JSON log (the last line of stdout)."""
    p = subprocess.run(sender_cmd(script, *args), capture_output=True,
                       timeout=timeout, env=env)
    if p.returncode != 0:
        raise AssertionError("sender %s %s failed (%d): %s" % (
            script, " ".join(map(str, args)), p.returncode,
            p.stderr.decode(errors="replace")))
    lines = p.stdout.decode().strip().splitlines()
    return json.loads(lines[-1])


class WaitingSender:
    """A sender run with --wait: set up, print {"ready"}, wait for go."""

    def __init__(self, script, *args, timeout=60):
        self.cmd = sender_cmd(script, *args, "--wait")
        self.p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        line = self.p.stdout.readline() if r else b""
        if not line:
            self.p.kill()
            raise AssertionError("sender not ready: %s" % (
                self.p.stderr.read().decode(errors="replace")))
        self.ready = json.loads(line)["ready"]

    def go(self, timeout=120):
        out, err = self.p.communicate(b"go\n", timeout=timeout)
        if self.p.returncode != 0:
            raise AssertionError("sender failed (%d): %s" % (
                self.p.returncode, err.decode(errors="replace")))
        return json.loads(out.decode().strip().splitlines()[-1])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class Background:
    """tests/senders/numbered.py in the background: sends numbered messages
    until stopped and logs each one as a JSON line (log: a pathlib.Path)."""

    def __init__(self, log, name, *args):
        self.log = log
        self.proc = subprocess.Popen(
            sender_cmd("numbered.py", "--log", log, "--comm", name, *args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.name = name
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.proc.kill()
            raise RuntimeError("sender %s did not start: %s %s" % (
                name, line, self.proc.stderr.read()))
        self.info = json.loads(line.split(" ", 1)[1])
        self.pid = self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def sent(self):
        self.stop()
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text().splitlines() if x.strip()]
