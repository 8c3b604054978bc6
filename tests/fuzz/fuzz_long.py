#!/usr/bin/python3
"""Long dissector fuzz run (issue 8): 100,000 records by default.

    /usr/bin/python3 tests/fuzz/fuzz_long.py [--records 100000] [--seed 1]
                                             [--keep DIR]

Half the records are random records (random TLVs, lengths, flags; written
from doc/FORMAT.md), half are editcap -E mutations (probabilities cycling
0.001..0.3, a new --seed each file) of real udsdump captures made now (as
root with eBPF; otherwise the stored real captures in tests/plugin/golden).
Each file of about 1,000 records is read by tshark -nVx -2 with the plugin
built with ASan+UBSan ($UDSDUMP_ASAN_PLUGIN, else build-asan/), runtimes
preloaded, WIRESHARK_ABORT_ON_DISSECTOR_BUG=1. Files that produce a crash, a
sanitizer report or a "Dissector bug" line are kept in --keep (default
/tmp/udsdump-fuzz-failures). Exit status 0 only with zero problems.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

PROBS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default="/tmp/udsdump-fuzz-failures")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds one tshark run may take (a file takes 1-2 s): more is a hang")
    a = ap.parse_args()

    # A plugin built elsewhere (the version matrix's chroots), or build-asan/.
    plugin = os.environ.get("UDSDUMP_ASAN_PLUGIN") or fuzzlib.build_asan_plugin()
    assert fuzzlib.plugin_is_sanitized(plugin), plugin
    ts = fuzzlib.Tshark(plugin, sanitize=True)
    ok, out = ts.plugin_loaded()
    if not ok:
        sys.exit("ASan plugin not loaded by tshark:\n" + out)
    work = tempfile.mkdtemp(prefix="udsdump-fuzz-long-")
    os.chmod(work, 0o755)
    if fuzzlib.live_problems():
        print("live capture unavailable (%s): mutating tests/plugin/golden" %
              "; ".join(fuzzlib.live_problems()))
        gdir = os.path.join(fuzzlib.TESTS, "plugin", "golden")
        seeds = sorted(os.path.join(gdir, f) for f in os.listdir(gdir) if f.endswith(".pcapng"))
        kind = "golden"
    else:
        seeds = fuzzlib.make_seed_captures(work, tag="fzl")
        kind = "live"
    # One big seed of about --batch real records (mergecap -a of repeats).
    per_round = sum(fuzzlib.count_packets(s) for s in seeds)
    reps = max(1, a.batch // max(1, per_round))
    big = os.path.join(ts.files, "seed-big.pcapng")
    subprocess.run(["mergecap", "-a", "-w", big] + seeds * reps, check=True)
    os.chmod(big, 0o644)
    big_n = fuzzlib.count_packets(big)
    print("seed: %d real records (%s captures x %d)" % (big_n, kind, reps))

    rng = random.Random(a.seed)
    fed = {"random": 0, "mutated": 0}
    unix = files = 0
    failures = []
    t0 = time.monotonic()
    i = 0
    while fed["random"] + fed["mutated"] < a.records:
        i += 1
        if fed["random"] <= fed["mutated"]:
            n = min(a.batch, a.records - fed["random"] - fed["mutated"])
            path = ts.write("r%05d.pcapng" % i, fuzzlib.random_capture(rng, n))
            what = "random"
        else:
            prob = PROBS[i % len(PROBS)]
            path = os.path.join(ts.files, "m%05d.pcapng" % i)
            fuzzlib.editcap_mutate(big, path, prob, a.seed * 100003 + i)
            n = big_n
            what = "mutated"
        rc, out, err, bad = ts.dissect(path, timeout=a.timeout)
        files += 1
        fed[what] += n
        u = fuzzlib.unix_frames(out)
        unix += u
        if bad:
            os.makedirs(a.keep, exist_ok=True)
            kept = os.path.join(a.keep, os.path.basename(path))
            shutil.copy(path, kept)
            with open(kept + ".stderr", "w") as f:
                f.write(err)
            failures.append((kept, bad[:5]))
            print("PROBLEM in %s: %s" % (kept, bad[:3]), flush=True)
        os.unlink(path)
        if files % 10 == 0:
            print("%d files, %d records, %d unix frames, %d problems, %.0fs" % (
                files, fed["random"] + fed["mutated"], unix, len(failures),
                time.monotonic() - t0), flush=True)
    total = fed["random"] + fed["mutated"]
    print("RESULT: %d records (%d random, %d mutated %s) in %d files, %d frames dissected as "
          "unix, %d problem files (crashes/sanitizer reports/Dissector bug/hangs), %.0fs" % (
              total, fed["random"], fed["mutated"], kind, files, unix, len(failures),
              time.monotonic() - t0))
    ts.cleanup()
    shutil.rmtree(work, ignore_errors=True)
    if unix == 0:
        sys.exit("no frame was dissected as unix: the run tested nothing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
