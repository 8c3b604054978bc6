#!/usr/bin/python3
"""Benchmark 3: many connections, exact accounting.

64 concurrent stream connections to one listening socket send 1,000,000
messages in total, of mixed sizes (1 byte to 16 KiB, most of them small)
and through mixed syscalls (send, sendmsg, write), from 4 sender processes
of 16 connections each; one reader process drains all 64 with epoll.
udsdump captures with --path on the listening socket (default settings
otherwise, payload included). The capture is read back with tests/udsrec.py
and must satisfy: DATA records captured + records reported lost == sends
made, and per socket, bytes captured + bytes in gaps == bytes sent.

Each message fits in one record (udsdump splits messages at 16 KiB), so a
send is a record. Connections stay open until udsdump has stopped, so the
capture holds no end-of-stream records. A bare run beside it gives the
message rate, for scale.
"""

import os
import random
import selectors
import shutil
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CONNS = 64
PROCS = 4
MAXMSG = 16384
SIZES = [(1, 64, 50), (65, 512, 30), (513, 4096, 15), (4097, MAXMSG, 5)]
BLOB = bytes(random.Random(7).getrandbits(8) for _ in range(MAXMSG))


def sizes(rng, n):
    out = []
    buckets = [b for b in SIZES for _ in range(b[2])]
    for _ in range(n):
        lo, hi, _ = rng.choice(buckets)
        out.append(rng.randint(lo, hi))
    return out


def sender(path, idx, nconns, nmsgs, go_r, report_w):
    """Open nconns connections, wait for 'go', send nmsgs messages round
    robin; report (inode, sends, bytes) per connection, then wait for the
    parent to say close."""
    socks = []
    for _ in range(nconns):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks.append(s)
    inos = [os.fstat(s.fileno()).st_ino for s in socks]
    os.write(report_w, b"r")
    os.read(go_r, 1)
    rng = random.Random(1000 + idx)
    szs = sizes(rng, nmsgs)
    blob = memoryview(BLOB)
    sends = [0] * nconns
    nbytes = [0] * nconns
    fds = [s.fileno() for s in socks]
    for i, size in enumerate(szs):
        c = i % nconns
        s = socks[c]
        buf = blob[:size]
        kind = i % 3
        while len(buf):
            if kind == 0:
                n = s.send(buf)
            elif kind == 1:
                n = s.sendmsg([buf])
            else:
                n = os.write(fds[c], buf)
            sends[c] += 1
            nbytes[c] += n
            buf = buf[n:]
    rep = b"".join(struct.pack("<QQQ", inos[c], sends[c], nbytes[c])
                   for c in range(nconns))
    os.write(report_w, rep)
    os.read(go_r, 1)  # close only after udsdump stopped
    for s in socks:
        s.close()
    os._exit(0)


def reader(lsock, total_bytes_w, expect_conns):
    sel = selectors.DefaultSelector()
    conns = []
    while len(conns) < expect_conns:
        c, _ = lsock.accept()
        c.setblocking(False)
        conns.append(c)
        sel.register(c, selectors.EVENT_READ)
    buf = bytearray(1 << 18)
    got = 0
    recvs = 0
    open_ = len(conns)
    last_report = time.monotonic()
    while open_:
        for key, _ in sel.select(timeout=0.5):
            try:
                n = key.fileobj.recv_into(buf)
            except BlockingIOError:
                continue
            if n == 0:
                sel.unregister(key.fileobj)
                open_ -= 1
            else:
                recvs += 1
            got += n
        now = time.monotonic()
        if now - last_report > 0.05:
            os.pwrite(total_bytes_w, struct.pack("<QQ", got, recvs), 0)
            last_report = now
    os.pwrite(total_bytes_w, struct.pack("<QQ", got, recvs), 0)
    os._exit(0)


def run(path_dir, nmsgs, cap_factory):
    """One run. Returns dict(secs, sends, bytes, per_conn, cap_stats)."""
    path = os.path.join(path_dir, "conns.sock")
    if os.path.exists(path):
        os.unlink(path)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(CONNS)
    progress = os.path.join(path_dir, "progress")
    pf = os.open(progress, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.pwrite(pf, struct.pack("<QQ", 0, 0), 0)
    rpid = os.fork()
    if rpid == 0:
        reader(lsock, pf, CONNS)
    lsock.close()
    cap = cap_factory(path) if cap_factory else None
    if cap:
        cap.start()
    kids = []
    per = CONNS // PROCS
    for p in range(PROCS):
        go_r, go_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.close(rep_r)
            share = nmsgs // PROCS + (1 if p < nmsgs % PROCS else 0)
            sender(path, p, per, share, go_r, rep_w)
        os.close(go_r)
        os.close(rep_w)
        kids.append((pid, go_w, rep_r))
    for _, _, rep_r in kids:
        os.read(rep_r, 1)  # connected
    t0 = time.monotonic()
    for _, go_w, _ in kids:
        os.write(go_w, b"g")
    per_conn = {}
    for _, _, rep_r in kids:
        data = b""
        while len(data) < 24 * per:
            chunk = os.read(rep_r, 24 * per - len(data))
            if not chunk:
                raise RuntimeError("sender died")
            data += chunk
        for k in range(per):
            ino, s, b = struct.unpack_from("<QQQ", data, 24 * k)
            per_conn[ino] = (s, b)
    total_bytes = sum(b for _, b in per_conn.values())
    while True:
        got, recvs = struct.unpack("<QQ", os.pread(pf, 16, 0))
        if got >= total_bytes:
            break
        time.sleep(0.01)
    t1 = time.monotonic()
    st = cap.stop() if cap else None
    for pid, go_w, rep_r in kids:
        os.write(go_w, b"c")
        common.wait4(pid)
        os.close(go_w)
        os.close(rep_r)
    common.wait4(rpid)
    os.close(pf)
    return {"secs": t1 - t0, "sends": sum(s for s, _ in per_conn.values()),
            "bytes": total_bytes, "per_conn": per_conn, "cap": st,
            "recvs": recvs,
            "out": cap.out if cap else None}


def main():
    ap = common.bench_args(__doc__,
                           "short smoke run (50,000 messages, one round)")
    ap.add_argument("--messages", type=int, default=None,
                    help="messages in total (default 1000000)")
    ap.add_argument("--recv", default=None, metavar="MODE",
                    help="udsdump --recv MODE (default: udsdump's own)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 2)
    nmsgs = a.messages or (50000 if a.quick else 1000000)
    d, udsdump = common.bench_setup(a, "udsbench-conns.")
    common.header("many connections (%d stream connections)" % CONNS,
                  "%d messages of 1 B..16 KiB over %d connections from %d "
                  "processes, send/sendmsg/write; %d round(s) of "
                  "bare/captured; udsdump --path <listening socket>"
                  % (nmsgs, CONNS, PROCS, rounds))
    log = os.path.join(d, "udsdump.log")
    out = os.path.join(d, "conns.pcapng")

    def factory(path):
        recv = ["--recv", a.recv] if a.recv else []
        return common.Udsdump(udsdump, out, ["--path", path] + recv, log)

    bare_rates, cap_rates = [], []
    for r in range(rounds):
        order = (None, factory) if r % 2 == 0 else (factory, None)
        for fac in order:
            res = run(d, nmsgs, fac)
            rate = res["sends"] / res["secs"]
            if fac is None:
                bare_rates.append(rate)
                print("round %d bare      %9.0f msgs/s  %.2f s  (%d sends, "
                      "%.1f MB)" % (r + 1, rate, res["secs"], res["sends"],
                                    res["bytes"] / 1e6))
                sys.stdout.flush()
                continue
            cap_rates.append(rate)
            st = res["cap"]
            t0 = time.monotonic()
            inodes = set(res["per_conn"])
            t = common.CaptureTally().feed_file(res["out"], inodes)
            parse = time.monotonic() - t0
            os.unlink(res["out"])
            captured = t.total_data_records()
            lost = st["lost"]
            print("round %d captured  %9.0f msgs/s  %.2f s  (%d sends, "
                  "%.1f MB)  udsdump: %d records written, %d lost, cpu "
                  "%.2f s, peak RSS %.1f MB; read back in %.1f s"
                  % (r + 1, rate, res["secs"], res["sends"],
                     res["bytes"] / 1e6, st["records"], lost, st["cpu_s"],
                     st["maxrss_kb"] / 1024, parse))
            print("  events in file: %s; LOSS records report %d records / "
                  "%d bytes; ISB ifrecv %s ifdrop %s"
                  % (", ".join("%s %d" % kv for kv in sorted(t.events.items())),
                     t.loss_records, t.loss_bytes, t.isb_recv, t.isb_drop))
            sent = res["sends"]
            # the reader's reads are records too (receive-side metadata,
            # on builds that have it): what the kernel tried to emit is
            # sends + reads that returned data; a merged RECV record
            # counts each of its reads (decisions.md)
            recv_recs = t.reads
            tried = sent + (res["recvs"] if recv_recs else 0)
            common.check_line(
                "conns round %d records" % (r + 1),
                captured + recv_recs + lost == tried,
                "records captured %d (DATA %d + reads %d) + reported lost %d "
                "== sent %d (sends %d + reads %d)"
                % (captured + recv_recs, captured, recv_recs, lost, tried,
                   sent, tried - sent))
            common.check_line(
                "conns round %d sends" % (r + 1),
                captured <= sent <= captured + lost
                and (lost > 0 or captured == sent),
                "DATA records captured %d <= sends %d <= DATA + lost %d"
                % (captured, sent, captured + lost))
            # lost records counted three ways must agree
            common.check_line(
                "conns round %d loss reports" % (r + 1),
                lost == t.loss_records and (t.isb_drop is None
                                            or t.isb_drop == lost),
                "summary %d, LOSS records %d, ISB ifdrop %s agree"
                % (lost, t.loss_records, t.isb_drop))
            ends = {ino: b for ino, (_, b) in res["per_conn"].items()}
            gaps = t.total_gap_bytes(ends)
            sent_b = res["bytes"]
            common.check_line(
                "conns round %d bytes" % (r + 1),
                t.total_data_bytes() + gaps == sent_b
                and gaps == t.loss_bytes,
                "bytes captured %d + gaps %d == sent %d; gaps == LOSS bytes "
                "%d" % (t.total_data_bytes(), gaps, sent_b, t.loss_bytes))
            sys.stdout.flush()
    print()
    print("results (median of %d rounds)" % rounds)
    b, c = common.median(bare_rates), common.median(cap_rates)
    print("bare:     %.0f msgs/s" % b)
    print("captured: %.0f msgs/s" % c)
    common.ratio_line("conns captured/bare message rate", c / b)
    print("load after: %s" % common.loadavg())
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    common.finish()


if __name__ == "__main__":
    main()
