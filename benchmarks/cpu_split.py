"""CPU seconds of a `piiscout` command split between the parent process and its workers.

Runs ``scanner.cli.main`` with the given arguments in this process and prints, at exit, the CPU
seconds (user + system) of this process and of its finished children, and the wall time::

    PIISCOUT_HOME=$(mktemp -d) .venv/bin/python benchmarks/cpu_split.py scan DIR --no-ner \\
        --format json -o report.json --no-progress

A figure, not a test: it shows which side (the parent's recording and report, or the workers'
classification) a change must shrink. On a two-core machine the scan is CPU-bound once the three
processes are busy.
"""

from __future__ import annotations

import atexit
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

T0 = time.perf_counter()


def report() -> None:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"parent {own.ru_utime + own.ru_stime:.2f} s cpu, workers "
          f"{kids.ru_utime + kids.ru_stime:.2f} s cpu, wall {time.perf_counter() - T0:.2f} s",
          file=sys.stderr)


if __name__ == "__main__":
    atexit.register(report)
    sys.argv = ["piiscout", *sys.argv[1:]]
    from scanner.cli import main

    main()
