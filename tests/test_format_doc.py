"""The C header (include/udsdump/record.h) against the document
(doc/FORMAT.md), and the Python reader's constants (tests/udsrec.py, copied
from the document by hand) against the document too: the decision "a test
checks the header against the document". Numbers are read from the
document's own tables, so a row added to one side only fails here."""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import udsrec  # noqa: E402

DOC = open(os.path.join(REPO, "doc", "FORMAT.md"), encoding="utf-8").read()
HEADER = open(os.path.join(REPO, "include", "udsdump", "record.h"),
              encoding="utf-8").read()


def doc_section(title):
    """The text from the heading `title` to the next heading."""
    m = re.search(r"^#+ %s\n(.*?)(?=^#+ |\Z)" % re.escape(title), DOC,
                  re.M | re.S)
    assert m, "FORMAT.md has no section %r" % title
    return m.group(1)


def doc_table(title):
    """{NAME: number} of the table rows `| number | NAME | ... |`."""
    rows = re.findall(r"^\| (\d+) \| ([A-Z_]+) \|", doc_section(title), re.M)
    assert rows, "no table in FORMAT.md section %r" % title
    return {name: int(n) for n, name in rows}


def header_enum(prefix):
    return {name: int(n) for name, n in
            re.findall(r"^\s*%s(\w+) = (\d+)," % prefix, HEADER, re.M)
            if name != "MAX"}


def test_events_match():
    doc = doc_table("Events")
    assert header_enum("UDS_EV_") == doc
    assert re.search(r"UDS_EV_MAX = %d," % max(doc.values()), HEADER)
    assert {v: k for k, v in doc.items()} == udsrec.EVENT_NAMES
    for name, n in doc.items():
        assert getattr(udsrec, "EV_" + name) == n, name


def test_tlv_types_match():
    doc = doc_table("TLVs")
    assert header_enum("UDS_TLV_") == doc
    assert re.search(r"UDS_TLV_MAX = %d," % max(doc.values()), HEADER)
    for name, n in doc.items():
        assert getattr(udsrec, "T_" + name) == n, name
    assert set(udsrec.TLV_MIN_LEN) == set(doc.values())


def test_flags_match():
    doc = doc_table("Flags")
    header = {name: int(bit) for name, bit in
              re.findall(r"#define UDS_F_(\w+) \(1u << (\d+)\)", HEADER)}
    assert header == doc
    assert {n: 1 << b for n, b in doc.items()} == \
        {v: k for k, v in udsrec.FLAG_NAMES.items()}


def test_fixed_sizes_match():
    """`— N bytes` in the TLV table is UDS_TLV_<NAME>_LEN; "(N bytes, then"
    of a variable value is UDS_TLV_<NAME>_FIXED_LEN; both are udsrec's
    minimum lengths."""
    types = doc_table("TLVs")
    fixed = dict(re.findall(r"^\| \d+ \| ([A-Z_]+) \|.*— (\d+) bytes\b",
                            doc_section("TLVs"), re.M))
    variable = dict(re.findall(r"\*\*([A-Z_]+)\*\*[^(*]*\((\d+) bytes, then",
                               DOC))
    assert fixed and variable
    for kind, sizes in (("LEN", fixed), ("FIXED_LEN", variable)):
        for name, n in sizes.items():
            m = re.search(r"#define UDS_TLV_%s_%s (\d+)" % (name, kind),
                          HEADER)
            assert m, "record.h has no UDS_TLV_%s_%s" % (name, kind)
            assert int(m.group(1)) == int(n), name
            assert udsrec.TLV_MIN_LEN[types[name]] == int(n), name


def test_engine_missing_sources_match():
    text = doc_section("Engine records (event 9, ENGINE)")
    doc = {int(n): what for n, what in
           re.findall(r"(\d): (the kernel lacks it|present, but hidden)",
                      text)}
    assert doc == {1: "the kernel lacks it", 2: "present, but hidden"}
    header = header_enum("UDS_MISSING_")
    assert header == {"KERNEL": 1, "WITHOUT": 2}
    assert (udsrec.MISSING_KERNEL, udsrec.MISSING_WITHOUT) == (1, 2)


def test_repeatable_types_match():
    m = re.search(r"A type may repeat only\s+where said \(([^)]*)\)", DOC)
    assert m
    names = re.findall(r"`([A-Z_]+)`", m.group(1))
    types = doc_table("TLVs")
    assert {types[n] for n in names} == udsrec.TLV_REPEATABLE


SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "i32": 4}


def _offsets(fields):
    """{name: offset} of (type, name, count) fields laid end to end."""
    out, o = {}, 0
    for ftype, name, count in fields:
        out.setdefault(name, o)
        o += SIZES[ftype] * count
    return out


def doc_offsets():
    """Every field's offset, as doc/FORMAT.md lays the fields out: the
    header's and SCM_RIGHTS_FD's "offset type name" blocks, ENGINE_MISSING's
    list, and the TLV table's `type name` sequences (LOCAL_ADDR standing for
    the three address TLVs, "ADDR")."""
    doc = {}
    blocks = re.findall(r"^offset size field\n(.*?)^```", DOC, re.M | re.S)
    assert len(blocks) == 1
    doc["HDR"] = {name: int(off) for off, _size, name in
                  re.findall(r"^(\d+)\s+(\d+)\s+([a-z_]+)\s", blocks[0], re.M)}
    for tlv, text in (("SCM_RIGHTS_FD", doc_section("TLVs")),
                      ("ENGINE_MISSING", doc_section("Engine records (event 9, ENGINE)"))):
        m = re.search(r"\*\*%s\*\*.*?```\n(.*?)```" % tlv, text, re.S)
        assert m, tlv
        doc[tlv] = {name: int(off) for off, name in
                    re.findall(r"^\s*(\d+)\s+(?:[iu]\d+|\.\.\.)\s+([a-z_]+)", m.group(1), re.M)}
    rows = re.findall(r"^\| \d+ \| ([A-Z_]+) \| (.*) \|$", doc_section("TLVs"), re.M)
    for tlv, value in rows:
        fields = []
        for ftype, arr, name, carr in re.findall(
                r"`(u8|u16|u32|u64|i32|char)(?:\[(\d+)\])? ([a-z_]+)(?:\[(\d+)\])?`", value):
            fields.append(("u8" if ftype == "char" else ftype, name, int(arr or carr or 1)))
        if fields:
            tail = re.search(r"then (?:its |the )?(data|name|path|id) bytes", value)
            offs = _offsets(fields + ([("u8", tail.group(1), 0)] if tail else []))
            doc["ADDR" if tlv == "LOCAL_ADDR" else tlv] = offs
    return doc


def test_field_offsets_match():
    """The offsets of every field: the document, the C header's
    UDS_<TLV>_OFF_<FIELD> (reserved fields have none: they are written 0)
    and tests/udsrec.py's OFF, which reads by them."""
    doc = doc_offsets()
    assert set(doc) >= {"HDR", "SOCKET", "TASK", "PEER_CRED", "PEER_TASK", "ADDR",
                        "STREAM", "SCM_RIGHTS_FD", "SCM_CREDS", "CMSG_RAW", "LOSS",
                        "ENGINE_MISSING"}, sorted(doc)
    assert doc["STREAM"]["syscall"] == 20 and doc["SCM_RIGHTS_FD"]["dev"] == 24
    header = {}
    for tlv, field, n in re.findall(r"#define UDS_([A-Z_]+?)_OFF_([A-Z_]+) (\d+)", HEADER):
        header.setdefault(tlv, {})[field.lower()] = int(n)
    header.pop("TLV")  # the TLV header's own type and length
    for tlv, fields in doc.items():
        named = {k: v for k, v in fields.items() if k != "reserved"}
        assert header.get(tlv) == named, tlv
        assert udsrec.OFF[tlv] == fields, tlv
    assert set(header) == set(doc) == set(udsrec.OFF)
