#!/usr/bin/python3
"""Where capture time goes: BPF run-time stats per program, per request.

Runs redis-benchmark -t set,get -d 256 -n N -c 50 over a Unix socket with
kernel.bpf_stats_enabled=1 (restored afterwards), bare and under udsdump in
each mode (see redis_overhead.py), and prints for each of udsdump's
programs run_cnt, run_time_ns and ns per run (bpftool prog show), plus the
CPU time per request that the workload (redis-server + redis-benchmark)
and udsdump itself spent (rusage / /proc/PID/stat).

run_cnt counts every send/receive on the host (all families, all
processes), so ns/request is only meaningful on an otherwise quiet machine;
ns/run is the robust figure. These figures depend much less on the machine's load than requests/s do:
'est. ratio' = workload CPU per request bare / (workload CPU per request
captured + udsdump CPU per request) is what the throughput ratio would be
on an otherwise idle machine where the workload is CPU-bound.

floor-reads (bench/floor's write-reads) records every read too: an
EXPLAIN line gives uds_recv's ns per run at the defaults over its
floor_recv's, what a read costs beyond the least recording of it.

Issue 17's BPF target (a send at most 1.5x the floor's copy program) is
printed per round, uds_send's ns per run over floor_send's in the same
round, with a 90% bootstrap interval (TARGET lines); and, as decisions.md
counts costs (per redis request, all BPF programs summed, so that moving
work from one program to another cannot look cheaper), every program's
run time in the round over the floor's: sends and landed-sends against
floor-copy (the target), the defaults against floor-reads (EXPLAIN: the
least capture that also records every read). --landed BIN adds the
modes landed-sends and landed-all (another udsdump, the last one landed)
and the per-round ratios this/landed of each program's ns per run.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from redis_overhead import start_capture, start_redis, modes_for  # noqa: E402

def progs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def workload(sock, n, redis_pid):
    """Run redis-benchmark; return CPU seconds of redis-server + benchmark."""
    c0 = common.proc_cpu_s(redis_pid)
    p = subprocess.Popen(["redis-benchmark", "-s", sock, "-t", "set,get",
                          "-d", "256", "-n", str(n), "-c", "50", "-q"],
                         stdout=subprocess.DEVNULL)
    code, ru = common.wait4(p.pid)
    if code != 0:
        raise RuntimeError("redis-benchmark failed")
    return common.proc_cpu_s(redis_pid) - c0 + ru.ru_utime + ru.ru_stime


def ns_per_run(row, prog):
    """A program's ns per run in one round's row, or None if it did not run."""
    p = row["progs"].get(prog)
    if not p or not p.get("run_cnt"):
        return None
    return p.get("run_time_ns", 0) / p["run_cnt"]


def paired(rows, mode_a, prog_a, mode_b, prog_b):
    """Per round: prog_a's ns per run in mode_a over prog_b's in mode_b."""
    out = []
    for ra, rb in zip(rows[mode_a], rows[mode_b]):
        a, b = ns_per_run(ra, prog_a), ns_per_run(rb, prog_b)
        if a and b:
            out.append(a / b)
    return out


def bpf_ns(row):
    """All of a capture's programs' run time in one round, ns."""
    return sum(p.get("run_time_ns", 0) for p in row["progs"].values())


def paired_sums(rows, mode_a, mode_b):
    """Per round: mode_a's BPF run time over mode_b's (the same requests)."""
    return [bpf_ns(ra) / bpf_ns(rb) for ra, rb in zip(rows[mode_a], rows[mode_b])
            if bpf_ns(ra) and bpf_ns(rb)]


def print_summed(rows, modes):
    """decisions.md: costs per request, all BPF programs summed."""
    if "floor-copy" in modes:
        for mode in (m for m in ("sends", "landed-sends") if m in modes):
            r = paired_sums(rows, mode, "floor-copy")
            if r:
                common.target_line("hooks %s BPF per request/floor-copy's" % mode, r, 1.5,
                                   higher_is_better=False)
    if "floor-reads" in modes and "all" in modes:
        r = paired_sums(rows, "all", "floor-reads")
        if r:
            common.target_line("EXPLAIN hooks all BPF per request/floor-reads'", r, None)


def print_per_round(rows, modes):
    """Issue 17's BPF target against the floor's copy program, and this
    build against the landed one, each a median of per-round ratios."""
    print()
    if "floor-copy" in modes:
        for mode in (m for m in ("sends", "all", "landed-sends", "landed-all") if m in modes):
            r = paired(rows, mode, "uds_send", "floor-copy", "floor_send")
            if r:
                common.target_line("hooks %s uds_send/floor_send ns per run" % mode, r, 1.5,
                                   higher_is_better=False)
    if "floor-reads" in modes and "all" in modes:
        # what a read costs the defaults beyond the least recording of it
        # (a timestamp and a 64-byte event: bench/floor's write-reads)
        r = paired(rows, "all", "uds_recv", "floor-reads", "floor_recv")
        if r:
            common.target_line("EXPLAIN hooks all uds_recv/floor-reads floor_recv ns per run", r, None)
    for mode in (m for m in ("sends", "all") if "landed-" + m in modes):
        for prog in ("uds_send", "uds_recv"):
            r = paired(rows, mode, prog, "landed-" + mode, prog)
            if r:
                common.target_line("hooks %s %s ns per run this/landed" % (mode, prog), r, None)
    print_summed(rows, modes)


def check_runs(rows, modes, reqs):
    """Each capture's send and read programs ran at least once per write
    of the run (a request and its reply each: 2 per request), in every
    round: the figures above are of programs that saw the traffic."""
    for mode in modes:
        if mode in ("bare", "filtered"):
            continue
        prefix = "floor" if mode.startswith("floor") else "uds"
        for prog in (prefix + "_send", prefix + "_recv"):
            least = min((x["progs"].get(prog, {}).get("run_cnt", 0) for x in rows[mode]),
                        default=0)
            common.check_line("hooks %s %s runs" % (mode, prog), least >= 2 * reqs,
                              "fewest runs in a round %d >= writes %d" % (least, 2 * reqs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--requests", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--udsdump", default=None)
    ap.add_argument("--landed", metavar="BIN", default=None,
                    help="the last landed udsdump: modes landed-sends and landed-all")
    a = ap.parse_args()
    common.need_root()
    n = a.requests or (10000 if a.quick else 100000)
    rounds = a.rounds or (1 if a.quick else 3)
    d = common.workdir("udsbench-hooks.")
    udsdump = common.snapshot_udsdump(a.udsdump, d)
    modes = modes_for(udsdump)
    floor = common.snapshot_floor(None, d)
    if floor:  # the least any capture costs, for comparison (redis_overhead.py)
        modes = modes + ("floor-copy", "floor-write", "floor-reads")
    landed = (common.snapshot_udsdump(a.landed, d, "udsdump-landed")
              if a.landed else None)
    if landed:
        modes = modes + ("landed-sends", "landed-all")
    common.header("hook costs (BPF run-time stats, redis c50)",
                  "redis-benchmark -t set,get -d 256 -n %d -c 50, %d "
                  "round(s), modes %s" % (n, rounds, "/".join(modes)))
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    sock = os.path.join(d, "redis.sock")
    other = os.path.join(d, "other.sock")
    o = socket.socket(socket.AF_UNIX)
    o.bind(other)
    o.listen(1)
    redis = start_redis(d, sock)
    # (redis_overhead.py's captures: the same modes, the same settings)
    ctx = {"dir": d, "udsdump": udsdump, "floor": floor, "other": other,
           "landed": landed}
    reqs = 2 * n
    rows = {m: [] for m in modes}
    try:
        workload(sock, min(n, 20000), redis.pid)
        for r in range(rounds):
            k = r % len(modes)
            for mode in modes[k:] + modes[:k]:
                if mode == "bare":
                    cpu = workload(sock, n, redis.pid)
                    rows[mode].append({"cpu": cpu, "progs": {}, "ucpu": 0})
                    continue
                before = max([p["id"] for p in progs()] or [0])
                cap = start_capture(mode, ctx)
                try:
                    cpu = workload(sock, n, redis.pid)
                    # ours: the first programs loaded after 'before' (other
                    # udsdump instances on the host may load later)
                    ps = {}
                    for p in sorted(progs(), key=lambda p: p["id"]):
                        if p["id"] > before and p.get("name", "").startswith(
                                ("uds", "floor")) and p["name"] not in ps:
                            ps[p["name"]] = p
                finally:
                    st = cap.stop()
                if cap.out:
                    os.unlink(cap.out)
                rows[mode].append({"cpu": cpu, "ucpu": st["cpu_s"],
                                   "progs": ps})
    finally:
        redis.send_signal(signal.SIGTERM)
        redis.wait()
        o.close()
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    print()
    print("per request (SET+GET, %d requests per run; medians of %d rounds)"
          % (reqs, rounds))
    print("%-9s %-10s %10s %12s %10s %11s" % ("mode", "program", "run_cnt",
                                              "run_time ms", "ns/run",
                                              "ns/request"))
    bare = common.median([x["cpu"] for x in rows["bare"]]) / reqs * 1e9
    for mode in modes:
        if mode == "bare":
            continue
        names = sorted({nm for x in rows[mode] for nm in x["progs"]})
        for nm in names:
            cnt = common.median([x["progs"][nm].get("run_cnt", 0)
                                 for x in rows[mode] if nm in x["progs"]])
            rt = common.median([x["progs"][nm].get("run_time_ns", 0)
                                for x in rows[mode] if nm in x["progs"]])
            print("%-9s %-10s %10d %12.1f %10.0f %11.0f"
                  % (mode, nm, cnt, rt / 1e6, rt / max(cnt, 1), rt / reqs))
    print_per_round(rows, modes)
    check_runs(rows, modes, reqs)
    print()
    print("%-9s %14s %14s %11s" % ("mode", "workload ns/req",
                                   "udsdump ns/req", "est. ratio"))
    print("%-9s %14.0f %14s %11s" % ("bare", bare, "-", "1.000"))
    for mode in modes:
        if mode == "bare":
            continue
        w = common.median([x["cpu"] for x in rows[mode]]) / reqs * 1e9
        u = common.median([x["ucpu"] for x in rows[mode]]) / reqs * 1e9
        print("%-9s %14.0f %14.0f %11.3f" % (mode, w, u, bare / (w + u)))
        common.ratio_line("hooks %s est. CPU ratio" % mode, bare / (w + u),
                          0.97)
    print("load after: %s" % common.loadavg())
    shutil.rmtree(d, ignore_errors=True)
    common.finish()


if __name__ == "__main__":
    main()
