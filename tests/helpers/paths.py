"""Where things are, for every test: the checkout, the test data, the golden corpus and ../shared.

Tests sit at different depths of tests/; they name these instead of counting ``parent``s."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
TESTS = ROOT / "tests"
DATA = TESTS / "data"  # small test data kept in the repository (see tests/data/SOURCES.md)
GOLDEN = TESTS / "golden"  # the golden corpus and what must be found in it
EXAMPLES = ROOT / "examples"
CONFIG = ROOT / "config"
BENCHMARKS = ROOT / "benchmarks"
SHARED = ROOT.parent / "shared"  # other projects' test data next to the checkout (optional)
STATE_ENV = ROOT / ".ci" / "state" / "env"  # written by .ci/servers.sh start
