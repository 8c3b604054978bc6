#!/usr/bin/python3
"""Benchmark 2: bulk transfer through a stream socketpair.

1 GiB written in 64 KiB writes (os.write) by one process and read by
another, bare and while udsdump captures it with the full payload (default
settings, limited with --comm to the writer so the accounting is exact on a
busy host). Reports throughput and its ratio to bare, bytes captured and
lost (and that they add up to what was sent, with the payload checked
against the pattern written), and udsdump's CPU time and peak RSS (wait4
rusage, the figures /usr/bin/time -v prints).
"""

import ctypes
import os
import shutil
import socket
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


def main():
    ap = common.bench_args(__doc__, "short smoke run (64 MiB, one round)")
    ap.add_argument("--mib", type=int, default=None,
                    help="MiB to transfer (default 1024)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 3)
    total = (a.mib or (64 if a.quick else 1024)) << 20
    d, udsdump = common.bench_setup(a, "udsbench-bulk.")
    common.header("bulk (stream socketpair, 64 KiB writes)",
                  "%d MiB per run, %d round(s) of bare/captured, udsdump "
                  "--comm %s, full payload" % (total >> 20, rounds,
                                               WRITER_COMM.decode()))
    transfer(min(total, 64 << 20))  # warm up
    bare, capd, stats, tallies = [], [], [], []
    for r in range(rounds):
        order = ("bare", "captured") if r % 2 == 0 else ("captured", "bare")
        for mode in order:
            if mode == "bare":
                secs, _ = transfer(total)
                bare.append(secs)
                print("round %d bare      %8.1f MB/s  (%.2f s)"
                      % (r + 1, total / secs / 1e6, secs))
                sys.stdout.flush()
                continue
            out = os.path.join(d, "bulk.pcapng")
            cap = common.Udsdump(udsdump, out,
                                 ["--comm", WRITER_COMM.decode()],
                                 os.path.join(d, "udsdump.log")).start()
            try:
                secs, ino = transfer(total)
            finally:
                st = cap.stop()
            t = common.CaptureTally().feed_file(out, {ino}, verify)
            os.unlink(out)
            capd.append(secs)
            stats.append(st)
            cap_bytes = t.total_data_bytes()
            gaps = t.total_gap_bytes({ino: total})
            tallies.append((cap_bytes, t.loss_bytes, gaps, t.bad_payload,
                            t.total_data_records(), t.loss_records))
            print("round %d captured  %8.1f MB/s  (%.2f s)  captured %d B in "
                  "%d records, lost %d B (%d records), gaps %d B, udsdump "
                  "cpu %.2f s, peak RSS %.1f MB, file %.0f MB"
                  % (r + 1, total / secs / 1e6, secs, cap_bytes,
                     t.total_data_records(), t.loss_bytes, t.loss_records,
                     gaps, st["cpu_s"], st["maxrss_kb"] / 1024,
                     st["file_bytes"] / 1e6))
            sys.stdout.flush()
    mb = total / 1e6
    b, c = common.median(bare), common.median(capd)
    print()
    print("results (median of %d rounds)" % rounds)
    print("bare:      %.1f MB/s" % (mb / b))
    print("captured:  %.1f MB/s" % (mb / c))
    print("udsdump:   cpu %.2f s (%.2f s per GiB), peak RSS %.1f MB"
          % (common.median([s["cpu_s"] for s in stats]),
             common.median([s["cpu_s"] for s in stats]) / (total / 2**30),
             max(s["maxrss_kb"] for s in stats) / 1024))
    common.ratio_line("bulk captured/bare throughput", b / c)
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
