"""The whole suite in one pytest run (issue 16): tests/ goes on sys.path,
so every test imports the shared helpers from tests/lib/ (paths, the CI
rule, the capture and tshark runners, the pcapng writer, the senders'
runners) and the reader tests/udsrec.py. Fixtures of one directory stay
in that directory's conftest.py; nothing imports a conftest."""

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

# Not test directories: the senders are programs the tests run, tests/lib
# is the helpers' package.
collect_ignore = ["senders", "lib"]
