"""A/B timing of two checkouts of piiscout on the same corpus, runs alternated.

This machine's speed drifts by 20-40% within minutes, so two builds are compared by running
them in turn, each in a fresh process, and reading CPU seconds (parent and workers), which move
less than wall time. Typical use, with the old build in a git worktree::

    git worktree add /tmp/base <commit>
    python benchmarks/ab.py /tmp/base . --mb 5 --workers 2 --rounds 3

It prints each run and then, per checkout, the CPU seconds sorted (compare the lowest ones) and
the findings per entity, which must be the same for a change that only makes things faster.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Run in a child process with the checkout first on sys.path: one scan, CPU seconds measured.
CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
from pathlib import Path
from benchmarks.throughput import run_piiscout

def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

target, workers = Path(sys.argv[2]), int(sys.argv[3])
c0, t0 = cpu(), time.perf_counter()
counts = run_piiscout(target, False, workers)
print(json.dumps({"cpu": cpu() - c0, "wall": time.perf_counter() - t0, "counts": counts}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("a", type=Path, help="first checkout (e.g. the old build)")
    ap.add_argument("b", type=Path, help="second checkout")
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/piiscout-quick"))
    args = ap.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from benchmarks.corpus import build

    corpus = args.dir / f"corpus{args.mb:g}"
    build(corpus, args.mb)
    runs: dict[Path, list[dict[str, object]]] = {args.a: [], args.b: []}
    for _ in range(args.rounds):
        for root in (args.a, args.b):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(root.resolve()), str(corpus), str(args.workers)],
                check=True, capture_output=True, text=True,
            ).stdout
            run = json.loads(out.strip().splitlines()[-1])
            runs[root].append(run)
            print(f"{root}: CPU {run['cpu']:.2f} s, wall {run['wall']:.2f} s", flush=True)
    for root, rs in runs.items():
        cpus = sorted(f"{r['cpu']:.2f}" for r in rs)
        print(f"\n{root}: CPU s {' '.join(cpus)}\n  findings {json.dumps(rs[0]['counts'], sort_keys=True)}")
    same = all(r["counts"] == runs[args.a][0]["counts"] for rs in runs.values() for r in rs)
    print(f"\nsame findings per entity in every run: {same}")


if __name__ == "__main__":
    main()
