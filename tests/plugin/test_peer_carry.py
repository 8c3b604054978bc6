"""Records flagged PEER_AS_BEFORE (doc/FORMAT.md) leave the peer's
identity out: the dissector gives them that of the socket's last record
without the flag, in every field, filter and label, on both passes."""

import synth as S

A, B = 51001, 51002  # a connection's two sockets
C, D = 52001, 52002  # another
PATH = "/run/app.sock"
AS_BEFORE = S.F_PEER_AS_BEFORE


def send(ino, peer, payload, off, flags=0, peer_pid=None):
    """A DATA record of pid 100; with peer_pid, the peer's four TLVs."""
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(ino, peer).task(100, comm="client").peer_addr(S.ADDR_PATHNAME, PATH)
    if peer_pid:
        r.peer_cred(peer_pid, 999, 998).peer_cred_ns(peer_pid - 1, 4026531836)
        r.peer_task(peer_pid, start_ns=555, comm="srv%d" % peer_pid)
        r.task_ns(77, peer_pid - 1, peer_pid - 1, 4026531836, 4026531840, t=S.T_PEER_TASK_NS)
    r.stream(off, len(payload))
    return r.build()


FIELDS = ["frame.number", "unix.flags.peer_as_before", "unix.peer_task.pid",
          "unix.peer_task.comm", "unix.peer_cred.uid", "unix.peer_cred.nspid",
          "unix.peer_task.nspid", "unix.peer_from"]


def capture(ts):
    return ts.capture([
        send(A, B, b"one", 0, peer_pid=812),             # 1: written
        send(A, B, b"two", 3, AS_BEFORE),                # 2: as frame 1
        send(C, D, b"x", 0, AS_BEFORE),                  # 3: nothing before it: no peer
        send(A, B, b"three", 6, peer_pid=900),           # 4: changed
        send(A, B, b"four", 11, AS_BEFORE),              # 5: as frame 4
        send(A, B, b"five", 15),                         # 6: written, and none known
        send(A, B, b"six", 19, AS_BEFORE),               # 7: as 6: none
    ])


def test_flagged_records_have_the_last_written_peer(ts):
    rows = ts.fields(capture(ts), FIELDS)
    assert rows == [
        ["1", "0", "812", "srv812", "999", "811", "811", ""],
        ["2", "1", "812", "srv812", "999", "811", "811", "1"],
        ["3", "1", "", "", "", "", "", ""],
        ["4", "0", "900", "srv900", "999", "899", "899", ""],
        ["5", "1", "900", "srv900", "999", "899", "899", "4"],
        ["6", "0", "", "", "", "", "", ""],
        ["7", "1", "", "", "", "", "", ""],
    ]


def test_filters_labels_and_two_passes_agree(ts):
    pcap = capture(ts)
    assert ts.frames(pcap, "unix.peer_task.comm == \"srv812\"") == [1, 2]
    assert ts.frames(pcap, "unix.peer_task.pid == 900") == [4, 5]
    assert ts.fields(pcap, FIELDS, extra=["-2"]) == ts.fields(pcap, FIELDS)
    # the conversation's peer label (the column of the other end) is the
    # same as on the record the identity came from
    cols = ts.fields(pcap, ["frame.number", "_ws.col.Destination"])
    assert cols[1][1] == cols[0][1] and "srv812" in cols[0][1], cols
    assert cols[4][1] == cols[3][1] and "srv900" in cols[3][1], cols
    assert ts.frames(pcap, "_ws.malformed || _ws.expert.severity >= warning") == []


def abstract_send(ino, net, payload, off, flags=0, peer_pid=None, sock_ns=True):
    """A send to "@foo" in network namespace net; with sock_ns, its SOCK_NS."""
    r = S.Record(S.EV_DATA, flags=flags, payload=payload)
    r.socket(ino, ino + 1).task(100, comm="client").peer_addr(S.ADDR_ABSTRACT, b"foo")
    if peer_pid:
        r.peer_cred(peer_pid, 999, 998).peer_task(peer_pid, start_ns=555, comm="srv")
    if sock_ns:
        r.sock_ns(net, net)
    return r.stream(off, len(payload)).build()


def test_sockets_namespaces_carried_too(ts):
    """SOCK_NS is left out with the peer: the flagged records have the
    namespace of the record they are as, in its fields and in the name
    qualified by it; a flagged record that holds SOCK_NS (a writer that
    carried only the peer) keeps its own and gets only the peer."""
    pcap = ts.capture([
        abstract_send(A, 4026532111, b"one", 0, peer_pid=812),          # 1
        abstract_send(A, 0, b"two", 3, AS_BEFORE, sock_ns=False),       # 2: as 1
        abstract_send(C, 4026532222, b"x", 0, peer_pid=813),            # 3
        abstract_send(C, 0, b"y", 1, AS_BEFORE, sock_ns=False),         # 4: as 3
        abstract_send(A, 4026532333, b"three", 6, AS_BEFORE),           # 5: its own
    ])
    rows = ts.fields(pcap, ["frame.number", "unix.netns", "unix.peer_task.pid",
                            "unix.path_ns", "unix.peer_from"], extra=["-2"])
    assert rows == [
        ["1", "4026532111", "812", "@foo (net:[4026532111])", ""],
        ["2", "4026532111", "812", "@foo (net:[4026532111])", "1"],
        ["3", "4026532222", "813", "@foo (net:[4026532222])", ""],
        ["4", "4026532222", "813", "@foo (net:[4026532222])", "3"],
        ["5", "4026532333", "812", "@foo (net:[4026532333])", "1"],
    ], rows
    assert ts.frames(pcap, "unix.netns == 4026532111") == [1, 2]
    # frame 5's own SOCK_NS only: the copy it gets holds no second one
    assert ts.fields(pcap, ["unix.netns"], "frame.number == 5", extra=["-2"]) == [["4026532333"]]
    assert ts.frames(pcap, "_ws.malformed || _ws.expert.severity >= warning") == []
