#!/usr/bin/python3
"""Receive-side scenarios for the capture tests. Each prints one JSON line
describing what really happened (pids, inodes, fd numbers, bytes).

  fork-server DIR      a server that forks after accept; the child reads
                       and answers, the parent only accepted
  handoff DIR          process A hands its connected socket to process B
                       over SCM_RIGHTS; B then reads from it
  passcred DIR         a receiver with SO_PASSCRED; the sender sends no
                       credentials
  passfd DIR           a regular file passed; sender's and receiver's fd
  dgram-reader DIR     a datagram server bound in DIR, reading what
                       `logger -u` sends to it
  unread DIR           100 bytes sent, 40 read, both ends closed
  peer-changes DIR     one end of a socketpair used by three children in
                       turn; the other end answers each
  thread-turns DIR     threads of one process send on one socket in turn,
                       named in turn tt-0 and tt-1, then unnamed
"""
import array
import ctypes
import json
import os
import socket
import subprocess
import sys
import threading
import time

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def set_comm(name):
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)


def ino(s):
    return os.fstat(s.fileno()).st_ino


def fork_server(d):
    path = os.path.join(d, "fork.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    r, w = os.pipe()
    parent_pid = os.getpid()
    cli_pid = os.fork()
    if cli_pid == 0:
        set_comm("fs-client")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        time.sleep(0.3)  # let the server fork first
        c.sendall(b"PING from the client")
        reply = c.recv(100)
        os.write(w, json.dumps({"client_inode": ino(c),
                                "reply": reply.decode()}).encode())
        os._exit(0)
    set_comm("fs-parent")
    conn, _ = srv.accept()
    conn_ino = ino(conn)
    child = os.fork()
    if child == 0:
        set_comm("fs-child")
        data = conn.recv(100)
        conn.sendall(b"PONG: " + data)
        os._exit(0)
    conn.close()  # the parent no longer holds it
    os.waitpid(child, 0)
    os.waitpid(cli_pid, 0)
    os.close(w)
    info = json.loads(os.read(r, 4096))
    info.update({"parent_pid": parent_pid, "child_pid": child,
                 "client_pid": cli_pid, "server_inode": conn_ino})
    print(json.dumps(info))


def early_write(d):
    """The client connects and writes at once, before the server has
    accepted (as HTTP, psql and redis-cli clients do): its sends have no
    peer inode yet. A forked child of the server then reads them all."""
    path = os.path.join(d, "early.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    set_comm("ew-client")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    msgs = [b"early %d;" % i for i in range(3)]
    for m in msgs:
        c.send(m)
    time.sleep(0.2)  # the writes are queued before accept()
    conn, _ = srv.accept()
    child = os.fork()
    if child == 0:
        set_comm("ew-child")
        want, got = sum(map(len, msgs)), b""
        while len(got) < want:
            got += conn.recv(want - len(got))
        os._exit(0)
    os.waitpid(child, 0)
    print(json.dumps({"client_inode": ino(c), "server_inode": ino(conn),
                      "child_pid": child, "lens": [len(m) for m in msgs]}))


def handoff(d):
    a, b = socket.socketpair()          # the socket that gets handed over
    ca, cb = socket.socketpair()        # the channel it travels on
    a_ino = ino(a)
    r, w = os.pipe()
    bpid = os.fork()
    if bpid == 0:
        set_comm("ho-receiver")
        msg, anc, _, _ = cb.recvmsg(16, socket.CMSG_SPACE(4))
        fd = array.array("i", anc[0][2])[0]
        s = socket.socket(fileno=fd)
        data = s.recv(100)
        os.write(w, json.dumps({"b_fd": fd, "b_data": data.decode()}).encode())
        os._exit(0)
    set_comm("ho-sender")
    ca.sendmsg([b"take it"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                               array.array("i", [a.fileno()]))])
    a_fd = a.fileno()
    a.close()
    time.sleep(0.3)
    b.sendall(b"for whoever holds the other end")
    os.waitpid(bpid, 0)
    os.close(w)
    info = json.loads(os.read(r, 4096))
    info.update({"a_pid": os.getpid(), "a_fd": a_fd, "b_pid": bpid,
                 "handed_inode": a_ino, "writer_inode": ino(b)})
    print(json.dumps(info))


def passcred(d):
    a, b = socket.socketpair()
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.sendall(b"no credentials sent")
    msg, anc, _, _ = b.recvmsg(100, socket.CMSG_SPACE(12))
    creds = [array.array("i", x) for l, t, x in anc
             if l == socket.SOL_SOCKET and t == socket.SCM_CREDENTIALS]
    print(json.dumps({"pid": os.getpid(), "uid": os.getuid(),
                      "gid": os.getgid(), "sender_inode": ino(a),
                      "receiver_inode": ino(b),
                      "delivered": list(creds[0]) if creds else None}))


def passfd(d):
    a, b = socket.socketpair()
    path = os.path.join(d, "passed.txt")
    with open(path, "w") as f:
        f.write("x")
    f = open(path)
    a.sendmsg([b"a file"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                             array.array("i", [f.fileno()]))])
    msg, anc, _, _ = b.recvmsg(100, socket.CMSG_SPACE(4))
    newfd = array.array("i", anc[0][2])[0]
    print(json.dumps({"sender_fd": f.fileno(), "receiver_fd": newfd,
                      "file_inode": os.fstat(f.fileno()).st_ino,
                      "path": os.path.realpath(path),
                      "sender_inode": ino(a), "receiver_inode": ino(b)}))


def dgram_reader(d):
    path = os.path.join(d, "devlog.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    set_comm("log-reader")
    p = subprocess.Popen(["logger", "-u", path, "--socket-errors=on",
                          "hello from logger"])
    s.settimeout(10)
    data = s.recv(4096)
    p.wait(10)
    print(json.dumps({"reader_pid": os.getpid(), "reader_inode": ino(s),
                      "logger_pid": p.pid, "data": data.decode(errors="replace"),
                      "path": path}))


def unread(d):
    """The writer sends 100 bytes and closes; the reader reads 40 of them
    and closes too: 60 bytes are never read."""
    a, b = socket.socketpair()
    a.sendall(bytes(range(100)))
    a_ino, b_ino = ino(a), ino(b)
    a.close()
    got = b.recv(40)
    b.close()
    print(json.dumps({"writer_inode": a_ino, "reader_inode": b_ino,
                      "sent": 100, "read": len(got)}))


def peer_changes(d):
    """The parent holds end a; children take turns on end b, each
    sending one message and reading the answer, so the task at a's other
    end changes while the connection lasts."""
    a, b = socket.socketpair()
    set_comm("pc-holder")
    children = []
    for i in range(3):
        # The kernel learns who holds b when it sees the child's send
        # end, and the parent could read the message before that: the
        # child says on a pipe (its next syscall) that its send is over.
        sent_r, sent_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            set_comm("pc-child-%d" % i)
            b.sendall(b"turn %d" % i)
            os.write(sent_w, b"s")
            b.recv(100)
            os._exit(0)
        os.read(sent_r, 1)
        os.close(sent_r)
        os.close(sent_w)
        a.recv(100)
        a.sendall(b"answer to %d" % i)
        os.waitpid(pid, 0)
        children.append(pid)
    print(json.dumps({"holder_inode": ino(a), "other_inode": ino(b),
                      "children": children}))


def thread_turns(d):
    """Six threads in turn send one message each on end b: the first four
    with names of their own (tt-0, tt-1, tt-0, tt-1), the last two with the
    name they were born with."""
    a, b = socket.socketpair()
    set_comm("tt-main")
    sent = []

    def turn(i):
        if i < 4:
            set_comm("tt-%d" % (i % 2))
        sent.append({"tid": threading.get_native_id(),
                     "comm": "tt-%d" % (i % 2) if i < 4 else "tt-main"})
        b.sendall(b"turn %d" % i)

    for i in range(6):
        t = threading.Thread(target=turn, args=(i,))
        t.start()
        t.join()
        a.recv(100)
    print(json.dumps({"inode": ino(b), "pid": os.getpid(), "sent": sent}))


if __name__ == "__main__":
    {"fork-server": fork_server, "early-write": early_write, "handoff": handoff, "passcred": passcred,
     "passfd": passfd, "dgram-reader": dgram_reader,
     "unread": unread, "peer-changes": peer_changes,
     "thread-turns": thread_turns}[sys.argv[1]](sys.argv[2])
