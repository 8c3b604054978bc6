#!/usr/bin/python3
"""Benchmark 4: how fast tshark reads a udsdump capture.

The same redis-benchmark traffic (-t set,get -d 256 -n N -c 50) is captured
twice: over a Unix socket by udsdump (default settings, --path on redis'
socket; on builds with --recv also once with --recv none, sends only), and
over TCP on loopback by dumpcap on lo. Then `tshark -n -r FILE` (one summary
line per frame, to /dev/null) runs on each, as user nobody with the plugin
from the build tree loaded (Wireshark 4.0 ignores WIRESHARK_PLUGIN_DIR for
root), in alternating rounds; the figures are medians of wall time and peak
RSS (wait4 rusage). The TCP capture is dissected as RESP (-d
tcp.port==PORT,resp: what tshark does on port 6379). Target: the udsdump
capture dissects in <= 1.0x the time of the TCP one.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from redis_overhead import start_redis, modes_for  # noqa: E402
from lib import paths, tshark  # noqa: E402  (tests/lib, on the path by common)

TARGET = 1.0


def find_plugin(explicit):
    if explicit:
        return explicit
    found = paths.find_plugin()
    if not found:
        print("udsdump.so not built: run scripts/setup.sh", file=sys.stderr)
        sys.exit(2)
    return found


def redis_bench(args, n):
    subprocess.run(["redis-benchmark"] + args +
                   ["-t", "set,get", "-d", "256", "-n", str(n), "-c", "50",
                    "-q"], check=True, stdout=subprocess.DEVNULL, timeout=600)


def start_redis_tcp(d, port):
    p = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", d],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port),
                            "PING"], capture_output=True, text=True)
        if r.stdout.strip() == "PONG":
            return p
        time.sleep(0.05)
    raise RuntimeError("redis-server did not come up on port %d" % port)


def capture_tcp(d, port, n, out):
    log = os.path.join(d, "dumpcap.log")
    with open(log, "w") as lf:
        p = subprocess.Popen(["dumpcap", "-i", "lo", "-f", "tcp port %d" % port,
                              "-B", "64", "-w", out], stdout=lf, stderr=lf)
    common.wait_for_file_text(log, "Capturing on", 30, p)
    time.sleep(0.3)
    try:
        redis_bench(["-h", "127.0.0.1", "-p", str(port)], n)
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGINT)
        p.wait()
    with open(log) as f:
        text = f.read()
    m = re.search(r"received/dropped on interface '[^']*': (\d+)/(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


class Tshark(tshark.Tshark):
    """tests/lib/tshark.py's runner (the plugin staged, run as nobody),
    timed."""

    def __init__(self, root, plugin):
        super().__init__(plugin, root=root)

    def output(self, args):
        return self.raw(args, timeout=600)[1]

    def timed(self, args):
        """Run tshark with output to /dev/null: (wall s, cpu s, peak RSS KB)."""
        t0 = time.monotonic()
        with open(os.devnull, "w") as null:
            p = subprocess.Popen(self.cmd(args), env=self.env(),
                                 cwd=self.root, stdout=null,
                                 stderr=subprocess.PIPE)
        err = p.stderr.read()
        code, ru = common.wait4(p.pid)
        p.returncode = code
        wall = time.monotonic() - t0
        if code != 0:
            raise RuntimeError("tshark %s failed (%d): %s" % (args, code, err))
        return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    ap = common.bench_args(
        __doc__, "short smoke run (2000 requests per test, 1 round)")
    ap.add_argument("--requests", type=int, default=None,
                    help="redis-benchmark -n (default 50000)")
    ap.add_argument("--plugin", default=None)
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 3)
    n = a.requests or (2000 if a.quick else 50000)
    d, udsdump = common.bench_setup(a, "udsbench-dissect.")
    plugin = find_plugin(a.plugin)
    has_recv = "sends" in modes_for(udsdump)
    common.header("dissection (tshark -r, udsdump vs TCP loopback)",
                  "redis-benchmark -t set,get -d 256 -n %d -c 50; tshark -n "
                  "-r FILE > /dev/null as nobody with %s; %d round(s)"
                  % (n, plugin, rounds))
    ts = Tshark(os.path.join(d, "ts"), plugin)
    caps = os.path.join(d, "ts", "captures")
    os.makedirs(caps)
    os.chmod(caps, 0o777)

    # --- the captures
    sock = os.path.join(d, "redis.sock")
    port = common.free_tcp_port()
    files = []  # (label, path, extra tshark args)
    r1 = start_redis(d, sock)
    r2 = start_redis_tcp(d, port)
    try:
        variants = [("udsdump", [])]
        if has_recv:
            variants.append(("udsdump-sends", ["--recv", "none"]))
        for label, extra in variants:
            out = os.path.join(caps, label + ".pcapng")
            cap = common.Udsdump(udsdump, out, ["--path", sock] + extra,
                                 os.path.join(d, "udsdump.log")).start()
            try:
                redis_bench(["-s", sock], n)
            finally:
                st = cap.stop()
            print("captured %-14s %8d records, %d lost, %.1f MB"
                  % (label, st["records"], st["lost"],
                     os.path.getsize(out) / 1e6))
            files.append((label, out, []))
        out = os.path.join(caps, "tcp.pcapng")
        recv, drop = capture_tcp(d, port, n, out)
        print("captured %-14s %8s packets received, %s dropped, %.1f MB"
              % ("tcp", recv, drop, os.path.getsize(out) / 1e6))
        files.append(("tcp", out, ["-d", "tcp.port==%d,resp" % port]))
        files.append(("tcp-noresp", out, ["--disable-protocol", "resp"]))
    finally:
        for p in (r1, r2):
            p.send_signal(signal.SIGTERM)
            p.wait()
    for _, path, _ in files:
        os.chmod(path, 0o644)

    # --- the plugin is there and the frames are what we think
    plugins = ts.output(["-G", "plugins"])
    common.check_line("plugin loaded", "udsdump.so" in plugins,
                      "udsdump.so in tshark -G plugins as nobody:")
    frames = {}
    for label, path, extra in files:
        proto = "unix" if label.startswith("udsdump") else (
            "resp" if label == "tcp" else "tcp")
        out = ts.output(["-n", "-r", path, "-T", "fields", "-e",
                         "frame.number", "-Y", proto] + extra)
        nproto = len(out.split())
        out = ts.output(["-n", "-r", path, "-T", "fields", "-e",
                         "frame.number"] + extra)
        frames[label] = len(out.split())
        print("%-14s %8d frames, %8d of them %s" % (label, frames[label],
                                                    nproto, proto))
        if label.startswith("udsdump"):
            common.check_line("%s frames are unix" % label,
                              nproto == frames[label] and nproto > 0,
                              "%d of %d frames dissected as unix"
                              % (nproto, frames[label]))

    # --- timing, alternating files each round
    times = {f[0]: [] for f in files}
    for r in range(rounds):
        k = r % len(files)
        for label, path, extra in files[k:] + files[:k]:
            wall, cpu, rss = ts.timed(["-n", "-r", path] + extra)
            times[label].append((wall, cpu, rss))
            print("round %d %-14s %6.2f s wall, %6.2f s cpu, peak RSS %6.1f MB"
                  % (r + 1, label, wall, cpu, rss / 1024))
            sys.stdout.flush()
    print()
    print("results (median of %d rounds; %d requests per test, SET and GET)"
          % (rounds, n))
    print("%-14s %8s %9s %9s %11s %10s" % ("capture", "frames", "wall s",
                                           "cpu s", "us/request", "peak MB"))
    med = {}
    for label, _, _ in files:
        w = common.median([t[0] for t in times[label]])
        c = common.median([t[1] for t in times[label]])
        m = max(t[2] for t in times[label]) / 1024
        med[label] = (w, c, m)
        print("%-14s %8d %9.2f %9.2f %11.2f %10.1f"
              % (label, frames[label], w, c, w / (2 * n) * 1e6, m))
    for label in [f[0] for f in files if f[0].startswith("udsdump")]:
        common.ratio_line("dissect %s/tcp time" % label,
                          med[label][0] / med["tcp"][0], TARGET,
                          higher_is_better=False)
        common.ratio_line("dissect %s/tcp peak memory" % label,
                          med[label][2] / med["tcp"][2])
        common.ratio_line("dissect %s/tcp-noresp time" % label,
                          med[label][0] / med["tcp-noresp"][0])
    print("load after: %s" % common.loadavg())
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    common.finish()


if __name__ == "__main__":
    main()
