"""The receive side: who actually read each message, and what the kernel
delivered with it (issue "Receive side")."""

import json
import subprocess

from lib.engine import PYTHON, SENDERS, udsrec


def scenario(name, workdir, udsdump_factory, extra=()):
    u = udsdump_factory(["--path-prefix", str(workdir)] if name in (
        "fork-server", "dgram-reader") else list(extra))
    r = subprocess.run([PYTHON, str(SENDERS / "recv_cases.py"), name,
                        str(workdir)], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    info = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert u.stop() == 0, u.stderr
    return info, u.read()


def recv_of(cap, inode):
    return [r for r in cap.records if r.event == udsrec.EV_RECV
            and r.socket.inode == inode]


def sent_by(cap, inode):
    return [r for r in cap.records if r.event == udsrec.EV_DATA
            and r.socket.inode == inode]


def test_fork_after_accept_names_the_child(workdir, udsdump_factory):
    info, cap = scenario("fork-server", workdir, udsdump_factory)
    reads = recv_of(cap, info["server_inode"])
    assert reads, "no RECV record on the server socket"
    assert all(r.task.pid == info["child_pid"] and r.task.comm == "fs-child"
               for r in reads), [(r.task.pid, r.task.comm) for r in reads]
    # the client's view: SO_PEERCRED names the parent (who listened), the
    # process actually at the other end is the child
    sends = sent_by(cap, info["client_inode"])
    assert sends
    assert all(r.peer_cred.pid == info["parent_pid"] for r in sends)
    # the reply is sent after the child read: by then the kernel has seen it
    reply_reads = recv_of(cap, info["client_inode"])
    assert reply_reads and all(
        r.peer_task and r.peer_task.pid == info["child_pid"]
        for r in reply_reads)
    assert sum(r.stream.msg_len for r in reads) == len("PING from the client")


def test_peer_task_follows_the_other_end(workdir, udsdump_factory):
    """Three children in turn on one end of a connection: each answer
    the parent sends names the child it answers. The kernel tells user
    space who is at a socket's other end only when that changes, so a
    missed change would name the previous child."""
    info, cap = scenario("peer-changes", workdir, udsdump_factory)
    answers = sent_by(cap, info["holder_inode"])
    assert [r.payload for r in answers] == [
        b"answer to %d" % i for i in range(3)]
    assert [(r.peer_task.pid, r.peer_task.comm) if r.peer_task else None
            for r in answers] == [
        (pid, "pc-child-%d" % i) for i, pid in enumerate(info["children"])]
    # and the reads of the answers name the parent, whose end it is
    for r in recv_of(cap, info["holder_inode"]):
        assert r.task.comm == "pc-holder", r.task
    # the children's own records name each child in turn: the kernel
    # names a socket's process only when it changes
    names = [("pc-child-%d" % i, pid) for i, pid in enumerate(info["children"])]
    assert [(r.task.comm, r.task.pid) for r in sent_by(cap, info["other_inode"])] == names
    assert [(r.task.comm, r.task.pid) for r in recv_of(cap, info["other_inode"])] == names


def test_threads_taking_turns_on_one_socket(workdir, udsdump_factory):
    """Each message names its own thread: its tid always, its name when
    the threads have names of their own."""
    info, cap = scenario("thread-turns", workdir, udsdump_factory)
    got = [(r.task.pid, r.task.tid, r.task.comm, r.task_ns.ns_tid if r.task_ns else None)
           for r in sent_by(cap, info["inode"])]
    assert got == [(info["pid"], s["tid"], s["comm"], s["tid"]) for s in info["sent"]], got


def test_socket_handed_over_scm_rights_reads_by_second_process(
        workdir, udsdump_factory):
    info, cap = scenario("handoff", workdir, udsdump_factory)
    reads = recv_of(cap, info["handed_inode"])
    assert reads, "no read on the handed-over socket"
    assert all(r.task.pid == info["b_pid"] and r.task.comm == "ho-receiver"
               for r in reads)
    assert sum(r.stream.msg_len for r in reads) == len(info["b_data"])
    # the descriptor travelled: the sender's fd number on the DATA record,
    # the receiver's on the RECV record, both naming the same socket
    carrier = [r for r in cap.records if r.event == udsrec.EV_DATA
               and r.scm_rights and r.task.pid == info["a_pid"]]
    assert carrier and carrier[0].scm_rights[0].fd == info["a_fd"]
    assert carrier[0].scm_rights[0].inode == info["handed_inode"]
    got = [r for r in cap.records if r.event == udsrec.EV_RECV
           and r.scm_rights and r.task.pid == info["b_pid"]]
    assert got and got[0].scm_rights[0].fd == info["b_fd"]
    assert got[0].scm_rights[0].inode == info["handed_inode"]


def test_passcred_shows_credentials_the_sender_never_sent(
        workdir, udsdump_factory):
    info, cap = scenario("passcred", workdir, udsdump_factory)
    sends = sent_by(cap, info["sender_inode"])
    assert sends and all(r.scm_creds is None for r in sends)
    reads = recv_of(cap, info["receiver_inode"])
    assert reads and reads[0].scm_creds is not None
    c = reads[0].scm_creds
    assert [c.pid, c.uid, c.gid] == info["delivered"] == \
        [info["pid"], info["uid"], info["gid"]]


def test_passed_descriptor_numbers_on_both_sides(workdir, udsdump_factory):
    info, cap = scenario("passfd", workdir, udsdump_factory)
    s = [r for r in sent_by(cap, info["sender_inode"]) if r.scm_rights]
    r = [x for x in recv_of(cap, info["receiver_inode"]) if x.scm_rights]
    assert s and r
    assert s[0].scm_rights[0].fd == info["sender_fd"]
    assert r[0].scm_rights[0].fd == info["receiver_fd"]
    for rec in (s[0], r[0]):
        fd = rec.scm_rights[0]
        assert fd.file_kind == udsrec.FK_REGULAR
        assert fd.inode == info["file_inode"]
        assert fd.path == info["path"].encode()


def test_logger_to_datagram_socket_shows_reader(workdir, udsdump_factory):
    info, cap = scenario("dgram-reader", workdir, udsdump_factory)
    assert "hello from logger" in info["data"]
    reads = recv_of(cap, info["reader_inode"])
    assert reads, "no RECV record on the log socket"
    assert reads[0].task.pid == info["reader_pid"]
    assert reads[0].task.comm == "log-reader"
    assert reads[0].socket.sock_type == 2
    sends = [r for r in cap.records if r.event == udsrec.EV_DATA
             and r.task and r.task.pid == info["logger_pid"]]
    assert sends and sends[0].socket_path().name == info["path"].encode()
    assert sends[0].stream.msg_len == reads[0].stream.msg_len
