#!/usr/bin/python3
"""What one message costs, two builds side by side, on pinned CPUs.

One process sends a 64-byte message on one end of a socketpair and reads it
from the other, N times, on CPU 0; udsdump (at the defaults: a DATA and a
RECV record per message) writes on CPU 1. Per round, for this build and the
--landed one in alternating order: the BPF run time per send (uds_send or
the syscall program's share) and per read, from kernel.bpf_stats_enabled,
the writer's CPU per record (/proc/PID/task/*/schedstat), and the
traffic's own CPU per message (the ping-pong process's rusage: its syscalls,
the programs run in them, and whatever the programs cost the process beyond
their own run time, which bpf_stats does not count). Printed: the medians,
and per figure the median of the per-round ratios this/landed with its 90%
bootstrap interval. --floor MODE puts bench/floor's udsdump-floor in the
--landed build's place.

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
            if p["id"] > after_id and p.get("name", "").startswith(("uds", "floor"))}


def max_prog_id():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                         text=True, check=True).stdout
    return max([p["id"] for p in json.loads(out)] or [0])


def capture_for(binary, d, args, floor_mode):
    """udsdump with args, or (floor_mode) bench/floor's udsdump-floor."""
    if floor_mode:
        return common.Floor(binary, floor_mode, os.path.join(d, "pp.log"),
                            os.path.join(d, "pp.out"))
    return common.Udsdump(binary, os.path.join(d, "pp.pcapng"), args,
                          os.path.join(d, "pp.log"))


def one_run(binary, d, n, args, floor_mode=None):
    """BPF ns per send and per read, writer ns per record, the traffic's
    CPU per message."""
    before = max_prog_id()
    cap = capture_for(binary, d, args, floor_mode)
    cap.start()
    try:
        os.sched_setaffinity(cap.p.pid, {1})
        progs0 = our_progs(before)
        cpu0 = common.proc_cpu_ns(cap.p.pid)
        pp = subprocess.Popen([sys.executable, "-c", PINGPONG, str(n)],
                              preexec_fn=lambda: os.sched_setaffinity(0, {0}))
        code, ru = common.wait4(pp.pid)
        if code != 0:
            raise RuntimeError("the ping-pong process exited with %d" % code)
        progs1 = our_progs(before)
        time.sleep(0.3)  # the writer drains what is left
        cpu1 = common.proc_cpu_ns(cap.p.pid)
    finally:
        st = cap.stop()
        if cap.out and os.path.exists(cap.out):
            os.unlink(cap.out)

    def per_run(names):
        cnt = sum(progs1[k].get("run_cnt", 0) - progs0[k].get("run_cnt", 0)
                  for k in names if k in progs1 and k in progs0)
        ns = sum(progs1[k].get("run_time_ns", 0) - progs0[k].get("run_time_ns", 0)
                 for k in names if k in progs1 and k in progs0)
        return ns, cnt

    prefix = "floor" if floor_mode else "uds"
    if prefix + "_send" in progs1:
        s_ns, s_cnt = per_run([prefix + "_send"])
        r_ns, r_cnt = per_run([prefix + "_recv"])
        send, recv = s_ns / max(s_cnt, 1), r_ns / max(r_cnt, 1)
    else:  # the syscall program serves both: per message
        ns, _ = per_run(["uds_sys_exit"])
        send = recv = ns / (2 * n)
    # (the traffic's CPU: see the top of this file)
    traffic = (ru.ru_utime + ru.ru_stime) * 1e9 / n
    return {"send": send, "recv": recv, "writer": (cpu1 - cpu0) / (2 * n), "traffic": traffic,
            "records": st.get("records"), "lost": st.get("lost")}


def main():
    ap = common.bench_args(__doc__, "3 rounds of 50,000 messages")
    ap.add_argument("--landed", metavar="BIN", default=None,
                    help="the build to compare with (main's)")
    ap.add_argument("--floor", metavar="MODE", default=None,
                    choices=("empty", "copy", "write", "write-reads"),
                    help="compare with bench/floor's udsdump-floor in MODE "
                    "(write-reads: it also records every read, as udsdump's "
                    "defaults do) in place of --landed")
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
    if bool(a.landed) == bool(a.floor):
        ap.error("give one of --landed BIN and --floor MODE")
    if a.floor and a.landed_args:
        ap.error("--landed-args goes with --landed, not --floor")
    d, udsdump = common.bench_setup(a, "udsbench-pp.")
    if a.floor:
        other_bin = common.snapshot_floor(None, d)
        if not other_bin:
            sys.exit(2)
    else:
        other_bin = common.snapshot_udsdump(a.landed, d, "landed")
    n = a.messages or (50000 if a.quick else 200000)
    rounds = a.rounds or (3 if a.quick else 7)
    other = "floor" if a.floor else "landed"
    builds = {"this": udsdump, other: other_bin}
    extra = {"this": shlex.split(a.this_args), other: shlex.split(a.landed_args)}
    against = "udsdump-floor " + a.floor if a.floor else "--landed"
    options = "".join("; %s with %s" % (b, " ".join(x)) for b, x in extra.items() if x)
    common.header("ping-pong costs (pinned: sender CPU 0, writer CPU 1)",
                  "%d messages of 64 bytes per run, %d rounds, this build "
                  "and %s alternating%s" % (n, rounds, against, options))
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    rows = {b: [] for b in builds}
    try:
        for r in range(rounds):
            order = list(builds) if r % 2 == 0 else list(builds)[::-1]
            for b in order:
                x = one_run(builds[b], d, n, extra[b],
                            a.floor if b == "floor" else None)
                rows[b].append(x)
                print("round %d %-7s send %5.0f ns  recv %5.0f ns  writer %4.0f "
                      "ns/record  traffic %5.0f ns/message  records %s lost %s" % (
                          r + 1, b, x["send"], x["recv"], x["writer"], x["traffic"],
                          x["records"], x["lost"]))
                sys.stdout.flush()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    print()
    print("%-7s %12s %12s %16s %18s" % ("build", "BPF/send ns", "BPF/read ns",
                                        "writer ns/record", "traffic ns/message"))
    for b in builds:
        print("%-7s %12.0f %12.0f %16.0f %18.0f" % (
            b, common.median([x["send"] for x in rows[b]]),
            common.median([x["recv"] for x in rows[b]]),
            common.median([x["writer"] for x in rows[b]]),
            common.median([x["traffic"] for x in rows[b]])))
    for k, what in (("send", "BPF per send"), ("recv", "BPF per read"),
                    ("writer", "writer CPU per record"),
                    ("traffic", "traffic CPU per message")):
        per_round = [t[k] / o[k] for t, o in zip(rows["this"], rows[other]) if o[k] > 0]
        common.target_line("pingpong %s this/%s" % (what, other), per_round, None)
    lost = sum(x["lost"] or 0 for b in builds for x in rows[b])
    common.check_line("pingpong records lost", lost == 0, "%d lost" % lost)
    common.finish()


if __name__ == "__main__":
    main()
