"""The rule of the live tests: without what they need they skip and say
why, except under CI=true, where that is a failure (CI must run them)."""

import os
import shutil

from . import paths

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(why, ci_prefix="CI=true, so this may not be skipped: "):
    """Skip the running test (fail it under CI=true) because of why."""
    import pytest
    if IN_CI:
        pytest.fail(ci_prefix + why, pytrace=False)
    pytest.skip(why)


def need(cond, why, ci_prefix="CI=true, so this may not be skipped: "):
    """Skip (or fail under CI=true) unless cond."""
    if not cond:
        skip_or_fail(why, ci_prefix)


def live_problems(udsdump=None, tshark=False, bpftool=False, bpf_probe=False):
    """Why udsdump cannot capture live here (an empty list: it can)."""
    udsdump = udsdump or paths.UDSDUMP
    why = []
    if os.geteuid() != 0:
        why.append("not running as root (live capture needs root)")
    if not os.access(udsdump, os.X_OK):
        why.append("udsdump binary not found at %s (build it, or set UDSDUMP)" % udsdump)
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        why.append("no kernel BTF (/sys/kernel/btf/vmlinux)")
    if tshark and not shutil.which("tshark"):
        why.append("tshark is not installed")
    if bpftool and not shutil.which("bpftool") and not os.path.exists("/usr/sbin/bpftool"):
        why.append("bpftool is not installed")
    if bpf_probe and os.geteuid() == 0:
        p = _bpf_probe()
        if p:
            why.append("eBPF unavailable: " + p)
    return why


def need_live(ci_prefix="CI=true but live capture cannot run: ", **kw):
    """Skip (fail under CI=true) unless udsdump can capture live here."""
    why = live_problems(**kw)
    if why:
        skip_or_fail("; ".join(why), ci_prefix)


def _bpf_probe():
    """Try to create a one-entry BPF array map; None if it works, else why."""
    import ctypes
    if os.uname().machine != "x86_64":
        return None  # cannot probe portably: let udsdump tell
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint8 * 128)()
    # union bpf_attr for BPF_MAP_CREATE: map_type, key_size, value_size,
    # max_entries (u32 each)
    for i, v in enumerate((2, 4, 4, 1)):  # BPF_MAP_TYPE_ARRAY
        ctypes.memmove(ctypes.addressof(attr) + 4 * i,
                       ctypes.byref(ctypes.c_uint32(v)), 4)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(321, 0, attr, 128)  # __NR_bpf, BPF_MAP_CREATE
    if fd < 0:
        e = ctypes.get_errno()
        return "bpf(BPF_MAP_CREATE) failed: %s" % os.strerror(e)
    os.close(fd)
    return None
