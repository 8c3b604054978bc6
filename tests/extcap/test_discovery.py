"""What Wireshark asks an extcap before any capture: the interface list,
link types, the options dialog and the capture-filter check, through tshark
where tshark can show it."""

import os
import re
import shutil
import subprocess

import pytest

from lib.extcap import UDSDUMP, need, ws_env


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture
def tshark():
    need(shutil.which("tshark") is not None, "tshark is not installed")


def parse_line(line):
    """'arg {number=0}{call=--x}...' -> ('arg', {'number': '0', ...})"""
    kind, rest = line.split(" ", 1)
    return kind, dict(re.findall(r"\{([a-z]+)=([^}]*)\}", rest))


def test_tshark_lists_unix_sockets(tshark, wsdir, tmp_path):
    out = run("tshark", "-D", env=ws_env(wsdir)).stdout
    assert re.search(r"^\d+\. udsdump \(Unix sockets\)$", out, re.M), out
    # and the entry comes from the config dir: an empty one has no such line
    empty = tmp_path / "empty"
    (empty / "extcap").mkdir(parents=True)
    out2 = run("tshark", "-D", env=ws_env(empty)).stdout
    if "udsdump" in out2:
        # an installed copy in the global extcap dir also provides it
        assert shutil.os.path.exists("/usr/lib/x86_64-linux-gnu/wireshark/extcap/udsdump")
    else:
        assert "Unix sockets" not in out2


def test_interfaces_and_version(udsdump_bin):
    out = run(udsdump_bin, "--extcap-interfaces", "--extcap-version=4.0").stdout.splitlines()
    kinds = [parse_line(l) for l in out]
    assert kinds[0][0] == "extcap"
    assert re.fullmatch(r"\d+\.\d+\.\d+", kinds[0][1]["version"])
    assert kinds[0][1]["help"].endswith("README.md")
    ifaces = [f for k, f in kinds if k == "interface"]
    assert ifaces == [{"value": "udsdump", "display": "Unix sockets"}]
    v = run(udsdump_bin, "--version").stdout.split()[-1]
    assert v == kinds[0][1]["version"]
    # the one place the version is written
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "cmake", "version.cmake")) as f:
        assert v == re.search(r"^set\(UDSDUMP_VERSION (\S+)\)", f.read(), re.M).group(1)


def test_dlts_through_tshark(tshark, wsdir):
    r = run("tshark", "-i", "udsdump", "-L", env=ws_env(wsdir))
    assert r.returncode == 0, r.stderr
    assert "USER12" in r.stdout and "udsdump records" in r.stdout
    out = run(UDSDUMP, "--extcap-dlts", "--extcap-interface", "udsdump").stdout
    k, f = parse_line(out.strip())
    assert (k, f["number"], f["name"]) == ("dlt", "159", "USER12")


def test_unknown_interface_is_an_error(udsdump_bin):
    r = run(udsdump_bin, "--extcap-config", "--extcap-interface", "eth0")
    assert r.returncode != 0 and "unknown interface 'eth0'" in r.stderr


def cli_long_options():
    """The long options of the command line, from its --help."""
    help_text = run(UDSDUMP, "--help").stdout
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", help_text, re.M))


def test_config_offers_every_capture_option(udsdump_bin):
    out = run(udsdump_bin, "--extcap-config", "--extcap-interface", "udsdump").stdout
    lines = [parse_line(l) for l in out.splitlines()]
    args = {f["number"]: f for k, f in lines if k == "arg"}
    values = [f for k, f in lines if k == "value"]
    for f in args.values():
        for key in ("call", "display", "type", "tooltip"):
            assert f.get(key), "arg %s lacks %s" % (f, key)
        assert f["type"] in ("boolean", "boolflag", "double", "fileselect", "integer", "long",
                             "multicheck", "password", "radio", "selector", "string",
                             "timestamp", "unsigned")
    calls = {f["call"] for f in args.values()}
    # Not capture options: output and its ring of files, stop conditions
    # (Wireshark has both itself: its ring buffer, its autostop), stderr
    # summary and verbosity, help, the kernel report; the filter comes
    # from the capture-filter box.
    not_offered = {"--write", "--count", "--duration", "--file-size", "--rotate-seconds",
                   "--file-count", "--summary", "--quiet", "--help", "--version", "--filter",
                   "--verbose", "--probe"}
    missing = cli_long_options() - not_offered - calls
    assert not missing, "CLI options missing from --extcap-config: %s" % missing
    assert {"--log-level", "--log-file"} <= calls
    for f in args.values():
        if f["call"] in ("--log-level", "--log-file"):
            assert f["group"] == "Debug"
    # selectors have values and exactly one default
    for num, f in args.items():
        if f["type"] == "selector":
            vs = [v for v in values if v["arg"] == num]
            assert vs, "selector %s has no values" % f["call"]
            assert sum(v.get("default") == "true" for v in vs) == 1, f["call"]
    ranges = {f["call"]: f.get("range") for f in args.values()}
    assert ranges["--pid"] == "1,1073741823"
    types = {f["call"]: f["type"] for f in args.values()}
    assert types["--no-payload"] == "boolflag" and types["--type"] == "selector"


def test_tshark_knows_the_options_as_preferences(tshark, wsdir):
    out = run("tshark", "-G", "currentprefs", env=ws_env(wsdir)).stdout
    prefs = set(re.findall(r"^#?extcap\.udsdump\.([a-z]+):", out, re.M))
    for name in ("path", "pathprefix", "pid", "comm", "uid", "inode", "type", "snaplen",
                 "nopayload", "buffersize", "loglevel", "logfile"):
        assert name in prefs, "extcap.udsdump.%s missing from tshark's preferences" % name


@pytest.mark.parametrize("expr", [
    "path /run/docker.sock and not pid 1", "abstract", "type dgram", "comm redis-server",
    "uid 1000", "inode 1234", "prefix /run/", "(path /a or path /b) and not comm sshd", ""])
def test_valid_filter_prints_nothing(udsdump_bin, expr):
    r = run(udsdump_bin, "--extcap-capture-filter", expr, "--extcap-interface", "udsdump")
    assert r.returncode == 0 and r.stdout == "", r.stdout


@pytest.mark.parametrize("expr,msg", [
    ("pid 1 or pid 2", "'or' may only join"),
    ("not path /x", "can be negated"),
    ("port 80", "unknown condition 'port'"),
    ("pid", "needs a number"),
    ("(pid 1", "missing ')'"),
    ("type raw", "bad socket type"),
])
def test_bad_filter_prints_one_line(udsdump_bin, expr, msg):
    r = run(udsdump_bin, "--extcap-capture-filter", expr, "--extcap-interface", "udsdump")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and msg in lines[0], r.stdout


def test_cli_takes_the_same_filter(udsdump_bin):
    r = run(udsdump_bin, "-w", "/dev/null", "pid", "1", "or", "pid", "2")
    assert r.returncode == 2 and "bad capture filter: 'pid 1 or pid 2'" in r.stderr
    r = run(udsdump_bin, "-w", "/dev/null", "-f", "type raw")
    assert r.returncode == 2 and "bad socket type 'raw'" in r.stderr
