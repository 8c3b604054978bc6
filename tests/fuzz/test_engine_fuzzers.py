"""libFuzzer runs of the engine's pure parsers (tests/fuzz/fuzz_*.c, built
with clang, ASan and UBSan into build-fuzz/ by -DUDSDUMP_FUZZERS=ON):
the capture-filter parser, parse_cli_options and the event -> record
writer. Each runs for a bounded time and must end without a crash, a leak
or a failed check (the checks are in the targets). The cmsg parser is in
the BPF program (kernel side), not a user-space function: the hostile
senders exercise it."""

import os
import shutil
import subprocess
import tempfile

import pytest

import fuzzlib

pytestmark = pytest.mark.engine

BUILD = os.path.join(fuzzlib.REPO, "build-fuzz")
SECONDS = int(os.environ.get("UDSDUMP_FUZZ_SECONDS", "20"))


@pytest.fixture(scope="module")
def fuzzers():
    if not shutil.which("clang"):
        pytest.fail("clang is needed for the libFuzzer targets (scripts/setup.sh installs it)")
    env = dict(os.environ, CC="clang")
    p = subprocess.run(["cmake", "-S", fuzzlib.REPO, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Debug",
                        "-DUDSDUMP_FUZZERS=ON"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run(["cmake", "--build", BUILD, "--target", "udsdump_fuzzers"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning:" not in p.stdout + p.stderr, p.stdout + p.stderr
    return os.path.join(BUILD, "fuzz")


@pytest.mark.parametrize("name", ["fuzz_filter", "fuzz_options", "fuzz_record"])
def test_libfuzzer(fuzzers, name):
    work = tempfile.mkdtemp(prefix="udsdump-libfuzzer-")
    try:
        p = subprocess.run([os.path.join(fuzzers, name), "-max_total_time=%d" % SECONDS,
                            "-rss_limit_mb=2048", "-artifact_prefix=%s/" % work, "-print_final_stats=1"],
                           cwd=work, capture_output=True, text=True, timeout=SECONDS + 120)
        err = p.stderr
        artifacts = os.listdir(work)
        assert p.returncode == 0 and not artifacts, "%s found a problem (%s):\n%s" % (
            name, artifacts, err[-6000:])
        runs = [l for l in err.splitlines() if l.startswith("stat::number_of_executed_units")]
        assert runs and int(runs[0].split()[-1]) > 1000, err[-2000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)
