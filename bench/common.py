"""Shared helpers of the udsdump benchmarks (stdlib only, Debian's python3).

Every benchmark script prints:
  - a header with the machine (nproc, kernel, CPU model) and the load
    average read from /proc/loadavg just before it starts,
  - its figures, one line per mode, medians over alternating rounds,
  - "RATIO <name>: <value> ..." lines (ratio to the bare run, with the
    target when there is one and by how much it is met or missed),
  - "CHECK <name>: ... OK|FAIL" lines for accounting (captured + lost ==
    sent); a FAIL makes the script exit with status 1. A missed timing
    target does not: the benchmark still lands and says by how much.
"""

import argparse
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO, "tests"))
import udsrec  # noqa: E402  (the reader written from doc/FORMAT.md)
from lib import paths  # noqa: E402
from lib.capture import CAPTURING, Capture, CaptureError  # noqa: E402
SUMMARY_RE = re.compile(r"udsdump: (\d+) records written, (\d+) lost")


# ------------------------------------------------------------------ machine

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def mem_total_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def header(title, args_desc):
    print("=" * 72)
    print("benchmark: %s" % title)
    print("machine: nproc=%d kernel=%s cpu=%r mem=%d MiB"
          % (os.cpu_count(), platform.release(), cpu_model(), mem_total_mb()))
    print("settings: %s" % args_desc)
    print("load before %s: %s" % (title, loadavg()))
    print("=" * 72)
    sys.stdout.flush()


def need_root():
    if os.geteuid() != 0:
        print("this benchmark needs root (eBPF capture)", file=sys.stderr)
        sys.exit(2)


def bench_args(doc, quick_help):
    """The options every benchmark has: --quick, --rounds, --udsdump,
    --keep. The caller adds its own and parses."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[1])
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--udsdump", default=None,
                    help="udsdump binary (default $UDSDUMP or build/udsdump)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory")
    return ap


def bench_setup(a, prefix):
    """Root check, a work directory and the udsdump snapshot in it."""
    need_root()
    d = workdir(prefix)
    return d, snapshot_udsdump(a.udsdump, d)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def bootstrap_median(xs, level=0.90, n=2000, seed=17):
    """The median of xs and a bootstrap interval of it at LEVEL: rounds
    resampled with replacement n times (a fixed seed, so a rerun of the same
    figures prints the same interval)."""
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs)))
                  for _ in range(n))
    cut = int((1 - level) / 2 * n)
    return statistics.median(xs), meds[cut], meds[n - 1 - cut]


def target_line(name, per_round, target, higher_is_better=True):
    """Print 'TARGET name: median [interval]' and the verdict: met only when
    the whole 90% interval clears the target, missed when the whole of it
    falls short, otherwise not shown either way by these rounds."""
    med, lo, hi = bootstrap_median(per_round)
    s = "TARGET %s: median %.3f, 90%% interval [%.3f, %.3f] over %d rounds" % (
        name, med, lo, hi, len(per_round))
    if target is not None:
        if higher_is_better:
            met, missed = lo >= target, hi < target
            by = (target - med) / target * 100.0
            s += " (target >= %.2f: " % target
        else:
            met, missed = hi <= target, lo > target
            by = (med - target) / target * 100.0
            s += " (target <= %.2f: " % target
        s += ("met" if met else "MISSED by %.1f%% at the median" % by if missed
              else "not shown: the interval spans it") + ")"
    print(s)
    sys.stdout.flush()


def ratio_line(name, value, target=None, higher_is_better=True, unit=""):
    """Print 'RATIO name: value' with the target verdict."""
    s = "RATIO %s: %.3f%s" % (name, value, unit)
    if target is not None:
        if higher_is_better:
            ok = value >= target
            miss = (target - value) / target * 100.0
            s += " (target >= %.2f: %s)" % (
                target, "met" if ok else "MISSED by %.1f%%" % miss)
        else:
            ok = value <= target
            miss = (value - target) / target * 100.0
            s += " (target <= %.2f: %s)" % (
                target, "met" if ok else "MISSED by %.1f%%" % miss)
    print(s)
    sys.stdout.flush()


_failed_checks = []


def check_line(name, ok, detail):
    print("CHECK %s: %s %s" % (name, detail, "OK" if ok else "FAIL"))
    sys.stdout.flush()
    if not ok:
        _failed_checks.append(name)


def finish():
    """Exit 1 when an accounting check failed."""
    if _failed_checks:
        print("accounting checks failed: %s" % ", ".join(_failed_checks))
        sys.exit(1)
    sys.exit(0)


def fmt_rate(x):
    return "%.0f" % x


# ------------------------------------------------------------------ files

def workdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


def snapshot_udsdump(path, into, name="udsdump"):
    """Copy the udsdump binary (to INTO/NAME), so a rebuild of build/
    during the run does not change what is measured halfway."""
    if not path:
        path = paths.UDSDUMP
    if not os.path.exists(path):
        print("udsdump not built at %s: run scripts/setup.sh or "
              "cmake -S . -B build && cmake --build build" % path,
              file=sys.stderr)
        sys.exit(2)
    dst = os.path.join(into, name)
    shutil.copy2(path, dst)
    return dst


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_file_text(path, text, timeout=30.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    try:
        with open(path, errors="replace") as f:
            content = f.read()
    except OSError:
        content = ""
    raise RuntimeError("timed out waiting for %r in %s:\n%s"
                       % (text, path, content))


def wait4(pid):
    """Reap pid; return (exit status, rusage)."""
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), ru


# ------------------------------------------------------------------ udsdump

def proc_cpu_s(pid):
    """User + system CPU seconds a running process has spent so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_cpu_ns(pid):
    """CPU time a running process's threads have spent so far, in ns, from
    each thread's schedstat (proc_cpu_s() counts 10 ms clock ticks: too
    coarse for a run of a few thousand records). A thread that ends while
    it is read is left out, so two readings stay in the same unit."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            continue
    return total


class Udsdump:
    """One udsdump capture: start, wait for 'capturing', stop with SIGINT.

    stop() returns a dict: records, lost (from --summary), cpu_s (user +
    system, from wait4's rusage), run_cpu_s (cpu_s less what it had spent
    when it said it was capturing: loading the engine is not per record),
    maxrss_kb (peak RSS), wall_s, file_bytes.
    """

    READY = CAPTURING       # what the log says once it is capturing
    RESULT = SUMMARY_RE     # what it says at the end: records (, lost)
    NAME = "udsdump"
    STDOUT_TO_LOG = False

    def __init__(self, binary, out, args, log):
        self.cmd = [binary, "-w", out, "--summary"] + list(args)
        self.log = log
        self.out = out
        self.env = None

    def start(self):
        # tests/lib/capture.py: the test suite's capture runner
        self.capture = Capture(self.cmd, log=self.log, ready=self.READY,
                               merge_stdout=self.STDOUT_TO_LOG, env=self.env)
        try:
            self.capture.start(60)
        except CaptureError as e:
            raise RuntimeError(str(e))
        self.p = self.capture.proc
        self.cpu_at_ready = proc_cpu_s(self.p.pid)
        return self

    def lost(self, m):
        return int(m.group(2))

    def stop(self):
        code = self.capture.stop(signal.SIGINT, timeout=None)
        ru = self.capture.rusage
        text = self.capture.stderr
        m = self.RESULT.search(text)
        if code != 0 or not m:
            raise RuntimeError("%s exited %d:\n%s" % (self.NAME, code, text))
        return {
            "records": int(m.group(1)), "lost": self.lost(m),
            "cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
            "run_cpu_s": ru.ru_utime + ru.ru_stime - self.cpu_at_ready,
            "wall_s": self.capture.wall_s,
            "file_bytes": os.path.getsize(self.out) if self.out else 0,
        }


def snapshot_floor(path, into, name="udsdump-floor"):
    """Copy bench/floor's udsdump-floor (built with -DUDSDUMP_BENCH=ON), or
    None, said in one line: the floor rows are then left out."""
    if not path:
        path = os.environ.get("UDSDUMP_FLOOR") or os.path.join(
            REPO, "build", "bench-floor", "udsdump-floor")
    if not os.path.exists(path):
        print("bench: no %s (configure with -DUDSDUMP_BENCH=ON): no floor rows"
              % path, file=sys.stderr)
        return None
    dst = os.path.join(into, name)
    shutil.copy2(path, dst)
    return dst


class Floor(Udsdump):
    """bench/floor's program in mode "empty", "copy", "write" or
    "write-reads" (to out), with a ring of ring_mb MiB if given (else the
    floor's 64) and its records padded by pads=(send, read) bytes:
    the least any eBPF capture of the same sends costs. stop() returns the
    same keys as Udsdump.stop() (records: what the ring carried, lost 0)."""

    READY = "udsdump-floor: attached"
    RESULT = re.compile(r"floor: (\d+) records, (\d+) bytes")
    NAME = "udsdump-floor"
    STDOUT_TO_LOG = True  # its result line

    def __init__(self, binary, mode, log, out=None, ring_mb=None, pads=None):
        writes = mode in ("write", "write-reads")
        self.cmd = [binary, mode] + ([out] if writes else [])
        self.log = log
        self.out = out if writes else None
        # ring_mb: the ring's size in place of the floor's 64 MiB; pads:
        # (bytes added to each send's record, to each read's)
        env = {}
        if ring_mb:
            env["UDSDUMP_FLOOR_RING_MB"] = str(ring_mb)
        if pads:
            env["UDSDUMP_FLOOR_PAD"] = "%d,%d" % pads
        self.env = dict(os.environ, **env) if env else None

    def lost(self, m):
        return 0


# ------------------------------------------------------------------ pcapng

def iter_pcapng(path):
    """Stream a pcapng file without holding it in memory.

    Yields ("epb", interface_id, data) for each packet and
    ("isb", ifrecv, ifdrop) for each interface statistics block. Records
    are decoded by the caller with udsrec.decode_record.
    """
    with open(path, "rb") as f:
        bo = "<"
        while True:
            hdr = f.read(8)
            if len(hdr) < 8:
                return
            btype = struct.unpack("<I", hdr[:4])[0]
            if btype == 0x0A0D0D0A:
                magic = f.read(4)
                bo = "<" if struct.unpack("<I", magic)[0] == 0x1A2B3C4D \
                    else ">"
                blen = struct.unpack(bo + "I", hdr[4:])[0]
                f.read(blen - 12)
                continue
            btype, blen = struct.unpack(bo + "II", hdr)
            body = f.read(blen - 8)
            if len(body) < blen - 8:
                return
            if btype == 6:  # EPB
                iface, _, _, caplen, _ = struct.unpack_from(bo + "IIIII",
                                                            body, 0)
                yield ("epb", iface, body[20:20 + caplen])
            elif btype == 5:  # ISB
                opts = body[12:-4]
                ifrecv = ifdrop = None
                o = 0
                while o + 4 <= len(opts):
                    code, ln = struct.unpack_from(bo + "HH", opts, o)
                    o += 4
                    if code == 0:
                        break
                    if code == 4 and ln == 8:
                        ifrecv = struct.unpack_from(bo + "Q", opts, o)[0]
                    elif code == 5 and ln == 8:
                        ifdrop = struct.unpack_from(bo + "Q", opts, o)[0]
                    o += (ln + 3) & ~3
                yield ("isb", ifrecv, ifdrop)


class CaptureTally:
    """What a capture file holds, per socket inode, read with udsrec."""

    def __init__(self):
        self.records = 0
        self.data_records = {}   # inode -> count
        self.data_bytes = {}     # inode -> payload bytes
        self.gap_bytes = {}      # inode -> bytes of the stream not captured
        self.next_off = {}       # inode -> stream offset expected next
        self.events = {}
        self.reads = 0           # the reads the RECV records stand for
        self.loss_records = 0    # from in-band LOSS records
        self.loss_bytes = 0
        self.isb_recv = None
        self.isb_drop = None
        self.bad_payload = 0

    def feed_file(self, path, inodes=None, verify=None):
        """inodes: only count DATA records of these sockets (None: all).
        verify(inode, stream_offset, payload) -> bool checks content."""
        for item in iter_pcapng(path):
            if item[0] == "isb":
                self.isb_recv, self.isb_drop = item[1], item[2]
                continue
            r = udsrec.decode_record(item[2])
            self.records += 1
            self.events[r.event_name] = self.events.get(r.event_name, 0) + 1
            self.reads += r.read_count  # (a merged RECV: each of its reads)
            if r.event == udsrec.EV_LOSS:
                self.loss_records += r.loss.records
                self.loss_bytes += r.loss.bytes
                continue
            if r.event != udsrec.EV_DATA:
                continue
            ino = r.socket.inode
            if inodes is not None and ino not in inodes:
                continue
            self.data_records[ino] = self.data_records.get(ino, 0) + 1
            self.data_bytes[ino] = self.data_bytes.get(ino, 0) + r.payload_len
            off = r.stream.stream_offset
            exp = self.next_off.get(ino, 0)
            if off > exp:
                self.gap_bytes[ino] = self.gap_bytes.get(ino, 0) + off - exp
            cov = r.payload_len
            if r.flags & udsrec.F_COVERS_MESSAGE and not r.flags & \
                    udsrec.F_MORE:
                cov = r.stream.msg_len - r.stream.msg_offset
            self.next_off[ino] = max(exp, off + cov)
            if verify is not None and r.payload_len and \
                    not verify(ino, off, r.payload):
                self.bad_payload += 1
        return self

    def total_data_records(self):
        return sum(self.data_records.values())

    def total_data_bytes(self):
        return sum(self.data_bytes.values())

    def total_gap_bytes(self, end_offsets=None):
        """Gaps inside the streams, plus (given the true end offset of each
        stream) what is missing at their ends."""
        g = sum(self.gap_bytes.values())
        if end_offsets:
            for ino, end in end_offsets.items():
                g += max(0, end - self.next_off.get(ino, 0))
        return g
