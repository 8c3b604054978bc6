"""--lifecycle: connect, accept, socketpair, shutdown and close events, with
the right sockets, peers, processes and final offsets."""

import json
import subprocess

from lib.engine import PYTHON, udsrec, unique

SCRIPT = r'''
import json, os, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.bind("\0" + name); s.listen()
c = socket.socket(socket.AF_UNIX); c.connect("\0" + name)
d, _ = s.accept()
c.sendall(b"x" * 1234); d.recv(4096)
c.shutdown(socket.SHUT_WR); d.recv(10)
a, b = socket.socketpair()
a.sendall(b"pair")
ino = lambda k: os.fstat(k.fileno()).st_ino
info = {"pid": os.getpid(), "listener": ino(s), "client": ino(c),
        "server": ino(d), "a": ino(a), "b": ino(b)}
for k in (c, d, a, b, s):
    k.close()
print(json.dumps(info))
'''


def run(udsdump_factory, args):
    name = unique("lc")
    u = udsdump_factory(args + ["--path-prefix", "@" + name])
    r = subprocess.run([PYTHON, "-c", SCRIPT, name], capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert u.stop() == 0, u.stderr
    return json.loads(r.stdout), u.read()


def events(cap, ino, kind):
    return [r for r in cap.records if r.event == kind and r.socket.inode == ino]


def test_lifecycle_events(udsdump_factory):
    info, cap = run(udsdump_factory, ["--lifecycle"])
    conn = events(cap, info["client"], udsrec.EV_CONNECT)
    assert len(conn) == 1 and conn[0].task.pid == info["pid"]
    acc = events(cap, info["server"], udsrec.EV_ACCEPT)
    assert len(acc) == 1 and acc[0].socket.peer_inode == info["client"]
    assert acc[0].local_addr.has_name
    sh = [r for r in events(cap, info["client"], udsrec.EV_SHUTDOWN)
          if not r.has(udsrec.F_INFERRED)]
    assert len(sh) == 1 and sh[0].stream.stream_offset == 1234
    closes = events(cap, info["client"], udsrec.EV_CLOSE)
    assert len(closes) == 1 and closes[0].stream.stream_offset == 1234
    assert len(events(cap, info["server"], udsrec.EV_CLOSE)) == 1
    # order: connect before the data, close after it
    data = [r for r in cap.records if r.event == udsrec.EV_DATA
            and r.socket.inode == info["client"]]
    assert conn[0].ts_ns <= data[0].ts_ns <= closes[0].ts_ns
    # a socketpair: unnamed, so not matched by the path filter
    assert not events(cap, info["a"], udsrec.EV_SOCKETPAIR)


def test_socketpair_event(udsdump_factory):
    name = unique("sp")
    comm = name[:15]
    u = udsdump_factory(["--lifecycle", "--comm", comm])
    r = subprocess.run([PYTHON, "-c", r'''
import ctypes, json, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
a.send(b"hello")
ino = lambda k: os.fstat(k.fileno()).st_ino
print(json.dumps({"a": ino(a), "b": ino(b), "pid": os.getpid()}))
''', comm], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert u.stop() == 0, u.stderr
    info, cap = json.loads(r.stdout), u.read()
    for me, peer in (("a", "b"), ("b", "a")):
        sp = events(cap, info[me], udsrec.EV_SOCKETPAIR)
        assert len(sp) == 1, [x.event_name for x in cap.records]
        assert sp[0].socket.peer_inode == info[peer]
        assert sp[0].socket.sock_type == 5
        assert sp[0].task.pid == info["pid"]


def test_no_lifecycle_events_by_default(udsdump_factory):
    info, cap = run(udsdump_factory, [])
    kinds = {r.event for r in cap.records}
    assert udsrec.EV_DATA in kinds
    assert not kinds & {udsrec.EV_CONNECT, udsrec.EV_ACCEPT,
                        udsrec.EV_SOCKETPAIR, udsrec.EV_CLOSE}
    # only the inferred end of stream
    assert all(r.has(udsrec.F_INFERRED) for r in cap.records
               if r.event == udsrec.EV_SHUTDOWN)
