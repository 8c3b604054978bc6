"""The plugin on captures made by the real udsdump during the test.

Needs root, eBPF and the udsdump binary (env UDSDUMP, default build/udsdump):
skipped with the reason otherwise, except under CI=true where that fails.
Expected values come from the senders' own logs (tests/senders/), never from
the dissector.
"""

import hashlib
import os
import shutil

import pytest

from lib.capture import capture_to
from lib.paths import sender

pytestmark = pytest.mark.live


def capture(ts, name, udsdump_args, sender_args, timeout=60):
    """Run udsdump around one sender; return (pcap path, sender log)."""
    return capture_to(ts.captures, name, udsdump_args, sender_args, timeout)


def follow_chunks(ts, pcap, stream):
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,raw,%d" % stream])
    lines = out.splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith("Node 1:"))
    client, server = bytearray(), bytearray()
    for l in lines[i + 1:]:
        if l.startswith("===="):
            break
        (server if l.startswith("\t") else client).extend(bytes.fromhex(l.strip()))
    return bytes(client), bytes(server)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def workdir(ts, name):
    d = os.path.join(ts.root, "live-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(d, 0o777)
    return d


def test_live_pathname_stream(ts):
    d = workdir(ts, "path")
    path = os.path.join(d, "s.sock")
    pcap, log = capture(ts, "live-path.pcapng", ["--path", path],
                        [sender("traffic.py"), "--addr", "path:" + path,
                         "--type", "stream", "--syscalls", "write,sendmsg",
                         "--sizes", "5,70000", "--reply", "10",
                         "--client-comm", "ucli", "--server-comm", "usrv"])
    c, s = log["client"], log["server"]
    rows = ts.fields(pcap, ["unix.task.pid", "unix.task.comm", "unix.inode", "unix.path",
                            "unix.addr.kind", "unix.sock_type", "unix.stream"], "unix.event == 1")
    assert rows
    by_pid = {}
    for pid, comm, inode, upath, kind, stype, stream in rows:
        by_pid.setdefault(pid, set()).add((comm, inode, upath, kind, stype, stream))
    assert by_pid[str(c["pid"])] == {("ucli", str(c["inode"]), path, "1", "1", rows[0][6])}
    assert by_pid[str(s["pid"])] == {("usrv", str(s["inode"]), path, "1", "1", rows[0][6])}
    # follow prints exactly the bytes each side sent
    client, server = follow_chunks(ts, pcap, int(rows[0][6]))
    assert len(client) == c["sent_len"] and sha(client) == c["sent_sha256"]
    assert len(server) == s["sent_len"] and sha(server) == s["sent_sha256"]
    # one conversation, and no stream gap
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "conv,unix"])
    assert len([l for l in out.splitlines() if "<->" in l]) == 1, out
    assert ts.frames(pcap, "unix.expert.gap") == []
    # the peer of the client's records is the server
    peers = ts.fields(pcap, ["unix.peer_inode"], "unix.task.pid == %d && unix.peer_inode != 0" % c["pid"])
    assert {r[0] for r in peers} <= {str(s["inode"])}


def test_live_abstract_seqpacket(ts):
    name = "udsdump-plugin-%d" % os.getpid()
    pcap, log = capture(ts, "live-abstract.pcapng", ["--path", "@" + name],
                        [sender("traffic.py"), "--addr", "abstract:" + name,
                         "--type", "seqpacket", "--syscalls", "send", "--sizes", "3,300",
                         "--client-comm", "acli", "--server-comm", "asrv"])
    rows = ts.fields(pcap, ["unix.path", "unix.addr.kind", "unix.sock_type", "unix.task.comm"],
                     "unix.event == 1")
    assert rows
    assert {(r[0], r[1], r[2]) for r in rows} == {("@" + name, "2", "5")}
    assert {r[3] for r in rows} <= {"acli", "asrv"} and "acli" in {r[3] for r in rows}


def test_live_socketpair_dgram(ts):
    pcap, log = capture(ts, "live-pair.pcapng", ["--comm", "pcli"],
                        [sender("traffic.py"), "--addr", "pair", "--type", "dgram",
                         "--syscalls", "write", "--sizes", "7,8", "--client-comm", "pcli",
                         "--server-comm", "psrv"])
    c = log["client"]
    rows = ts.fields(pcap, ["unix.path", "unix.addr.kind", "unix.sock_type", "unix.task.pid",
                            "unix.inode", "unix.payload_len"], "unix.event == 1")
    assert [r[5] for r in rows] == ["7", "8"]
    assert {tuple(r[:5]) for r in rows} == {("(unnamed)", "0", "2", str(c["pid"]), str(c["inode"]))}


def test_live_scm_rights_and_creds(ts):
    d = workdir(ts, "scm")
    pcap, log = capture(ts, "live-scm.pcapng", ["--path", os.path.join(d, "scm.sock")],
                        [sender("scm_send.py"), "--dir", d, "--client-comm", "scmc"])
    msgs = log["server"]["messages"]
    rights = [m for m in msgs if m["fds"]][0]
    creds = [m for m in msgs if not m["fds"]][0]["creds"]
    f = log["rights"]["file"]
    lst = log["rights"]["listen"]
    rows = ts.fields(pcap, ["unix.scm.rights.fd", "unix.scm.rights.kind", "unix.scm.rights.inode",
                            "unix.scm.rights.mode", "unix.scm.rights.path",
                            "unix.scm.rights.sock_family", "unix.scm.rights.sock_type",
                            "unix.scm.rights.dev_major", "unix.scm.rights.dev_minor"],
                     "unix.scm.rights && unix.event == 1")
    # the first message carrying descriptors (the sender may send more)
    assert rows
    fds, kinds, inodes, modes, paths, fams, stypes, majors, minors = rows[0]
    # what the receiver got, in order: the listening socket, then the file
    assert inodes.split(",") == [str(x["ino"]) for x in rights["fds"]]
    assert modes.split(",") == [str(x["mode"]) for x in rights["fds"]]
    assert fds.split(",") == [str(x) for x in log["rights"]["fds"]]
    assert kinds.split(",") == ["3", "1"]  # socket, regular file
    assert paths.split(",") == ["socket:[%d]" % lst["inode"], f["realpath"]]
    assert fams.split(",")[0] == str(lst["family"]) and stypes.split(",")[0] == str(lst["sock_type"])
    assert majors.split(",")[1] == str(f["dev_major"]) and minors.split(",")[1] == str(f["dev_minor"])
    got = ts.fields(pcap, ["unix.scm.creds.pid", "unix.scm.creds.uid", "unix.scm.creds.gid"],
                    "unix.scm.creds.pid && unix.event == 1")
    assert got[0] == [str(creds["pid"]), str(creds["uid"]), str(creds["gid"])]
