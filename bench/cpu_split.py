"""Where a benchmark run's CPU went: the whole machine's, split by who
spent it, per request.

On these 2-vCPU machines redis, redis-benchmark and the capture share two
CPUs, so a capture's throughput follows the machine's CPU per request.
A capture's own CPU (its writer) and its BPF programs' run time (charged
to the tasks they run in) are only part of it: a capture can also make
the traffic's own processes slower (cache lines, wakeups) or make the
kernel work elsewhere (page cache writeback in kworkers). This splits the
machine's busy time over the run into

  server    redis-server's threads (their BPF run time included)
  client    redis-benchmark (reaped in the run: RUSAGE_CHILDREN)
  capture   the capture's process (udsdump or udsdump-floor)
  other     the rest: kernel threads, interrupts, the rest of the host

each in microseconds per request, and the machine's idle share: a run
that leaves the machine idle is not CPU bound and the split explains
less of its throughput.
"""

import os
import resource

import common

TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")


def machine_ticks():
    """(busy, idle) clock ticks of all CPUs from /proc/stat. iowait
    counts as idle (a CPU waiting for the disk runs nothing), steal as
    neither (the host ran something else)."""
    with open("/proc/stat") as f:
        cols = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = cols[:7]
    return user + nice + system + irq + softirq, idle + iowait


def children_cpu_s():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def snapshot(server_pid, capture_pid):
    """The counters split() compares; capture_pid None for a bare run."""
    busy, idle = machine_ticks()
    return {"busy": busy, "idle": idle,
            "server_ns": common.proc_cpu_ns(server_pid),
            "capture_ns": common.proc_cpu_ns(capture_pid) if capture_pid else 0,
            "children_s": children_cpu_s()}


def split(before, after, requests):
    """Microseconds per request by who spent them, and the idle share."""
    busy_us = (after["busy"] - before["busy"]) * TICK_US
    idle_us = (after["idle"] - before["idle"]) * TICK_US
    server = (after["server_ns"] - before["server_ns"]) / 1e3
    capture = (after["capture_ns"] - before["capture_ns"]) / 1e3
    client = (after["children_s"] - before["children_s"]) * 1e6
    per = {"machine": busy_us, "server": server, "client": client,
           "capture": capture,
           "other": busy_us - server - client - capture}
    out = {k: v / requests for k, v in per.items()}
    out["idle_share"] = idle_us / max(busy_us + idle_us, 1.0)
    return out


PARTS = ("machine", "server", "client", "capture", "other")


def print_split(name, modes, splits):
    """A table of the medians: splits[mode] is a list of split()s."""
    print()
    print("where the machine's CPU went, %s (us per request, medians; "
          "BPF run time is in the task it ran in)" % name)
    print("%-18s %8s %8s %8s %8s %8s %6s" % (("mode",) + PARTS + ("idle",)))
    for mode in modes:
        runs = splits.get(mode) or []
        if not runs:
            continue
        row = [common.median([r[p] for r in runs]) for p in PARTS]
        idle = common.median([r["idle_share"] for r in runs])
        print("%-18s %8.2f %8.2f %8.2f %8.2f %8.2f %5.1f%%"
              % ((mode,) + tuple(row) + (100 * idle,)))


def explain_lines(name, mode, ref, splits):
    """EXPLAIN lines: the machine's CPU per request mode/ref per round
    (throughput follows its inverse when the machine is busy), and what
    each part adds per request, mode minus ref, per round."""
    pairs = list(zip(splits[mode], splits[ref]))
    common.target_line("EXPLAIN redis %s %s machine cpu per request/%s's"
                       % (name, mode, ref),
                       [m["machine"] / f["machine"] for m, f in pairs], None,
                       higher_is_better=False)
    parts = []
    for p in PARTS:
        med, lo, hi = common.bootstrap_median([m[p] - f[p] for m, f in pairs])
        parts.append("%s %+.2f [%+.2f, %+.2f]" % (p, med, lo, hi))
    print("EXPLAIN redis %s %s minus %s, us per request (median of per-round "
          "differences [90%% interval]): %s" % (name, mode, ref, ", ".join(parts)))
