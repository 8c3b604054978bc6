"""A socket's name can appear after its connection has carried messages:
a connected stream socket may still bind(). The engine reads a socket's
name again only while it is unknown (a name, once set, never changes),
so the records after the bind must carry it: the binder's own records as
LOCAL_ADDR, its peer's as PEER_ADDR. And a datagram socket that connects
to another peer names the new one.
"""

import socket
import time

from lib.engine import Udsdump, udsrec, unique


def data_by_payload(cap):
    return {bytes(r.payload): r for r in cap.records if r.event == udsrec.EV_DATA}


def test_name_bound_after_connect_reaches_both_ends(tmp_path):
    srv_path = str(tmp_path / "srv.sock")
    late_name = unique("late-").encode()
    u = Udsdump(["--path-prefix", str(tmp_path)], tmp_path / "late.pcapng").start()
    try:
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(srv_path)
        srv.listen(1)
        client = socket.socket(socket.AF_UNIX)
        client.connect(srv_path)
        peer, _ = srv.accept()
        for i in range(3):  # several, so the unnamed state is the known one
            client.sendall(b"before-%d" % i)
            assert peer.recv(64) == b"before-%d" % i
            peer.sendall(b"reply-before-%d" % i)
            assert client.recv(64) == b"reply-before-%d" % i
        client.bind(b"\0" + late_name)  # abstract: allowed on a connected socket
        client.sendall(b"after")
        assert peer.recv(64) == b"after"
        peer.sendall(b"reply-after")
        assert client.recv(64) == b"reply-after"
        time.sleep(0.1)
    finally:
        assert u.stop() == 0, u.stderr
    recs = data_by_payload(u.read())
    before, reply_before = recs.get(b"before-2"), recs.get(b"reply-before-2")
    after, reply_after = recs.get(b"after"), recs.get(b"reply-after")
    assert before and reply_before and after and reply_after, sorted(recs)
    # before the bind the client had no name
    assert not before.local_addr or before.local_addr.kind == udsrec.ADDR_UNNAMED, before.local_addr
    # after it, the client's own record and the server's both carry it
    assert after.local_addr and after.local_addr.name == late_name, after.local_addr
    assert reply_after.peer_addr and reply_after.peer_addr.name == late_name, reply_after.peer_addr
    assert after.peer_addr and after.peer_addr.name == srv_path.encode(), after.peer_addr


def test_datagram_socket_names_each_peer_it_connects_to(tmp_path):
    paths = [str(tmp_path / ("d%d.sock" % i)) for i in range(2)]
    u = Udsdump(["--path-prefix", str(tmp_path)], tmp_path / "dgram.pcapng").start()
    try:
        servers = []
        for p in paths:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(p)
            servers.append(s)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        for i, (p, s) in enumerate(zip(paths, servers)):
            c.connect(p)
            for j in range(3):
                c.send(b"to-%d-%d" % (i, j))
                assert s.recv(64) == b"to-%d-%d" % (i, j)
        time.sleep(0.1)
    finally:
        assert u.stop() == 0, u.stderr
    recs = data_by_payload(u.read())
    for i, p in enumerate(paths):
        for j in range(3):
            r = recs.get(b"to-%d-%d" % (i, j))
            assert r and r.peer_addr and r.peer_addr.name == p.encode(), (i, j, r and r.peer_addr)
