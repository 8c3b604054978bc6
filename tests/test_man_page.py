"""doc/udsdump.1 renders, and cannot drift from the program: every option
of the option table (as `udsdump --help` prints it, which is made from
src/core/option_table.c) and every word of the capture-filter language
(src/core/filter.c) is documented, no option that does not exist is, and
the exit statuses are the README's."""

import os
import re
import subprocess

import pytest

from lib.paths import REPO, UDSDUMP

MAN = os.path.join(REPO, "doc", "udsdump.1")


def source():
    with open(MAN) as f:
        return f.read()


def section(text, name):
    """The roff source of one .SH section."""
    m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(name), text, re.M | re.S)
    assert m, "no section %s" % name
    return m.group(1)


def unescape(roff):
    return roff.replace("\\-", "-")


def table_options():
    """(short, long) of every option, from udsdump --help."""
    out = subprocess.run([UDSDUMP, "--help"], capture_output=True, text=True, check=True).stdout
    opts = re.findall(r"^  (?:-(\w), )?--([a-z][a-z-]*)", out, re.M)
    assert len(opts) >= 25, out
    return opts


def documented_options(text):
    """Long options named in the headers (.TP lines) of OPTIONS."""
    opts = section(text, "OPTIONS")
    heads = re.findall(r"^\.TP\n(\..*)$", opts, re.M)
    return {m for h in heads for m in re.findall(r"--([a-z][a-z-]*)", unescape(h))}


def test_renders_without_warnings():
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["man", "-l", MAN], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
    assert r.returncode == 0, r.stderr
    for head in ("NAME", "SYNOPSIS", "OPTIONS", "CAPTURE FILTERS", "PRIVILEGES", "EXIT STATUS",
                 "EXAMPLES"):
        assert re.search(r"^%s$" % head, r.stdout, re.M), "rendered page lacks %s" % head


def test_every_option_documented_and_no_other():
    text = source()
    documented = documented_options(text)
    heads = unescape("\n".join(re.findall(r"^\.TP\n(\..*)$", section(text, "OPTIONS"), re.M)))
    for short, long in table_options():
        assert long in documented, "--%s is not in doc/udsdump.1" % long
        if short:
            assert re.search(r"(^|[\s\"])-%s\b" % short, heads, re.M), \
                "-%s (--%s) is not in doc/udsdump.1" % (short, long)
    known = {long for _, long in table_options()}
    assert documented - known == set(), "documented but not options: %s" % (documented - known)


def filter_words():
    with open(os.path.join(REPO, "src", "core", "filter.c")) as f:
        c = f.read()
    m = re.search(r"is_primitive_word.*?words\[\] = \{(.*?)\};", c, re.S)
    assert m, "filter.c's words[] not found"
    words = re.findall(r'"([a-z-]+)"', m.group(1))
    assert "path" in words and "netns" in words, words
    return words


@pytest.mark.parametrize("word", filter_words())
def test_filter_word_documented(word):
    filters = unescape(section(source(), "CAPTURE FILTERS"))
    assert re.search(r"(^\.B[IR]* |\\fP)%s\b" % re.escape(word), filters, re.M), \
        "the filter word %r is not in CAPTURE FILTERS" % word


def test_exit_statuses_match_the_readme():
    statuses = re.findall(r"^\.TP\n\.B (\d)$", section(source(), "EXIT STATUS"), re.M)
    assert statuses == ["0", "1", "2"], statuses
    with open(os.path.join(REPO, "README.md")) as f:
        assert "Exit status: 0 after a normal stop, 1 on a runtime error, 2 on a usage error." \
            in f.read()
