"""valgrind on tshark with the plugin from build/ over small captures (the
stored real captures and a few random records): no invalid read or write and
no leak (definitely, indirectly or possibly lost) whose stack has a frame in
udsdump.so. Slow, so the files are small."""

import os
import random
import re
import xml.etree.ElementTree as ET

import pytest

import fuzzlib

LEAKS = ("Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost")


def plugin_errors(xml_path):
    """(kind, stack) of every valgrind error with a frame in udsdump.so."""
    root = ET.parse(xml_path).getroot()
    out = []
    for e in root.iter("error"):
        kind = e.findtext("kind")
        objs = [f.findtext("obj") or "" for f in e.iter("frame")]
        if any(o.endswith("udsdump.so") for o in objs):
            fns = ["%s (%s:%s)" % (f.findtext("fn"), f.findtext("file"), f.findtext("line"))
                   for f in e.iter("frame")]
            out.append((kind, fns[:12]))
    return out


@pytest.mark.parametrize("which", ["golden", "random"])
def test_valgrind_tshark(pts, golden_captures, which):
    if which == "golden":
        files = [pts.stage(c) for c in golden_captures]
    else:
        rng = random.Random(5)
        files = [pts.write("vg-random.pcapng", fuzzlib.random_capture(rng, 60))]
    for f in files:
        xml = os.path.join(pts.root, os.path.basename(f) + ".vg.xml")
        rc, out, err = pts.raw(
            ["-nVx", "-2", "-r", f],
            wrapper=["/usr/bin/valgrind", "--tool=memcheck", "--leak-check=full",
                     "--show-leak-kinds=definite,indirect,possible", "--xml=yes",
                     "--xml-file=" + xml, "--num-callers=40"],
            timeout=900)
        assert rc == 0, err[-3000:]
        assert not fuzzlib.problems(rc, out, err), err[-3000:]
        n = fuzzlib.unix_frames(out)
        assert n >= 1, "no unix frame in " + f
        assert os.path.exists(xml), "valgrind wrote no report"
        bad = plugin_errors(xml)
        assert not bad, "%s: valgrind errors in udsdump.so:\n%s" % (
            f, "\n".join("%s\n  %s" % (k, "\n  ".join(s)) for k, s in bad[:10]))
        # valgrind really ran on tshark with the plugin loaded
        text = open(xml).read()
        assert re.search(r"<exe>/usr/bin/tshark</exe>|tshark", text)
