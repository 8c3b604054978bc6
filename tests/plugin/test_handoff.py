"""Payload handoff (issue 5, first slice: no reassembly yet): Decode As on
unix.path, HTTP and RESP detection, the unix layer kept underneath."""

import synth as S

PATH = "/run/app.sock"


def cli(payload, off, ino=1, peer=2):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(ino, peer).task(10, comm="cli").peer_addr(S.ADDR_PATHNAME, PATH).stream(off, len(payload))
    return r.build()


def srv(payload, off, ino=2, peer=1):
    r = S.Record(S.EV_DATA, payload=payload)
    r.socket(ino, peer).task(20, comm="srv").local_addr(S.ADDR_PATHNAME, PATH).stream(off, len(payload))
    return r.build()


def test_http_request_and_response(ts):
    req = b"POST /v1.43/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n\r\n{}"
    resp = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    pcap = ts.capture([cli(req, 0), srv(resp, 0)])
    rows = ts.fields(pcap, ["http.request.method", "http.request.uri", "http.response.code",
                            "_ws.col.Protocol"])
    assert rows[0] == ["POST", "/v1.43/containers/create", "", "HTTP"]
    # (4.4+ HTTP repeats the request's URI in the response: not ours to check)
    assert rows[1][0] == "" and rows[1][2:] == ["201", "HTTP"]
    # the unix layer stays underneath
    assert ts.frames(pcap, 'unix.path == "%s" && http.request.method == "POST"' % PATH) == [1]
    assert ts.frames(pcap, "unix.task.comm == \"srv\" && http.response") == [2]


def test_resp_request_and_reply_sides(ts):
    cmd = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    pcap = ts.capture([cli(cmd, 0), srv(b"+OK\r\n", 0), cli(b"*1\r\n$4\r\nPING\r\n", len(cmd)),
                       srv(b"+PONG\r\n", 5)])
    rows = ts.fields(pcap, ["_ws.col.Protocol", "resp.bulk_string.value", "resp.string",
                            "_ws.col.Info"])
    assert [r[0] for r in rows] == ["RESP"] * 4
    assert rows[0][1] == ",".join(x.encode().hex() for x in ("SET", "key", "value"))
    assert rows[1][2] == "OK" and rows[3][2] == "PONG"
    # RESP knows requests from replies by the server "port" we present
    assert rows[0][3].startswith("Request") and rows[1][3].startswith("Response")
    assert rows[2][3].startswith("Request") and rows[3][3].startswith("Response")


def test_unknown_payload_is_data_and_decode_as_switches_it(ts):
    payload = b"*1\r\n$4\r\nPING\r\n"
    other = b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n"  # not in our HTTP detection
    r = S.Record(S.EV_DATA, payload=other)
    r.socket(5, 6).task(1, comm="x").peer_addr(S.ADDR_PATHNAME, "/run/other.sock")
    r.stream(0, len(other))
    pcap = ts.capture([r.build(), cli(payload, 0)])
    protos = [x[0] for x in ts.fields(pcap, ["frame.protocols"])]
    assert protos == ["unix:data", "unix:resp"]
    # -d on the other socket's path: its payload goes to the chosen dissector,
    # the RESP socket is left alone
    rows = ts.fields(pcap, ["frame.protocols", "http.request.method"],
                     extra=["-d", "unix.path==/run/other.sock,http"])
    assert rows == [["unix:http", "M-SEARCH"], ["unix:resp", ""]]
    rows = ts.fields(pcap, ["frame.protocols"], extra=["-d", "unix.path==%s,data" % PATH])
    assert [x[0] for x in rows] == ["unix:data", "unix:data"]


def test_decode_as_table_lists_tcp_port_dissectors(ts):
    rc, out, err = ts.run(["-d", "unix.path==x,nosuchproto", "-r", ts.capture([cli(b"x", 0)])],
                          check=False)
    # tshark refuses, listing the protocols valid for the table: the ones
    # tcp.port offers, RESP and HTTP among them
    text = out + err
    assert rc != 0
    assert 'Valid protocols for layer type "unix.path"' in text
    assert "\tresp (REdis Serialization Protocol)" in text.splitlines() or \
        "\tresp (REdis Serialization Protocol)" in text
    assert "\thttp (Hypertext Transfer Protocol)" in text
