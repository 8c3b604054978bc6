#!/usr/bin/python3
"""What one message costs, two builds side by side, on pinned CPUs.

One process sends a 64-byte message on one end of a socketpair and reads it
from the other, N times, on CPU 0; udsdump (at the defaults: a DATA and a
RECV record per message) writes on CPU 1. Per round, for this build and the
--landed one in alternating order: the BPF run time per send (uds_send or
the syscall program's share) and per read, from kernel.bpf_stats_enabled,
and the writer's CPU per record (/proc/PID/task/*/schedstat). Printed: the medians, and
per figure the median of the per-round ratios this/landed with its 90%
bootstrap interval.

Pinning takes the scheduler and the other tasks out of the figures, which
redis_overhead.py's throughput ratios carry (and which on a shared 2-vCPU
guest swing by a third between rounds): what is left is the programs' and
the writer's own work, and the cache lines that cross between the two
CPUs.
"""

import json
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

PINGPONG = r"""
import socket, sys
a, b = socket.socketpair()
msg = b"x" * 64
for _ in range(int(sys.argv[1])):
    a.send(msg)
    b.recv(256)
"""


def our_progs(after_id):
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                         text=True, check=True).stdout
    return {p["name"]: p for p in sorted(json.loads(out), key=lambda p: p["id"])
            if p["id"] > after_id and p.get("name", "").startswith("uds")}


def max_prog_id():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                         text=True, check=True).stdout
    return max([p["id"] for p in json.loads(out)] or [0])


def one_run(binary, d, n, args):
    """BPF ns per send and per read, writer ns per record."""
    before = max_prog_id()
    cap = common.Udsdump(binary, os.path.join(d, "pp.pcapng"), args,
                         os.path.join(d, "pp.log"))
    cap.start()
    try:
        os.sched_setaffinity(cap.p.pid, {1})
        progs0 = our_progs(before)
        cpu0 = common.proc_cpu_ns(cap.p.pid)
        subprocess.run([sys.executable, "-c", PINGPONG, str(n)], check=True,
                       preexec_fn=lambda: os.sched_setaffinity(0, {0}))
        progs1 = our_progs(before)
        time.sleep(0.3)  # the writer drains what is left
        cpu1 = common.proc_cpu_ns(cap.p.pid)
    finally:
        st = cap.stop()
        os.unlink(cap.out)

    def per_run(names):
        cnt = sum(progs1[k].get("run_cnt", 0) - progs0[k].get("run_cnt", 0)
                  for k in names if k in progs1 and k in progs0)
        ns = sum(progs1[k].get("run_time_ns", 0) - progs0[k].get("run_time_ns", 0)
                 for k in names if k in progs1 and k in progs0)
        return ns, cnt

    if "uds_send" in progs1:
        s_ns, s_cnt = per_run(["uds_send"])
        r_ns, r_cnt = per_run(["uds_recv"])
        send, recv = s_ns / max(s_cnt, 1), r_ns / max(r_cnt, 1)
    else:  # the syscall program serves both: per message
        ns, _ = per_run(["uds_sys_exit"])
        send = recv = ns / (2 * n)
    return {"send": send, "recv": recv, "writer": (cpu1 - cpu0) / (2 * n),
            "records": st.get("records"), "lost": st.get("lost")}


def main():
    ap = common.bench_args(__doc__, "3 rounds of 50,000 messages")
    ap.add_argument("--landed", metavar="BIN", required=True,
                    help="the build to compare with (main's)")
    ap.add_argument("--messages", type=int, default=None)
    ap.add_argument("--this-args", default="", metavar="ARGS",
                    help="udsdump options for this build's runs (e.g. "
                    "'--buffer-size 8': one build, two settings)")
    ap.add_argument("--landed-args", default="", metavar="ARGS",
                    help="udsdump options for the --landed build's runs")
    a = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        print("pingpong_costs needs 2 CPUs (the sender on one, the writer on "
              "the other)", file=sys.stderr)
        sys.exit(2)
    d, udsdump = common.bench_setup(a, "udsbench-pp.")
    landed = common.snapshot_udsdump(a.landed, d, "landed")
    n = a.messages or (50000 if a.quick else 200000)
    rounds = a.rounds or (3 if a.quick else 7)
    builds = {"this": udsdump, "landed": landed}
    extra = {"this": shlex.split(a.this_args), "landed": shlex.split(a.landed_args)}
    common.header("ping-pong costs (pinned: sender CPU 0, writer CPU 1)",
                  "%d messages of 64 bytes per run, %d rounds, this build "
                  "and --landed alternating%s" % (
                      n, rounds, "".join("; %s with %s" % (b, " ".join(x))
                                         for b, x in extra.items() if x)))
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    rows = {b: [] for b in builds}
    try:
        for r in range(rounds):
            order = list(builds) if r % 2 == 0 else list(builds)[::-1]
            for b in order:
                x = one_run(builds[b], d, n, extra[b])
                rows[b].append(x)
                print("round %d %-7s send %5.0f ns  recv %5.0f ns  writer %4.0f "
                      "ns/record  records %s lost %s" % (
                          r + 1, b, x["send"], x["recv"], x["writer"],
                          x["records"], x["lost"]))
                sys.stdout.flush()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    print()
    print("%-7s %12s %12s %16s" % ("build", "BPF/send ns", "BPF/read ns",
                                   "writer ns/record"))
    for b in builds:
        print("%-7s %12.0f %12.0f %16.0f" % (
            b, common.median([x["send"] for x in rows[b]]),
            common.median([x["recv"] for x in rows[b]]),
            common.median([x["writer"] for x in rows[b]])))
    for k, what in (("send", "BPF per send"), ("recv", "BPF per read"),
                    ("writer", "writer CPU per record")):
        per_round = [t[k] / lnd[k] for t, lnd in zip(rows["this"], rows["landed"])
                     if lnd[k] > 0]
        common.target_line("pingpong %s this/landed" % what, per_round, None)
    lost = sum(x["lost"] or 0 for b in builds for x in rows[b])
    common.check_line("pingpong records lost", lost == 0, "%d lost" % lost)
    common.finish()


if __name__ == "__main__":
    main()
