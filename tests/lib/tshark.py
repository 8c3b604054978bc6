"""The one tshark runner: tshark (or another Wireshark tool) with a
build-tree plugin, as nobody.

Wireshark as root ignores WIRESHARK_PLUGIN_DIR, so when the tests run as
root the tools run as nobody (setpriv), with the plugin staged in a
world-readable temporary directory under the major.minor of that tshark
(lib.wsversion) and a private WIRESHARK_CONFIG_DIR.

sanitize=True preloads the ASan and UBSan runtimes (for the plugin built
with them); isolate_extcap=True points extcap discovery at an empty
directory (Wireshark's own extcaps deadlock at exit under the preloaded
ASan runtime: p11-kit's destructor, seen with androiddump).

Standard library only.
"""

import os
import shutil
import subprocess
import tempfile

from . import pcapng, wsversion

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def gcc_runtime(name):
    p = subprocess.run(["gcc", "-print-file-name=" + name], capture_output=True, text=True)
    path = os.path.realpath(p.stdout.strip())
    if p.returncode != 0 or not os.path.isabs(path) or not os.path.exists(path):
        raise RuntimeError("gcc has no %s (%r)" % (name, p.stdout))
    return path


class Tshark:
    """Wireshark's tools with the plugin at `plugin`, run as nobody.

    root: the directory to stage in (default: a new temporary one, removed
    by cleanup()); files: the name of its world-readable subdirectory for
    captures (stage(), write(), capture())."""

    def __init__(self, plugin, root=None, sanitize=False, isolate_extcap=False,
                 files="files"):
        self.plugin = plugin
        self.own_root = root is None
        self.root = root or tempfile.mkdtemp(prefix="udsdump-tshark-")
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o777)
        self.plugin_dir = os.path.join(self.root, "plugins")
        epan = wsversion.plugin_epan_dir(self.plugin_dir)
        os.makedirs(epan)
        self.staged = os.path.join(epan, "udsdump.so")
        shutil.copy(plugin, self.staged)
        self.config_dir = os.path.join(self.root, "config")
        self.files = os.path.join(self.root, files)
        self.extcap_dir = os.path.join(self.root, "extcap-empty") if isolate_extcap else None
        for d in (self.config_dir, self.files, self.extcap_dir):
            if d:
                os.makedirs(d)
        for dirpath, _dirs, fnames in os.walk(self.root):
            os.chmod(dirpath, 0o777)
            for f in fnames:
                os.chmod(os.path.join(dirpath, f), 0o644)
        self.sanitize = sanitize
        self.preload = ""
        if sanitize:
            self.preload = "%s %s" % (gcc_runtime("libasan.so"), gcc_runtime("libubsan.so"))
        self.n = 0
        self.unix_seen = set()  # assert_unix()'s files that passed

    @property
    def captures(self):
        return self.files

    def cleanup(self):
        if self.own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def prefix(self):
        return list(NOBODY) if os.geteuid() == 0 else []

    def env(self):
        e = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.root,
            "LANG": "C.UTF-8",
            "WIRESHARK_PLUGIN_DIR": self.plugin_dir,
            "WIRESHARK_CONFIG_DIR": self.config_dir,
            "WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1",
        }
        if self.extcap_dir:
            e["WIRESHARK_EXTCAP_DIR"] = self.extcap_dir
        if self.sanitize:
            e["LD_PRELOAD"] = self.preload
            # tshark itself leaks at exit; the plugin's own leaks are
            # checked with valgrind (tests/fuzz/test_valgrind_tshark.py).
            e["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:exitcode=86:"
                                 "handle_abort=1:allocator_may_return_null=1")
            e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=87"
        return e

    def cmd(self, args, tool="tshark", wrapper=()):
        return self.prefix() + list(wrapper) + ["/usr/bin/" + tool] + list(args)

    # ------------------------------------------------------------ runs

    def raw(self, args, tool="tshark", timeout=600, wrapper=()):
        """Run a tool; (exit status, stdout, stderr), nothing checked."""
        p = subprocess.run(self.cmd(args, tool, wrapper), env=self.env(), cwd=self.root,
                           capture_output=True, timeout=timeout)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def run(self, args, check=True, tool="tshark", timeout=120):
        """raw(), and no "Dissector bug" in its output; with check, exit 0."""
        rc, out, err = self.raw(args, tool, timeout)
        assert "Dissector bug" not in err, err
        if "-G" not in args:  # 4.4+ lists a protocol named "Dissector bug"
            assert "Dissector bug" not in out, out
        if check:
            assert rc == 0, "%s %s failed (%d): %s" % (tool, args, rc, err)
        return rc, out, err

    def plugin_loaded(self):
        """(True, output) when tshark -G plugins lists the staged plugin."""
        rc, out, err = self.raw(["-G", "plugins"], timeout=120)
        lines = [l for l in out.splitlines() if "udsdump.so" in l]
        return rc == 0 and bool(lines) and self.staged in lines[0], out + err

    # ------------------------------------------------------------ files

    def stage(self, src, name=None):
        """Copy a file where nobody can read it; returns the new path."""
        dst = os.path.join(self.files, name or os.path.basename(src))
        if os.path.abspath(src) != dst:
            shutil.copy(src, dst)
        os.chmod(dst, 0o644)
        return dst

    def write(self, name, data):
        dst = os.path.join(self.files, name)
        with open(dst, "wb") as f:
            f.write(data)
        os.chmod(dst, 0o644)
        return dst

    def capture(self, records, name=None, linktype=pcapng.udsrec.LINKTYPE_USER12):
        """Write records (bytes) to a world-readable pcapng; return its path."""
        self.n += 1
        return self.write(name or "cap%03d.pcapng" % self.n,
                          pcapng.pcapng_bytes(records, linktype))

    # ------------------------------------------------------------ fields

    def assert_unix(self, pcap, extra=()):
        """The plugin is loaded and at least one frame is `unix`: asked of
        tshark once per file (as it is now) and options. A tshark run
        costs half a second or more; the suite asks this thousands of
        times of the same files."""
        st = os.stat(pcap)
        key = (os.path.realpath(pcap), st.st_ino, st.st_size, st.st_mtime_ns, tuple(extra))
        if key in self.unix_seen:
            return
        _, out, _ = self.run(["-r", pcap, "-Y", "unix", "-T", "fields", "-e", "frame.number"]
                             + list(extra))
        assert out.strip(), "no frame of %s dissected as unix" % pcap
        self.unix_seen.add(key)

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
        return [[wsversion.field_value(cell) for cell in line.split("\t")]
                for line in out.splitlines()]

    def frames(self, pcap, dfilter, extra=(), check_unix=True):
        """Frame numbers matching a display filter."""
        rows = self.fields(pcap, ["frame.number"], dfilter, extra, check_unix)
        return [int(r[0]) for r in rows]
