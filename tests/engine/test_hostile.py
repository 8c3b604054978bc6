"""Hostile senders: 253 passed descriptors, control buffers with lying
cmsg_len values, a 1-byte sun_path, a 108-byte sun_path without NUL, an
abstract name full of NULs and non-UTF-8 bytes. Recorded faithfully, and
shown safely by tshark with the plugin."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from lib.engine import PYTHON, REPO_DIR, SENDERS, udsrec


def escaped(name: bytes, abstract: bool) -> str:
    """The plugin's display rule (plugin README/tests): printable ASCII
    other than backslash as is, every other byte as \\xNN."""
    out = "@" if abstract else ""
    for c in name:
        out += chr(c) if 0x20 <= c < 0x7f and c != 0x5c else "\\x%02x" % c
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from lib.engine import Udsdump
    d = tmp_path_factory.mktemp("hostile")
    os.chmod(d, 0o755)
    out = d / "h.pcapng"
    u = Udsdump([], out)
    u.start()
    try:
        r = subprocess.run([PYTHON, str(SENDERS / "hostile.py"), str(d)],
                           capture_output=True, timeout=120)
    finally:
        rc = u.stop()
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert rc == 0, u.stderr
    return json.loads(r.stdout.decode().splitlines()[-1]), u.read(), out


def data_on(cap, inode):
    return [r for r in cap.records if r.event == udsrec.EV_DATA
            and r.socket.inode == inode]


def test_253_descriptors(hostile):
    log, cap, _ = hostile
    m = log["many_fds"]
    assert m["received"] == 253
    recs = [r for r in data_on(cap, m["inode"]) if r.scm_rights]
    assert len(recs) == 1
    fds = recs[0].scm_rights
    assert [f.fd for f in fds] == m["fds"]
    described = [f for f in fds if not f.fd_flags & udsrec.FDF_UNRESOLVED]
    assert len(described) >= 1
    assert all(f.file_kind == udsrec.FK_CHR and f.inode == m["devnull_ino"]
               for f in described)
    assert all(f.path == b"/dev/null" for f in described)


def test_lying_cmsg_len_refused_by_kernel_and_capture_goes_on(hostile):
    log, cap, _ = hostile
    lies = log["lies"]
    assert all(x["ret"] == -1 for x in lies["results"]), lies
    recs = data_on(cap, lies["inode"])
    # what the kernel refused was never sent: only the honest message
    assert [r.payload for r in recs] == [b"honest after lies"]


def test_more_cmsgs_than_parsed_are_flagged(hostile):
    log, cap, _ = hostile
    recs = data_on(cap, log["many_cmsgs"]["inode"])
    assert len(recs) == 1 and recs[0].payload == b"nine cmsgs"
    assert recs[0].has(udsrec.F_CMSG_TRUNCATED)


def test_one_byte_path(hostile):
    log, cap, _ = hostile
    recs = data_on(cap, log["one_byte"]["sender_inode"])
    assert recs and recs[0].dest_addr is not None
    assert recs[0].dest_addr.kind == udsrec.ADDR_PATHNAME
    assert recs[0].dest_addr.name == bytes.fromhex(log["one_byte"]["name"])


def test_108_byte_path_without_nul(hostile):
    log, cap, _ = hostile
    name = bytes.fromhex(log["long_path"]["name"])
    recs = data_on(cap, log["long_path"]["client_inode"])
    assert recs
    p = recs[0].socket_path()
    assert p.kind == udsrec.ADDR_PATHNAME and p.name == name and len(name) == 108


def test_abstract_name_with_nuls_and_bad_utf8(hostile):
    log, cap, _ = hostile
    recs = data_on(cap, log["abstract"]["client_inode"])
    assert recs
    p = recs[0].socket_path()
    assert p.kind == udsrec.ADDR_ABSTRACT
    assert p.name == bytes.fromhex(log["abstract"]["name"])


def test_tshark_shows_hostile_names_safely(hostile):
    log, cap, pcap = hostile
    plugin = os.environ.get("UDSDUMP_PLUGIN") or str(
        REPO_DIR / "build" / "plugin" / "udsdump.so")
    assert os.path.exists(plugin), "plugin not built"
    root = tempfile.mkdtemp(prefix="udsdump-hostile-")
    try:
        epan = os.path.join(root, "4.0", "epan")
        os.makedirs(epan)
        shutil.copy(plugin, epan)
        shutil.copy(pcap, os.path.join(root, "h.pcapng"))
        for dp, dn, fn in os.walk(root):
            os.chmod(dp, 0o755)
            for f in fn:
                os.chmod(os.path.join(dp, f), 0o644)
        env = {"PATH": "/usr/bin:/bin", "HOME": root,
               "WIRESHARK_PLUGIN_DIR": root, "WIRESHARK_CONFIG_DIR": root,
               "WIRESHARK_ABORT_ON_DISSECTOR_BUG": "1"}
        pre = ["setpriv", "--reuid=nobody", "--regid=nogroup",
               "--clear-groups"]
        g = subprocess.run(pre + ["tshark", "-G", "plugins"], env=env,
                           capture_output=True, text=True)
        assert os.path.join(epan, "udsdump.so") in g.stdout
        checks = (
            (log["abstract"]["client_inode"],
             escaped(bytes.fromhex(log["abstract"]["name"]), True)),
            (log["long_path"]["client_inode"],
             escaped(bytes.fromhex(log["long_path"]["name"]), False)),
        )
        for ino, want in checks:
            r = subprocess.run(
                pre + ["tshark", "-n", "-r", os.path.join(root, "h.pcapng"),
                       "-Y", "unix.event == 1 && unix.inode == %d" % ino,
                       "-T", "fields", "-e", "unix.path"],
                env=env, capture_output=True, timeout=120)
            assert r.returncode == 0, r.stderr
            assert b"Dissector bug" not in r.stderr + r.stdout
            lines = r.stdout.decode("utf-8").splitlines()
            assert lines and all(l == want for l in lines), (lines, want)
        # the whole file, every field: no crash, no dissector bug
        r = subprocess.run(pre + ["tshark", "-nVxr",
                                  os.path.join(root, "h.pcapng")],
                           env=env, capture_output=True, timeout=300)
        assert r.returncode == 0 and b"Dissector bug" not in r.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)
