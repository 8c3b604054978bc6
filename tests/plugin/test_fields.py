"""Fields, columns and the socket path, on synthetic captures (doc/FORMAT.md)."""

import synth as S

CLIENT_INODE = 31001
SERVER_INODE = 31002
PATH = "/run/redis.sock"


def client_send(payload, offset, flags=0, peer_task=True, peer_cred=True):
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(CLIENT_INODE, SERVER_INODE, S.SOCK_STREAM)
    r.task(pid=4242, tid=4243, uid=1000, gid=1001, start_ns=123456789, comm="curl")
    if peer_cred:
        r.peer_cred(pid=812, uid=999, gid=998)
    if peer_task:
        r.peer_task(pid=812, tid=813, start_ns=555, source=1, comm="redis-server")
    r.local_addr(S.ADDR_UNNAMED)
    r.peer_addr(S.ADDR_PATHNAME, PATH)
    r.stream(offset=offset, msg_len=len(payload), requested_len=len(payload) + 7,
             syscall=S.SYS_SENDMSG)
    return r.build()


def server_send(payload, offset):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(SERVER_INODE, CLIENT_INODE, S.SOCK_STREAM)
    r.task(pid=812, tid=812, uid=999, gid=998, start_ns=555, comm="redis-server")
    r.peer_cred(pid=4242, uid=1000, gid=1001)
    r.local_addr(S.ADDR_PATHNAME, PATH)
    r.stream(offset=offset, msg_len=len(payload))
    return r.build()


def test_protocol_registered(ts):
    _, out, _ = ts.run(["-G", "protocols"])
    # name, short name, filter name (4.4+ add three columns after them)
    assert "Unix Domain Socket\tUNIX\tunix" in ["\t".join(l.split("\t")[:3]) for l in out.splitlines()]


def test_plugin_listed_as_dissector(ts):
    """4.2+ ask plugin_describe(); without it the plugin shows as "unknown"."""
    _, out, _ = ts.run(["-G", "plugins"])
    line = [l for l in out.splitlines() if "udsdump.so" in l][0]
    assert line.split("\t")[2] == "dissector", line


def test_every_field_of_a_data_record(ts):
    pcap = ts.capture([client_send(b"PING\r\n", 0, flags=S.F_FIRST_SEEN | S.F_PARTIAL)])
    names = ["unix.version", "unix.event", "unix.header_len", "unix.flags",
             "unix.flags.first_seen", "unix.flags.partial", "unix.flags.truncated",
             "unix.payload_len", "unix.inode", "unix.peer_inode", "unix.sock_type",
             "unix.task.pid", "unix.task.tid", "unix.task.uid", "unix.task.gid",
             "unix.task.start_ns", "unix.task.comm",
             "unix.peer_cred.pid", "unix.peer_cred.uid", "unix.peer_cred.gid",
             "unix.peer_task.pid", "unix.peer_task.tid", "unix.peer_task.start_ns",
             "unix.peer_task.source", "unix.peer_task.comm",
             "unix.local_addr.kind", "unix.peer_addr.kind", "unix.peer_addr.name",
             "unix.stream_offset", "unix.msg_len", "unix.msg_offset", "unix.requested_len",
             "unix.syscall", "unix.path", "unix.addr.kind", "unix.stream"]
    rows = ts.fields(pcap, names)
    assert len(rows) == 1
    got = dict(zip(names, rows[0]))
    # header_len = 16 + SOCKET(4+20) + TASK(4+40) + PEER_CRED(4+12) + PEER_TASK(4+36)
    #            + LOCAL_ADDR(4+1) + PEER_ADDR(4+1+15) + STREAM(4+24)
    expected_hl = 16 + 24 + 44 + 16 + 40 + 5 + 20 + 28
    assert got == {
        "unix.version": "1", "unix.event": "1", "unix.header_len": str(expected_hl),
        "unix.flags": "0x00000018", "unix.flags.first_seen": "1", "unix.flags.partial": "1",
        "unix.flags.truncated": "0", "unix.payload_len": "6",
        "unix.inode": str(CLIENT_INODE), "unix.peer_inode": str(SERVER_INODE), "unix.sock_type": "1",
        "unix.task.pid": "4242", "unix.task.tid": "4243", "unix.task.uid": "1000",
        "unix.task.gid": "1001", "unix.task.start_ns": "123456789", "unix.task.comm": "curl",
        "unix.peer_cred.pid": "812", "unix.peer_cred.uid": "999", "unix.peer_cred.gid": "998",
        "unix.peer_task.pid": "812", "unix.peer_task.tid": "813", "unix.peer_task.start_ns": "555",
        "unix.peer_task.source": "1", "unix.peer_task.comm": "redis-server",
        "unix.local_addr.kind": "0", "unix.peer_addr.kind": "1", "unix.peer_addr.name": PATH,
        "unix.stream_offset": "0", "unix.msg_len": "6", "unix.msg_offset": "0",
        "unix.requested_len": "13", "unix.syscall": "4",
        "unix.path": PATH, "unix.addr.kind": "1", "unix.stream": "0",
    }


def test_display_filters_on_fields(ts):
    pcap = ts.capture([client_send(b"PING\r\n", 0), server_send(b"+PONG\r\n", 0)])
    assert ts.frames(pcap, 'unix.task.comm == "curl"') == [1]
    assert ts.frames(pcap, "unix.task.pid == 812") == [2]
    assert ts.frames(pcap, 'unix.path == "%s"' % PATH) == [1, 2]
    assert ts.frames(pcap, "unix.event == 1 && unix.flags.partial == 0") == [1, 2]
    assert ts.frames(pcap, "unix.peer_task") == [1]
    assert ts.frames(pcap, 'unix.local_addr.name == "%s"' % PATH) == [2]


def test_columns(ts):
    # payloads no payload dissector claims, so the UNIX columns show (the
    # shipped socket table off: it would hand Redis's socket to RESP)
    pcap = ts.capture([client_send(bytes(range(18)), 0), server_send(b"\x00\x01ok\n", 0)])
    rows = ts.fields(pcap, ["_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol",
                            "_ws.col.Info"], extra=["-o", "unix.shipped_sockets:FALSE"])
    assert rows[0] == ["curl[4242]", "redis-server[812]", "UNIX",
                       "curl[4242] -> redis-server[812] %s Len=18" % PATH]
    # The server's record has no PEER_TASK but PEER_CRED: the client was
    # seen sending on that inode, so it is named; the path is the local name.
    assert rows[1][:3] == ["redis-server[812]", "curl[4242]", "UNIX"]
    assert rows[1][3] == "redis-server[812] -> curl[4242] %s Len=5" % PATH


def test_peer_label_fallbacks(ts):
    # PEER_CRED only, peer never seen sending: "pid:N".
    cred_only = client_send(b"x", 0, peer_task=False)
    pcap = ts.capture([cred_only])
    assert ts.fields(pcap, ["_ws.col.Destination"]) == [["pid:812"]]
    # Neither PEER_TASK nor PEER_CRED: the inode.
    none = client_send(b"x", 0, peer_task=False, peer_cred=False)
    pcap = ts.capture([none])
    assert ts.fields(pcap, ["_ws.col.Destination"]) == [["inode:%d" % SERVER_INODE]]


def test_non_data_events_in_info(ts):
    recs = []
    for ev, name in [(S.EV_CONNECT, "CONNECT"), (S.EV_ACCEPT, "ACCEPT"),
                     (S.EV_SHUTDOWN, "SHUTDOWN"), (S.EV_CLOSE, "CLOSE")]:
        r = S.Record(ev)
        r.socket(CLIENT_INODE, SERVER_INODE).task(4242, comm="curl")
        r.peer_task(812, comm="redis-server").peer_addr(S.ADDR_PATHNAME, PATH)
        recs.append(r.build())
    pcap = ts.capture(recs)
    infos = [r[0] for r in ts.fields(pcap, ["_ws.col.Info"])]
    assert infos == ["%s curl[4242] -> redis-server[812] %s" % (n, PATH)
                     for n in ("CONNECT", "ACCEPT", "SHUTDOWN", "CLOSE")]
    assert ts.frames(pcap, "unix.event == 3") == [2]


def test_recv_goes_from_peer_to_reader(ts):
    r = S.Record(S.EV_RECV, flags=S.F_METADATA_ONLY)
    r.socket(SERVER_INODE, CLIENT_INODE).task(812, comm="redis-server")
    r.peer_task(4242, comm="curl").local_addr(S.ADDR_PATHNAME, PATH)
    r.stream(offset=0, msg_len=10, syscall=8)
    pcap = ts.capture([r.build()])
    rows = ts.fields(pcap, ["_ws.col.Source", "_ws.col.Destination", "unix.src_inode",
                            "unix.dst_inode", "unix.syscall"])
    assert rows == [["curl[4242]", "redis-server[812]", str(CLIENT_INODE), str(SERVER_INODE), "8"]]


def test_abstract_name_with_nul_and_control_bytes(ts):
    name = b"dbus\x00x\x01y\\z"
    r = S.Record(S.EV_DATA, payload=b"hi")
    r.socket(100, 200, S.SOCK_SEQPACKET).task(10, comm="a")
    r.peer_addr(S.ADDR_ABSTRACT, name).stream(0, 2)
    pcap = ts.capture([r.build()])
    rows = ts.fields(pcap, ["unix.path", "unix.addr.kind", "unix.peer_addr.kind",
                            "unix.peer_addr.name", "unix.sock_type"])
    # '@' then the name, NUL/control bytes and backslash escaped as \xNN.
    want = "@dbus\\x00x\\x01y\\x5cz"
    assert rows == [[want, "2", "2", want, "5"]]
    assert ts.frames(pcap, "unix.addr.kind == 2") == [1]


def test_abstract_empty_name_is_at_sign(ts):
    # Autobind-style abstract address with zero name bytes is still named "@".
    r = S.Record(S.EV_DATA, payload=b"hi")
    r.socket(100, 200).task(10, comm="a").local_addr(S.ADDR_ABSTRACT, b"").stream(0, 2)
    pcap = ts.capture([r.build()])
    assert ts.fields(pcap, ["unix.path", "unix.addr.kind"]) == [["@", "2"]]


def test_utf8_path_kept(ts):
    p = "/tmp/sök.sock"
    r = S.Record(S.EV_DATA, payload=b"hi")
    r.socket(100, 200).task(10, comm="a").local_addr(S.ADDR_PATHNAME, p.encode()).stream(0, 2)
    pcap = ts.capture([r.build()])
    assert ts.fields(pcap, ["unix.path"]) == [[p]]


def test_socketpair_unnamed(ts):
    recs = []
    for ino, peer, pid, comm in [(500, 501, 70, "parent"), (501, 500, 71, "child")]:
        r = S.Record(S.EV_DATA, payload=b"ab")
        r.socket(ino, peer, S.SOCK_DGRAM).task(pid, comm=comm).stream(0, 2)
        recs.append(r.build())
    pcap = ts.capture(recs)
    rows = ts.fields(pcap, ["unix.path", "unix.addr.kind", "unix.stream", "_ws.col.Info"])
    # The first record cannot know who holds inode 501 (no PEER_TASK or
    # PEER_CRED, not seen yet); the second one names the first sender.
    assert rows == [["(unnamed)", "0", "0", "parent[70] -> inode:501 (unnamed) Len=2"],
                    ["(unnamed)", "0", "0", "child[71] -> parent[70] (unnamed) Len=2"]]


def test_unconnected_datagram_uses_destination(ts):
    recs = []
    for pid, ino in [(300, 9001), (301, 9002)]:
        r = S.Record(S.EV_DATA, payload=b"<13>hello")
        r.socket(ino, 0, S.SOCK_DGRAM).task(pid, comm="logger")
        r.dest_addr(S.ADDR_PATHNAME, "/dev/log").stream(0, 9, syscall=S.SYS_SENDTO)
        recs.append(r.build())
    pcap = ts.capture(recs)
    rows = ts.fields(pcap, ["unix.path", "unix.dest_addr.name", "unix.dest_addr.kind",
                            "_ws.col.Destination", "unix.stream"])
    assert rows[0][:4] == ["/dev/log", "/dev/log", "1", "/dev/log"]
    assert rows[1][:4] == ["/dev/log", "/dev/log", "1", "/dev/log"]
    # Two different sending sockets: two conversations.
    assert rows[0][4] != rows[1][4]


def test_path_priority_local_then_peer_then_dest(ts):
    def rec(local, peer, dest):
        r = S.Record(S.EV_DATA, payload=b"z")
        r.socket(1, 2).task(1, comm="t")
        if local is not None:
            r.local_addr(*local)
        if peer is not None:
            r.peer_addr(*peer)
        if dest is not None:
            r.dest_addr(*dest)
        return r.build()
    pcap = ts.capture([
        rec((S.ADDR_PATHNAME, "/l"), (S.ADDR_PATHNAME, "/p"), (S.ADDR_PATHNAME, "/d")),
        rec((S.ADDR_UNNAMED, ""), (S.ADDR_ABSTRACT, "p"), (S.ADDR_PATHNAME, "/d")),
        rec(None, None, (S.ADDR_PATHNAME, "/d")),
        rec(None, None, None),
    ])
    assert [r[0] for r in ts.fields(pcap, ["unix.path"])] == ["/l", "@p", "/d", "(unnamed)"]


def test_stream_index_keyed_on_inode_pair(ts):
    def rec(ino, peer, pid, comm):
        r = S.Record(S.EV_DATA, payload=b"q")
        r.socket(ino, peer).task(pid, comm=comm)
        return r.build()
    pcap = ts.capture([
        rec(1, 2, 10, "client"),   # connection A
        rec(2, 1, 20, "server"),   # A, other direction
        rec(3, 4, 10, "client"),   # connection B, same process
        rec(1, 2, 11, "child"),    # A, after fork: another pid on inode 1
        rec(1, 2, 12, "worker"),   # A, fd passed to another process
    ])
    streams = [r[0] for r in ts.fields(pcap, ["unix.stream"])]
    assert streams[0] == streams[1] == streams[3] == streams[4]
    assert streams[2] != streams[0]
    assert len(set(streams)) == 2


def test_unknown_tlv_skipped_longer_value_prefix_read_trailer_ignored(ts):
    r = S.Record(S.EV_DATA, payload=b"abc")
    r.raw_tlv(S.tlv(200, b"\xde\xad\xbe\xef"))          # unknown type
    # SOCKET with 6 extra bytes of a "later version"
    r.raw_tlv(S.tlv(S.T_SOCKET, S.u64(77) + S.u64(78) + S.u16(1) + S.u16(0) + b"NEWFLD"))
    r.task(5, comm="t").stream(0, 3)
    r.trailer = b"RESERVED-FOR-LATER"
    pcap = ts.capture([r.build()])
    rows = ts.fields(pcap, ["unix.inode", "unix.peer_inode", "unix.task.pid", "unix.payload_len",
                            "data.data"])
    assert rows == [["77", "78", "5", "3", "616263"]]
    assert ts.frames(pcap, "unix.tlv.unknown") == [1]
    assert ts.frames(pcap, "_ws.expert.severity >= 0x00800000") == []  # nothing worse than a note


def test_scm_rights_and_creds(ts):
    r = S.Record(S.EV_DATA, payload=b"F")
    r.socket(10, 11).task(40, comm="sender").stream(0, 1, syscall=S.SYS_SENDMSG)
    r.scm_fd(fd=5, kind=S.FILE_REGULAR, mode=0o100644, inode=131, dev=(8 << 20) | 3,
             path="/etc/hostname")
    r.scm_fd(fd=7, kind=S.FILE_SOCKET, sock_type=1, sock_family=1, mode=0o140777,
             inode=98765, path="socket:[98765]")
    r.scm_fd(fd=9, fd_flags=S.FD_UNRESOLVED)
    r.scm_creds(pid=40, uid=1000, gid=100)
    r.cmsg_raw(level=1, typ=99, data=b"\x01\x02\x03")
    pcap = ts.capture([r.build()])
    names = ["unix.scm.rights.fd", "unix.scm.rights.kind", "unix.scm.rights.inode",
             "unix.scm.rights.path", "unix.scm.rights.sock_family", "unix.scm.rights.sock_type",
             "unix.scm.rights.mode", "unix.scm.rights.dev_major", "unix.scm.rights.dev_minor",
             "unix.scm.rights.fd_flags.unresolved", "unix.scm.rights.count",
             "unix.scm.creds.pid", "unix.scm.creds.uid", "unix.scm.creds.gid",
             "unix.cmsg.level", "unix.cmsg.type", "unix.cmsg.data"]
    got = dict(zip(names, ts.fields(pcap, names)[0]))
    assert got["unix.scm.rights.fd"] == "5,7,9"
    assert got["unix.scm.rights.kind"] == "1,3,0"
    assert got["unix.scm.rights.inode"] == "131,98765,0"
    assert got["unix.scm.rights.path"] == "/etc/hostname,socket:[98765]"
    assert got["unix.scm.rights.sock_family"] == "0,1,0"
    assert got["unix.scm.rights.sock_type"] == "0,1,0"
    assert got["unix.scm.rights.mode"] == "%d,%d,0" % (0o100644, 0o140777)
    assert got["unix.scm.rights.dev_major"] == "8,0,0"
    assert got["unix.scm.rights.dev_minor"] == "3,0,0"
    assert got["unix.scm.rights.fd_flags.unresolved"] == "0,0,1"
    assert got["unix.scm.rights.count"] == "3"
    assert (got["unix.scm.creds.pid"], got["unix.scm.creds.uid"], got["unix.scm.creds.gid"]) == \
        ("40", "1000", "100")
    assert (got["unix.cmsg.level"], got["unix.cmsg.type"], got["unix.cmsg.data"]) == \
        ("1", "99", "010203")
    assert ts.frames(pcap, "unix.scm.rights") == [1]
    assert ts.frames(pcap, 'unix.scm.rights.path == "/etc/hostname"') == [1]
    info = ts.fields(pcap, ["_ws.col.Info"])[0][0]
    assert "SCM_RIGHTS=3" in info and "SCM_CREDENTIALS" in info


def test_user_link_type_preference(ts):
    rec = client_send(b"x", 0)
    other = ts.capture([rec], linktype=147 + 3)  # LINKTYPE_USER3
    _, out, _ = ts.run(["-r", other, "-Y", "unix", "-T", "fields", "-e", "frame.number"])
    assert out.strip() == ""
    assert ts.fields(other, ["unix.inode"], extra=["-o", "unix.user_link_type:3"]) == \
        [[str(CLIENT_INODE)]]
    # And USER12 is then no longer claimed.
    default = ts.capture([rec])
    _, out, _ = ts.run(["-r", default, "-o", "unix.user_link_type:3", "-Y", "unix",
                        "-T", "fields", "-e", "frame.number"])
    assert out.strip() == ""
