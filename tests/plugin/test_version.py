"""The plugin says the version written in cmake/version.cmake (the one place
it is written), as `tshark -G plugins` lists it, on every Wireshark."""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def test_plugin_version_is_the_project_version(ts):
    with open(os.path.join(HERE, "..", "..", "cmake", "version.cmake")) as f:
        want = re.search(r"^set\(UDSDUMP_VERSION (\S+)\)", f.read(), re.M).group(1)
    _, out, _ = ts.run(["-G", "plugins"])
    line = [l for l in out.splitlines() if "udsdump.so" in l][0]
    assert line.split("\t")[1] == want, line
