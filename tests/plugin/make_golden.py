#!/usr/bin/python3
"""Regenerate tests/plugin/golden/: real udsdump captures + expected facts.

Run as root on a machine with eBPF, after building udsdump:

    /usr/bin/python3 tests/plugin/make_golden.py
    /usr/bin/python3 tests/plugin/make_golden.py --trees   (NAME.tree only)
    /usr/bin/python3 tests/plugin/make_golden.py --protocols
        (golden/protocols/: PostgreSQL, MariaDB, X11, D-Bus (system and
        session bus), syslog, gRPC, FastCGI, Docker, Podman, CUPS and snapd
        captured live with the real programs, and the checks they pass)

Each NAME.pcapng is captured by build/udsdump (or $UDSDUMP) around one of
tests/senders/; NAME.json holds the facts the dissector must show, taken
only from the sender's own log (pids, comms, socket inodes from fstat -- the
numbers `ss -x` shows --, the bytes sent and their digests), never from tshark
output. test_golden.py checks the stored captures against
them, so the dissector is tested on machines without eBPF.

NAME.tree is the capture's unix.* tree as this machine's Wireshark shows it
(treedump.py): test_golden.py checks that every Wireshark of the version
matrix shows the very same tree. Regenerate it only with a change of the
dissector that is meant to change its output, and say so in the commit.
"""

import glob
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lib import paths  # noqa: E402
from lib.capture import capture_to  # noqa: E402
from lib.paths import sender  # noqa: E402
from lib.tshark import Tshark  # noqa: E402
import treedump  # noqa: E402

GOLDEN = os.path.join(HERE, "golden")


def facts_traffic(log, path, kind, sock_type):
    c, s = log["client"], log["server"]
    ends = [{"pid": c["pid"], "comm": c["comm"], "inode": c["inode"]}]
    if s.get("sent_len"):
        ends.append({"pid": s["pid"], "comm": s["comm"], "inode": s["inode"]})
    return {
        "path": path, "addr_kind": kind, "sock_type": sock_type,
        "senders": ends,
        "client": {"len": c["sent_len"], "sha256": c["sent_sha256"]},
        "server": {"len": s.get("sent_len", 0), "sha256": s.get("sent_sha256")},
    }


def write_trees():
    """NAME.tree for every stored NAME.pcapng, by this machine's tshark."""
    root = tempfile.mkdtemp(prefix="udsdump-golden-trees-")
    os.chmod(root, 0o777)
    try:
        ts = Tshark(paths.find_plugin(), root=root, files="captures")
        for pcap in sorted(glob.glob(os.path.join(GOLDEN, "*.pcapng"))):
            staged = os.path.join(ts.captures, os.path.basename(pcap))
            shutil.copy(pcap, staged)
            os.chmod(staged, 0o644)
            with open(pcap[:-len(".pcapng")] + ".tree", "w") as g:
                g.write("\n".join(treedump.dump(ts, staged)) + "\n")
            print("wrote", os.path.basename(pcap)[:-len(".pcapng")] + ".tree")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    if sys.argv[1:] == ["--protocols"]:
        # the real programs' captures (issue 15), kept by their live tests
        import subprocess
        import protocol_checks
        env = dict(os.environ, CI="true", **{protocol_checks.KEEP_ENV: "1"})
        sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  os.path.join(HERE, "test_live_protocols.py")], env=env,
                                 cwd=os.path.dirname(os.path.dirname(HERE))))
    if sys.argv[1:] == ["--trees"]:
        write_trees()
        return
    if sys.argv[1:]:
        sys.exit("usage: make_golden.py [--trees | --protocols]")
    os.makedirs(GOLDEN, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        sock = "/tmp/udsdump-golden.sock"
        if os.path.exists(sock):
            os.unlink(sock)
        cases = [
            ("stream-path", ["--path", sock],
             ["--addr", "path:" + sock, "--type", "stream", "--syscalls", "write,sendmsg",
              "--sizes", "5,300", "--reply", "10", "--client-comm", "gcli",
              "--server-comm", "gsrv"], sock, 1, 1),
            ("seqpacket-abstract", ["--path", "@udsdump-golden"],
             ["--addr", "abstract:udsdump-golden", "--type", "seqpacket", "--syscalls", "send",
              "--sizes", "3,40", "--reply", "4", "--client-comm", "acli",
              "--server-comm", "asrv"], "@udsdump-golden", 2, 5),
            ("dgram-pair", ["--comm", "pcli"],
             ["--addr", "pair", "--type", "dgram", "--syscalls", "write", "--sizes", "7,8",
              "--client-comm", "pcli", "--server-comm", "psrv"], "(unnamed)", 0, 2),
        ]
        for name, uargs, sargs, path, kind, stype in cases:
            pcap, log = capture_to(d, name + ".pcapng", uargs,
                                     [sender("traffic.py")] + sargs)
            with open(pcap, "rb") as f, open(os.path.join(GOLDEN, name + ".pcapng"), "wb") as g:
                g.write(f.read())
            with open(os.path.join(GOLDEN, name + ".json"), "w") as g:
                json.dump(facts_traffic(log, path, kind, stype), g, indent=1, sort_keys=True)
                g.write("\n")
            print("wrote", name)
    write_trees()


if __name__ == "__main__":
    main()
