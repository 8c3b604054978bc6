"""A capture's `unix` protocol trees as text, one line per field, the same
on every Wireshark version: what tests/plugin/golden/NAME.tree holds (made
on one version by make_golden.py) and test_golden.py compares on each
version the matrix runs (4.0 on the host, 4.4 and 4.6 in chroots).

Each line is: frame number, field name, its value (`show`, booleans as
4.0 prints them) and its label (`showname`); the tree's nesting is kept by
indentation. Fields are compared, not whole text output, so a column or a
frame.* field that Wireshark itself changed between versions does not
count, while any unix.* difference does.
"""

import xml.etree.ElementTree as ET

from lib import wsversion

# Protocols whose whole tree is compared.
PROTOS = ("unix",)


def _walk(field, depth, frame, out):
    name = field.get("name", "")
    if name and (name.startswith("unix.") or name == "unix"):
        show = wsversion.field_value(field.get("show", ""))
        out.append("%d\t%s%s\t%s\t%s" % (frame, "  " * depth, name, show, field.get("showname", "")))
    for child in field.findall("field"):
        _walk(child, depth + 1, frame, out)


def tree_lines(pdml_text):
    """The unix.* fields of every packet of a -T pdml output."""
    out = []
    root = ET.fromstring(pdml_text)
    for frame, packet in enumerate(root.findall("packet"), start=1):
        for proto in packet.findall("proto"):
            if proto.get("name") not in PROTOS:
                continue
            out.append("%d\t%s\t\t%s" % (frame, proto.get("name"), proto.get("showname", "")))
            for field in proto.findall("field"):
                _walk(field, 1, frame, out)
    return out


def dump(ts, pcap):
    """tree_lines of pcap as dissected by the tests' tshark (two passes,
    as Wireshark's GUI shows a capture)."""
    _, out, _ = ts.run(["-r", pcap, "-2", "-T", "pdml"])
    return tree_lines(out)
