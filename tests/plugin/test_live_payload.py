"""Issue 5: payload reassembly on captures of real servers and clients.

redis-server and an HTTP/1.1 server on Unix sockets, started by the test,
driven by redis-cli, redis-benchmark, curl and a Python client; udsdump
captures them. What is expected comes from the clients and servers (what
they sent, what the server counted, what the clients received), never
from the dissector.

Marked live: needs root, eBPF and build/udsdump (skipped otherwise, failed
under CI=true).
"""

import json
import os
import socket
import struct
import subprocess
import time

import pytest

import synth as S
from lib.capture import udsdump_capture
from lib.paths import PYTHON, sender
from test_live import workdir

pytestmark = pytest.mark.live

HTTP_SERVER = sender("http_unix_server.py")


def wait_for_socket(path, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        if os.path.exists(path):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                s.close()
                return
            except OSError:
                pass
        assert proc.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server socket %s never appeared" % path
        time.sleep(0.05)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, timeout=60, **kw)
    assert p.returncode == 0, (cmd, p.stderr)
    return p.stdout


def tshark_json(ts, pcap, fields, dfilter=None, extra=()):
    """Per-frame dicts field -> list of values (strings), via -T json."""
    ts.assert_unix(pcap, extra)
    args = ["-r", pcap, "-T", "json"]
    for f in fields:
        args += ["-e", f]
    if dfilter:
        args += ["-Y", dfilter]
    _, out, _ = ts.run(args + list(extra))
    frames = json.loads(out) if out.strip() else []
    return [f["_source"]["layers"] for f in frames]


def first_pass_equals_second(ts, pcap, fields, extra=()):
    """-2 gives the same fields (the protocols, columns and payload fields)."""
    base = ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        base += ["-e", f]
    _, one, _ = ts.run(base + list(extra))
    _, two, _ = ts.run(["-2"] + base + list(extra))
    assert one.strip()
    assert one == two


# --------------------------------------------------------------------- redis


def redis_cmdstat(path, cmd):
    out = run(["redis-cli", "-s", path, "INFO", "commandstats"]).decode()
    for line in out.splitlines():
        if line.startswith("cmdstat_%s:" % cmd):
            for kv in line.split(":", 1)[1].split(","):
                k, v = kv.split("=")
                if k == "calls":
                    return int(v)
    return 0


@pytest.fixture
def redis_capture(ts):
    d = workdir(ts, "redis")
    path = os.path.join(d, "redis.sock")
    srv = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", path,
                            "--unixsocketperm", "777", "--save", "", "--appendonly", "no",
                            "--dir", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_socket(path, srv)
        # A value larger than 64 KiB, printable so it survives redis-cli -x.
        big = (b"0123456789abcdefghijklmnopqrstuvwxyz" * 3000)[:100000]
        bigfile = os.path.join(d, "big.txt")
        with open(bigfile, "wb") as f:
            f.write(big)
        pcap = os.path.join(ts.captures, "live-redis.pcapng")
        with udsdump_capture(pcap, ["--path", path]):
            run(["redis-cli", "-s", path, "SET", "small", "hello"])
            with open(bigfile, "rb") as f:
                run(["redis-cli", "-s", path, "-x", "SET", "big"], stdin=f)
            got = run(["redis-cli", "-s", path, "GET", "big"])
            run(["redis-benchmark", "-s", path, "-P", "16", "-n", "200", "-t", "set", "-q"])
        # What the server did, asked after the capture ended.
        sets = redis_cmdstat(path, "set")
        gets = redis_cmdstat(path, "get")
    finally:
        srv.terminate()
        srv.wait(10)
    assert got.rstrip(b"\n") == big
    return pcap, path, big, sets, gets


def test_redis_commands_pipeline_and_large_value(ts, redis_capture):
    pcap, path, big, sets, gets = redis_capture
    assert sets >= 201 and gets == 1
    clients = '(unix.task.comm == "redis-cli" || unix.task.comm == "redis-benchmark")'
    req = tshark_json(ts, pcap, ["frame.number", "resp.bulk_string.value", "resp.bulk_string.length"],
                      "resp && unix.event == 1 && " + clients)
    rep = tshark_json(ts, pcap, ["frame.number", "resp.string", "resp.bulk_string.length",
                                 "resp.bulk_string.value"],
                      'resp && unix.event == 1 && unix.task.comm == "redis-server"')
    values = [v for fr in req for v in fr.get("resp.bulk_string.value", [])]
    # each SET the server executed shows once, no more, no less
    set_hex = b"SET".hex()
    assert sum(1 for v in values if v.replace(":", "") == set_hex) == sets
    # (redis-benchmark's CONFIG GET has a GET too: count GET big)
    flat = [v.replace(":", "") for v in values]
    assert sum(1 for a, b in zip(flat, flat[1:]) if (a, b) == (b"GET".hex(), b"big".hex())) == gets
    # each got its +OK
    oks = [v for fr in rep for v in fr.get("resp.string", [])]
    assert oks.count("OK") == sets
    # the large value: one request frame carries it whole, as does the reply
    big_req = [fr for fr in req if "100000" in fr.get("resp.bulk_string.length", [])]
    assert len(big_req) == 1
    vals = [v.replace(":", "") for v in big_req[0]["resp.bulk_string.value"]]
    assert vals == [b"SET".hex(), b"big".hex(), big.hex()]
    big_rep = [fr for fr in rep if "100000" in fr.get("resp.bulk_string.length", [])]
    assert len(big_rep) == 1
    assert big_rep[0]["resp.bulk_string.value"][0].replace(":", "") == big.hex()
    # the large value came in several records, shown as reassembled segments
    fn = big_req[0]["frame.number"][0]
    seg = ts.fields(pcap, ["unix.segment.count", "unix.segment"], "frame.number == %s" % fn)
    assert int(seg[0][0]) >= 2
    frames = [int(x) for x in seg[0][1].split(",")]
    assert frames[-1] == int(fn) and len(frames) == int(seg[0][0])
    for f in frames[:-1]:
        assert ts.fields(pcap, ["unix.reassembled_in"], "frame.number == %d" % f,
                         extra=["-2"]) == [[fn]]
    _, out, _ = ts.run(["-r", pcap, "-x", "-Y", "frame.number == %s" % fn])
    assert "Reassembled UNIX segments (" in out
    # the second pass gives the same
    first_pass_equals_second(ts, pcap, ["frame.number", "frame.protocols", "_ws.col.Info",
                                        "resp.bulk_string.value", "resp.string"])


def test_redis_decode_as_switches_socket(ts, redis_capture):
    pcap, path, _, _, _ = redis_capture
    assert ts.frames(pcap, "resp")
    rows = ts.fields(pcap, ["frame.protocols"], "unix.event == 1 && unix.payload_len > 0 && unix.flags.more == 0",
                     extra=["-d", "unix.path==%s,data" % path])
    assert rows and {r[0] for r in rows} == {"unix:data"}
    assert ts.frames(pcap, "resp", extra=["-d", "unix.path==%s,data" % path]) == []


# ---------------------------------------------------------------------- http


def raw_http(path, pieces, then=None, comm="piececlient"):
    """A client that sends a request as separate writes (one send each),
    optionally a second request on the same connection; returns the raw
    bytes it received."""
    prog = r"""
import ctypes, socket, sys, time, json
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(sys.argv[2].encode()), 0, 0, 0)
pieces = [bytes.fromhex(x) for x in json.loads(sys.argv[3])]
then = bytes.fromhex(sys.argv[4]) if sys.argv[4] else b""
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for p in pieces:
    assert s.send(p) == len(p)
    time.sleep(0.02)
def read_response():
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, body = buf.split(b"\r\n\r\n", 1)
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0]
    while len(body) < n:
        body += s.recv(65536)
    return body
out = [read_response().hex()]
if then:
    s.send(then)
    out.append(read_response().hex())
s.close()
print(json.dumps(out))
"""
    o = run([PYTHON, "-c", prog, path, comm, json.dumps([p.hex() for p in pieces]),
             then.hex() if then else ""])
    return [bytes.fromhex(x) for x in json.loads(o)]


@pytest.fixture
def http_capture(ts):
    d = workdir(ts, "http")
    path = os.path.join(d, "http.sock")
    srv = subprocess.Popen([PYTHON, HTTP_SERVER, path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        wait_for_socket(path, srv)
        body = bytes(((i * 7 + i // 251) % 94) + 33 for i in range(90000))  # printable, > 64 KiB
        bodyfile = os.path.join(d, "body.txt")
        with open(bodyfile, "wb") as f:
            f.write(body)
        piece_body = b"".join(bytes([65 + i]) * 1000 for i in range(5))
        head = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(piece_body))
        pieces = [head] + [piece_body[i * 1000:(i + 1) * 1000] for i in range(5)]
        got = {}
        pcap = os.path.join(ts.captures, "live-http.pcapng")
        curl = ["curl", "-s", "--unix-socket", path]
        with udsdump_capture(pcap, ["--path", path]):
            got["root"] = run(curl + ["http://x/"])
            got["echo"] = run(curl + ["--data-binary", "@" + bodyfile, "http://x/echo"])
            got["pieces"] = raw_http(path, pieces, then=b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            got["chunked"] = run(curl + ["http://x/chunked"])
            got["keepalive"] = run(curl + ["http://x/a", "http://x/b", "http://x/c"])
    finally:
        srv.terminate()
        srv.wait(10)
    assert got["echo"] == body and got["pieces"][0] == piece_body
    return dict(pcap=pcap, path=path, body=body, piece_body=piece_body, pieces=pieces, got=got)


def test_http_requests_responses_and_bodies(ts, http_capture):
    h = http_capture
    pcap, got = h["pcap"], h["got"]
    clients = '(unix.task.comm == "curl" || unix.task.comm == "piececlient")'
    reqs = tshark_json(ts, pcap, ["frame.number", "http.request.method", "http.request.uri",
                                  "http.file_data"], "http.request && unix.event == 1 && " + clients)
    assert [(r["http.request.method"][0], r["http.request.uri"][0]) for r in reqs] == [
        ("GET", "/"), ("POST", "/echo"), ("POST", "/echo"), ("GET", "/after"),
        ("GET", "/chunked"), ("GET", "/a"), ("GET", "/b"), ("GET", "/c")]
    # complete request bodies: curl's file, the client's five writes
    assert reqs[1]["http.file_data"][0].encode() == h["body"]
    assert reqs[2]["http.file_data"][0].encode() == h["piece_body"]
    resps = tshark_json(ts, pcap, ["frame.number", "http.response.code", "http.file_data"],
                        'http.response && unix.event == 1 && unix.task.comm == "python3"')
    assert [r["http.response.code"][0] for r in resps] == ["200"] * 8
    bodies = [r["http.file_data"][0].encode() for r in resps]
    assert bodies[0] == got["root"]
    assert bodies[1] == h["body"]
    assert bodies[2] == h["piece_body"] and bodies[3] == got["pieces"][1]
    assert bodies[4] == got["chunked"]  # de-chunked, as curl printed it
    assert b"".join(bodies[5:]) == got["keepalive"]
    # the request written in six sends is dissected once, in the frame of
    # the last send, from six segments
    seg = ts.fields(pcap, ["unix.segment.count"], "frame.number == %s" % reqs[2]["frame.number"][0])
    assert seg == [[str(len(h["pieces"]))]]
    first_pass_equals_second(ts, pcap, ["frame.number", "frame.protocols", "_ws.col.Info",
                                        "http.request.method", "http.response.code",
                                        "http.file_data"])


def test_http_decode_as(ts, http_capture):
    pcap, path = http_capture["pcap"], http_capture["path"]
    assert ts.frames(pcap, "http")
    assert ts.frames(pcap, "http", extra=["-d", "unix.path==%s,data" % path]) == []
    assert ts.frames(pcap, "data", extra=["-d", "unix.path==%s,data" % path])


# ------------------------------------------------------------- pcapng edits


def read_epbs(path):
    """(record bytes) of every EPB of a pcapng, in order."""
    data = open(path, "rb").read()
    out, off = [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if btype == 6:
            caplen = struct.unpack_from("<I", data, off + 20)[0]
            out.append(data[off + 28:off + 28 + caplen])
        off += blen
    return out


def record_fields(rec):
    """event, comm, payload of a udsdump record (doc/FORMAT.md)."""
    assert rec[:4] == b"UDSK"
    event = rec[5]
    header_len, = struct.unpack_from("<H", rec, 6)
    payload_len, = struct.unpack_from("<I", rec, 12)
    comm, off = None, 16
    while off + 4 <= header_len:
        t, ln = struct.unpack_from("<HH", rec, off)
        if t == S.T_TASK:
            comm = rec[off + 4 + 24:off + 4 + 40].rstrip(b"\0").decode()
        off += 4 + ln
    return event, comm, rec[header_len:header_len + payload_len]


def test_http_gap_in_body_reported_and_next_request_decodes(ts, http_capture):
    """Drop the record of the third body write: the POST cannot be
    reassembled (an expert item says so), the next request still decodes."""
    h = http_capture
    recs = read_epbs(h["pcap"])
    drop = [i for i, r in enumerate(recs)
            if record_fields(r)[0] == S.EV_DATA and record_fields(r)[1] == "piececlient"
            and record_fields(r)[2] == h["pieces"][3]]
    assert len(drop) == 1
    kept = recs[:drop[0]] + recs[drop[0] + 1:]
    gap = ts.capture(kept, name="live-http-gap.pcapng")
    # frame number of the client's next send after the dropped one
    after = 1 + next(i for i in range(drop[0], len(kept))
                     if record_fields(kept[i])[:2] == (S.EV_DATA, "piececlient"))
    assert ts.frames(gap, "unix.expert.reassembly_gap") == [after]
    rows = ts.fields(gap, ["unix.gap"], "frame.number == %d" % after)
    assert rows == [[str(len(h["pieces"][3]))]]
    # the POST with the holed body is not shown as a request
    piece_posts = ts.frames(gap, 'http.request.method == "POST" && unix.task.comm == "piececlient"')
    assert piece_posts == []
    # what follows on the same connection decodes
    nxt = tshark_json(ts, gap, ["http.request.uri", "http.response.code"],
                      'unix.task.comm == "piececlient" && http.request')
    assert [r["http.request.uri"][0] for r in nxt] == ["/after"]
    # and everything else is as before: all other requests are there
    uris = [r["http.request.uri"][0] for r in tshark_json(ts, gap, ["http.request.uri"], "http.request")]
    assert uris == ["/", "/echo", "/after", "/chunked", "/a", "/b", "/c"]
    first_pass_equals_second(ts, gap, ["frame.number", "frame.protocols", "_ws.col.Info",
                                       "http.request.method", "http.file_data"])


# ----------------------------------------------------- close-delimited body


CLOSE_SERVER = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, b"closesrv", 0, 0, 0)
path = sys.argv[1]
body = bytes.fromhex(sys.argv[2])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path); srv.listen()
print("ready", flush=True)
c, _ = srv.accept()
req = b""
while b"\r\n\r\n" not in req:
    req += c.recv(4096)
c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
for i in range(0, len(body), 3000):
    c.send(body[i:i + 3000])
c.close()
"""


def test_http_body_ended_by_close(ts):
    """An HTTP/1.0 reply without Content-Length ends when the server closes:
    the reader's end of file (the inferred SHUTDOWN) ends the body."""
    d = workdir(ts, "close")
    path = os.path.join(d, "c.sock")
    body = bytes((i % 26) + 97 for i in range(10000))
    srv = subprocess.Popen([PYTHON, "-c", CLOSE_SERVER, path, body.hex()], stdout=subprocess.PIPE)
    try:
        assert srv.stdout.readline().strip() == b"ready"
        pcap = os.path.join(ts.captures, "live-close.pcapng")
        with udsdump_capture(pcap, ["--path", path]):
            got = run(["curl", "-s", "--http1.0", "--unix-socket", path, "http://x/"])
        srv.wait(10)
    finally:
        if srv.poll() is None:
            srv.kill()
    assert got == body
    # the server wrote the body in several sends, and the reader saw EOF
    rows = tshark_json(ts, pcap, ["frame.number", "unix.event", "http.response.code", "http.file_data"],
                       'unix.task.comm == "closesrv"')
    assert len([r for r in rows if r["unix.event"] == ["1"]]) >= 4
    resp = [r for r in rows if "http.response.code" in r]
    assert len(resp) == 1
    assert resp[0]["unix.event"] == ["5"]  # dissected in the SHUTDOWN frame
    assert resp[0]["http.response.code"] == ["200"]
    assert resp[0]["http.file_data"][0].encode() == body
    first_pass_equals_second(ts, pcap, ["frame.number", "frame.protocols", "_ws.col.Info",
                                        "http.response.code", "http.file_data"])
    # the same when HTTP is chosen by Decode As
    da = ["-d", "unix.path==%s,http" % path]
    rows = tshark_json(ts, pcap, ["unix.event", "http.file_data"], "http.response", extra=da)
    assert len(rows) == 1 and rows[0]["unix.event"] == ["5"]
    assert rows[0]["http.file_data"][0].encode() == body
