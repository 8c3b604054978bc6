#!/usr/bin/python3
"""Benchmark 2: bulk transfer through a stream socketpair.

1 GiB written in 64 KiB writes (os.write) by one process and read by
another, bare and while udsdump captures it with the full payload (default
settings, limited with --comm to the writer so the accounting is exact on a
busy host). Reports throughput and its ratio to bare, bytes captured and
lost (and that they add up to what was sent, with the payload checked
against the pattern written), and udsdump's CPU time and peak RSS (wait4
rusage, the figures /usr/bin/time -v prints).

The writer's limit is measured in the same rounds: dd of the same bytes in
64 KiB blocks to the same file system. Both are compared in bytes per CPU
second (dd's, and udsdump's less an idle run of the same length), since
the sender, not the writer, sets the captured run's pace: the ratio says
how fast the writer drains when it has a CPU to itself.
"""

import ctypes
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

WRITER_COMM = b"udsbulk-writer"
WRITE = 64 * 1024
PATTERN = bytes(range(256)) * (WRITE // 256)
REF = bytes(range(256)) * 80  # covers any (offset % 256, chunk <= 16 KiB)


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0)  # PR_SET_NAME


def transfer(total):
    """Move total bytes through a socketpair; return (seconds, writer ino)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ino = os.fstat(a.fileno()).st_ino
    buf = bytearray(1 << 20)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            b.close()
            set_comm(WRITER_COMM)
            fd = a.fileno()
            mv = memoryview(PATTERN)
            left = total
            while left > 0:
                n = os.write(fd, mv[:min(WRITE, left)])
                if n < min(WRITE, left):  # never split the pattern phase
                    mv2 = mv[n:min(WRITE, left)]
                    while len(mv2):
                        k = os.write(fd, mv2)
                        mv2 = mv2[k:]
                left -= min(WRITE, left)
            os._exit(0)
        except BaseException:
            os._exit(1)
    a.close()
    got = 0
    while got < total:
        n = b.recv_into(buf)
        if n == 0:
            break
        got += n
    t1 = time.monotonic()
    code, _ = common.wait4(pid)
    b.close()
    if got != total or code != 0:
        raise RuntimeError("transfer: read %d of %d, writer exit %d"
                           % (got, total, code))
    return t1 - t0, ino


def verify(ino, off, payload):
    k = off % 256
    return payload == REF[k:k + len(payload)]


def dd_to(path, total):
    """dd of total bytes in 64 KiB blocks to path: what the file system takes
    from a writer that does nothing else (the writer's limit); (seconds,
    CPU seconds)."""
    t0 = time.monotonic()
    p = subprocess.Popen(["dd", "if=/dev/zero", "of=" + path, "bs=%d" % WRITE,
                          "count=%d" % (total // WRITE)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    p.returncode = status
    os.unlink(path)
    if status:
        raise RuntimeError("dd exited with status %d" % status)
    return secs, ru.ru_utime + ru.ru_stime


def captured_run(d, udsdump, total, extra):
    """One captured transfer; (transfer seconds, seconds until udsdump has
    written everything and exited, stats, tally)."""
    out = os.path.join(d, "bulk.pcapng")
    cap = common.Udsdump(udsdump, out, ["--comm", WRITER_COMM.decode()] + extra,
                         os.path.join(d, "udsdump.log")).start()
    t0 = time.monotonic()
    try:
        secs, ino = transfer(total)
    finally:
        st = cap.stop()
    done = time.monotonic() - t0
    t = common.CaptureTally().feed_file(out, {ino}, verify)
    os.unlink(out)
    gaps = t.total_gap_bytes({ino: total})
    tally = (t.total_data_bytes(), t.loss_bytes, gaps, t.bad_payload,
             t.total_data_records(), t.loss_records)
    return secs, done, st, tally


def print_captured(r, mode, total, secs, done, st, tally):
    cap_bytes, loss_bytes, gaps, _, nrec, lrec = tally
    print("round %d %-9s %8.1f MB/s  (%.2f s; all written in %.2f s: %.1f MB/s)  "
          "captured %d B in %d records, lost %d B (%d records), gaps %d B, "
          "udsdump cpu %.2f s, peak RSS %.1f MB, file %.0f MB"
          % (r + 1, mode, total / secs / 1e6, secs, done, st["file_bytes"] / done / 1e6,
             cap_bytes, nrec, loss_bytes, lrec, gaps, st["cpu_s"],
             st["maxrss_kb"] / 1024, st["file_bytes"] / 1e6))
    sys.stdout.flush()


def idle_run(d, udsdump, secs):
    """udsdump capturing nothing for secs: the CPU its start, timers and
    exit cost, which the writer's rate leaves out."""
    out = os.path.join(d, "idle.pcapng")
    cap = common.Udsdump(udsdump, out, ["--comm", "udsbulk-nobody"],
                         os.path.join(d, "udsdump.log")).start()
    time.sleep(secs)
    st = cap.stop()
    os.unlink(out)
    return st["cpu_s"]


def main():
    ap = common.bench_args(__doc__, "short smoke run (64 MiB, one round)")
    ap.add_argument("--mib", type=int, default=None,
                    help="MiB to transfer (default 1024)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 3)
    total = (a.mib or (64 if a.quick else 1024)) << 20
    d, udsdump = common.bench_setup(a, "udsbench-bulk.")
    common.header("bulk (stream socketpair, 64 KiB writes)",
                  "%d MiB per run, %d round(s) of bare/captured/idle/dd, "
                  "udsdump --comm %s, full payload" % (total >> 20, rounds, WRITER_COMM.decode()))
    transfer(min(total, 64 << 20))  # warm up
    bare, capd, stats, tallies, writer_rates, dd_rates, dd_cpu_rates = [], [], [], [], [], [], []
    modes = ["bare", "captured", "dd"]
    for r in range(rounds):
        for mode in modes[r % 3:] + modes[:r % 3]:
            if mode == "bare":
                secs, _ = transfer(total)
                bare.append(secs)
                print("round %d bare      %8.1f MB/s  (%.2f s)"
                      % (r + 1, total / secs / 1e6, secs))
            elif mode == "dd":
                secs, cpu = dd_to(os.path.join(d, "dd.bin"), total)
                dd_rates.append(total / secs)
                dd_cpu_rates.append(total / cpu)
                print("round %d dd        %8.1f MB/s  (%.2f s, cpu %.2f s: %.1f MB per cpu s)"
                      % (r + 1, total / secs / 1e6, secs, cpu, total / cpu / 1e6))
            else:
                secs, done, st, tally = captured_run(d, udsdump, total, [])
                idle = idle_run(d, udsdump, done)
                capd.append(secs)
                stats.append(st)
                tallies.append(tally)
                rate = st["file_bytes"] / max(st["cpu_s"] - idle, 1e-3)
                writer_rates.append(rate)
                print_captured(r, mode, total, secs, done, st, tally)
                print("round %d writer    idle run cpu %.2f s: %.2f s for the file, %.1f MB per cpu s"
                      % (r + 1, idle, st["cpu_s"] - idle, rate / 1e6))
            sys.stdout.flush()
    mb = total / 1e6
    b, c = common.median(bare), common.median(capd)
    print()
    print("results (median of %d rounds)" % rounds)
    print("bare:      %.1f MB/s" % (mb / b))
    print("captured:  %.1f MB/s" % (mb / c))
    print("dd:        %.1f MB/s, %.1f MB per cpu s (64 KiB blocks to the same file system)"
          % (common.median(dd_rates) / 1e6, common.median(dd_cpu_rates) / 1e6))
    print("writer:    %.1f MB of file per cpu s (udsdump's cpu less an idle run's)"
          % (common.median(writer_rates) / 1e6))
    print("udsdump:   cpu %.2f s (%.2f s per GiB), peak RSS %.1f MB"
          % (common.median([s["cpu_s"] for s in stats]),
             common.median([s["cpu_s"] for s in stats]) / (total / 2**30),
             max(s["maxrss_kb"] for s in stats) / 1024))
    common.ratio_line("bulk captured/bare throughput", b / c)
    common.ratio_line("bulk writer/dd, bytes per cpu second",
                      common.median(writer_rates) / common.median(dd_cpu_rates), target=0.9)
    common.ratio_line("bulk bytes lost (target 0), median share",
                      common.median([t[1] for t in tallies]) / total)
    for i, (cb, lb, gaps, bad, nrec, lrec) in enumerate(tallies):
        common.check_line(
            "bulk round %d bytes" % (i + 1), cb + lb == total and gaps == lb
            and bad == 0,
            "captured %d + lost %d == sent %d (gaps in the stream %d, "
            "payload mismatches %d)" % (cb, lb, total, gaps, bad))
    print("load after: %s" % common.loadavg())
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    common.finish()


if __name__ == "__main__":
    main()
