"""Short dissector fuzz run: tshark -nVx -2 with the ASan+UBSan plugin over
random records (written from FORMAT.md) and editcap -E mutations of real
udsdump captures. Zero crashes, sanitizer reports and "Dissector bug" lines.
The long run (100,000 records) is tests/fuzz/fuzz_long.py."""

import os
import random

import pytest

import fuzzlib

PROBS = (0.002, 0.02, 0.1, 0.3)
SEEDS = (1, 7, 4242)


def check_run(ats, path, min_unix=1):
    rc, out, err, bad = ats.dissect(path)
    assert not bad, "%s:\n%s\n%s" % (path, "\n".join(bad[:20]), err[-4000:])
    n = fuzzlib.unix_frames(out)
    assert n >= min_unix, "%s: only %d frames dissected as unix" % (path, n)
    return n


def test_sanitized_plugin_is_what_runs(asan_plugin, ats):
    """The plugin is instrumented, needs the preloaded runtime, and is loaded."""
    assert fuzzlib.plugin_is_sanitized(ats.staged)
    bare = fuzzlib.Tshark(asan_plugin, sanitize=False)
    try:
        rc, out, err = bare.raw(["-G", "plugins"])
        # without the preloaded ASan runtime the instrumented plugin cannot load
        assert "udsdump.so" not in out and "ASan runtime does not come first" in err, out + err
    finally:
        bare.cleanup()
    ok, out = ats.plugin_loaded()
    assert ok, out


@pytest.mark.parametrize("seed", [11, 22, 33])
def test_random_records(ats, tmp_path, seed):
    rng = random.Random(seed)
    n = 1000
    path = ats.write("random-%d.pcapng" % seed, fuzzlib.random_capture(rng, n))
    # most records keep the magic and version: the plugin must really decode them
    got = check_run(ats, path, min_unix=n // 2)
    assert got <= n


def check_unmutated(ats, captures):
    for c in captures:
        p = ats.stage(c)
        n = fuzzlib.count_packets(p)
        assert check_run(ats, p) == n, "every record of an unmutated capture is unix: " + p


def test_unmutated_golden_dissect(ats, golden_captures):
    check_unmutated(ats, golden_captures)


@pytest.mark.live
def test_unmutated_live_seeds_dissect(ats, live_seeds):
    check_unmutated(ats, live_seeds)


@pytest.mark.parametrize("prob", PROBS)
def test_mutated_golden(ats, golden_captures, prob):
    for c in golden_captures:
        src = ats.stage(c)
        for s in SEEDS:
            dst = os.path.join(ats.files, "g-%s-%s-%d.pcapng" % (os.path.basename(c), prob, s))
            fuzzlib.editcap_mutate(src, dst, prob, s)
            check_run(ats, dst, min_unix=1 if prob <= 0.02 else 0)


@pytest.mark.live
@pytest.mark.parametrize("prob", PROBS)
def test_mutated_live(ats, live_seeds, prob):
    total = 0
    for c in live_seeds:
        src = ats.stage(c)
        for s in SEEDS:
            dst = os.path.join(ats.files, "l-%s-%s-%d.pcapng" % (os.path.basename(c), prob, s))
            fuzzlib.editcap_mutate(src, dst, prob, s)
            total += check_run(ats, dst, min_unix=0)
    if prob <= 0.02:
        assert total > 0, "no mutated frame decoded as unix"
