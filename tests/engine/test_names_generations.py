"""udsdump keeps the names of the sockets it has heard from lately only
(two generations), so its memory stays bounded over days of new
connections; the kernel sends a socket's names again after a change of
generation. A socket that was quiet for many generations must still carry
its names when it speaks again, and so must every new one.
"""

import json
import os
import socket
import subprocess
import time

from lib.engine import Udsdump, udsrec, unique


def kernel_names_epoch():
    """names_epoch in the newest udsdump's .bss (the one this test runs)."""
    maps = json.loads(subprocess.run(["bpftool", "-j", "map", "show"], check=True,
                                     capture_output=True, text=True).stdout)
    bss = max((m["id"] for m in maps if m.get("name") == "udsdump_.bss"), default=None)
    assert bss is not None, "no udsdump_.bss map"
    dump = json.loads(subprocess.run(["bpftool", "-j", "map", "dump", "id", str(bss)], check=True,
                                     capture_output=True, text=True).stdout)
    return dump[0]["formatted"]["value"][".bss"][0]["names_epoch"] if "formatted" in dump[0] \
        else dump[0]["value"][".bss"][0]["names_epoch"]


def test_quiet_socket_keeps_its_names_over_many_generations(tmp_path):
    quiet_path = str(tmp_path / "quiet.sock")
    busy_path = str(tmp_path / "busy.sock")
    out = tmp_path / "gen.pcapng"
    env = dict(os.environ, UDSDUMP_NAMES_MAX="16")  # a generation per 16 sockets
    u = Udsdump(["--path-prefix", str(tmp_path)], out, env=env).start()
    try:
        quiet_srv = socket.socket(socket.AF_UNIX)
        quiet_srv.bind(quiet_path)
        quiet_srv.listen(1)
        quiet = socket.socket(socket.AF_UNIX)
        quiet.connect(quiet_path)
        quiet_peer, _ = quiet_srv.accept()
        quiet.sendall(b"first")
        assert quiet_peer.recv(16) == b"first"

        busy_srv = socket.socket(socket.AF_UNIX)
        busy_srv.bind(busy_path)
        busy_srv.listen(64)
        tags = []
        for i in range(200):
            if i % 8 == 0:
                # udsdump reads the ring every 10 ms: let it end a
                # generation (16 sockets) and retire the one before
                time.sleep(0.15)
            c = socket.socket(socket.AF_UNIX)
            c.connect(busy_path)
            a, _ = busy_srv.accept()
            tag = unique("b%d-" % i).encode()
            c.sendall(tag)
            assert a.recv(64) == tag
            tags.append(tag)
            c.close()
            a.close()
        quiet.sendall(b"second")
        assert quiet_peer.recv(16) == b"second"
        time.sleep(0.1)
        epoch = kernel_names_epoch()
        assert epoch >= 10, "only %d generations of names" % epoch
    finally:
        assert u.stop() == 0, u.stderr
    cap = u.read()
    data = [r for r in cap.records if r.event == udsrec.EV_DATA]
    by_payload = {bytes(r.payload): r for r in data}
    for tag in tags:
        r = by_payload.get(tag)
        assert r is not None, "no record of %r" % tag
        assert r.peer_addr and r.peer_addr.name == busy_path.encode(), (tag, r.peer_addr)
    for msg in (b"first", b"second"):
        r = by_payload.get(msg)
        assert r is not None, msg
        assert r.peer_addr and r.peer_addr.name == quiet_path.encode(), (
            "the quiet socket lost its names: %r" % r.peer_addr)
