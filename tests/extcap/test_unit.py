"""The C unit tests of the capture-filter parser (tests/unit/test_filter.c),
built by CMake into build/tests/unit/."""

import os
import subprocess

from conftest import REPO_DIR, need

TEST_FILTER = os.environ.get("UDSDUMP_TEST_FILTER") or str(
    REPO_DIR / "build" / "tests" / "unit" / "test_filter")


def test_filter_unit_tests():
    need(os.access(TEST_FILTER, os.X_OK), "unit tests not built at %s" % TEST_FILTER)
    r = subprocess.run([TEST_FILTER], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failures" in r.stdout and int(r.stdout.split()[0]) > 100


TEST_RUNGS = os.environ.get("UDSDUMP_TEST_RUNGS") or str(
    REPO_DIR / "build" / "tests" / "unit" / "test_rungs")


def test_load_ladder_unit_tests():
    """The rung each lab kernel's probed features choose (tests/unit/test_rungs.c)."""
    need(os.access(TEST_RUNGS, os.X_OK), "unit tests not built at %s" % TEST_RUNGS)
    r = subprocess.run([TEST_RUNGS], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failures" in r.stdout and int(r.stdout.split()[0]) >= 25


TEST_ENGINE_RECORD = os.environ.get("UDSDUMP_TEST_ENGINE_RECORD") or str(
    REPO_DIR / "build" / "tests" / "unit" / "test_engine_record")


def test_engine_record_unit_tests():
    """The ENGINE record's bytes, read back as doc/FORMAT.md describes them
    (tests/unit/test_engine_record.c)."""
    need(os.access(TEST_ENGINE_RECORD, os.X_OK), "unit tests not built at %s" % TEST_ENGINE_RECORD)
    r = subprocess.run([TEST_ENGINE_RECORD], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failures" in r.stdout and int(r.stdout.split()[0]) >= 19
