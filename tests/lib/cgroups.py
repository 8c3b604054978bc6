"""cgroup v2 helpers shared by the host's tests and the kernel lab's guest."""

import os
import time


def cgroup2_mount():
    """Where cgroup v2 is mounted, or None."""
    with open("/proc/self/mounts") as f:
        for line in f:
            _dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return mnt
    return None


def rmdir_when_empty(d, timeout=10):
    """rmdir a cgroup whose last task has just been reaped (the kernel can
    still be letting it go: EBUSY for a moment)."""
    end = time.monotonic() + timeout
    while True:
        try:
            return os.rmdir(d)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.01)
