"""The C unit tests (tests/unit/*.c), built by CMake into build/tests/unit/:
the capture-filter parser, the option table and the value parsers, the load
ladder's choice, the ENGINE record, the container of a cgroup path, the
pcapng writer's blocks, the reads --recv merged puts in one record."""

import os
import subprocess

import pytest

from lib.extcap import REPO_DIR, need

UNIT = REPO_DIR / "build" / "tests" / "unit"

# binary -> (environment override, least number of checks it must run)
BINARIES = {
    "test_filter": ("UDSDUMP_TEST_FILTER", 101),  # the capture-filter parser
    "test_cmdline": ("UDSDUMP_TEST_CMDLINE", 400),  # the option table, the shared value parsers
    "test_rungs": ("UDSDUMP_TEST_RUNGS", 25),  # the rung each lab kernel chooses
    "test_engine_record": ("UDSDUMP_TEST_ENGINE_RECORD", 19),  # ENGINE bytes, as FORMAT.md reads
    "test_container": ("UDSDUMP_TEST_CONTAINER", 100),  # cgroup path -> container, real paths
    "test_sock_names": ("UDSDUMP_TEST_SOCK_NAMES", 19),  # socket names by generation, bounded
    "test_pcapng": ("UDSDUMP_TEST_PCAPNG", 300),  # blocks walk the file; a full disk keeps whole ones
    "test_file_ring": ("UDSDUMP_TEST_FILE_RING", 25),  # -C/-G/-W: names, when, the newest N kept
    "test_read_merge": ("UDSDUMP_TEST_READ_MERGE", 20),  # --recv merged: which reads join, READS
}


@pytest.mark.parametrize("name", sorted(BINARIES))
def test_c_unit_tests(name):
    env, least = BINARIES[name]
    path = os.environ.get(env) or str(UNIT / name)
    need(os.access(path, os.X_OK), "unit tests not built at %s" % path)
    r = subprocess.run([path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failures" in r.stdout and int(r.stdout.split()[0]) >= least
