"""Shared helpers of the udsdump test suite (issue 16): one home each for
the paths, the CI rule, the capture runner, the tshark runner, the pcapng
writer and the senders' runners.

Standard library only, so that scripts outside pytest (the kernel lab's
guest_*.py, bench/, tests/fuzz/fuzz_long.py) can use it through sys.path;
pytest is imported only where a helper skips or fails a test (lib.ci).

The record format's constants live in tests/udsrec.py (copied from
doc/FORMAT.md, never generated from the C header).
"""
