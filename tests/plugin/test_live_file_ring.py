"""Ring files (issue 19), as tcpdump users know them: udsdump -C SIZE -W N
keeps the newest N files of at most SIZE million bytes, -G SECS starts a
file every SECS seconds named by strftime. Each file must read alone: its
own ENGINE record first, each cgroup named before its first record, every
record with its socket's names, and its part of the stream decoded and
followed, continuing exactly where the file before it stopped.
"""

import glob
import os
import re
import socket
import threading
import time

import pytest

from lib.capture import udsdump_capture

pytestmark = pytest.mark.live

MB = 1000000


def resp_set(i, value_len):
    key = b"key:%06d" % i
    value = (b"%06d" % i) * (value_len // 6)
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


class RespPair:
    """A server that answers +OK to each SET, and a client that sends
    them one at a time over one connection; the client's bytes kept."""

    def __init__(self, path):
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.client.connect(path)
        self.sent = bytearray()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            buf = b""
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    return
                buf += data
                # one reply per complete command
                while True:
                    m = re.match(rb"\*3\r\n\$3\r\nSET\r\n\$(\d+)\r\n", buf)
                    if not m:
                        break
                    klen = int(m.group(1))
                    rest = buf[m.end() + klen + 2:]
                    m2 = re.match(rb"\$(\d+)\r\n", rest)
                    if not m2 or len(rest) < m2.end() + int(m2.group(1)) + 2:
                        break
                    buf = rest[m2.end() + int(m2.group(1)) + 2:]
                    conn.sendall(b"+OK\r\n")

    def send(self, i, value_len, pause=0.0):
        msg = resp_set(i, value_len)
        self.client.sendall(msg)
        self.sent += msg
        assert self.client.recv(5) == b"+OK\r\n"
        if pause:
            time.sleep(pause)

    def close(self):
        self.client.close()
        self.thread.join(10)
        self.listener.close()


def ring_files(template):
    stem, ext = os.path.splitext(template)
    return sorted(glob.glob(stem + "_[0-9][0-9][0-9][0-9][0-9]" + ext))


def read_alone(ts, pcap, path):
    """What the file shows read by itself, with RESP by Decode As."""
    decode = ["-d", "unix.path==%s,resp" % path]
    rows = ts.fields(pcap, ["frame.number", "unix.event", "unix.path", "unix.stream",
                            "unix.stream_offset", "unix.payload_len", "unix.role",
                            "unix.msg_offset", "unix.peer_task.pid", "unix.file_inode",
                            "unix.peer_file_inode"],
                     extra=decode)
    resp = ts.frames(pcap, "resp", extra=decode)
    bad = ts.frames(pcap, "_ws.malformed || _ws.expert.severity >= error", extra=decode)
    return rows, resp, bad


def follow_client(ts, pcap, stream):
    """The client's side of Follow Stream: the side that sends the SETs
    (follow puts first the side whose record comes first in the file)."""
    _, out, _ = ts.run(["-r", pcap, "-q", "-z", "follow,unix,raw,%d" % stream])
    lines = out.splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith("Node 1:"))
    sides = (bytearray(), bytearray())
    for l in lines[i + 1:]:
        if l.startswith("===="):
            break
        sides[l.startswith("\t")].extend(bytes.fromhex(l.strip()))
    replies = [s for s in sides if s.startswith(b"+OK")]
    assert len(replies) == 1, "no side of the stream holds only the replies"
    return bytes(sides[1] if sides[0] is replies[0] else sides[0])


def test_size_ring_keeps_newest_files_each_readable_alone(ts, tmp_path):
    path = str(tmp_path / "ring.sock")
    template = os.path.join(ts.captures, "ring.pcapng")
    lines = []
    with udsdump_capture(template, ["-C", "1", "-W", "3", "--path", path], lines=lines).start():
        pair = RespPair(path)
        bound = str(os.stat(path).st_ino)
        for i in range(3000):  # about 6 MB of records: six files or more, three kept
            pair.send(i, 960)
        pair.close()
        time.sleep(0.3)
    files = ring_files(template)
    assert not os.path.exists(template), "the template itself is not written"
    assert len(files) == 3, files
    numbers = [int(re.search(r"_(\d{5})\.pcapng$", f).group(1)) for f in files]
    assert numbers[0] >= 5 and numbers == list(range(numbers[0], numbers[0] + 3)), numbers
    sizes = [os.path.getsize(f) for f in files]
    assert all(s <= 1 * MB for s in sizes), sizes
    assert all(s >= MB // 2 for s in sizes[:2]), "files ended early: %s" % sizes

    next_offset = None
    for f in files:
        rows, resp, bad = read_alone(ts, f, path)
        assert rows[0][1] == "9", "%s: the ENGINE record is not first: %s" % (f, rows[0])
        events = [r[1] for r in rows]
        first_data = events.index("1")
        assert "10" in events[:first_data], "%s: no CGROUP record before its first record" % f
        data = [r for r in rows if r[1] == "1"]
        assert all(r[2] == path for r in data), "%s: a record without its socket's name" % f
        # the peer's identity, written once per socket and file (both ends
        # are this process: the server is a thread of it)
        assert all(r[8] == str(os.getpid()) for r in data), \
            "%s: a record without its peer, read alone: %s" % (f, [r for r in data if not r[8]][:3])
        # and SOCK_NS with it: the file the path is bound to, on each end
        assert all(bound in r[9:11] for r in data), \
            "%s: a record without SOCK_NS, read alone: %s" % (f, [r for r in data if bound not in r[9:11]][:3])
        assert bad == [], "%s: malformed or expert errors in frames %s" % (f, bad[:5])
        assert len(resp) >= len(data) // 2, "%s: %d RESP frames of %d" % (f, len(resp), len(data))
        # the client's stream: its part here continues where the last file's ended
        client = [r for r in data if r[6] == "1"]
        assert client, f
        offsets = [(int(r[4]) + int(r[7] or 0), int(r[5])) for r in client]
        if next_offset is not None:
            assert offsets[0][0] == next_offset, "%s starts at %d, the file before ended at %d" % (
                f, offsets[0][0], next_offset)
        for (off, n), (off2, _) in zip(offsets, offsets[1:]):
            assert off2 == off + n, "%s: a hole in the stream at %d" % (f, off + n)
        next_offset = offsets[-1][0] + offsets[-1][1]
        part = follow_client(ts, f, int(client[0][3]))
        first = offsets[0][0]
        assert part == bytes(pair.sent[first:first + len(part)]), "%s: followed bytes differ" % f
        assert part.startswith(b"*3\r\n$3\r\nSET"), "%s starts mid-command" % f
    assert next_offset == len(pair.sent), "the newest file ends at %d of %d bytes" % (
        next_offset, len(pair.sent))


def test_seconds_ring_names_files_by_time(ts, tmp_path):
    path = str(tmp_path / "timed.sock")
    template = os.path.join(ts.captures, "timed-%Y%m%d-%H%M%S.pcapng")
    with udsdump_capture(template, ["-G", "1", "--path", path]).start():
        pair = RespPair(path)
        start = time.time()
        i = 0
        while time.time() - start < 3.5:
            pair.send(i, 60, pause=0.05)
            i += 1
        pair.close()
    names = sorted(os.listdir(ts.captures))
    timed = [n for n in names if n.startswith("timed-")]
    assert 3 <= len(timed) <= 6, timed
    stamps = []
    for n in timed:
        m = re.fullmatch(r"timed-(\d{8}-\d{6})\.pcapng", n)
        assert m, "not named by time alone: %s" % n
        stamps.append(time.mktime(time.strptime(m.group(1), "%Y%m%d-%H%M%S")))
    assert all(0.5 <= b - a <= 2.5 for a, b in zip(stamps, stamps[1:])), timed
    assert abs(stamps[0] - start) <= 2, (timed, start)
    total = 0
    for n in timed:
        rows, resp, bad = read_alone(ts, os.path.join(ts.captures, n), path)
        assert rows[0][1] == "9" and bad == [], n
        total += len([r for r in rows if r[1] == "1" and r[6] == "1"])
    assert total == i, "%d client records in the files, %d sent" % (total, i)
