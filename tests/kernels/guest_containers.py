"""The lab's container check (issue 18): on the running kernel, the
"cgroup PATH" filter follows a cgroup made below PATH after the capture
started (the kernel walks kernfs parents: "parent" up to 6.14,
"__parent" since), and the records say where each end lives (TASK_NS)
and name its cgroup (a CGROUP record with its path), also a cgroup made,
used and removed while udsdump was stopped: its path then comes only from
the kernel (cgroup_mkdir), not from the cgroup file system.

Run by guest_check.py after the main capture. A guest has no cgroup v2
mounted: it mounts one (and unmounts it after); the host's is used as is.
"""

import json
import os
import signal
import subprocess
import sys

import guest_capture
import guest_verify

HERE = os.path.dirname(os.path.abspath(__file__))
NS_PAIR = os.path.join(os.path.dirname(HERE), "senders", "ns_pair.py")
sys.path.insert(0, os.path.dirname(HERE))
import udsrec  # noqa: E402
from lib import cgroups  # noqa: E402

UNKNOWN_OPTION = ("unknown option", "unrecognized option", "invalid option")


def pair_in(cgroup_dir, addr, text):
    """ns_pair.py in cgroup_dir; its JSON line."""
    cmd = ["sh", "-c", 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4" "$5" </dev/null', "sh",
           cgroup_dir, sys.executable, NS_PAIR, addr, text]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("ns_pair in %s: %s" % (cgroup_dir, p.stderr.strip()[-200:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def pair_gone_before_named(cap, gone, addr):
    """ns_pair in a cgroup made, used and removed while udsdump is stopped;
    the cgroup's id."""
    os.kill(cap.proc.pid, signal.SIGSTOP)
    try:
        os.makedirs(gone)
        cgroup_id = os.stat(gone).st_ino
        pair_in(gone, addr, "gone")
        cgroups.rmdir_when_empty(gone)
    finally:
        os.kill(cap.proc.pid, signal.SIGCONT)
    return cgroup_id


def check(udsdump, extra, tmp, result):
    mounted = None
    root = cgroups.cgroup2_mount()
    if not root:
        mounted = root = os.path.join(tmp, "cgroup2")
        os.makedirs(root)
        subprocess.run(["mount", "-t", "cgroup2", "none", root], check=True)
    base = os.path.join(root, "udsdump-lab-%d" % os.getpid())
    inside, beside = os.path.join(base, "a", "b", "c"), os.path.join(base, "z")
    gone = os.path.join(base, "a", "gone")
    try:
        os.makedirs(os.path.join(base, "a"))
        out = os.path.join(tmp, "containers.pcapng")
        addr = "@udsdump-lab-cg-%d" % os.getpid()
        cap = guest_capture.Capture(udsdump, out, list(extra) + [
            "--path-prefix", addr, "--cgroup", base[len(root):] + "/a"])
        why = cap.wait_capturing()
        if why and any(u in why for u in UNKNOWN_OPTION):
            result["skipped"]["containers"] = "this udsdump has no --cgroup: " + why
            return
        result["checks"]["cgroup_filter.load"] = guest_verify.verdict(why is None, why or "")
        if why:
            return
        os.makedirs(inside)
        os.makedirs(beside)
        log = pair_in(inside, addr + "-in", "inside")
        pair_in(beside, addr + "-out", "beside")
        gone_id = pair_gone_before_named(cap, gone, addr + "-gone")
        cap.stop()
        verify(out, log, inside[len(root):], os.stat(inside).st_ino, result,
               want=(b"ack:inside", b"inside", b"ack:gone", b"gone"))
        named = {r.cgroup.cgroup_id: r.cgroup.path for r in udsrec.read_capture(out).records
                 if r.event == udsrec.EV_CGROUP}
        result["checks"]["cgroup_made_record"] = guest_verify.verdict(
            named.get(gone_id) == gone[len(root):],
            "CGROUP records: %r, want %d %s" % (named, gone_id, gone[len(root):]))
    finally:
        for d in (gone, inside, os.path.dirname(inside), os.path.join(base, "a"), beside, base):
            if os.path.isdir(d):
                os.rmdir(d)
        if mounted:
            subprocess.run(["umount", mounted])


def verify(out, log, path, cgroup_id, result, want=(b"ack:inside", b"inside")):
    """want: every payload the filter lets through (the pair's inside, and
    any other pair's in a cgroup below it)."""
    recs = udsrec.read_capture(out).records
    data = [r for r in recs if r.event == udsrec.EV_DATA and r.task_ns and r.task_ns.cgroup_id == cgroup_id]
    got = sorted(r.payload for r in recs if r.event == udsrec.EV_DATA)
    # Exactly the messages of want, or fewer with as many
    # records declared lost in-band: on a preemptible kernel (sid's 7.x) the
    # kernel may skip a program run that finds another one preempted on its
    # CPU, and udsdump's LOSS records count it (doc/FORMAT.md).
    lost_records, _ = udsrec.loss_totals(recs)
    missing = [w for w in want if w not in got]
    result["checks"]["cgroup_filter.bytes"] = guest_verify.verdict(
        all(g in want for g in got) and len(got) == len(set(got)) and len(missing) <= lost_records,
        "captured %r; %d records declared lost" % (got, lost_records))
    ns_ok = all(r.task_ns and r.task_ns.cgroup_id == cgroup_id and
                r.task_ns.ns_pid == log["server" if r.socket.inode == log["server"]["inode"]
                                         else "client"]["nspid"] for r in data)
    result["checks"]["task_ns"] = guest_verify.verdict(
        bool(data) and ns_ok, "TASK_NS: %r" % [r.task_ns for r in data])
    # SO_PEERCRED names the other end, also as its own pid namespace does
    other = {log["server"]["inode"]: log["client"], log["client"]["inode"]: log["server"]}
    cred_ok = all(r.peer_cred and r.peer_cred_ns and r.socket.inode in other and
                  r.peer_cred.pid == other[r.socket.inode]["host_pid"] and
                  (r.peer_cred_ns.ns_pid, r.peer_cred_ns.pid_ns) ==
                  (other[r.socket.inode]["nspid"], other[r.socket.inode]["ns"]["pid"])
                  for r in data)
    result["checks"]["peer_cred_ns"] = guest_verify.verdict(
        bool(data) and cred_ok, "PEER_CRED/_NS: %r" % [(r.peer_cred, r.peer_cred_ns) for r in data])
    named = {r.cgroup.cgroup_id: r.cgroup.path for r in recs if r.event == udsrec.EV_CGROUP}
    result["checks"]["cgroup_record"] = guest_verify.verdict(
        named.get(cgroup_id) == path, "CGROUP records: %r, want %d %s" % (named, cgroup_id, path))
