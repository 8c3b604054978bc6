"""Fixtures for the `unix` dissector plugin tests.

tshark runs as an unprivileged user (Wireshark 4.0 as root ignores
WIRESHARK_PLUGIN_DIR), with the plugin from the build tree staged in a
world-readable temporary directory, under the major.minor of that tshark,
and a private WIRESHARK_CONFIG_DIR.

Tests marked `live` capture with build/udsdump (root, eBPF on this kernel):
they run in the host suite only; elsewhere they skip, or fail with CI=true.
The Wireshark version matrix (scripts/wireshark-matrix) runs -m "not live".
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import synth  # noqa: E402
import wsversion  # noqa: E402

UDSDUMP = os.environ.get("UDSDUMP") or os.path.join(REPO, "build", "udsdump")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "live: captures live with build/udsdump (root, eBPF): host suite only")


def live_problems():
    why = []
    if os.geteuid() != 0:
        why.append("not root")
    if not os.access(UDSDUMP, os.X_OK):
        why.append("no udsdump binary at %s" % UDSDUMP)
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        why.append("no kernel BTF")
    return why


@pytest.fixture(autouse=True)
def _live_capture_possible(request):
    """A `live` test runs only where udsdump can capture."""
    if request.node.get_closest_marker("live") is None:
        return
    why = live_problems()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("live plugin tests cannot run: " + "; ".join(why))
        pytest.skip("; ".join(why))


def _find_plugin():
    env = os.environ.get("UDSDUMP_PLUGIN")
    if env:
        return env
    candidates = [os.path.join(REPO, d, "plugin", "udsdump.so") for d in ("build", "build-plugin")]
    found = [c for c in candidates if os.path.exists(c)]
    if not found:
        pytest.fail("udsdump.so not built: run `cmake -S . -B build && cmake --build build` "
                    "(or set UDSDUMP_PLUGIN)")
    return max(found, key=os.path.getmtime)


class Tshark:
    """tshark with the build-tree plugin, as an unprivileged user."""

    def __init__(self, root, plugin):
        self.root = root
        self.plugin = plugin
        self.plugin_dir = os.path.join(root, "plugins")
        epan = wsversion.plugin_epan_dir(self.plugin_dir)
        os.makedirs(epan)
        shutil.copy(plugin, os.path.join(epan, "udsdump.so"))
        self.staged = os.path.join(epan, "udsdump.so")
        self.config_dir = os.path.join(root, "config")
        os.makedirs(self.config_dir)
        self.captures = os.path.join(root, "captures")
        os.makedirs(self.captures)
        for dirpath, dirnames, filenames in os.walk(root):
            os.chmod(dirpath, 0o777)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o644)
        os.chmod(root, 0o777)
        self.n = 0

    def prefix(self):
        if os.geteuid() == 0:
            return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        return []

    def env(self):
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.root,
            "LANG": "C.UTF-8",
            "WIRESHARK_PLUGIN_DIR": self.plugin_dir,
            "WIRESHARK_CONFIG_DIR": self.config_dir,
            "WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1",
        }
        return env

    def run(self, args, check=True, tool="tshark"):
        cmd = self.prefix() + ["/usr/bin/" + tool] + list(args)
        p = subprocess.run(cmd, env=self.env(), cwd=self.root, capture_output=True,
                           timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        assert "Dissector bug" not in err, err
        if "-G" not in args:  # 4.4+ lists a protocol named "Dissector bug"
            assert "Dissector bug" not in out, out
        if check:
            assert p.returncode == 0, "tshark %s failed (%d): %s" % (args, p.returncode, err)
        return p.returncode, out, err

    # --- captures -------------------------------------------------------

    def capture(self, records, name=None, linktype=synth.LINKTYPE_USER12):
        """Write records (bytes) to a world-readable pcapng; return its path."""
        self.n += 1
        path = os.path.join(self.captures, name or "cap%03d.pcapng" % self.n)
        synth.write_pcapng(path, records, linktype)
        os.chmod(path, 0o644)
        return path

    def assert_unix(self, pcap, extra=()):
        """The plugin is loaded and at least one frame is `unix`."""
        _, out, _ = self.run(["-r", pcap, "-Y", "unix", "-T", "fields", "-e", "frame.number"] + list(extra))
        assert out.strip(), "no frame of %s dissected as unix" % pcap

    def fields(self, pcap, fields, dfilter=None, extra=(), check_unix=True):
        """Rows of -T fields output, one list per frame (occurrences joined by ',')."""
        if check_unix:
            self.assert_unix(pcap, extra)
        args = ["-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                "-E", "aggregator=,"]
        for f in fields:
            args += ["-e", f]
        if dfilter:
            args += ["-Y", dfilter]
        args += list(extra)
        _, out, _ = self.run(args)
        return [[wsversion.field_value(cell) for cell in line.split("\t")] for line in out.splitlines()]

    def frames(self, pcap, dfilter, extra=(), check_unix=True):
        """Frame numbers matching a display filter."""
        rows = self.fields(pcap, ["frame.number"], dfilter, extra, check_unix)
        return [int(r[0]) for r in rows]


@pytest.fixture(scope="session")
def plugin_path():
    return _find_plugin()


@pytest.fixture(scope="session")
def ts(plugin_path):
    root = tempfile.mkdtemp(prefix="udsdump-plugin-test-")
    os.chmod(root, 0o777)
    t = Tshark(root, plugin_path)
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
