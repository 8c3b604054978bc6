"""Who is at each end: inodes against ss -xp and /proc, peer pid/comm,
SO_PEERCRED, and the SCM_RIGHTS / SCM_CREDENTIALS ancillary data."""

import os
import socket
import stat
import subprocess
import sys
import time


import pytest

from lib.engine import (Udsdump, WaitingSender, data_of, run_sender, sha256,
                      ss_unix, udsrec, unique)


def test_inodes_match_ss_and_proc(udsdump_factory, workdir):
    """The inodes in the records are those ss -xp and /proc/PID/fd show,
    for a client and its server; peer pid and comm are right both ways.

    The server greets first, so every later record is sent after the other
    end has used its socket: from then on the peer task is known."""
    path = "%s/%s.sock" % (workdir, unique("ss"))
    ccomm, scomm = unique("c")[:15], unique("s")[:15]
    u = udsdump_factory()
    w = WaitingSender("traffic.py", "--addr", "path:" + path,
                      "--type", "stream", "--syscalls", "write,send",
                      "--sizes", "10,2000", "--greeting", "64",
                      "--reply", "300", "--client-comm", ccomm,
                      "--server-comm", scomm)
    try:
        rd = w.ready
        rows = ss_unix()
        fds = {}
        for pid in (rd["client_pid"], rd["server_pid"]):
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    fds.setdefault(pid, set()).add(
                        os.readlink("/proc/%d/fd/%s" % (pid, fd)))
                except OSError:
                    pass
        log = w.go()
    finally:
        w.kill()
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    ci, si = rd["client_inode"], rd["server_inode"]
    # what ss -xp said while the connection was up
    crow = [x for x in rows if x["inode"] == ci]
    srow = [x for x in rows if x["inode"] == si]
    assert crow and srow, "ss -xp does not list inodes %d/%d" % (ci, si)
    assert crow[0]["peer_inode"] == si and srow[0]["peer_inode"] == ci
    assert any(p == rd["client_pid"] and c == ccomm
               for c, p, _ in crow[0]["users"]), crow[0]
    assert any(p == rd["server_pid"] and c == scomm
               for c, p, _ in srow[0]["users"]), srow[0]
    assert srow[0]["local"] == path
    assert "socket:[%d]" % ci in fds[rd["client_pid"]]
    assert "socket:[%d]" % si in fds[rd["server_pid"]]
    assert log["client"]["inode"] == ci and log["server"]["inode"] == si

    crecs = data_of(cap, ci)
    srecs = data_of(cap, si)
    assert crecs, "no record of the client socket %d" % ci
    assert srecs, "no record of the server socket %d" % si
    for rec, me, peer, mypid, mycomm, peerpid, peercomm, cred in (
            [(x, ci, si, rd["client_pid"], ccomm, rd["server_pid"], scomm,
              log["client"]["peercred"]) for x in crecs]
            + [(x, si, ci, rd["server_pid"], scomm, rd["client_pid"], ccomm,
                log["server"]["peercred"]) for x in srecs]):
        where = "record of %d at offset %d" % (me, rec.stream.stream_offset)
        assert rec.socket.inode == me and rec.socket.peer_inode == peer, where
        assert rec.task.pid == mypid and rec.task.comm == mycomm, where
        assert rec.peer_cred is not None, where + ": no PEER_CRED"
        assert (rec.peer_cred.pid, rec.peer_cred.uid, rec.peer_cred.gid) == \
            (cred["pid"], cred["uid"], cred["gid"]), where
        if rec.peer_task is None and me == si and \
                rec.stream.stream_offset == 0:
            # the greeting: the client has only connect()ed so far, which
            # the default capture does not trace; "absent when unknown"
            continue
        assert rec.peer_task is not None, where + ": no PEER_TASK"
        assert rec.peer_task.pid == peerpid, \
            where + ": PEER_TASK pid %d, expected %d" % (rec.peer_task.pid,
                                                         peerpid)
        assert rec.peer_task.comm == peercomm, \
            where + ": PEER_TASK comm %r, expected %r" % (
                rec.peer_task.comm, peercomm)
        assert rec.peer_task.source in (1, 2), where
    # the digests both ways
    for recs, slog in ((crecs, log["client"]), (srecs, log["server"])):
        st = udsrec.reassemble(recs)
        assert st.complete and sha256(st.data) == slog["sent_sha256"]


def test_task_start_time_matches_proc(udsdump_factory, workdir):
    """TASK.start_ns is the task's start time since boot (the 22nd field of
    /proc/PID/stat, in clock ticks)."""
    path = "%s/%s.sock" % (workdir, unique("st"))
    u = udsdump_factory()
    w = WaitingSender("traffic.py", "--addr", "path:" + path,
                      "--sizes", "10", "--syscalls", "write")
    try:
        pid = w.ready["client_pid"]
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 overall
        log = w.go()
    finally:
        w.kill()
    time.sleep(0.5)
    u.stop()
    cap = u.read()
    recs = data_of(cap, log["client"]["inode"])
    assert recs
    hz = os.sysconf("SC_CLK_TCK")
    for rec in recs:
        assert abs(rec.task.start_ns - start_ticks * 10 ** 9 // hz) <= \
            2 * 10 ** 9 // hz, (rec.task.start_ns, start_ticks)


@pytest.fixture(scope="module")
def scm(workdir, tmp_path_factory):
    """One capture of tests/senders/scm_send.py: (log, DATA records of the
    sender by stream offset)."""
    d = workdir / unique("scm")
    d.mkdir()
    os.chmod(d, 0o755)
    u = Udsdump([], tmp_path_factory.mktemp("scm") / "scm.pcapng")
    try:
        u.start()
        log = run_sender("scm_send.py", "--dir", d)
        time.sleep(0.5)
        rc = u.stop()
    finally:
        u.kill()
    assert rc == 0, u.stderr
    cap = u.read()
    c = log["client"]
    recs = sorted(data_of(cap, c["inode"]),
                  key=lambda x: x.stream.stream_offset)
    assert recs, "no record of the SCM sender (inode %d)" % c["inode"]
    st = udsrec.reassemble(recs)
    assert st.complete and sha256(st.data) == c["sent_sha256"]
    assert st.data == b"rightscredskindsmany"
    by_off = {x.stream.stream_offset: x for x in recs}
    msgs = {}
    for e in c["sends"]:
        rec = by_off[e["offset"]]
        msgs[bytes.fromhex(e.get("data_hex", "")) or
             st.data[e["offset"]:e["offset"] + e["returned"]]] = rec
    return log, msgs


def kernel_dev(major, minor):
    return (major << 20) | minor


def test_scm_rights_socket_and_file(scm):
    log, msgs = scm
    rights = msgs[b"rights"]
    assert rights.payload == b"rights"
    ri = log["rights"]
    assert not rights.flags & udsrec.F_CMSG_TRUNCATED
    assert len(rights.scm_rights) == 2, rights.scm_rights
    ls, rf = rights.scm_rights
    L = ri["listen"]
    assert ls.fd == L["fd"]
    assert ls.file_kind == udsrec.FK_SOCKET, ls
    assert ls.fd_flags == 0, ls
    assert ls.sock_type == L["sock_type"] and ls.sock_family == L["family"]
    assert ls.inode == L["inode"], "passed socket inode %d != %d" % (
        ls.inode, L["inode"])
    assert ls.mode == L["mode"] and stat.S_ISSOCK(ls.mode)
    assert ls.path == b"socket:[%d]" % L["inode"], ls.path
    F = ri["file"]
    assert rf.fd == F["fd"]
    assert rf.file_kind == udsrec.FK_REGULAR, rf
    assert rf.fd_flags == 0, rf
    assert rf.inode == F["ino"]
    assert rf.mode == F["mode"] and stat.S_ISREG(rf.mode)
    want_dev = kernel_dev(F["dev_major"], F["dev_minor"])
    assert rf.dev == want_dev, "dev %#x, expected %#x" % (rf.dev, want_dev)
    assert rf.path == os.fsencode(F["realpath"]), rf.path
    # what the receiver really got agrees
    got = log["server"]["messages"][0]["fds"]
    assert [g["ino"] for g in got] == [L["inode"], F["ino"]]
    assert rights.stream.syscall == 4  # sendmsg
    assert rights.cmsg_raw == [], rights.cmsg_raw


def test_scm_credentials(scm):
    log, msgs = scm
    creds = msgs[b"creds"]
    want = log["creds"]
    assert creds.scm_creds is not None, "no SCM_CREDS TLV"
    assert (creds.scm_creds.pid, creds.scm_creds.uid,
            creds.scm_creds.gid) == (want["pid"], want["uid"], want["gid"])
    assert log["server"]["messages"][1]["creds"] == want
    assert creds.scm_rights == []
    assert creds.stream.syscall == 4
    assert creds.cmsg_raw == [], creds.cmsg_raw
    # and the record of the SCM_RIGHTS message carries no invented creds
    assert msgs[b"rights"].scm_creds is None


def test_scm_rights_other_kinds(scm):
    """pipe, eventfd, memfd and directory descriptors."""
    log, msgs = scm
    rec = msgs[b"kinds"]
    k = {x["kind"]: x for x in log["kinds"]}
    assert [p.fd for p in rec.scm_rights] == [x["fd"] for x in log["kinds"]]
    want = {
        "pipe": (udsrec.FK_PIPE, b"pipe:[%d]" % k["pipe"]["ino"]),
        "eventfd": (udsrec.FK_ANON_INODE, b"anon_inode:[eventfd]"),
        "memfd": (udsrec.FK_MEMFD, b"memfd:udsdump-test-memfd"),
        "directory": (udsrec.FK_DIRECTORY,
                      os.fsencode(log["dir"]["realpath"])),
    }
    bad = []
    for p, x in zip(rec.scm_rights, log["kinds"]):
        kind, path = want[x["kind"]]
        got = (p.file_kind, p.path, p.inode, p.mode, p.dev, p.fd_flags)
        exp = (kind, path, x["ino"], x["mode"],
               kernel_dev(x["dev_major"], x["dev_minor"]), 0)
        if got != exp:
            bad.append("%s: got (kind, path, ino, mode, dev, flags) %r, "
                       "expected %r" % (x["kind"], got, exp))
    assert not bad, "\n".join(bad)


def test_scm_rights_many_descriptors(scm):
    """200 descriptors: one SCM_RIGHTS_FD each, in order; those not
    described carry fd_flags bit 1 and come after the described ones."""
    log, msgs = scm
    rec = msgs[b"many"]
    fds = log["many"]
    assert [p.fd for p in rec.scm_rights] == fds, \
        "%d SCM_RIGHTS_FD for %d passed fds" % (len(rec.scm_rights),
                                                len(fds))
    described = [p for p in rec.scm_rights
                 if not p.fd_flags & udsrec.FDF_UNRESOLVED]
    assert described, "no descriptor described"
    n = len(described)
    assert rec.scm_rights[:n] == described, "undescribed before described"
    for p in described:
        assert p.file_kind == udsrec.FK_REGULAR
        assert p.inode == log["rights"]["file"]["ino"]
    for p in rec.scm_rights[n:]:
        # only the fd field filled
        assert (p.file_kind, p.inode, p.dev, p.mode, p.path) == \
            (0, 0, 0, 0, b""), p


def test_preexisting_connection_joined_midstream(udsdump_factory, workdir):
    """A connection made before the capture started is captured in full
    from its first byte seen, flagged JOINED_MIDSTREAM (format doc)."""
    path = "%s/%s.sock" % (workdir, unique("pre"))
    w = WaitingSender("traffic.py", "--addr", "path:" + path,
                      "--syscalls", "write,sendmsg", "--sizes", "7,70000",
                      "--reply", "99")
    try:
        u = udsdump_factory()
        log = w.go()
    finally:
        w.kill()
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    cap = u.read()
    for slog in (log["client"], log["server"]):
        recs = data_of(cap, slog["inode"])
        assert recs, "no record of pre-existing socket %d" % slog["inode"]
        st = udsrec.reassemble(recs)
        assert st.complete and sha256(st.data) == slog["sent_sha256"]
        first = min(recs, key=lambda x: x.stream.stream_offset)
        assert first.stream.stream_offset == 0
        assert first.flags & udsrec.F_JOINED_MIDSTREAM, first.flag_names


# A server that only reads (as syslog does): it never sends, so only its
# reads tell the kernel side which process holds its socket.
READ_ONLY_SERVER = r'''
import socket, sys
path, comm = sys.argv[1], sys.argv[2]
with open("/proc/self/comm", "w") as f:
    f.write(comm)
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
while True:
    b = c.recv(65536)
    if not b:
        break
    print(len(b), flush=True)
'''


def test_reader_that_never_sends_is_the_peer_with_sends_only(udsdump_factory, workdir):
    """With --recv none no read is recorded, but a read still tells whose
    the reading socket is: the client's message sent after the server's
    first read names the server's process as its peer, seen by the kernel
    (source 1), not found by a /proc scan."""
    path = "%s/%s.sock" % (workdir, unique("ro"))
    comm = unique("rd")[:15]
    u = udsdump_factory(["--recv", "none"])
    server = subprocess.Popen([sys.executable, "-c", READ_ONLY_SERVER, path, comm],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        c = socket.socket(socket.AF_UNIX)
        c.connect(path)
        ino = os.fstat(c.fileno()).st_ino
        c.sendall(b"a" * 100)
        assert server.stdout.readline().strip() == "100"  # it has read
        c.sendall(b"b" * 200)
        assert server.stdout.readline().strip() == "200"
        c.close()
        server.wait(timeout=10)
    finally:
        server.kill()
    time.sleep(0.5)
    assert u.stop() == 0, u.stderr
    recs = sorted(data_of(u.read(), ino), key=lambda r: r.stream.stream_offset)
    assert [r.stream.msg_len for r in recs] == [100, 200], recs
    second = recs[1]
    assert second.peer_task is not None, "no PEER_TASK after the server read"
    assert (second.peer_task.pid, second.peer_task.comm, second.peer_task.source) == \
        (server.pid, comm, 1), second.peer_task
