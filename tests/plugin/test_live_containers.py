"""Issue 18 with real container runtimes: Debian's dockerd, and Debian's
podman (daemonless, as root, cgroupfs driver), each run a container from
an image imported from a local root filesystem (Debian's busybox-static;
no registry, no network), whose busybox logger writes to a datagram
socket bind-mounted from the host as its /dev/log. udsdump, on the host,
puts the container's id (as the runtime names it) in the capture, and the
columns show the task as the container sees itself.
"""

import hashlib
import os
import subprocess
import tarfile

import pytest

import live_servers
import udsrec
from lib import paths
from lib.capture import Capture, udsdump_capture
from lib.senders import run_sender

pytestmark = pytest.mark.live

IMAGE = "udsdump-test/busybox:local"
DOCKER = "/usr/bin/docker"  # Debian's client, not another one earlier on PATH
PODMAN = "/usr/bin/podman"


def rootfs_tar(directory):
    """A one-binary image's root: /bin/busybox (static), /bin/sh and /bin/logger."""
    if not os.path.exists("/bin/busybox"):
        pytest.fail("busybox-static is not installed (scripts/setup.sh installs it)")
    tar = str(directory / "rootfs.tar")
    with tarfile.open(tar, "w") as t:
        t.add("/bin/busybox", arcname="bin/busybox")
        for applet in ("sh", "logger"):
            link = tarfile.TarInfo("bin/" + applet)
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(link)
    return tar


@pytest.fixture(scope="module")
def docker_image(tmp_path_factory):
    with live_servers.dockerd():
        live_servers.run([DOCKER, "import", rootfs_tar(tmp_path_factory.mktemp("image")), IMAGE],
                         timeout=120)
        yield IMAGE


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    """podman's command with a store of its own (vfs, cgroupfs driver: no
    systemd here) holding the image; its run options (rlimits lowered, not
    raised: the container's init may not raise them here)."""
    store = tmp_path_factory.mktemp("podman")
    cmd = [PODMAN, "--root", str(store / "root"), "--runroot", str(store / "run"),
           "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"]
    live_servers.run(cmd + ["import", rootfs_tar(store), IMAGE], timeout=120)
    return cmd, ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def logger_to_host_socket(ts, tmp_path, name, run, container_name=None):
    """A host socket; run(sock, cidfile, text) starts a container whose
    logger sends text to it. The capture, the DATA record of text and the
    container's id. container_name: the name its runtime's API gives it,
    which the columns then show instead of the short id."""
    sock = str(tmp_path / "log.sock")
    got = str(tmp_path / "received")
    text = "hello from a %s container %d" % (name, os.getpid())
    cidfile = str(tmp_path / "cid")
    recv = subprocess.Popen(["socat", "-u", "UNIX-RECV:%s,mode=666" % sock, "OPEN:%s,creat" % got])
    try:
        live_servers.wait_for(lambda: os.path.exists(sock), "the host's socket")
        pcap = os.path.join(ts.captures, "container-%s.pcapng" % name)
        with udsdump_capture(pcap, ["--path", sock]).start():
            run(sock, cidfile, text)
            live_servers.wait_for(lambda: text in open(got).read(), "the message on the host")
    finally:
        recv.terminate()
        recv.wait(timeout=30)
    cid = open(cidfile).read().strip()
    assert len(cid) == 64
    recs = udsrec.read_capture(pcap).records
    data = [r for r in recs if r.event == udsrec.EV_DATA and text.encode() in r.payload
            and r.task.comm == "logger"]
    assert len(data) == 1, [r.event_name for r in recs]
    r = data[0]
    # the sender is the container's pid 1, seen from the host by its host pid
    assert r.task.comm == "logger" and r.task_ns.ns_pid == 1 and r.task.pid != 1
    named = [x.cgroup for x in recs if x.event == udsrec.EV_CGROUP
             and x.cgroup.cgroup_id == r.task_ns.cgroup_id]
    assert named and named[0].container == cid, named
    assert udsrec.RUNTIMES[named[0].runtime] == name and cid in named[0].path
    assert named[0].name == (container_name or ""), named
    # tshark: the container by id (and name), the task as the container sees it
    rows = ts.fields(pcap, ["unix.container", "unix.container.runtime", "unix.container.name",
                            "_ws.col.Source"], 'frame contains "%s"' % text)
    runtime = [k for k, v in udsrec.RUNTIMES.items() if v == name][0]
    label = container_name or cid[:12]
    assert rows == [[cid, str(runtime), container_name or "", "%s/logger[1]" % label]], rows


def test_container_logger_to_host_socket(ts, docker_image, tmp_path):
    """Docker's container, named by docker's API (GET /containers/ID/json on
    docker.sock, asked by udsdump during the capture)."""
    name = "udsdump-logger-%d" % os.getpid()

    def run(sock, cidfile, text):
        live_servers.run([DOCKER, "run", "--rm", "--name", name, "--network", "none",
                          "--cidfile", cidfile, "-v", "%s:/dev/log" % sock, docker_image,
                          "/bin/logger", "-t", "udsdump", text], timeout=120)
    logger_to_host_socket(ts, tmp_path, "docker", run, container_name=name)


def test_asking_docker_for_names_stays_out_of_the_capture(ts, docker_image, tmp_path):
    """A capture of docker.sock itself while a named container logs to a
    host socket: the docker client's requests are there, the container is
    named, and udsdump's own question and dockerd's answer are not."""
    api = live_servers.listening_path("/docker.sock")
    sock, got = str(tmp_path / "log.sock"), str(tmp_path / "received")
    name, text = "udsdump-asked-%d" % os.getpid(), "name me %d" % os.getpid()
    recv = subprocess.Popen(["socat", "-u", "UNIX-RECV:%s,mode=666" % sock, "OPEN:%s,creat" % got])
    try:
        live_servers.wait_for(lambda: os.path.exists(sock), "the host's socket")
        pcap = os.path.join(ts.captures, "container-asked.pcapng")
        with udsdump_capture(pcap, ["--path", sock, "--path", api]).start() as cap:
            live_servers.run([DOCKER, "run", "--rm", "--name", name, "--network", "none",
                              "-v", "%s:/dev/log" % sock, docker_image, "/bin/sh", "-c",
                              "logger -t udsdump '%s'; sleep 2" % text], timeout=120)
            live_servers.wait_for(lambda: text in open(got).read(), "the message on the host")
    finally:
        recv.terminate()
        recv.wait(timeout=30)
    recs = udsrec.read_capture(pcap).records
    named = [r.cgroup for r in recs if r.event == udsrec.EV_CGROUP and r.cgroup.container]
    assert [c.name for c in named] == [name], named
    on_api = [r for r in recs if r.event == udsrec.EV_DATA and r.task.comm == "docker"]
    assert on_api, "the docker client's requests are kept"
    ours = [r for r in recs if (r.peer_cred and r.peer_cred.pid == cap.proc.pid)
            or (r.task and r.task.pid == cap.proc.pid)]
    assert ours == [], "udsdump's own question in its capture: %s" % ours[:2]


def test_podman_container_logger_to_host_socket(ts, podman, tmp_path):
    cmd, opts = podman

    def run(sock, cidfile, text):
        live_servers.run(cmd + ["run", "--rm", "--cidfile", cidfile, "-v", "%s:/dev/log" % sock]
                         + opts + [IMAGE, "/bin/logger", "-t", "udsdump", text], timeout=120)
    logger_to_host_socket(ts, tmp_path, "podman", run)


def test_container_filter_in_the_kernel(ts, docker_image, tmp_path):
    """--container ID (its first 12 digits, as docker ps shows them): the
    container is created before the capture and started after it (its
    cgroup does not exist yet when the filter is set); a second container
    logging to the same socket is not captured."""
    sock = str(tmp_path / "log.sock")
    got = str(tmp_path / "received")
    recv = subprocess.Popen(["socat", "-u", "UNIX-RECV:%s,mode=666" % sock, "OPEN:%s,creat" % got])
    try:
        live_servers.wait_for(lambda: os.path.exists(sock), "the host's socket")
        ids = [live_servers.run([DOCKER, "create", "--network", "none", "-v", "%s:/dev/log" % sock,
                                 docker_image, "/bin/logger", "-t", "udsdump", "from %d" % n]
                                ).stdout.strip() for n in (0, 1)]
        pcap = os.path.join(ts.captures, "container-filter.pcapng")
        with udsdump_capture(pcap, ["--path", sock, "--container", ids[0][:12]]).start():
            for cid in ids:
                live_servers.run([DOCKER, "start", "-a", cid], timeout=120)
            live_servers.wait_for(lambda: open(got).read().count("from ") == 2,
                                  "both messages on the host")
        for cid in ids:
            live_servers.run([DOCKER, "rm", cid])
    finally:
        recv.terminate()
        recv.wait(timeout=30)
    data = [r for r in udsrec.read_capture(pcap).records if r.event == udsrec.EV_DATA]
    assert [r.payload.endswith(b"from 0") for r in data] == [True], [r.payload for r in data]
    rows = ts.fields(pcap, ["unix.container"], "unix.container && unix.event == 1")
    assert rows == [[ids[0]]], rows


def test_udsdump_in_a_privileged_podman_container_sees_the_host(ts, podman, tmp_path):
    """udsdump run as operators run capture tools: in a container, here
    Debian's podman with the flags README.md gives (--privileged for bpf()
    and /sys/kernel/btf, --pid=host so that pids and /proc mean the host's),
    over a root made of the host's /usr (read-only) and the build tree. It
    captures a stream between two host processes, with their host pids,
    their names, and each end's peer as the host knows it."""
    cmd, opts = podman
    root = tmp_path / "rootfs"
    for d in ("etc", "tmp", "proc", "sys", "dev", "run", "out", "udsdump"):
        (root / d).mkdir(parents=True)
    for link in ("bin", "sbin", "lib", "lib64"):
        (root / link).symlink_to("usr/" + link)
    out = tmp_path / "out"
    out.mkdir()
    build = os.path.dirname(os.path.abspath(paths.UDSDUMP))
    path = str(tmp_path / "host.sock")
    run = cmd + ["run", "--rm", "--privileged", "--pid=host"] + opts + [
                 "-v", "/usr:/usr:ro", "-v", "%s:/udsdump:ro" % build, "-v", "%s:/out" % out,
                 "--rootfs", str(root), "/udsdump/" + os.path.basename(paths.UDSDUMP),
                 "-w", "/out/in-container.pcapng", "path", path]
    with Capture(run, out=None).start(120):
        log = run_sender("traffic.py", "--addr", "path:" + path, "--sizes", "5,3000",
                         "--client-comm", "ctr-client", "--server-comm", "ctr-server",
                         "--reply", "200")
    recs = udsrec.read_capture(str(out / "in-container.pcapng")).records
    for side in ("client", "server"):
        mine = [r for r in recs if r.event == udsrec.EV_DATA and r.socket.inode == log[side]["inode"]]
        assert mine, "no record of the %s" % side
        for r in mine:
            assert (r.task.pid, r.task.comm) == (log[side]["pid"], "ctr-" + side), r.task
        if side == "server":  # its peer, the client, sent first: the kernel knows it
            assert {r.peer_task.pid for r in mine if r.peer_task} == {log["client"]["pid"]}
        data = udsrec.reassemble(mine).data
        assert hashlib.sha256(data).hexdigest() == log[side]["sent_sha256"], side
    rows = ts.fields(ts.stage(str(out / "in-container.pcapng")), ["unix.task.pid", "unix.path"],
                     "unix.event == 1 && unix.task.comm == \"ctr-client\"")
    assert rows and all(r == [str(log["client"]["pid"]), path] for r in rows), rows
