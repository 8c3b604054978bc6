"""Issue 18: where each end lives, with real namespaces and cgroups.

Each case runs tests/senders/ns_pair.py (a server and its client on one
stream socket) inside namespaces made by unshare(1), or in a cgroup this
test makes under cgroup2, captured from the host. The facts expected come
from the programs themselves (/proc/self/ns/*, getpid(), stat of the
socket file, the cgroup directory's inode), never from the capture. Every
pair that shares a name is told apart, byte-exact, in the records
(tests/udsrec.py) and in tshark's fields.
"""

import json
import os
import signal
import socket
import subprocess

import pytest

import udsrec
from lib import cgroups
from lib.capture import udsdump_capture
from lib.paths import PYTHON, sender

pytestmark = pytest.mark.live

NS_PAIR = sender("ns_pair.py")


def capture(ts, name, args, runs, setup=None):
    """udsdump -w NAME ARGS around the commands of runs, one after the
    other, each kept alive (and its namespaces with it) until all have
    run; returns the capture and what each run printed (its JSON line).
    setup: called once udsdump captures, before the runs."""
    out = os.path.join(ts.captures, name)
    logs, procs = [], []
    try:
        with udsdump_capture(out, args).start():
            if setup:
                setup()
            for cmd in runs:
                p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
                procs.append(p)
                line = p.stdout.readline()
                assert line, "%s printed nothing (exit %s)" % (cmd, p.poll())
                logs.append(json.loads(line))
    finally:
        for p in procs:
            p.stdin.close()
            assert p.wait(timeout=30) == 0
    return out, logs


def data_by_inode(pcap):
    recs = [r for r in udsrec.read_capture(pcap).records if r.event == udsrec.EV_DATA]
    by = {}
    for r in recs:
        by.setdefault(r.socket.inode, []).append(r)
    return by


def check_end(recs, end, text):
    """The records of one end's socket: its bytes, its task as the host and
    its own namespace see it, its namespaces."""
    assert recs, "no record of socket %d" % end["inode"]
    assert b"".join(r.payload for r in recs) == text.encode()
    for r in recs:
        assert r.task.pid == end["host_pid"]
        ns = r.task_ns
        assert ns is not None, "no TASK_NS"
        assert (ns.ns_pid, ns.pid_ns, ns.mnt_ns) == \
            (end["nspid"], end["ns"]["pid"], end["ns"]["mnt"]), ns
        assert r.sock_ns is not None and r.sock_ns.net_ns == end["ns"]["net"], r.sock_ns


def check_pair(by, log):
    c, s = log["client"], log["server"]
    check_end(by.get(c["inode"]), c, log["received"])
    check_end(by.get(s["inode"]), s, c["reply"])


def test_two_network_namespaces_one_abstract_name(ts):
    """Two containers' worth of network namespaces, each binding @name:
    two sockets, each pair with its own bytes and its own net_ns."""
    name = "@udsdump-ns-%d" % os.getpid()
    runs = [["unshare", "-n", PYTHON, NS_PAIR, name, "from netns %d" % i] for i in (1, 2)]
    pcap, logs = capture(ts, "two-netns.pcapng", ["--path", name], runs)
    nets = [l["server"]["ns"]["net"] for l in logs]
    assert nets[0] != nets[1]
    by = data_by_inode(pcap)
    for log in logs:
        check_pair(by, log)
    # tshark: a display filter on the name and the namespace selects one
    # pair, and so does one on the name qualified by its namespace
    for log, net in zip(logs, nets):
        for dfilter in ('unix.path == "%s" && unix.netns == %d && data' % (name, net),
                        'unix.path_ns == "%s (net:[%d])" && data' % (name, net)):
            rows = ts.fields(pcap, ["data.data"], dfilter)
            got = {bytes.fromhex(r[0].replace(":", "")).decode() for r in rows}
            assert got == {log["received"], log["client"]["reply"]}, (dfilter, rows)


def test_two_mount_namespaces_one_path(ts, tmp_path):
    """/x.sock on two private tmpfs mounts at one directory: two files the
    host cannot see (same inode number, different devices), each pair's
    records naming its own file and mount namespace."""
    d = str(tmp_path / "mnt")
    os.makedirs(d)
    path = d + "/x.sock"
    runs = [["unshare", "-m", "sh", "-c", 'mount -t tmpfs none "$1" && exec "$2" "$3" "$4" "$5"',
             "sh", d, PYTHON, NS_PAIR, path, "from mntns %d" % i] for i in (1, 2)]
    pcap, logs = capture(ts, "two-mntns.pcapng", ["--path", path], runs)
    assert logs[0]["server"]["ns"]["mnt"] != logs[1]["server"]["ns"]["mnt"]
    assert logs[0]["file"] != logs[1]["file"], "the two files are one"
    by = data_by_inode(pcap)
    for log in logs:
        check_pair(by, log)
        f = log["file"]
        for r in by[log["server"]["inode"]]:
            assert (r.sock_ns.file_ino, r.sock_ns.file_dev) == (f["inode"], f["dev"])
        for r in by[log["client"]["inode"]]:
            assert (r.sock_ns.peer_file_ino, r.sock_ns.peer_file_dev) == (f["inode"], f["dev"])
        rows = ts.fields(pcap, ["unix.mntns"], "unix.file_inode == %d && unix.file_dev == %d"
                         % (f["inode"], f["dev"]))
        assert {r[0] for r in rows} == {str(log["server"]["ns"]["mnt"])}, rows
        # the path qualified by its file selects this pair's records alone
        q = "%s (file %d:%d inode %d)" % (path, f["dev"] >> 20, f["dev"] & 0xfffff, f["inode"])
        rows = ts.fields(pcap, ["unix.task.pid"], 'unix.path_ns == "%s" && data' % q)
        assert {int(r[0]) for r in rows} == {log[e]["host_pid"] for e in ("client", "server")}, q


def test_pid_namespace_numbers(ts):
    """In a new pid namespace the server is pid 1 and its client pid 2:
    the records carry both numbers, each end's peer task's too, and
    SO_PEERCRED's pid as the host and as the namespace number it."""
    runs = [["unshare", "-p", "-f", PYTHON, NS_PAIR, "@udsdump-pidns-%d" % os.getpid(),
             "from pidns"]]
    pcap, (log,) = capture(ts, "pidns.pcapng", ["--path", "@udsdump-pidns-%d" % os.getpid()],
                           runs)
    assert (log["server"]["nspid"], log["client"]["nspid"]) == (1, 2)
    by = data_by_inode(pcap)
    check_pair(by, log)
    # the server's reply: its peer (the client) has been seen sending
    for r in by[log["server"]["inode"]]:
        assert r.peer_task.pid == log["client"]["host_pid"]
        assert r.peer_task_ns.ns_pid == 2 and r.peer_task_ns.pid_ns == log["client"]["ns"]["pid"]
    # SO_PEERCRED of each end names the other, as the host and as their
    # own pid namespace number it (the server accepted: its credentials are
    # the client's at connect; the client's are the listener's)
    for me, other in (("server", "client"), ("client", "server")):
        for r in by[log[me]["inode"]]:
            assert r.peer_cred.pid == log[other]["host_pid"], (me, r.peer_cred)
            assert (r.peer_cred_ns.ns_pid, r.peer_cred_ns.pid_ns) == (
                log[other]["nspid"], log[other]["ns"]["pid"]), (me, r.peer_cred_ns)
    rows = ts.fields(pcap, ["unix.task.pid", "unix.nspid", "unix.pidns"], "data")
    assert {tuple(r) for r in rows} == {
        (str(log[e]["host_pid"]), str(log[e]["nspid"]), str(log[e]["ns"]["pid"]))
        for e in ("server", "client")}, rows
    rows = ts.fields(pcap, ["unix.task.pid", "unix.peer_cred.pid", "unix.peer_cred.nspid"], "data")
    assert {tuple(r) for r in rows} == {
        (str(log[me]["host_pid"]), str(log[other]["host_pid"]), str(log[other]["nspid"]))
        for me, other in (("server", "client"), ("client", "server"))}, rows


def cgroup2_mount():
    """Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on a
    hybrid host)."""
    return cgroups.cgroup2_mount() or pytest.fail("no cgroup2 mount: the kernel's cgroup ids need one")


def test_cgroups_named_like_runtimes(ts, tmp_path):
    """Each pair in a cgroup this test makes, named the way docker (systemd
    driver) and a Kubernetes pod name theirs: every record carries the
    cgroup's id, the inode of its directory."""
    root = os.path.join(cgroup2_mount(), "udsdump-test-%d" % os.getpid())
    names = ["system.slice/docker-%s.scope" % ("ab" * 32),
             "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/"
             "cri-containerd-%s.scope" % ("cd" * 32)]
    dirs = [os.path.join(root, n) for n in names]
    made = []
    try:
        for d in dirs:
            os.makedirs(d)
            made.append(d)
        name = "@udsdump-cg-%d" % os.getpid()
        runs = [["sh", "-c", 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4" "$5"', "sh",
                 d, PYTHON, NS_PAIR, "%s-%d" % (name, i), "in %s" % d.rsplit("/", 1)[1][:20]]
                for i, d in enumerate(dirs)]
        pcap, logs = capture(ts, "cgroups.pcapng", ["--path-prefix", name], runs)
        by = data_by_inode(pcap)
        named = {r.cgroup.cgroup_id: r.cgroup for r in udsrec.read_capture(pcap).records
                 if r.event == udsrec.EV_CGROUP}
        expect = [("docker", "ab" * 32, ""), ("containerd", "cd" * 32, "1234")]
        for d, log, (runtime, cid, pod) in zip(dirs, logs, expect):
            cg = os.stat(d).st_ino
            # the CGROUP record: the path from the cgroup2 root, the container
            info = named.get(cg)
            assert info is not None, "no CGROUP record of %d (%s)" % (cg, d)
            assert info.path == d[len(cgroup2_mount()):]
            assert (udsrec.RUNTIMES[info.runtime], info.container, info.pod) == (runtime, cid, pod)
            # columns: container/comm[nspid]
            rows = ts.fields(pcap, ["_ws.col.Source", "unix.container", "unix.cgroup.path"],
                             "unix.cgroup == %d && data" % cg)
            assert {(r[0], r[1], r[2]) for r in rows} == {
                ("%s/python3[%d]" % (cid[:12], log[e]["nspid"]), cid, info.path)
                for e in ("client", "server")}, rows
            check_pair(by, log)
            for end in ("client", "server"):
                assert {r.task_ns.cgroup_id for r in by[log[end]["inode"]]} == {cg}
            rows = ts.fields(pcap, ["data.data"], "unix.cgroup == %d && data" % cg)
            got = {bytes.fromhex(r[0].replace(":", "")).decode() for r in rows}
            assert got == {log["received"], log["client"]["reply"]}, rows
    finally:
        for d in reversed(made):
            while d != root and d.startswith(root):
                try:
                    os.rmdir(d)
                except OSError:
                    break
                d = os.path.dirname(d)
        if os.path.isdir(root):
            os.rmdir(root)


@pytest.fixture
def cgroup_root():
    """A cgroup of this test's under the cgroup2 mount, removed after
    (with every cgroup made below it, deepest first)."""
    root = os.path.join(cgroup2_mount(), "udsdump-test-%d" % os.getpid())
    os.makedirs(root)
    yield root
    for d, _dirs, _files in sorted(os.walk(root), key=lambda w: -w[0].count("/")):
        os.rmdir(d)


def in_cgroup(d, addr, text):
    return ["sh", "-c", 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4" "$5"', "sh", d, PYTHON,
            NS_PAIR, addr, text]


def sent(pcap):
    """The payloads of the capture's DATA records, as text."""
    return sorted(r.payload.decode() for r in udsrec.read_capture(pcap).records
                  if r.event == udsrec.EV_DATA)


def test_cgroup_gone_before_its_record(ts, cgroup_root):
    """A container that sends once and exits: its cgroup is made, used and
    removed while udsdump is stopped (SIGSTOP), so the cgroup is gone when
    the records are written. The CGROUP record still names its path and
    container: the kernel told udsdump the path when the cgroup was made."""
    name = "@udsdump-cgone-%d" % os.getpid()
    cid = "9a" * 32
    d = os.path.join(cgroup_root, "system.slice", "docker-%s.scope" % cid)
    os.makedirs(os.path.dirname(d))
    out = os.path.join(ts.captures, "cgroup-gone.pcapng")
    with udsdump_capture(out, ["--path-prefix", name]).start() as cap:
        os.kill(cap.proc.pid, signal.SIGSTOP)
        try:
            os.mkdir(d)
            cg = os.stat(d).st_ino
            p = subprocess.Popen(in_cgroup(d, name, "gone soon"), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            log = json.loads(p.stdout.readline())
            p.stdin.close()
            assert p.wait(timeout=30) == 0
            cgroups.rmdir_when_empty(d)
        finally:
            os.kill(cap.proc.pid, signal.SIGCONT)
    records = udsrec.read_capture(out).records
    assert {r.task_ns.cgroup_id for r in records if r.event == udsrec.EV_DATA} == {cg}
    named = [r.cgroup for r in records if r.event == udsrec.EV_CGROUP and r.cgroup.cgroup_id == cg]
    assert [(c.path, udsrec.RUNTIMES[c.runtime], c.container) for c in named] == \
        [(d[len(cgroup2_mount()):], "docker", cid)]
    rows = ts.fields(out, ["unix.container"], "unix.cgroup == %d && data" % cg)
    assert rows and all(r == [cid] for r in rows), (rows, log)


def test_filter_cgroup_and_below_made_after_the_start(ts, cgroup_root):
    """cgroup PATH: the tasks of a cgroup made below PATH after the capture
    started are captured, byte-exact; those of a cgroup beside it are not."""
    name = "@udsdump-cgf-%d" % os.getpid()
    parent = os.path.join(cgroup_root, "system.slice")
    os.makedirs(parent)
    inside = os.path.join(parent, "docker-%s.scope" % ("ef" * 32))
    beside = os.path.join(cgroup_root, "other.slice")
    pcap, logs = capture(
        ts, "filter-cgroup.pcapng", ["--path-prefix", name, "cgroup",
                                     parent[len(cgroup2_mount()):]],
        [in_cgroup(inside, name + "-in", "inside"), in_cgroup(beside, name + "-out", "beside")],
        setup=lambda: (os.makedirs(inside), os.makedirs(beside)))
    assert sent(pcap) == ["ack:inside", "inside"]
    check_pair(data_by_inode(pcap), logs[0])


def test_filter_container_started_after_the_start(ts, cgroup_root):
    """container ID (a prefix): a container cgroup made after the capture
    started, named as containerd's CRI names it, is captured; another
    container's is not."""
    name = "@udsdump-ctf-%d" % os.getpid()
    ids = ["12" * 32, "34" * 32]
    pod = os.path.join(cgroup_root, "kubepods.slice", "kubepods-pod1234.slice")
    dirs = [os.path.join(pod, "cri-containerd-%s.scope" % i) for i in ids]
    pcap, logs = capture(
        ts, "filter-container.pcapng", ["--path-prefix", name, "--container", ids[0][:12]],
        [in_cgroup(d, "%s-%d" % (name, n), "container %d" % n) for n, d in enumerate(dirs)],
        setup=lambda: [os.makedirs(d) for d in dirs])
    assert sent(pcap) == ["ack:container 0", "container 0"]
    check_pair(data_by_inode(pcap), logs[0])


def test_filter_netns(ts):
    """netns N: a named network namespace's sockets, not the host's."""
    ns = "udsdump-test-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        inode = os.stat("/run/netns/" + ns).st_ino
        name = "@udsdump-nsf-%d" % os.getpid()
        pcap, logs = capture(
            ts, "filter-netns.pcapng", ["--path-prefix", name, "netns", "net:[%d]" % inode],
            [["ip", "netns", "exec", ns, PYTHON, NS_PAIR, name + "-a", "in the namespace"],
             [PYTHON, NS_PAIR, name + "-b", "on the host"]])
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=True)
    assert logs[0]["server"]["ns"]["net"] == inode
    assert sent(pcap) == ["ack:in the namespace", "in the namespace"]
    check_pair(data_by_inode(pcap), logs[0])


NS_FD_PASS = sender("ns_fd_pass.py")


def test_socket_passed_across_network_namespaces(ts, tmp_path):
    """A socketpair made in a new network namespace, one end passed to a
    process on the host over a path socket: what the host process sends
    on it is the namespace's socket (unix.netns is the socket's own
    namespace, not the sender's)."""
    path = str(tmp_path / "take.sock")
    text = "sent on a socket from another namespace"
    out = os.path.join(ts.captures, "fd-across-netns.pcapng")
    with udsdump_capture(out, ["--type", "stream"]).start():
        taker = subprocess.Popen([PYTHON, NS_FD_PASS, "take", path, text], stdout=subprocess.PIPE,
                                 text=True)
        assert json.loads(taker.stdout.readline())["listening"] == path
        giver = subprocess.run(["unshare", "-n", PYTHON, NS_FD_PASS, "give", path],
                               capture_output=True, text=True, timeout=60, check=True)
        took = json.loads(taker.stdout.readline())
        assert taker.wait(timeout=30) == 0
    gave = json.loads(giver.stdout)
    assert gave["got"] == text and took["inode"] == gave["given"]
    assert gave["netns"] != took["netns"]
    recs = [r for r in udsrec.read_capture(out).records
            if r.event == udsrec.EV_DATA and r.socket.inode == gave["given"]]
    assert [r.payload for r in recs] == [text.encode()]
    r = recs[0]
    assert r.task.pid == took["pid"] and r.sock_ns.net_ns == gave["netns"]
    assert r.sock_ns.peer_net_ns == gave["netns"]
    rows = ts.fields(out, ["unix.netns", "unix.task.pid"], 'frame contains "%s"' % text)
    assert rows == [[str(gave["netns"]), str(took["pid"])]], rows


def test_one_socket_bound_into_two_mount_namespaces(ts, tmp_path):
    """One listening socket, reached from a second mount namespace through
    a bind mount of its file at another path: the clients' records name
    one bound file, so one socket."""
    d = tmp_path / "sock"
    d.mkdir()
    other = tmp_path / "elsewhere"
    other.mkdir()
    path, alias = str(d / "x.sock"), str(other / "y.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    st = os.stat(path)
    dev = os.major(st.st_dev) << 20 | os.minor(st.st_dev)
    client = ('import socket,sys; c=socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); '
              'c.sendall(sys.argv[2].encode()); c.close()')
    out = os.path.join(ts.captures, "one-socket-two-mntns.pcapng")
    with udsdump_capture(out, ["--path", path]).start():
        subprocess.run([PYTHON, "-c", client, path, "from the host"], check=True, timeout=30)
        subprocess.run(["unshare", "-m", "sh", "-c",
                        'touch "$2" && mount --bind "$1" "$2" && exec "$3" -c "$4" "$2" "$5"', "sh",
                        path, alias, PYTHON, client, "from a second mount namespace"],
                       check=True, timeout=30)
        conns = [srv.accept()[0] for _ in range(2)]
        for c in conns:
            assert c.recv(100)
            c.close()
    srv.close()
    recs = [r for r in udsrec.read_capture(out).records if r.event == udsrec.EV_DATA]
    assert sorted(r.payload for r in recs) == [b"from a second mount namespace", b"from the host"]
    assert {(r.sock_ns.peer_file_dev, r.sock_ns.peer_file_ino) for r in recs} == {(dev, st.st_ino)}
    assert len({r.task_ns.mnt_ns for r in recs}) == 2
    rows = ts.fields(out, ["unix.path_ns"], "data")
    assert {r[0] for r in rows} == {"%s (file %d:%d inode %d)" % (
        path, dev >> 20, dev & 0xfffff, st.st_ino)}, rows
