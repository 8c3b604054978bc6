"""Fixtures of the live udsdump engine tests; their helpers are in
tests/lib/engine.py.

These tests start the real `udsdump` binary (env UDSDUMP, default
<repo>/build/udsdump), run real senders (tests/senders/), stop udsdump with a
signal and read the pcapng with capinfos, tshark and tests/udsrec.py.

They need root and a kernel that loads eBPF. Without those they skip and say
why, except when CI=true: then they fail, because CI must run them.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

from lib import ci
from lib.engine import Udsdump


@pytest.fixture(scope="session", autouse=True)
def require_live():
    ci.need_live("CI=true but the live engine tests cannot run: ", bpf_probe=True)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    """A directory world-searchable (so uid-dropped senders reach it)."""
    d = Path("/tmp") / ("udsdump-tests-%d-%d" % (os.getpid(),
                                                 int(time.time())))
    d.mkdir(mode=0o755)
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", str(d)])


@pytest.fixture
def udsdump_factory(tmp_path):
    started = []

    def make(args=(), out=None, start=True):
        u = Udsdump(args, out or tmp_path / ("cap%d.pcapng" % len(started)))
        started.append(u)
        if start:
            u.start()
        return u
    yield make
    for u in started:
        u.kill()
