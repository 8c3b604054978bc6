"""Where things are: the checkout, the build trees, the binaries, Python.

Every path a test needs from the build honours its environment variable
(UDSDUMP, UDSDUMP_ASAN, UDSDUMP_PLUGIN, UDSDUMP_ASAN_PLUGIN), else it is
the one the checkout's build/ (or build-asan/) makes.
"""

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TESTS)
SENDERS = os.path.join(TESTS, "senders")
GOLDEN = os.path.join(TESTS, "plugin", "golden")
BUILD = os.path.join(REPO, "build")
BUILD_ASAN = os.path.join(REPO, "build-asan")

UDSDUMP = os.environ.get("UDSDUMP") or os.path.join(BUILD, "udsdump")
ASAN_UDSDUMP = os.environ.get("UDSDUMP_ASAN") or os.path.join(BUILD_ASAN, "udsdump")
PLUGIN = os.environ.get("UDSDUMP_PLUGIN") or os.path.join(BUILD, "plugin", "udsdump.so")
ASAN_PLUGIN = os.environ.get("UDSDUMP_ASAN_PLUGIN") or os.path.join(
    BUILD_ASAN, "plugin", "udsdump.so")

# Debian's python3 has pytest; a python3 earlier on PATH may not. The
# senders run with it too.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def sender(script):
    """The path of a sender in tests/senders/."""
    return os.path.join(SENDERS, script)


def find_plugin():
    """$UDSDUMP_PLUGIN, else the newer of build/ and build-plugin/'s
    plugin/udsdump.so; None when neither is built."""
    env = os.environ.get("UDSDUMP_PLUGIN")
    if env:
        return env
    candidates = [os.path.join(REPO, d, "plugin", "udsdump.so") for d in ("build", "build-plugin")]
    found = [c for c in candidates if os.path.exists(c)]
    return max(found, key=os.path.getmtime) if found else None
