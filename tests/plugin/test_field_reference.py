"""doc/FIELDS.md, the reference of every display-filter field of the
plugin, cannot drift from the plugin: every `unix.*` and `dbus_auth.*`
field that `tshark -G fields` lists is documented once, with its type, a
meaning and an example filter; nothing else is; and every example is a
filter this Wireshark compiles."""

import os
import re

from lib.paths import REPO

FIELDS_MD = os.path.join(REPO, "doc", "FIELDS.md")
OURS = re.compile(r"^(unix|dbus_auth)(\.|$)")


def registered(ts):
    """abbrev -> type (without FT_) of the plugin's fields."""
    _, out, _ = ts.run(["-G", "fields"])
    rows = [l.split("\t") for l in out.splitlines()]
    return {r[2]: r[3][3:] for r in rows if r[0] == "F" and OURS.match(r[2])}


def documented():
    """abbrev -> (type, meaning, example) of FIELDS.md's table rows."""
    rows = {}
    with open(FIELDS_MD) as f:
        for line in f:
            m = re.match(r"^\| `([^`]+)` \| (\w+) \| (.*) \| `(.*)` \|$", line.rstrip("\n"))
            if not m:
                assert not re.match(r"^\| `", line), "a row not of the four columns: " + line
                continue
            name, typ, meaning, example = m.groups()
            assert name not in rows, "%s documented twice" % name
            rows[name] = (typ, meaning.strip(), example)
    return rows


def test_every_field_documented_with_its_type(ts):
    fields, doc = registered(ts), documented()
    assert len(fields) > 150, "the plugin registers %d fields?" % len(fields)
    missing = sorted(set(fields) - set(doc))
    assert not missing, "not in doc/FIELDS.md: %s" % missing
    extra = sorted(set(doc) - set(fields))
    assert not extra, "in doc/FIELDS.md but not registered: %s" % extra
    wrong = sorted("%s: %s, registered %s" % (n, doc[n][0], t) for n, t in fields.items() if doc[n][0] != t)
    assert not wrong, "types differ: %s" % wrong


def test_every_field_has_meaning_and_its_own_example(ts):
    for name, (_, meaning, example) in documented().items():
        assert len(meaning.split()) >= 3, "%s: no meaning" % name
        assert re.match(r"^%s\b" % re.escape(name), example), "%s: example %r" % (name, example)


def test_every_example_compiles(ts):
    examples = [e for _, _, e in documented().values()]
    # one tshark: the filter of every example, ORed, must compile
    pcap = os.path.join(REPO, "tests", "plugin", "golden", "protocols", "redis.pcapng")
    rc, out, err = ts.run(["-r", ts.stage(pcap), "-c", "1", "-Y",
                           " || ".join("(%s)" % e for e in examples)], check=False)
    assert rc == 0, "an example does not compile: %s" % err
