#!/usr/bin/python3
"""Benchmark 5: a capture that lasts (soak).

A steady stream for --seconds (an hour by default; --quick: 90 s): new
connections at --rate a second, each sending --messages requests of --size
bytes and reading the replies, and one connection that lives for the whole
run and speaks once a second. udsdump writes a ring of files (-C 20 -W 3),
so its disk stays bounded too. Its resident size (VmRSS) is read every
second. After warm-up (the first fifth of the run, at least 40 s: the
ring's pages and three generations of socket names) it must stay flat: the
figures are the RSS at the end of warm-up and at the end (medians of a
tenth of the run each), the peak, and the growth per hour of a
least-squares line through the samples after warm-up.

Every new connection is a socket udsdump has not seen: a table kept per
socket for the whole capture grows here by hundreds of bytes a connection,
hundreds of MB a day.
"""

import glob
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

FILE_MB = 20
FILES = 3


def serve(listener, deadline):
    """Answer every request with as many bytes and 2 more until the
    deadline (child process)."""
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    while time.time() < deadline + 2:
        for key, _ in sel.select(0.2):
            if key.fileobj is listener:
                c, _ = listener.accept()
                sel.register(c, selectors.EVENT_READ)
                continue
            data = key.fileobj.recv(1 << 16)
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
            else:
                key.fileobj.sendall(b"o" * (len(data) + 2))


def load(path, deadline, rate, messages, size):
    """New connections at rate a second until the deadline, and the one
    that lasts (child process); its exit status is 0 if all went well."""
    lasting = socket.socket(socket.AF_UNIX)
    lasting.connect(path)
    body = b"x" * size
    n, next_tick, next_lasting = 0, time.time(), time.time()
    while time.time() < deadline:
        c = socket.socket(socket.AF_UNIX)
        c.connect(path)
        for _ in range(messages):
            c.sendall(body)
            got = 0
            while got < size + 2:
                r = c.recv(1 << 16)
                if not r:
                    break
                got += len(r)
        c.close()
        n += 1
        if time.time() >= next_lasting:
            lasting.sendall(b"still here")
            lasting.recv(64)
            next_lasting += 1.0
        next_tick += 1.0 / rate
        pause = next_tick - time.time()
        if pause > 0:
            time.sleep(pause)
    lasting.close()
    print("connections %d" % n, flush=True)


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slope_per_hour(samples):
    """Least-squares growth of (t, kb) samples, in KiB per hour."""
    n = len(samples)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in samples) / n
    mk = sum(k for _, k in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    cov = sum((t - mt) * (k - mk) for t, k in samples)
    return cov / var * 3600 if var else 0.0


class RingUdsdump(common.Udsdump):
    """udsdump as a days-long capture runs: a ring of files, no --summary
    (its table of every socket is for short captures); records and losses
    from the newest file's closing statistics (cumulative)."""

    def __init__(self, binary, template, args, log):
        super().__init__(binary, template, args, log)
        self.cmd.remove("--summary")
        self.template = template

    def stop(self):
        code = self.capture.stop(common.signal.SIGINT, timeout=None)
        if code != 0:
            raise RuntimeError("udsdump exited %d:\n%s" % (code, self.capture.stderr))
        stem, ext = os.path.splitext(self.template)
        files = sorted(glob.glob(stem + "_*" + ext))
        isb = common.udsrec.read_capture(files[-1]).stats[-1]
        ru = self.capture.rusage
        return {"records": isb.ifrecv, "lost": isb.ifdrop, "cpu_s": ru.ru_utime + ru.ru_stime,
                "files": files}


def run(d, udsdump, seconds, rate, messages, size, ring_mb):
    sock = os.path.join(d, "soak.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(sock)
    listener.listen(128)
    template = os.path.join(d, "soak.pcapng")
    cap = RingUdsdump(udsdump, template, ["-C", str(FILE_MB), "-W", str(FILES), "--path", sock,
                                                   "--buffer-size", str(ring_mb)],
                         os.path.join(d, "udsdump.log")).start()
    deadline = time.time() + seconds
    server = os.fork()
    if server == 0:
        serve(listener, deadline)
        os._exit(0)
    client = os.fork()
    if client == 0:
        try:
            load(sock, deadline, rate, messages, size)
            os._exit(0)
        except BaseException as e:
            print("load: %r" % e, flush=True)
            os._exit(1)
    samples, t0 = [], time.time()
    while time.time() < deadline:
        samples.append((time.time() - t0, vm_rss_kb(cap.p.pid)))
        time.sleep(1.0)
    code, _ = common.wait4(client)
    common.wait4(server)
    st = cap.stop()
    return samples, code, st, st["files"]


def warm_up(seconds):
    """The ring's pages touched, and three generations of socket names
    (10 s each at most) filled: the first fifth of the run, or 40 s."""
    return max(seconds * 0.2, min(40.0, seconds * 0.5))


def report(samples, seconds, st, files, code):
    warm = [s for s in samples if s[0] >= warm_up(seconds)]
    tenth = max(1, len(samples) // 10)
    at_warm = common.median([k for _, k in warm[:tenth]])
    at_end = common.median([k for _, k in samples[-tenth:]])
    peak = max(k for _, k in samples)
    growth = slope_per_hour(warm)
    step = max(1, len(samples) // 10)
    print("rss over time (s: MiB): " + ", ".join("%.0f: %.1f" % (t, k / 1024) for t, k in samples[::step]))
    print("rss: %.1f MiB after warm-up, %.1f MiB at the end, peak %.1f MiB; growth after warm-up "
          "%.0f KiB per hour; %d samples" % (at_warm / 1024, at_end / 1024, peak / 1024, growth,
                                             len(samples)))
    print("udsdump: %d records, %d lost, cpu %.1f s; files kept: %s" % (
        st["records"], st["lost"], st["cpu_s"],
        ", ".join("%s %.1f MB" % (os.path.basename(f), os.path.getsize(f) / 1e6) for f in files)))
    common.ratio_line("soak rss end/warm-up", at_end / at_warm, target=1.05,
                      higher_is_better=False)
    common.check_line("soak load", code == 0, "the connections ran (exit %d)" % code)
    common.check_line("soak records lost", st["lost"] == 0, "%d lost" % st["lost"])
    common.check_line("soak ring", 1 <= len(files) <= FILES and
                      all(os.path.getsize(f) <= FILE_MB * 1000000 for f in files),
                      "%d files of at most %d MB" % (len(files), FILE_MB))
    # flat: a leak of a table entry per connection grows by MBs here
    common.check_line("soak rss flat", at_end <= at_warm * 1.25 + 2048,
                      "%.0f KiB after warm-up, %.0f KiB at the end" % (at_warm, at_end))


def main():
    ap = common.bench_args(__doc__, "90 seconds instead of an hour")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--rate", type=float, default=200.0, help="new connections a second")
    ap.add_argument("--messages", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--buffer-size", type=int, default=None,
                    help="udsdump's ring in MiB (default 64; --quick: 4, so that the ring's pages,\n"
                    "resident once written, are all touched within the warm-up)")
    a = ap.parse_args()
    ring_mb = a.buffer_size or (4 if a.quick else 64)
    seconds = a.seconds or (90.0 if a.quick else 3600.0)
    d, udsdump = common.bench_setup(a, "udsdump-soak-")
    common.header("soak", "%.0f s, %.0f new connections/s, %d x %d B each, -C %d -W %d, ring %d MiB" % (
        seconds, a.rate, a.messages, a.size, FILE_MB, FILES, ring_mb))
    samples, code, st, files = run(d, udsdump, seconds, a.rate, a.messages, a.size, ring_mb)
    report(samples, seconds, st, files, code)
    if not a.keep:
        common.shutil.rmtree(d, ignore_errors=True)
    common.finish()


if __name__ == "__main__":
    main()
