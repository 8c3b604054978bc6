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
