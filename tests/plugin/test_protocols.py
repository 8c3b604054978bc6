"""Issue 15: every protocol Wireshark decodes over TCP decodes over a Unix
socket. Offline, on synthetic records (so the Wireshark version matrix runs
them on 4.0, 4.4 and 4.6): the shipped socket table row by row, the order
Decode As > the user's table > the shipped table > heuristics, the user's
table from the profile, the starts we recognise and what they leave alone,
and client/server as the sub-dissectors see it by every route."""

import os
import re
import struct

import pytest

import synth as S
from lib.paths import REPO

TABLE_SOURCE = os.path.join(REPO, "plugin", "unix-socket-table.c")


# ----------------------------------------------------------------- payloads

def pg_startup(user=b"postgres", db=b"postgres"):
    body = struct.pack(">I", 196608) + b"user\0" + user + b"\0database\0" + db + b"\0\0"
    return struct.pack(">I", len(body) + 4) + body


def pg_msg(kind, body):
    return kind + struct.pack(">I", len(body) + 4) + body


def pg_query(sql):
    return pg_msg(b"Q", sql + b"\0")


PG_AUTH_OK = pg_msg(b"R", struct.pack(">I", 0))
PG_READY = pg_msg(b"Z", b"I")


def mysql_packet(seq, body):
    return struct.pack("<I", len(body))[:3] + bytes([seq]) + body


def dbus_field(code, sig, value):
    """One header field (a struct, unpadded), a string-like value."""
    v = value.encode()
    return bytes([code, 1]) + sig + b"\0" + struct.pack("<I", len(v)) + v + b"\0"


def dbus_hello(serial=1):
    """org.freedesktop.DBus.Hello, as every client's first message."""
    fields = [dbus_field(1, b"o", "/org/freedesktop/DBus"),
              dbus_field(6, b"s", "org.freedesktop.DBus"),
              dbus_field(2, b"s", "org.freedesktop.DBus"),
              dbus_field(3, b"s", "Hello")]
    array = b""
    for f in fields:
        array += b"\0" * (-len(array) % 8) + f
    hdr = b"l\x01\x00\x01" + struct.pack("<III", 0, serial, len(array))
    msg = hdr + array
    return msg + b"\0" * (-len(msg) % 8)


SAMPLES = {
    "http": b"GET /v1.43/version HTTP/1.1\r\nHost: docker\r\n\r\n",
    "http2": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000"),
    "dbus": dbus_hello(),
    "pgsql": pg_startup(),
    "mysql": mysql_packet(0, b"\x03SELECT 1"),
    "resp": b"*1\r\n$4\r\nPING\r\n",
    "memcache": b"get foo\r\n",
    "x11": b"l\0\x0b\0\0\0\0\0\0\0\0\0",
    "syslog": b"<13>Dec  4 16:00:00 host test: hello",
    "fcgi": bytes([1, 1, 0, 1, 0, 8, 0, 0]) + bytes([0, 1, 0, 0, 0, 0, 0, 0]),
}

# dissector name in the table -> the protocol frame.protocols shows
PROTOCOL_OF = {"http-over-tcp": "http", "http2": "http2", "dbus.tcp": "dbus",
               "pgsql": "pgsql", "mysql": "mysql", "resp": "resp",
               "memcache.tcp": "memcache", "x11": "x11", "syslog": "syslog",
               "fcgi": "fcgi"}


def shipped_rows():
    """(pattern, dissector) of every row of the shipped table, read from the
    source so that a new row without a sample here fails."""
    text = open(TABLE_SOURCE).read()
    table = text[text.index("unix_shipped_sockets[] = {"):]
    table = table[:table.index("};")]
    return re.findall(r'\{ "([^"]+)", "([^"]+)" \}', table)


def example_path(pattern):
    return pattern.replace("*", "x1").replace("?", "y")


def client_record(path, payload, off=0, ino=101, peer=102, abstract=False, pid=10,
                  sock_type=S.SOCK_STREAM):
    r = S.Record(S.EV_DATA, payload=payload)
    kind = S.ADDR_ABSTRACT if abstract else S.ADDR_PATHNAME
    r.socket(ino, peer, sock_type).task(pid, comm="client")
    if path is not None:
        r.peer_addr(kind, path)
    return r.stream(off, len(payload)).build()


def server_record(path, payload, off=0, ino=102, peer=101, abstract=False, pid=20):
    r = S.Record(S.EV_DATA, payload=payload)
    kind = S.ADDR_ABSTRACT if abstract else S.ADDR_PATHNAME
    r.socket(ino, peer).task(pid, comm="server")
    if path is not None:
        r.local_addr(kind, path)
    return r.stream(off, len(payload)).build()


def record_for(pattern, payload, ino):
    abstract = pattern.startswith("@")
    path = example_path(pattern[1:] if abstract else pattern)
    return client_record(path, payload, ino=ino, peer=ino + 1, abstract=abstract)


# ----------------------------------------------------------------- the table

def test_every_shipped_row_reaches_its_dissector(ts):
    rows = shipped_rows()
    assert len(rows) >= 30, rows
    recs, want = [], []
    for i, (pattern, dissector) in enumerate(rows):
        proto = PROTOCOL_OF[dissector]
        recs.append(record_for(pattern, SAMPLES[proto], 1000 + 2 * i))
        want.append(proto)
    pcap = ts.capture(recs)
    got = [r[0].split(":") for r in ts.fields(pcap, ["frame.protocols"])]
    assert len(got) == len(rows)
    for (pattern, dissector), proto, protos in zip(rows, want, got):
        assert protos[:2] == ["unix", proto], (pattern, dissector, protos)


def test_table_only_matches_its_patterns(ts):
    # same payloads on paths next to the well-known ones: not claimed by the table
    pcap = ts.capture([
        client_record("/run/docker.sock.bak", b"\x01\x02\x03\x04 xxxx", ino=11, peer=12),
        client_record("/tmp/.X11-unix", SAMPLES["x11"], ino=13, peer=14),
        client_record("/run/postgresql/s.PGSQL.5432", b"\x01\x02\x03\x04junk", ino=15, peer=16),
    ])
    protos = [r[0] for r in ts.fields(pcap, ["frame.protocols"])]
    assert protos == ["unix:data"] * 3


PG_PATH = "/run/postgresql/.s.PGSQL.5432"
OTHER = "/srv/app/api.sock"
HTTP_REQ = SAMPLES["http"]


def test_precedence_decode_as_user_table_shipped_heuristics(ts):
    # an HTTP request on Redis's socket: the shipped table says RESP
    path = "/run/redis/redis-server.sock"
    pcap = ts.capture([client_record(path, HTTP_REQ)])

    def proto(extra=()):
        return ts.fields(pcap, ["frame.protocols"], extra=list(extra))[0][0]
    assert proto() == "unix:resp"
    # without the shipped table its start is recognised
    assert proto(["-o", "unix.shipped_sockets:FALSE"]) == "unix:http"
    # the user's table comes before the shipped one
    user = ["-o", 'uat:unix_sockets:"/run/redis/*","syslog"']
    assert proto(user) == "unix:syslog"
    # Decode As comes before both
    assert proto(user + ["-d", "unix.path==%s,http" % path]) == "unix:http"


def test_user_table_from_the_profile(ts):
    """The GUI's preferences: a unix_sockets file in the profile, read by
    tshark without -o."""
    pcap = ts.capture([client_record(OTHER, pg_startup())])
    table = os.path.join(ts.config_dir, "unix_sockets")
    try:
        with open(table, "w") as f:
            f.write('# udsdump socket table\n"/srv/app/*.sock","syslog"\n')
        os.chmod(table, 0o644)
        assert ts.fields(pcap, ["frame.protocols"])[0][0] == "unix:syslog"
    finally:
        os.unlink(table)
    assert ts.fields(pcap, ["frame.protocols"])[0][0] == "unix:pgsql"


def test_user_table_refuses_unknown_dissector(ts):
    pcap = ts.capture([client_record(OTHER, b"x")])
    rc, out, err = ts.run(["-r", pcap, "-o", 'uat:unix_sockets:"/srv/*","nosuchthing"'],
                          check=False)
    assert rc != 0 or "nosuchthing" in out + err
    assert "nosuchthing" in out + err


# ------------------------------------------------------- client and server

def pg_conversation(path, abstract=False, with_names=True):
    c = path if with_names else None
    msgs = [("c", pg_startup()), ("s", PG_AUTH_OK + PG_READY),
            ("c", pg_query(b"SELECT 42")),
            ("s", pg_msg(b"C", b"SELECT 1\0") + PG_READY)]
    offs = {"c": 0, "s": 0}
    recs = []
    for side, data in msgs:
        if side == "c":
            recs.append(client_record(c, data, offs[side], abstract=abstract))
        else:
            recs.append(server_record(c, data, offs[side], abstract=abstract))
        offs[side] += len(data)
    return recs


PG_FIELDS = ["pgsql.type", "pgsql.query", "unix.role"]


def pg_rows(ts, pcap, extra=()):
    return ts.fields(pcap, PG_FIELDS, extra=list(extra))


def assert_pg_directions(rows, roles=("1", "2", "1", "2")):
    assert [r[2] for r in rows] == list(roles), rows
    assert rows[0][0] == "Startup message", rows
    assert rows[1][0].split(",")[0] == "Authentication request", rows
    assert rows[2][0] == "Simple query" and rows[2][1] == "SELECT 42", rows
    assert rows[3][0].split(",")[0] == "Command completion", rows


def test_pgsql_directions_by_the_shipped_table(ts):
    assert_pg_directions(pg_rows(ts, ts.capture(pg_conversation(PG_PATH))))


def test_pgsql_directions_by_decode_as(ts):
    pcap = ts.capture(pg_conversation(OTHER))
    assert_pg_directions(pg_rows(ts, pcap, ["-d", "unix.path==%s,pgsql" % OTHER]))


def test_pgsql_directions_by_its_startup(ts):
    # no table row, no Decode As: the startup message names the protocol
    assert_pg_directions(pg_rows(ts, ts.capture(pg_conversation(OTHER))))


def test_pgsql_over_a_socketpair_guesses_the_first_speaker_is_the_client(ts):
    pcap = ts.capture(pg_conversation(None, with_names=False))
    assert_pg_directions(pg_rows(ts, pcap), roles=("5", "6", "5", "6"))
    # the preference turns the guess round: the client's messages are now
    # read as the server's
    rows = pg_rows(ts, pcap, ["-o", "unix.first_speaker_client:FALSE"])
    assert [r[2] for r in rows] == ["6", "5", "6", "5"]
    assert rows[2][1] == ""


def test_mysql_query_is_a_request_by_decode_as(ts):
    greeting = mysql_packet(0, b"\x0a" + b"10.11.6-MariaDB\0" + struct.pack("<I", 7) +
                            b"abcdefgh\0" + b"\xfe\xf7" + b"\x2d" + b"\x02\x00" +
                            b"\xff\x81" + b"\x15" + b"\0" * 6 + b"\x1d\x00\x00\x00" +
                            b"ijklmnopqrst\0" + b"mysql_native_password\0")
    query = mysql_packet(0, b"\x03SELECT 42")
    recs = [server_record(OTHER, greeting), client_record(OTHER, query)]
    pcap = ts.capture(recs)
    rows = ts.fields(pcap, ["mysql.query", "_ws.col.Info"],
                     extra=["-d", "unix.path==%s,mysql" % OTHER])
    assert rows[0][1].startswith("Server Greeting"), rows
    assert rows[1][0] == "SELECT 42", rows


# ------------------------------------------------ starts, and what they leave

def test_http2_preface_is_recognised(ts):
    pcap = ts.capture([client_record(OTHER, SAMPLES["http2"])])
    assert ts.fields(pcap, ["frame.protocols"])[0][0].startswith("unix:http2")


@pytest.mark.parametrize("payload", [
    b"\0\0\0\x08\x04\xd2\x16\x40",          # a length and a code PostgreSQL does not use
    b"\0\x01\0\0\0\x03\0\0user\0x\0\0\0",   # protocol 3.0, a length out of range
    b"PRI * HTTP/1.1\r\n\r\n",             # not the HTTP/2 preface
    b"\0AUTX EXTERNAL\r\n",                  # not D-Bus's AUTH
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 32,  # TLS
])
def test_starts_do_not_steal_other_bytes(ts, payload):
    pcap = ts.capture([client_record(OTHER, payload)])
    assert ts.fields(pcap, ["frame.protocols"])[0][0] == "unix:data"


def test_starts_only_at_the_stream_start(ts):
    # the bytes of a startup message in the middle of a stream are not one
    recs = [client_record(OTHER, b"hello\n"), client_record(OTHER, pg_startup(), off=6)]
    protos = [r[0] for r in ts.fields(ts.capture(recs), ["frame.protocols"])]
    assert protos == ["unix:data", "unix:data"]


def test_http_and_resp_keep_their_routes(ts):
    recs = [client_record(OTHER, HTTP_REQ, ino=1, peer=2),
            client_record("/srv/app/cache.sock", SAMPLES["resp"], ino=3, peer=4)]
    protos = [r[0] for r in ts.fields(ts.capture(recs), ["frame.protocols"])]
    assert protos == ["unix:http", "unix:resp"]


# ------------------------------------------------------------------ D-Bus

DBUS_SYSTEM = "/run/dbus/system_bus_socket"


def dbus_message_with_fds(n_fds, serial=2, member="TakeFds"):
    """A method call whose header says UNIX_FDS = n_fds."""
    fields = [dbus_field(1, b"o", "/org/example/Obj"),
              dbus_field(3, b"s", member),
              dbus_field(6, b"s", "org.example.Svc"),
              bytes([9, 1]) + b"u\0" + struct.pack("<I", n_fds)]
    array = b""
    for f in fields:
        array += b"\0" * (-len(array) % 8) + f
    msg = b"l\x01\x00\x01" + struct.pack("<III", 0, serial, len(array)) + array
    return msg + b"\0" * (-len(msg) % 8)


def dbus_connection(path, fds=()):
    """A new connection: the NUL byte alone, the handshake, Hello with
    BEGIN, then (with fds) a message passing them."""
    steps = [("c", b"\0"), ("c", b"AUTH EXTERNAL 30\r\n"),
             ("s", b"OK 0123456789abcdef0123456789abcdef\r\n"),
             ("c", b"NEGOTIATE_UNIX_FD\r\n"), ("s", b"AGREE_UNIX_FD\r\n"),
             ("c", b"BEGIN\r\n" + dbus_hello())]
    if fds:
        steps.append(("c", dbus_message_with_fds(len(fds))))
    offs = {"c": 0, "s": 0}
    recs = []
    for side, data in steps:
        if side == "c":
            r = S.Record(S.EV_DATA, payload=data)
            r.socket(301, 302).task(30, comm="dbus-send").peer_addr(S.ADDR_PATHNAME, path)
            if fds and data.startswith(b"l\x01") and b"TakeFds" in data:
                for fd, kind in fds:
                    r.scm_fd(fd, kind=kind)
        else:
            r = S.Record(S.EV_DATA, payload=data)
            r.socket(302, 301).task(40, comm="dbus-daemon").local_addr(S.ADDR_PATHNAME, path)
        recs.append(r.stream(offs[side], len(data)).build())
        offs[side] += len(data)
    return recs


@pytest.mark.parametrize("path", [DBUS_SYSTEM, OTHER])
def test_dbus_new_connection_handshake_then_messages(ts, path):
    # on the system bus by the table, elsewhere by its first bytes
    pcap = ts.capture(dbus_connection(path))
    assert ts.frames(pcap, "_ws.malformed") == []
    cmds = [c for r in ts.fields(pcap, ["dbus_auth.command"]) for c in r[0].split(",") if c]
    assert cmds == ["AUTH", "OK", "NEGOTIATE_UNIX_FD", "AGREE_UNIX_FD", "BEGIN"]
    assert ts.frames(pcap, "dbus_auth.nul") != []
    rows = ts.fields(pcap, ["dbus.member", "unix.role"], "dbus.member")
    assert rows == [["Hello", "1"]]


def test_dbus_message_names_the_descriptors_it_passed(ts):
    fds = [(7, S.FILE_SOCKET), (9, S.FILE_REGULAR)]
    pcap = ts.capture(dbus_connection(DBUS_SYSTEM, fds))
    rows = ts.fields(pcap, ["frame.number", "dbus.member", "unix.dbus.unix_fds", "unix.dbus.fd",
                            "unix.dbus.fds_frame"], "unix.dbus.unix_fds")
    assert len(rows) == 1, rows
    num, member, count, fd_list, frame = rows[0]
    assert (member, count, fd_list, frame) == ("TakeFds", "2", "7,9", num)
    assert ts.frames(pcap, "_ws.malformed || _ws.expert.severity >= warning") == []


def test_dbus_message_without_its_descriptors_is_flagged(ts):
    recs = dbus_connection(DBUS_SYSTEM)
    off = sum(len(x) for x in (b"\0", b"AUTH EXTERNAL 30\r\n", b"NEGOTIATE_UNIX_FD\r\n",
                               b"BEGIN\r\n" + dbus_hello()))
    msg = dbus_message_with_fds(1)
    r = S.Record(S.EV_DATA, payload=msg)
    r.socket(301, 302).task(30, comm="x").peer_addr(S.ADDR_PATHNAME, DBUS_SYSTEM)
    pcap = ts.capture(recs + [r.stream(off, len(msg)).build()])
    assert ts.frames(pcap, "dbus_auth.fds_missing") == [len(recs) + 1]
