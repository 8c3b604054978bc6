"""Fixtures of the extcap tests (tests/extcap/).

They drive Wireshark's own programs (tshark, sshdump, the Qt GUI under Xvfb)
against the real udsdump binary (env UDSDUMP, default <repo>/build/udsdump),
installed the way Wireshark finds extcaps: into the extcap/ directory of a
temporary WIRESHARK_CONFIG_DIR. Traffic comes from tests/senders/numbered.py,
started by the tests; captures are read with tests/udsrec.py (written from
doc/FORMAT.md). Their helpers are in tests/lib/extcap.py.

Live tests need root, eBPF and tshark. Without them they skip and say why,
except when CI=true: then they fail, because CI must run them.

Run with the system Python: /usr/bin/python3 -m pytest tests/extcap
"""

import os
import shutil

import pytest

from lib import ci, paths
from lib.extcap import live_problems
from lib.senders import Background


@pytest.fixture
def live():
    why = live_problems()
    ci.need(not why, "; ".join(why))


@pytest.fixture
def udsdump_bin():
    ci.need(os.access(paths.UDSDUMP, os.X_OK), "udsdump not built at %s" % paths.UDSDUMP)
    return paths.UDSDUMP


@pytest.fixture
def wsdir(tmp_path):
    """A WIRESHARK_CONFIG_DIR with udsdump installed as an extcap."""
    d = tmp_path / "wsconfig"
    (d / "extcap").mkdir(parents=True)
    shutil.copy2(paths.UDSDUMP, d / "extcap" / "udsdump")
    os.chmod(d / "extcap" / "udsdump", 0o755)
    return d


@pytest.fixture
def senders(tmp_path):
    """start(name, *args): tests/senders/numbered.py in the background."""
    started = []

    def start(name, *args):
        s = Background(tmp_path / ("%s.jsonl" % name), name, *args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
