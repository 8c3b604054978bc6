"""Dissector fuzzing: shared by the pytest run (conftest.py, test_dissector_fuzz.py)
and the long run (fuzz_long.py).

  * Tshark: tests/lib/tshark.py's runner (as nobody, the plugin staged)
    loading the plugin built with ASan+UBSan (build-asan/plugin/udsdump.so),
    the sanitizer runtimes LD_PRELOADed, extcap discovery pointed at an
    empty directory.
  * random_record(): records with random TLVs, lengths and flags, written from
    doc/FORMAT.md (not from record.h).
  * seed captures: real udsdump captures of tests/senders/ made during the run.
  * editcap -E mutations with several seeds and probabilities.

Standard library only.
"""

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import udsrec  # noqa: E402
from lib import ci, paths, tshark  # noqa: E402
from lib.capture import udsdump_capture  # noqa: E402
from lib.pcapng import pcapng_bytes as _pcapng_bytes  # noqa: E402
from lib.senders import run_sender  # noqa: E402

TESTS = paths.TESTS
REPO = paths.REPO
ASAN_PLUGIN = paths.ASAN_PLUGIN
PLAIN_PLUGIN = paths.PLUGIN

# Anything of these on stderr/stdout is a failure.
REPORT_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                "UndefinedBehaviorSanitizer", "AddressSanitizer:", "Dissector bug",
                "DEADLYSIGNAL")


def build_asan_plugin():
    """Configure build-asan (-DUDSDUMP_SANITIZE=ON) and build the plugin there."""
    bdir = os.path.join(REPO, "build-asan")
    if not os.path.exists(os.path.join(bdir, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", REPO, "-B", bdir, "-DCMAKE_BUILD_TYPE=Debug",
                        "-DUDSDUMP_SANITIZE=ON"], check=True, capture_output=True)
    p = subprocess.run(["cmake", "--build", bdir, "--target", "udsdump_plugin"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("building the ASan plugin failed:\n" + p.stdout + p.stderr)
    return os.path.join(bdir, "plugin", "udsdump.so")


def plugin_is_sanitized(path):
    """The plugin references the ASan and UBSan runtimes (it was built with them)."""
    p = subprocess.run(["nm", "-D", "--undefined-only", path], capture_output=True, text=True)
    syms = p.stdout
    return "__asan_" in syms and "__ubsan_handle_" in syms


class Tshark(tshark.Tshark):
    """tshark with a build-tree plugin, as nobody, extcaps out of the way."""

    def __init__(self, plugin, sanitize=True, root=None):
        super().__init__(plugin, root=root, sanitize=sanitize, isolate_extcap=True)

    def dissect(self, path, extra=(), timeout=300):
        """tshark -nVxr PATH -2; returns (rc, stdout, stderr, problems)."""
        try:
            rc, out, err = self.raw(["-nVx", "-2", "-r", path] + list(extra), timeout=timeout)
        except subprocess.TimeoutExpired:
            return -1, "", "", ["tshark still running after %ds (hang)" % timeout]
        return rc, out, err, problems(rc, out, err)


def problems(rc, out, err):
    """What went wrong in one tshark run (empty list: nothing)."""
    bad = []
    if rc < 0 or rc >= 128 or rc in (86, 87):
        bad.append("tshark exit status %d" % rc)
    for text in (err, out):
        for line in text.splitlines():
            if any(m in line for m in REPORT_MARKS):
                bad.append(line.strip())
    if rc != 0 and not bad:
        bad.append("tshark exit status %d: %s" % (rc, err.strip()[-400:]))
    return bad


def unix_frames(verbose_out):
    """Frames whose -V tree has the plugin's protocol."""
    return len(re.findall(r"^\s*\[Protocols in frame: unix[]:]", verbose_out, re.M))


# ------------------------------------------------------------ pcapng (FORMAT.md)

def _u16(v):
    return struct.pack("<H", v & 0xFFFF)


def _u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def _u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def pcapng_bytes(packets, start_us=1_700_000_000_000_000):
    """packets: record bytes, or (bytes, orig_len) when the capture cut it."""
    return _pcapng_bytes([(p[0], None, p[1]) if isinstance(p, tuple) else p for p in packets],
                         start_ts_us=start_us, step_us=997)


# ------------------------------------------------------------ random records
#
# FORMAT.md: header = magic "UDSK", u8 version, u8 event, u16 header_len,
# u32 flags, u32 payload_len; TLVs (u16 type, u16 length, value) up to
# header_len; then the payload.

FIXED = {1: 20, 2: 40, 3: 12, 4: 36, 8: 24, 10: 12, 12: 32}  # type -> fixed length
HTTP_REQ = b"GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nContent-Length: 12\r\n\r\n{\"all\":true}"
HTTP_RESP = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
RESP = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"


def _rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def _name_bytes(rng):
    n = rng.choice([0, 1, 2, 5, 20, 107, 108, 109, 200, rng.randrange(0, 300)])
    style = rng.randrange(4)
    if style == 0:
        return _rand_bytes(rng, n)
    if style == 1:
        return bytes(rng.choice(b"\x00\xff\xc3\xa9\xe2\x82\xac\\/\n\t%\"'ab") for _ in range(n))
    if style == 2:
        return ("/run/" + "x" * n).encode()[:n]
    return "é€😀".encode()[: n % 10] + b"\xc3" + b"\x80\xbf" * (n % 5)


def _value(rng, t, sockets):
    """A value for TLV type t, of a good or a bad length."""
    fixed = FIXED.get(t)
    if t == 1 and rng.random() < 0.8:
        ino, peer = rng.choice(sockets)
        v = _u64(ino) + _u64(peer) + _u16(rng.choice([1, 2, 5, 3, 0, 0xFFFF])) + _u16(0)
    elif t == 8 and rng.random() < 0.8:
        v = (_u64(rng.choice([0, 1, 5, 100, 2**32, 2**63, 2**64 - 1, rng.randrange(1 << 20)])) +
             _u32(rng.choice([0, 1, 5, 16384, 2**32 - 1])) + _u32(rng.choice([0, 5, 2**32 - 1])) +
             _u32(rng.choice([0, 5, 2**32 - 1])) + _u16(rng.randrange(0, 13)) + _u16(0))
    elif t in (5, 6, 7):
        v = bytes([rng.choice([0, 1, 2, 3, 255])]) + _name_bytes(rng)
    elif t == 9:
        v = (struct.pack("<i", rng.choice([0, 3, -1, 2**31 - 1, -2**31])) +
             bytes([rng.randrange(0, 12), rng.randrange(0, 8)]) + _u16(rng.choice([0, 1, 2, 5, 9])) +
             _u32(rng.getrandbits(32)) + _u16(rng.choice([0, 1, 2, 10, 99])) + _u16(0) +
             _u64(rng.getrandbits(64)) + _u64(rng.getrandbits(64)) + _name_bytes(rng))
    elif t == 11:
        v = struct.pack("<ii", rng.choice([1, 0, -1, 41, 2**31 - 1]), rng.choice([1, 2, 3, 4, -7])) + \
            _rand_bytes(rng, rng.choice([0, 1, 4, 12, 256, 300]))
    elif t == 2 or t == 4:
        v = _rand_bytes(rng, fixed - 16) + _name_bytes(rng)[:16].ljust(16, b"\0")
    elif t == 15:  # ENGINE_MISSING: u8 source, u8 name_len, name, reason
        name, reason = _name_bytes(rng)[:255], _name_bytes(rng)
        name_len = len(name) if rng.random() < 0.8 else rng.randrange(256)
        v = bytes([rng.choice([1, 2, 0, 255]), name_len]) + name + reason
        v = v[: rng.randrange(0, 3)] if rng.random() < 0.1 else v
    elif t == 27:  # READS: u32 count, u32 reserved, 12 bytes per read
        n = rng.choice([0, 1, 2, 3, 40])
        count = n if rng.random() < 0.7 else rng.choice([0, 1, n + 1, 2**32 - 1])
        v = _u32(count) + _u32(0) + b"".join(
            _u32(rng.choice([0, 1, 999, 2**32 - 1])) + _u32(rng.choice([0, 5, 200, 2**32 - 1])) +
            _u32(rng.getrandbits(32)) for _ in range(n))
    elif t in (13, 14, 16, 17, 18):  # ENGINE text TLVs
        v = _name_bytes(rng)
    else:
        v = _rand_bytes(rng, fixed if fixed else rng.randrange(0, 64))
    r = rng.random()
    if fixed and r < 0.1:
        v = v[: rng.randrange(0, fixed)]  # shorter than fixed: malformed
    elif fixed and r < 0.2:
        v = v + _rand_bytes(rng, rng.randrange(1, 40))  # a later version's extra fields
    return v


def random_record(rng, sockets, offsets):
    """One record: mostly well-formed-looking, with random TLVs and lengths."""
    event = rng.choice([1, 1, 1, 8, 8, 2, 3, 4, 5, 6, 7, 0, 9, 255])
    flags = rng.getrandbits(11) if rng.random() < 0.5 else rng.choice([0, 2, 16, 1 << 6, 1 << 10])
    if rng.random() < 0.05:
        flags = rng.getrandbits(32)
    tlvs = []
    ntlv = rng.choice([0, 1, 3, 5, 8, 12, rng.randrange(0, 70)])
    types = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 13, 99, 0xFFFF]
    if event == 8:  # RECV: the reads it stands for
        types += [27]
    if event == 9:  # ENGINE: its own TLVs, and the others as strangers
        types += [13, 14, 15, 15, 16, 17, 18] * 2
    want_sock = rng.random() < 0.85
    if want_sock:
        tlvs.append((1, _value(rng, 1, sockets)))
    if event in (1, 8) and rng.random() < 0.85:
        # consistent offsets on a known socket, to reach reassembly
        ino, _peer = rng.choice(sockets)
        payload = rng.choice([HTTP_REQ, HTTP_RESP, RESP, b"", _rand_bytes(rng, rng.randrange(0, 200))])
        cut = rng.randrange(0, len(payload) + 1) if payload else 0
        piece = payload[:cut] if rng.random() < 0.5 else payload[cut:]
        off = offsets.get((ino, event), 0)
        if rng.random() < 0.1:
            off += rng.randrange(1, 5000)  # a gap
        elif rng.random() < 0.05:
            off = max(0, off - rng.randrange(1, 50))  # overlap
        offsets[(ino, event)] = off + len(piece)
        tlvs[:] = [(1, _u64(ino) + _u64(_peer) + _u16(rng.choice([1, 2, 5])) + _u16(0))]
        tlvs.append((8, _u64(off) + _u32(len(piece)) + _u32(0) + _u32(len(piece)) +
                     _u16(rng.randrange(0, 11)) + _u16(0)))
        payload = piece
    else:
        payload = rng.choice([b"", _rand_bytes(rng, rng.randrange(0, 100)), HTTP_REQ])
    for _ in range(ntlv):
        t = rng.choice(types)
        tlvs.append((t, _value(rng, t, sockets)))
    rng.shuffle(tlvs) if rng.random() < 0.3 else None
    body = b"".join(_u16(t) + _u16(len(v)) + v for t, v in tlvs)
    if rng.random() < 0.05:  # a TLV whose length runs past header_len
        body += _u16(rng.choice([1, 8, 9])) + _u16(rng.randrange(1, 0x10000))
    header_len = 16 + len(body)
    payload_len = len(payload)
    r = rng.random()
    if r < 0.05:
        header_len = rng.choice([0, 1, 15, 16, 17, header_len - 1, header_len + 1, 0xFFFF])
    elif r < 0.10:
        payload_len = rng.choice([payload_len + 1, 0xFFFFFFFF, 0x7FFFFFFF, max(0, payload_len - 1)])
    magic = b"UDSK" if rng.random() > 0.02 else rng.choice([b"UDSX", b"\0\0\0\0", b"KSDU"])
    version = 1 if rng.random() > 0.02 else rng.choice([0, 2, 255])
    rec = magic + bytes([version, event & 0xFF]) + _u16(header_len & 0xFFFF) + _u32(flags) + \
        _u32(payload_len) + body + payload
    if rng.random() < 0.05:
        rec += _rand_bytes(rng, rng.randrange(1, 20))  # reserved trailer
    if rng.random() < 0.03:
        rec = rec[: rng.randrange(0, len(rec) + 1)]  # truncated record
    if rng.random() < 0.03:
        return (rec[: rng.randrange(0, len(rec) + 1)], len(rec) + rng.randrange(0, 100))  # snaplen cut
    return rec


def random_capture(rng, n):
    """n random records on a handful of sockets (so that streams form)."""
    sockets = [(rng.randrange(1, 1 << 20), 0) for _ in range(3)]
    sockets = [(a, b) for a, b in sockets] + [(1000 + i, 2000 + i) for i in range(3)] + \
        [(2000 + i, 1000 + i) for i in range(3)] + [(0, 0), (2**64 - 1, 2**64 - 1)]
    offsets = {}
    return pcapng_bytes([random_record(rng, sockets, offsets) for _ in range(n)])


# ------------------------------------------------------------ mutations

def editcap_mutate(src, dst, prob, seed):
    p = subprocess.run(["editcap", "-E", str(prob), "--seed", str(seed), src, dst],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("editcap failed: " + p.stderr)
    os.chmod(dst, 0o644)
    return dst


def count_packets(path):
    cap = udsrec.read_capture(path)
    return len(cap.packets)


# ------------------------------------------------------------ live seeds

def live_problems():
    return ci.live_problems()


def make_seed_captures(outdir, tag="fz"):
    """Real udsdump captures of varied traffic; returns their paths."""
    comm = ("%s%d" % (tag, os.getpid() % 100000))[:15]
    work = tempfile.mkdtemp(prefix="udsdump-fuzz-seed-", dir="/tmp")
    os.chmod(work, 0o755)
    caps = []
    try:
        specs = [
            ("stream-path", ["--addr", "path:%s/s.sock" % work, "--type", "stream",
                             "--syscalls", "write,writev,sendmsg", "--sizes", "1,100,5000",
                             "--reply", "300"]),
            ("dgram-abstract", ["--addr", "abstract-hex:00ff41c3%08x" % os.getpid(), "--type",
                                "dgram", "--syscalls", "sendto,sendmsg", "--sizes", "1,64,900"]),
            ("seqpacket-pair", ["--addr", "pair", "--type", "seqpacket",
                                "--syscalls", "write,sendmsg,sendmmsg", "--sizes", "7,70,700",
                                "--reply", "50"]),
        ]
        for name, args in specs:
            out = os.path.join(outdir, "seed-%s.pcapng" % name)
            with udsdump_capture(out, ["--recv", "payload", "--lifecycle", "-f", "comm %s" % comm]):
                run_sender("traffic.py", *(args + ["--client-comm", comm, "--server-comm", comm]))
            caps.append(out)
        out = os.path.join(outdir, "seed-scm.pcapng")
        with udsdump_capture(out, ["--recv", "payload", "-f", "comm %s" % comm]):
            run_sender("scm_send.py", "--dir", work, "--client-comm", comm, "--many", "100")
        caps.append(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for c in caps:
        os.chmod(c, 0o644)
    return caps
