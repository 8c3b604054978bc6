"""Which Wireshark the tests' tshark is, and how its output differs from
4.0's. Plugins load only from <plugin dir>/<major.minor>/epan/ of the
version they were built for, so the staging directory is named after the
tshark that will read it; fields are compared as 4.0 prints them."""

import functools
import re
import subprocess

TSHARK = "/usr/bin/tshark"


@functools.lru_cache(maxsize=None)
def major_minor(tshark=TSHARK):
    """'4.0', '4.4', '4.6', ... from `tshark --version`."""
    p = subprocess.run([tshark, "--version"], capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    first = p.stdout.splitlines()[0] if p.stdout else ""
    m = re.search(r"\b(\d+)\.(\d+)\.\d+", first)
    if p.returncode != 0 or not m:
        raise RuntimeError("cannot tell the version of %s: %r %r" % (tshark, p.stdout, p.stderr))
    return "%s.%s" % m.groups()


def at_least(major, minor):
    """The tests' tshark is major.minor or newer."""
    have = tuple(int(x) for x in major_minor().split("."))
    return have >= (major, minor)


def plugin_epan_dir(plugin_dir):
    """Where a plugin under WIRESHARK_PLUGIN_DIR=plugin_dir is looked for."""
    return "%s/%s/epan" % (plugin_dir, major_minor())


def field_value(cell):
    """A -T fields cell as Wireshark 4.0 prints it: later versions print
    booleans as True/False and escape backslashes (measured on 4.4 and 4.6)."""
    if not at_least(4, 2):
        return cell
    cell = cell.replace("\\\\", "\\")
    return ",".join({"True": "1", "False": "0"}.get(v, v) for v in cell.split(","))


def http_body(value):
    """http.file_data as bytes: a string in 4.0, bytes (hex) after it (measured on
    4.4 and 4.6)."""
    return bytes.fromhex(value) if at_least(4, 2) else value.encode()
