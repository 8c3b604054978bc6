"""Fixtures of the fuzz, hostile-sender and tshark-memory tests (tests/fuzz/).

tshark runs as nobody with the plugin staged in a world-readable temporary
directory (root ignores WIRESHARK_PLUGIN_DIR). The sanitizer plugin comes from
build-asan/ (-DUDSDUMP_SANITIZE=ON; scripts/test.sh builds it). Tests that
need a live capture (root, eBPF) are marked `live` and skip with the reason,
except with CI=true: then they fail. The engine's own fuzzers are marked
`engine`. The Wireshark version matrix runs -m "not live and not engine".
"""

import glob
import os
import shutil
import tempfile

import pytest

import fuzzlib
from lib import ci, paths


def need_live():
    ci.need_live("CI=true but live capture unavailable: ")


@pytest.fixture(scope="session")
def asan_plugin():
    path = fuzzlib.ASAN_PLUGIN
    sources = glob.glob(os.path.join(fuzzlib.REPO, "plugin", "*.[ch]"))
    if not os.path.exists(path) or os.path.getmtime(path) < max(map(os.path.getmtime, sources)):
        try:
            path = fuzzlib.build_asan_plugin()
        except Exception as e:  # noqa: BLE001
            pytest.fail("no sanitizer plugin at %s and building it failed: %s" % (path, e))
    assert fuzzlib.plugin_is_sanitized(path), "%s has no ASan/UBSan instrumentation" % path
    return path


@pytest.fixture(scope="session")
def plain_plugin():
    path = fuzzlib.PLAIN_PLUGIN
    if not os.path.exists(path):
        pytest.fail("udsdump.so not built at %s: cmake --build build" % path)
    return path


@pytest.fixture(scope="session")
def ats(asan_plugin):
    """tshark + the ASan/UBSan plugin, runtimes preloaded; checked loaded."""
    t = fuzzlib.Tshark(asan_plugin, sanitize=True)
    ok, out = t.plugin_loaded()
    assert ok, "ASan plugin not among tshark's plugins:\n" + out
    yield t
    t.cleanup()


@pytest.fixture(scope="session")
def pts(plain_plugin):
    """tshark + the plugin from build/ (what users run); checked loaded."""
    t = fuzzlib.Tshark(plain_plugin, sanitize=False)
    ok, out = t.plugin_loaded()
    assert ok, "plugin not among tshark's plugins:\n" + out
    yield t
    t.cleanup()


@pytest.fixture(scope="session")
def golden_captures():
    caps = sorted(os.path.join(paths.GOLDEN, f) for f in os.listdir(paths.GOLDEN) if f.endswith(".pcapng"))
    assert caps, "no golden captures in " + paths.GOLDEN
    return caps


@pytest.fixture(scope="session")
def live_seeds():
    """Real udsdump captures made now (stream/dgram/seqpacket, SCM_RIGHTS)."""
    need_live()
    d = tempfile.mkdtemp(prefix="udsdump-fuzz-seeds-")
    os.chmod(d, 0o755)
    caps = fuzzlib.make_seed_captures(d)
    yield caps
    shutil.rmtree(d, ignore_errors=True)
