"""Fixtures for the `unix` dissector plugin tests.

tshark runs as an unprivileged user (Wireshark 4.0 as root ignores
WIRESHARK_PLUGIN_DIR), with the plugin from the build tree staged in a
world-readable temporary directory, under the major.minor of that tshark,
and a private WIRESHARK_CONFIG_DIR (tests/lib/tshark.py).

Tests marked `live` capture with build/udsdump (root, eBPF on this kernel):
they run in the host suite only; elsewhere they skip, or fail with CI=true.
The Wireshark version matrix (scripts/wireshark-matrix) runs -m "not live".
"""

import shutil
import tempfile

import pytest

import synth
from lib import ci, paths
from lib.tshark import Tshark


@pytest.fixture(autouse=True)
def _live_capture_possible(request):
    """A `live` test runs only where udsdump can capture."""
    if request.node.get_closest_marker("live") is not None:
        ci.need_live("live plugin tests cannot run: ")


@pytest.fixture(scope="session")
def plugin_path():
    path = paths.find_plugin()
    if not path:
        pytest.fail("udsdump.so not built: run `cmake -S . -B build && cmake --build build` "
                    "(or set UDSDUMP_PLUGIN)")
    return path


@pytest.fixture(scope="session")
def ts(plugin_path):
    root = tempfile.mkdtemp(prefix="udsdump-plugin-test-")
    t = Tshark(plugin_path, root=root, files="captures")
    # The plugin really is the one from the build tree, and it is loaded.
    _, out, _ = t.run(["-G", "plugins"])
    lines = [l for l in out.splitlines() if "udsdump.so" in l]
    assert lines, "udsdump.so not among tshark's plugins:\n" + out
    assert t.staged in lines[0], lines[0]
    yield t
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def S():
    return synth
