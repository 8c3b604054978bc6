"""Issue 18 offline: the TASK_NS, PEER_TASK_NS, SOCK_NS and PEER_CRED_NS
TLVs (where each end lives) as fields, short values flagged, and records without them (the
captures written before them) showing none."""

import synth as S

PATH = "/run/app.sock"


def record(payload=b"hi", **ns):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(501, 502).task(4242, 4243, comm="client").peer_task(77, comm="server")
    if "task" in ns:
        r.task_ns(*ns["task"])
    if "peer" in ns:
        r.task_ns(*ns["peer"], t=S.T_PEER_TASK_NS)
    if "sock" in ns:
        r.sock_ns(*ns["sock"])
    return r.peer_addr(S.ADDR_PATHNAME, PATH).stream(0, len(payload)).build()


def test_where_each_end_lives_as_fields(ts):
    pcap = ts.capture([record(task=(9001, 1, 7, 4026532001, 4026532002),
                              peer=(9002, 3, 3, 4026531836, 4026531832),
                              sock=(4026532100, 4026532100, (0, 0), (0x2d, 12345)))])
    fields = ["unix.cgroup", "unix.nspid", "unix.nstid", "unix.pidns", "unix.mntns",
              "unix.peer_task.cgroup", "unix.peer_task.nspid", "unix.peer_task.pidns",
              "unix.netns", "unix.peer_netns", "unix.file_inode", "unix.peer_file_inode",
              "unix.peer_file_dev"]
    assert ts.fields(pcap, fields) == [[
        "9001", "1", "7", "4026532001", "4026532002", "9002", "3", "4026531836",
        "4026532100", "4026532100", "0", "12345", "0x0000002d"]]
    assert ts.frames(pcap, "unix.nspid == 1 && unix.task.pid == 4242") == [1]
    assert ts.frames(pcap, "_ws.expert") == []


def test_peer_credentials_in_their_namespace(ts):
    """SO_PEERCRED's pid, as the host and as the peer's container number it."""
    r = S.Record(S.EV_DATA, payload=b"hi").socket(501, 502).task(4242)
    r.peer_cred(9876, 1000, 1000).peer_cred_ns(1, 4026532555)
    pcap = ts.capture([r.stream(0, 2).build(), record()])
    assert ts.fields(pcap, ["unix.peer_cred.pid", "unix.peer_cred.nspid", "unix.peer_cred.pidns"],
                     "unix.peer_cred_ns") == [["9876", "1", "4026532555"]]
    assert ts.frames(pcap, "unix.peer_cred.nspid == 1") == [1]
    assert ts.frames(pcap, "_ws.expert") == []


def test_short_values_are_flagged(ts):
    r = S.Record(S.EV_DATA, payload=b"x").socket(1, 2).task(5)
    r.raw_tlv(S.tlv(S.T_TASK_NS, b"\1" * 20)).raw_tlv(S.tlv(S.T_SOCK_NS, b"\2" * 8))
    r.raw_tlv(S.tlv(S.T_PEER_CRED_NS, b"\3" * 4))
    pcap = ts.capture([r.stream(0, 1).build()])
    rows = ts.fields(pcap, ["_ws.expert.message"], "_ws.expert")
    msgs = rows[0][0].split(",") if rows else []
    assert sum("shorter than its fixed size" in m for m in msgs) == 3, rows
    assert ts.frames(pcap, "unix.cgroup || unix.netns || unix.peer_cred.nspid") == []


def test_records_without_them_show_none(ts):
    pcap = ts.capture([record()])
    assert ts.frames(pcap, "unix.task_ns || unix.peer_task_ns || unix.sock_ns") == []
    assert ts.frames(pcap, "unix.task.pid == 4242") == [1]


def named(sock, name, net, pid, kind=S.ADDR_ABSTRACT, file=(0, 0)):
    """A client's send to a socket called name living in network namespace
    net (an abstract name) or bound to file (a path name)."""
    r = S.Record(S.EV_DATA, payload=b"hi").socket(sock, sock + 1).task(pid, comm="c%d" % pid)
    r.peer_addr(kind, name).sock_ns(net, net, (0, 0), file)
    return r.stream(0, 2).build()


def test_columns_qualify_a_name_that_lives_in_two_places(ts):
    """Two network namespaces' "@foo" are two sockets: once the file has
    shown both, the Info column names each with its namespace (a second
    pass qualifies the frames before that too); "@bar", in one place only,
    and a path name bound to one file stay plain."""
    pcap = ts.capture([
        named(501, b"foo", 4026532111, 10), named(601, b"foo", 4026532222, 20),
        named(701, b"bar", 4026532111, 30), named(501, b"foo", 4026532111, 10),
        named(801, b"/run/app.sock", 4026531840, 40, S.ADDR_PATHNAME, (0x2d, 77)),
        named(901, b"/run/app.sock", 4026531840, 50, S.ADDR_PATHNAME, (0x2d, 77))])
    one_pass = [r[0] for r in ts.fields(pcap, ["_ws.col.Info"])]
    assert "@foo (net:[" not in one_pass[0], one_pass
    assert "@foo (net:[4026532222])" in one_pass[1], one_pass
    assert "@bar" in one_pass[2] and "(net:[" not in one_pass[2], one_pass
    assert "@foo (net:[4026532111])" in one_pass[3], one_pass
    assert all("/run/app.sock" in i and "(file" not in i for i in one_pass[4:]), one_pass
    two_pass = [r[0] for r in ts.fields(pcap, ["_ws.col.Info"], extra=["-2"])]
    assert "@foo (net:[4026532111])" in two_pass[0], two_pass
    assert two_pass[1:] == one_pass[1:], (one_pass, two_pass)
    # the plain name still selects both sockets, Decode As keys on it too
    assert ts.frames(pcap, 'unix.path == "@foo"') == [1, 2, 4]


def test_columns_qualify_a_path_bound_to_two_files(ts):
    pcap = ts.capture([
        named(801, b"/run/app.sock", 4026531840, 40, S.ADDR_PATHNAME, (0x2d, 77)),
        named(901, b"/run/app.sock", 4026532999, 50, S.ADDR_PATHNAME, (0x2e, 88))])
    info = [r[0] for r in ts.fields(pcap, ["_ws.col.Info"], extra=["-2"])]
    assert "/run/app.sock (file 0:45 inode 77)" in info[0], info
    assert "/run/app.sock (file 0:46 inode 88)" in info[1], info


def test_container_named_by_its_runtime(ts):
    """A CGROUP record with the name the runtime's API gave (CONTAINER_NAME):
    unix.container.name on it and on the records of its tasks, and the
    columns say web-1/comm[nspid] rather than the short id; a container
    without a name keeps the short id."""
    cid = "e826cdf8f50f" + "0" * 52
    other = "0123456789ab" + "1" * 52
    named = S.Record(S.EV_CGROUP).cgroup(9001, "/docker/" + cid, 1, cid, name="web-1").build()
    plain = S.Record(S.EV_CGROUP).cgroup(9003, "/docker/" + other, 1, other).build()
    pcap = ts.capture([named, plain, record(task=(9001, 1, 1, 4026532001, 4026532002)),
                       record(payload=b"yo", task=(9003, 7, 7, 4026532011, 4026532012))])
    assert ts.fields(pcap, ["unix.container.name"], "unix.event == 10") == [["web-1"], [""]]
    rows = ts.fields(pcap, ["unix.container", "unix.container.name", "_ws.col.Source"],
                     "unix.event == 1")
    assert rows == [[cid, "web-1", "web-1/client[1]"], [other, "", "0123456789ab/client[7]"]], rows
    assert ts.frames(pcap, 'unix.container.name == "web-1"') == [1, 3]
    assert ts.frames(pcap, "_ws.expert") == []
