"""Tests of the kernel lab itself: the manifest, the cache keys, the
result table, and one real boot of the oldest pinned kernel.

Run with /usr/bin/python3 -m pytest tests/kernels (as root: the cache is
/var/cache/udsdump-lab, KERNEL_LAB_CACHE elsewhere)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LAB_DIR = Path(__file__).resolve().parent
LAB = LAB_DIR.parent.parent / "scripts" / "kernel-lab"
KERNELS = ("bullseye-5.10", "bookworm-6.1", "trixie-6.12", "sid-7")


def lab(*args, env=None, timeout=60):
    return subprocess.run([str(LAB)] + list(args), capture_output=True,
                          text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def lab_with_manifest(tmp_path, text, *args):
    m = tmp_path / "manifest"
    m.write_text(text)
    return lab(*args, env={"KERNEL_LAB_MANIFEST": str(m)})


# ------------------------------------------------------------ manifest

def test_manifest_pins_every_kernel_and_busybox():
    p = lab("list")
    assert p.returncode == 0, p.stderr
    rows = [l.split() for l in p.stdout.splitlines()]
    assert {r[0] for r in rows} == set(KERNELS) | {"busybox", "busybox-arm64",
                                                   "bullseye-5.10-arm64", "bookworm-6.1-arm64",
                                                   "trixie-6.12-arm64"}
    for name, suite, pkg, version, sha in rows:
        release, _, arch = suite.partition(":")
        arch = arch or "amd64"
        assert name.startswith("busybox") or name.startswith(release + "-"), name
        assert name.endswith("-arm64") == (arch == "arm64"), (name, suite)
        assert re.fullmatch(r"[0-9a-f]{64}", sha), sha
        assert version[0].isdigit(), version
        if not name.startswith("busybox"):
            assert pkg.startswith("linux-") and pkg.endswith("-" + arch), pkg
            assert "-cloud-" not in pkg, pkg
    sid = [r[2] for r in rows if r[0] == "sid-7"]
    assert len(sid) == 3, sid  # image, modules, base (config) in sid


GOOD = "k1 bullseye linux-image-5.10.0-1-amd64 5.10.1-1 %s\n" % ("a" * 64)


@pytest.mark.parametrize("text, why", [
    ("k1 bullseye linux-image-x 5.10.1-1\n", "expected 5 fields"),
    ("k1 bullseye linux-image-x 1 %s\n" % ("g" * 64), "bad sha256"),
    ("k1 bullseye linux-image-x 1 %s\n" % ("a" * 63), "bad sha256"),
    (GOOD + GOOD, "listed twice"),
    (GOOD + GOOD.replace("bullseye l", "sid l").replace("image", "base"),
     "spans two suites"),
])
def test_bad_manifest_is_one_line_error(tmp_path, text, why):
    p = lab_with_manifest(tmp_path, text, "list")
    assert p.returncode == 2
    assert why in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr


def test_manifest_comments_and_blank_lines(tmp_path):
    p = lab_with_manifest(tmp_path, "# c\n\n" + GOOD.rstrip() + "  # x\n",
                          "list")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == GOOD.split()


def test_unknown_kernel_is_one_line_error():
    p = lab("run", "no-such-kernel", "--", "true")
    assert p.returncode == 2
    assert p.stderr.strip() == "kernel-lab: no no-such-kernel in %s" % (
        LAB_DIR / "manifest")


@pytest.mark.parametrize("args", [(), ("bogus",), ("run",),
                                  ("run", "bullseye-5.10", "true"),
                                  ("run", "host", "--"),
                                  ("ci",), ("ci", "/nonexistent")])
def test_bad_usage_is_one_line_error(args):
    p = lab(*args)
    assert p.returncode == 2, p
    assert len(p.stderr.splitlines()) == 1 and \
        p.stderr.startswith("kernel-lab: "), p.stderr


# ------------------------------------------------------------ cache keys

def key(kernel, init=None):
    env = {"KERNEL_LAB_INIT": str(init)} if init else {}
    p = lab("initramfs-key", kernel, env=env)
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"[0-9a-f]{64}\n", p.stdout), p.stdout
    return p.stdout.strip()


def test_same_inputs_same_initramfs_key():
    assert key("bullseye-5.10") == key("bullseye-5.10")


def test_other_kernel_other_initramfs_key():
    assert key("bullseye-5.10") != key("bookworm-6.1")


def test_changed_init_script_new_initramfs_key(tmp_path):
    init = tmp_path / "init"
    shutil.copy(LAB_DIR / "init", init)
    assert key("bullseye-5.10", init) == key("bullseye-5.10")
    with open(init, "a") as f:
        f.write("# changed\n")
    assert key("bullseye-5.10", init) != key("bullseye-5.10")


# ------------------------------------------------------------ table

def test_table_counts_and_failures(tmp_path):
    ok = {"kernel": "a", "uname": "1", "engine": "udsdump: engine x",
          "checks": {"load": "pass"}, "passed": 1, "failed": 0}
    bad = dict(ok, checks={"load": "fail: no"}, passed=0, failed=1)
    res = tmp_path / "r"
    res.write_text("a 0 1.0 %s\n" % json.dumps(ok))
    p = subprocess.run(["/usr/bin/python3", str(LAB_DIR / "table.py"),
                        str(res)], capture_output=True, text=True)
    assert p.returncode == 0 and "udsdump: engine x" in p.stdout, p.stdout
    res.write_text("a 1 1.0 %s\nb 125 9.0 \n" % json.dumps(bad))
    p = subprocess.run(["/usr/bin/python3", str(LAB_DIR / "table.py"),
                        str(res)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "load: no" in p.stdout and "the lab failed (exit 125)" in p.stdout


def test_table_names_reattaches(tmp_path):
    """A kernel that accepted an attach without running the program passes
    (the capture attached again and was whole), and the table says so."""
    line = ("udsdump: the kernel did not run the capture program it had "
            "attached; attached it again (1 time)")
    ok = {"kernel": "a", "uname": "1", "engine": "udsdump: engine x",
          "checks": {"load": "pass"}, "passed": 1, "failed": 0, "reattached": [line]}
    res = tmp_path / "r"
    res.write_text("a 0 1.0 %s\nb 0 1.0 %s\n" % (json.dumps(ok), json.dumps(
        dict(ok, kernel="b", reattached=[]))))
    p = subprocess.run(["/usr/bin/python3", str(LAB_DIR / "table.py"),
                        str(res)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout
    notes = [l for l in p.stdout.splitlines() if "attached it again" in l]
    assert notes == ["a: " + line.split("udsdump: ", 1)[1]], p.stdout


def test_table_expectations():
    """A kernel listed in tests/kernels/expect passes only with the engine
    variant it names (or refused with the reason it names)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("table", LAB_DIR / "table.py")
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    want = {"old": ("refuse", "needs bpf_get_current_task_btf (5.11)"),
            "new": ("rung", "sock+hash")}
    refused = {"kernel": "old", "checks": {
        "load": "fail: udsdump exited 1: no engine variant for kernel 5.10: "
                "needs bpf_get_current_task_btf (5.11) (task-btf: ...)",
        "probe": "fail: --probe exited 1"}, "passed": 0, "failed": 2}
    cells, ok = table.row("old 1 3.0 " + json.dumps(refused), want)
    assert ok and cells[6].startswith("refused as expected"), cells
    other = dict(refused, checks=dict(refused["checks"], load="fail: Permission denied"))
    assert not table.row("old 1 3.0 " + json.dumps(other), want)[1]
    loads = dict(refused, checks={"load": "pass", "probe": "pass"}, passed=2, failed=0,
                 engine="udsdump: engine sock+hash on 5.10")
    cells, ok = table.row("old 0 3.0 " + json.dumps(loads), want)
    assert not ok and "change tests/kernels/expect" in cells[6]
    # the named variant, and no other, passes
    cells, ok = table.row("new 0 3.0 " + json.dumps(dict(loads, kernel="new")), want)
    assert ok, cells
    slower = dict(loads, kernel="new", engine="udsdump: engine syscalls+hash on 6.18")
    cells, ok = table.row("new 0 3.0 " + json.dumps(slower), want)
    assert not ok and "expected engine sock+hash" in cells[6]
    # the shipped list names lab kernels only, each once
    names = set(table.expectations())
    manifest = (LAB_DIR / "manifest").read_text().split()
    assert names <= set(manifest), names


# ------------------------------------------------------------ booting

@pytest.mark.parametrize("probe_out,ok", [
    ("engine: x\nprogram: uds_send 44777 instructions verified\n", True),
    ("program: uds_sys_exit 250000 instructions verified\n", True),
    ("program: uds_send 1 instructions verified\nprogram: uds_sys_exit 266203 instructions verified\n", False),
    ("engine: none\n", False),
])
def test_headroom_verdict(probe_out, ok):
    sys.path.insert(0, str(Path(__file__).parent))
    import guest_verify
    v = guest_verify.headroom(probe_out)
    assert (v == "pass") == ok, v
    if not ok and "266203" in probe_out:
        assert "uds_sys_exit" in v and "uds_send" not in v, v


@pytest.mark.parametrize("payloads, lost, ok", [
    ([b"inside", b"ack:inside"], 0, True),
    ([b"inside"], 0, False),         # a message missing, none declared lost
    ([b"inside"], 1, True),          # ... declared lost in-band (LOSS)
    ([], 1, False),                  # two missing, one declared
    ([b"inside", b"beside"], 5, False),  # a message from outside the cgroup
])
def test_cgroup_filter_verdict(monkeypatch, payloads, lost, ok):
    """guest_containers' check of the cgroup-filter capture: exactly the two
    messages inside, or fewer with as many records declared lost."""
    sys.path.insert(0, str(Path(__file__).parent))
    import types
    import guest_containers
    udsrec = guest_containers.udsrec
    recs = [types.SimpleNamespace(event=udsrec.EV_DATA, payload=p, task_ns=None, socket=None)
            for p in payloads]
    if lost:
        recs.append(types.SimpleNamespace(event=udsrec.EV_LOSS, payload=b"", task_ns=None,
                                          socket=None, loss=udsrec.LossInfo(lost, 0, lost, 0)))
    monkeypatch.setattr(udsrec, "read_capture", lambda out: types.SimpleNamespace(records=recs))
    result = {"checks": {}}
    try:
        guest_containers.verify("unused", {}, "/p", 1, result)
    except (KeyError, AttributeError, TypeError):
        pass  # the later checks need real records; this one is made first
    assert (result["checks"]["cgroup_filter.bytes"] == "pass") == ok, result


def test_host_mode_runs_the_command_and_passes_its_status():
    p = lab("run", "host", "--", "sh", "-c", 'echo "$KERNEL_LAB_KERNEL"; '
            "exit 3")
    assert p.returncode == 3 and p.stdout == "host\n", p


def test_boot_oldest_kernel(tmp_path):
    """One real boot: the guest runs the command from this directory, its
    output comes out unconverted, its exit status is passed on, and a
    --share directory (here under /tmp, the guest's own tmpfs) is writable
    at the host's path."""
    share = tmp_path / "share"
    share.mkdir()
    p = lab("run", "bullseye-5.10", "--share", str(share), "--", "sh", "-c",
            'uname -r; pwd; grep -c " bpf " /proc/mounts; '
            'echo written >"$0/f"; exit 7', str(share), timeout=600)
    assert p.returncode == 7, p.stderr
    lines = p.stdout.split("\n")
    assert re.fullmatch(r"5\.10\.\d+-\d+-amd64", lines[0]), p.stdout
    assert lines[1:] == [os.getcwd(), "1", ""], p.stdout  # no \r anywhere
    assert (share / "f").read_text() == "written\n"
    assert "guest uname -r 5.10." in p.stderr
    assert "linux-image-5.10." in p.stderr


# A kernel log line as a guest whose CPU has stalled prints it (5.10 under
# TCG, seen as a syscall tracepoint was attached), written by the command.
STALL = ('echo "<2>watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [lab-test]" '
         '>/dev/kmsg; sleep 3000')


def test_stalled_guest_is_booted_once_more(tmp_path):
    """A guest whose CPUs stall does not sit out the timeout: the boot is
    ended at once and made again, loudly, and the second boot's result
    counts."""
    share = tmp_path / "share"
    share.mkdir()
    p = lab("run", "trixie-6.12", "--share", str(share), "--", "sh", "-c",
            'if [ -e "$0/stalled" ]; then echo second; exit 5; fi; '
            ': >"$0/stalled"; ' + STALL, str(share), timeout=600,
            env={"KERNEL_LAB_TIMEOUT": "240"})
    assert p.returncode == 5, p.stderr
    assert p.stdout == "second\n", p.stdout
    assert p.stderr.count("RETRY: the guest's CPUs stalled before the command finished") == 1, \
        p.stderr
    assert "soft lockup - CPU#0 stuck for 22s! [lab-test]" in p.stderr, p.stderr


def test_guest_that_stalls_twice_fails():
    p = lab("run", "trixie-6.12", "--", "sh", "-c", STALL, timeout=600,
            env={"KERNEL_LAB_TIMEOUT": "240"})
    # 123, not the timeout's 124: each boot was ended when it stalled
    assert p.returncode == 123, p.stderr
    assert p.stderr.count("RETRY: the guest's CPUs stalled") == 1, p.stderr
    assert "the guest's CPUs stalled again" in p.stderr, p.stderr


# ------------------------------------------------------------ pins

BUSYBOX = "busybox bookworm busybox-static %s %s\n"


def fetch_busybox(tmp_path, version, sha):
    m = tmp_path / "manifest"
    m.write_text(BUSYBOX % (version, sha))
    return lab("fetch", "busybox", timeout=300,
               env={"KERNEL_LAB_MANIFEST": str(m),
                    "KERNEL_LAB_CACHE": str(tmp_path / "cache")})


def test_missed_pin_takes_the_current_version_with_one_loud_line(tmp_path):
    p = fetch_busybox(tmp_path, "1:0.0-0", "0" * 64)
    assert p.returncode == 0, p.stderr
    missed = [l for l in p.stderr.splitlines() if "PIN MISSED" in l]
    assert len(missed) == 1, p.stderr
    assert missed[0].startswith("kernel-lab: PIN MISSED busybox: "
                                "busybox-static 1:0.0-0 is gone")
    debs = list((tmp_path / "cache" / "debs").iterdir())
    assert len(debs) == 1
    # the fallback is cached: the next run downloads nothing, still says so
    p = fetch_busybox(tmp_path, "1:0.0-0", "0" * 64)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("PIN MISSED") == 1, p.stderr
    assert "testing the cached busybox-static" in p.stderr


def test_pinned_version_with_other_sha256_is_refused(tmp_path):
    pin = [l.split() for l in lab("list").stdout.splitlines()
           if l.startswith("busybox ")][0]
    p = fetch_busybox(tmp_path, pin[3], "0" * 64)
    assert p.returncode == 2
    assert "has sha256 %s, the manifest pins %s" % (pin[4], "0" * 64) \
        in p.stderr, p.stderr
    assert not list((tmp_path / "cache" / "debs").iterdir())
