"""Each filter keeps exactly the traffic it should.

Every test runs traffic that must be kept and traffic that must not, with
test-unique names, then checks: (1) every DATA record in the file satisfies
the filter (so the host's other traffic cannot make a test pass or fail
unless the filter is wrong); (2) the kept sockets are complete, byte for
byte; (3) the excluded sockets left no DATA record (socket filters: no
record at all).
"""

import os
import time

import pytest

from lib.engine import (WaitingSender, data_of, records_of, run_sender,
                      sha256, udsrec, unique)

TYPE_CODE = {"stream": 1, "dgram": 2, "seqpacket": 5}


def check(cap, kept, dropped, pred, what, socket_level=True):
    """kept: socket logs (inode, sent_len, sent_sha256) that must be whole;
    dropped: inodes that must not appear; pred(rec) for every DATA record."""
    data = [r for r in cap.records if r.event == udsrec.EV_DATA]
    bad = [r for r in data if not pred(r)]
    assert not bad, "%s: %d of %d DATA records do not match the filter, " \
        "e.g. inode %s pid %s comm %r uid %s type %s path %r" % (
            what, len(bad), len(data), bad[0].inode,
            bad[0].task and bad[0].task.pid,
            bad[0].task and bad[0].task.comm,
            bad[0].task and bad[0].task.uid,
            bad[0].socket and bad[0].socket.sock_type,
            bad[0].socket_path() and bad[0].socket_path().display())
    for slog in kept:
        recs = data_of(cap, slog["inode"])
        assert recs, "%s: kept socket %d (%s, pid %s) has no record" % (
            what, slog["inode"], slog.get("role"), slog.get("pid"))
        st = udsrec.reassemble(recs)
        assert st.complete, "%s: socket %d gaps %s" % (what, slog["inode"],
                                                       st.gaps[:5])
        assert len(st.data) == slog["sent_len"] and \
            sha256(st.data) == slog["sent_sha256"], \
            "%s: socket %d payload differs (%d bytes, sent %d)" % (
                what, slog["inode"], len(st.data), slog["sent_len"])
    for ino in dropped:
        if socket_level:
            leak = records_of(cap, [ino])
        else:
            leak = [r for r in data if r.inode == ino]
        assert not leak, "%s: excluded socket %d has %d records (%s)" % (
            what, ino, len(leak), sorted({r.event_name for r in leak}))


def both(log):
    return [log["client"], log["server"]]


def inodes(*logs):
    out = []
    for log in logs:
        out += [log["client"]["inode"], log["server"]["inode"]]
        if log["server"].get("listen_inode"):
            out.append(log["server"]["listen_inode"])
    return out


def stop(u):
    time.sleep(0.5)
    rc = u.stop()
    assert rc == 0, "udsdump exit %s: %s" % (rc, u.stderr)
    return u.read()


def traffic(*args):
    return run_sender("traffic.py", "--syscalls", "write,sendmsg",
                      "--sizes", "3,3000", *args)


def path_of(rec):
    a = rec.socket_path()
    return a and (a.kind, a.name)


def test_filter_path(udsdump_factory, workdir):
    p = "%s/%s.sock" % (workdir, unique("fp"))
    u = udsdump_factory(["--path", p])
    a = traffic("--addr", "path:" + p, "--reply", "500")
    b1 = traffic("--addr", "path:" + p + "2", "--reply", "50")  # prefix of it
    b2 = traffic("--addr", "abstract:" + p, "--reply", "50")  # same bytes
    b3 = traffic("--addr", "pair", "--reply", "50")
    cap = stop(u)
    check(cap, both(a), inodes(b1, b2, b3),
          lambda r: path_of(r) == (1, os.fsencode(p)), "--path " + p)


def test_filter_path_other_name_of_same_file(udsdump_factory, workdir):
    """--path matches another path to the same socket file (symlinked dir),
    in both directions."""
    real = workdir / unique("real")
    real.mkdir()
    os.chmod(real, 0o755)
    link = workdir / unique("link")
    os.symlink(real, link)
    bound_real = "%s/x.sock" % real      # bound by its real name,
    filter_link = "%s/x.sock" % link     # filtered by the symlink's
    bound_link = "%s/z.sock" % link      # bound through the symlink,
    filter_real = "%s/z.sock" % real     # filtered by the real name
    u = udsdump_factory(["--path", filter_link, "--path", filter_real])
    a1 = traffic("--addr", "path:" + bound_real, "--reply", "10")
    a2 = traffic("--addr", "path:" + bound_link, "--reply", "10")
    b = traffic("--addr", "path:%s/y.sock" % real, "--reply", "10")
    cap = stop(u)
    ok = {(1, os.fsencode(bound_real)), (1, os.fsencode(bound_link))}
    check(cap, both(a1) + both(a2), inodes(b),
          lambda r: path_of(r) in ok, "--path via symlink")


def test_filter_path_abstract(udsdump_factory, workdir):
    n = unique("abs")
    u = udsdump_factory(["--path", "@" + n])
    a = traffic("--addr", "abstract:" + n, "--reply", "100")
    b1 = traffic("--addr", "abstract:" + n + "x")   # n is a prefix of it
    b2 = traffic("--addr", "abstract:" + n[:-1])    # a prefix of n
    b3 = traffic("--addr", "path:%s/%s" % (workdir, n))
    cap = stop(u)
    check(cap, both(a), inodes(b1, b2, b3),
          lambda r: path_of(r) == (2, n.encode()), "--path @" + n)


def test_filter_path_dgram_destination(udsdump_factory, workdir):
    """An unconnected datagram socket's path is its sendto destination."""
    p = "%s/%s.sock" % (workdir, unique("dg"))
    u = udsdump_factory(["--path", p])
    a = run_sender("traffic.py", "--addr", "path:" + p, "--type", "dgram",
                   "--syscalls", "sendto,sendmsg", "--unconnected",
                   "--sizes", "5,500")
    b = run_sender("traffic.py", "--addr", "path:" + p + "x", "--type",
                   "dgram", "--syscalls", "sendto", "--sizes", "5,500")
    cap = stop(u)
    check(cap, [a["client"]], inodes(b),
          lambda r: path_of(r) == (1, os.fsencode(p)), "--path dgram dest")


def test_filter_path_prefix(udsdump_factory, workdir):
    pre = "%s/%s-" % (workdir, unique("pfx"))
    u = udsdump_factory(["--path-prefix", pre])
    a1 = traffic("--addr", "path:%sa.sock" % pre, "--reply", "10")
    a2 = run_sender("traffic.py", "--addr", "path:%sb.sock" % pre,
                    "--type", "dgram", "--syscalls", "write", "--sizes", "9")
    b1 = traffic("--addr", "path:%s/%s.sock" % (workdir, unique("other")),
                 "--reply", "10")
    b2 = traffic("--addr", "abstract:%sc" % pre)  # same bytes, abstract
    b3 = traffic("--addr", "path:%s.sock" % pre[:-1])  # prefix minus a byte
    cap = stop(u)
    pb = os.fsencode(pre)
    check(cap, both(a1) + [a2["client"]], inodes(b1, b2, b3),
          lambda r: path_of(r) is not None and path_of(r)[0] == 1
          and path_of(r)[1].startswith(pb), "--path-prefix " + pre)


def test_filter_path_prefix_abstract(udsdump_factory, workdir):
    pre = unique("apfx") + "-"
    u = udsdump_factory(["--path-prefix", "@" + pre])
    a1 = traffic("--addr", "abstract:%sa" % pre, "--reply", "10")
    a2 = traffic("--addr", "abstract:%sb" % pre, "--type", "seqpacket")
    b1 = traffic("--addr", "abstract:x%s" % pre)   # contains, not prefix
    b2 = traffic("--addr", "abstract:%s" % pre[:-1])
    b3 = traffic("--addr", "path:%s/%s" % (workdir, pre))
    cap = stop(u)
    check(cap, both(a1) + [a2["client"]], inodes(b1, b2, b3),
          lambda r: path_of(r) is not None and path_of(r)[0] == 2
          and path_of(r)[1].startswith(pre.encode()),
          "--path-prefix @" + pre)


def test_filter_inode(udsdump_factory, workdir):
    w = WaitingSender("traffic.py", "--addr",
                      "path:%s/%s.sock" % (workdir, unique("ino")),
                      "--syscalls", "write,sendmsg", "--sizes", "3,3000",
                      "--reply", "200")
    try:
        ci, si = w.ready["client_inode"], w.ready["server_inode"]
        u = udsdump_factory(["--inode", ci])
        b = traffic("--addr", "path:%s/%s.sock" % (workdir, unique("ino")),
                    "--reply", "20")
        b2 = traffic("--addr", "pair", "--reply", "20")
        a = w.go()
    finally:
        w.kill()
    cap = stop(u)
    check(cap, both(a), inodes(b, b2),
          lambda r: r.inode in (ci, si), "--inode %d" % ci)


def test_filter_pid(udsdump_factory, workdir):
    w = WaitingSender("traffic.py", "--addr",
                      "path:%s/%s.sock" % (workdir, unique("pid")),
                      "--syscalls", "write,sendmsg", "--sizes", "3,3000",
                      "--reply", "200")
    try:
        pid = w.ready["client_pid"]
        u = udsdump_factory(["--pid", pid])
        b = traffic("--addr", "pair", "--reply", "20")
        a = w.go()
    finally:
        w.kill()
    cap = stop(u)
    # the server's reply on the same connection is sent by another pid
    check(cap, [a["client"]], [a["server"]["inode"]] + inodes(b),
          lambda r: r.task is not None and r.task.pid == pid,
          "--pid %d" % pid, socket_level=False)


def test_filter_comm(udsdump_factory, workdir):
    comm = unique("cm")[:12]
    u = udsdump_factory(["--comm", comm])
    a = traffic("--addr", "pair", "--reply", "200", "--client-comm", comm,
                "--server-comm", comm + "s")
    b = traffic("--addr", "abstract:" + unique("cm"), "--reply", "20",
                "--client-comm", comm[:-1], "--server-comm", "x" + comm)
    cap = stop(u)
    assert a["client"]["comm"] == comm
    check(cap, [a["client"]], [a["server"]["inode"]] + inodes(b),
          lambda r: r.task is not None and r.task.comm == comm,
          "--comm " + comm, socket_level=False)


def test_filter_uid(udsdump_factory, workdir):
    uid = 65534
    u = udsdump_factory(["--uid", uid])
    a = traffic("--addr", "abstract:" + unique("uid"), "--reply", "200",
                "--client-uid", "%d:%d" % (uid, uid))
    b = traffic("--addr", "pair", "--reply", "20")
    cap = stop(u)
    assert a["client"]["uid"] == uid and a["server"]["uid"] == 0
    check(cap, [a["client"]], [a["server"]["inode"]] + inodes(b),
          lambda r: r.task is not None and r.task.uid == uid,
          "--uid %d" % uid, socket_level=False)


@pytest.mark.parametrize("typ", ["stream", "dgram", "seqpacket"])
def test_filter_type(udsdump_factory, workdir, typ):
    u = udsdump_factory(["--type", typ])
    logs = {}
    for t in ("stream", "dgram", "seqpacket"):
        extra = [] if t == "dgram" else ["--reply", "100"]
        logs[t] = traffic("--addr", "path:%s/%s.sock" % (workdir,
                                                         unique(t)),
                          "--type", t, *extra)
    cap = stop(u)
    kept = both(logs[typ]) if typ != "dgram" else [logs[typ]["client"]]
    others = [logs[t] for t in logs if t != typ]
    check(cap, kept, inodes(*others),
          lambda r: r.socket is not None and
          r.socket.sock_type == TYPE_CODE[typ], "--type " + typ)


@pytest.mark.parametrize("opt", ["--path", "--path-prefix"])
def test_filter_path_socket_bound_before_start(udsdump_factory, workdir,
                                               opt):
    """A socket bound and connected before udsdump started is matched by
    its path too."""
    p = "%s/%s.sock" % (workdir, unique("pre"))
    w = WaitingSender("traffic.py", "--addr", "path:" + p,
                      "--syscalls", "write,sendmsg", "--sizes", "3,3000",
                      "--reply", "200")
    try:
        u = udsdump_factory([opt, p if opt == "--path" else p[:-5]])
        b = traffic("--addr", "path:%s/%s.sock" % (workdir, unique("x")),
                    "--reply", "20")
        a = w.go()
    finally:
        w.kill()
    cap = stop(u)
    check(cap, both(a), inodes(b),
          lambda r: path_of(r) is not None and
          path_of(r)[1].startswith(os.fsencode(p[:-5])), opt + " " + p)


def test_two_captures_at_once_each_exact(udsdump_factory, workdir):
    """Two udsdump at once (one in Wireshark, one in a script) with
    different filters: each has its own programs, maps, ring and filters,
    and each file holds exactly its own traffic, whole; neither loses a
    record because of the other."""
    pa = "%s/%s.sock" % (workdir, unique("twoA"))
    pb = "%s/%s.sock" % (workdir, unique("twoB"))
    ua = udsdump_factory(["--path", pa])
    ub = udsdump_factory(["-f", "path %s and type stream" % pb])
    logs_a, logs_b = [], []
    for _ in range(3):  # interleaved, so both run while the other captures
        logs_a.append(traffic("--addr", "path:" + pa, "--sizes", "1,70000", "--reply", "300"))
        logs_b.append(traffic("--addr", "path:" + pb, "--sizes", "5,9000", "--reply", "20"))
    cap_a, cap_b = stop(ua), stop(ub)
    kept_a = [s for log in logs_a for s in both(log)]
    kept_b = [s for log in logs_b for s in both(log)]
    check(cap_a, kept_a, inodes(*logs_b), lambda r: path_of(r) == (1, os.fsencode(pa)), "capture A")
    check(cap_b, kept_b, inodes(*logs_a), lambda r: path_of(r) == (1, os.fsencode(pb)), "capture B")
    for cap in (cap_a, cap_b):
        assert cap.stats[-1].ifdrop == 0, "records lost"
        engines = [r for r in cap.records if r.event == udsrec.EV_ENGINE]
        assert engines, "no ENGINE record"
