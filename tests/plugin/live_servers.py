"""Real servers the live tests start (or find running): a server program
until its socket listens, and Debian's dockerd. Shared by
test_live_protocols.py and test_live_containers.py."""

import contextlib
import os
import subprocess
import time

import pytest


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          timeout=timeout, **kw)


def wait_for(pred, what, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def listening_path(suffix):
    """The name a listening socket was bound to, as the kernel keeps it."""
    out = run(["ss", "-xln"]).stdout.splitlines()[1:]
    names = [f for line in out for f in line.split()[4:5] if f.endswith(suffix)]
    return names[0] if names else None


@contextlib.contextmanager
def server(cmd, suffix, what, timeout=60):
    """A server program already listening on a socket whose name ends with
    suffix, or cmd started until it does (and stopped after): its socket."""
    if listening_path(suffix):
        yield listening_path(suffix)
        return
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: listening_path(suffix), what, timeout)
        yield listening_path(suffix)
    finally:
        p.terminate()
        p.wait(timeout=60)


@contextlib.contextmanager
def dockerd():
    """Debian's dockerd on its own socket (/var/run/docker.sock), with no
    network set-up of its own (nothing here needs one)."""
    if not os.path.exists("/usr/sbin/dockerd"):
        pytest.fail("docker.io is not installed (scripts/setup.sh installs it)")
    with server(["dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
                 "--storage-driver=vfs"], "/docker.sock", "dockerd's socket", 120) as sock:
        yield sock
