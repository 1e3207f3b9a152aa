"""Quick throughput check for performance work (not part of ``make bench``).

Builds (or reuses) the benchmark corpus of ``--mb`` MB and times piiscout on it, optionally under
cProfile: ``python benchmarks/quick.py --mb 5 --workers 1 --no-ner --profile 30``. Prints the
seconds, MB/s and the per-entity counts (compare them before and after a change).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.corpus import build
from benchmarks.throughput import run_piiscout


def _cpu() -> tuple[float, float]:
    """CPU seconds of (this process, its finished child processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-ner", action="store_true")
    ap.add_argument("--profile", type=int, default=0, help="print the top N functions")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/piiscout-quick"))
    args = ap.parse_args()
    corpus = args.dir / f"corpus{args.mb:g}"
    paths = build(corpus, args.mb)
    total = sum(p.stat().st_size for p in paths) / 1e6
    prof = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    c0 = _cpu()
    if prof:
        prof.enable()
    counts = run_piiscout(corpus, not args.no_ner, args.workers)
    if prof:
        prof.disable()
    dt = time.perf_counter() - t0
    c1 = _cpu()
    own, kids = c1[0] - c0[0], c1[1] - c0[1]
    print(f"{total:.2f} MB in {dt:.1f} s: {total / dt:.3f} MB/s (workers={args.workers}, "
          f"ner={not args.no_ner}); CPU {own + kids:.1f} s = {own:.1f} s here + {kids:.1f} s in "
          f"workers (less sensitive to other load on the machine than the wall time)")
    print(dict(sorted(counts.items())))
    if prof:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
