"""Scan time on one machine and on a Dask cluster, and the cost of one unit of work.

``python benchmarks/cluster.py --mb 2 [--ner] [--files 200]``: builds the benchmark corpus, cuts
it into ``--files`` files (a share is many files; a unit of work is a group of them), then prints

* the scan's wall time in one process (``--workers 1``), with the local pool (``--workers 2``),
  and on ``local:1`` and ``local:2`` clusters (their start included, and on its own);
* the overhead of one unit: empty units sent through the same submit / result / replay path on
  a running ``local:2`` cluster, per unit, and with the window of units in flight;
* that every route found the same findings.

Timings on a shared 2-core machine are noisy: run it alone for figures to rely on.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.corpus import build

if TYPE_CHECKING:
    from scanner.settings import Settings

SECRET = b"b" * 32


def _cpu() -> tuple[float, float]:
    """CPU seconds of (this process, its finished child processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def split_corpus(src: list[Path], dest: Path, files: int) -> Path:
    """The corpus's lines dealt into ``files`` files (whole lines, round robin by blocks)."""
    if dest.exists() and len(list(dest.glob("*.*"))) == files:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    per = max(1, files // len(src))
    n = 0
    for path in src:
        lines = path.read_text("utf-8").splitlines(keepends=True)
        header, body = (lines[:1], lines[1:]) if path.suffix == ".csv" else ([], lines)
        step = max(1, len(body) // per)
        for i in range(per):
            part = body[i * step : (i + 1) * step if i < per - 1 else len(body)]
            (dest / f"{n:04d}-{path.stem}{path.suffix}").write_text("".join(header + part),
                                                                    "utf-8")
            n += 1
    return dest


def timed_scan(folder: Path, settings: Settings, cluster: str | None = None) -> tuple[float, list]:
    from scanner.pipeline import scan

    t0 = time.perf_counter()
    result = scan([str(folder)], settings, secret=SECRET, cluster=cluster)
    return time.perf_counter() - t0, [f.to_dict() for f in result.findings]


def warm_scan(folder: Path, settings: Settings, n: int) -> tuple[float, list]:
    """The steady state: a running cluster whose workers have scanned once already."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard": False,
                      "dashboard_address": "127.0.0.1:0"}) as local:
        timed_scan(folder, settings, cluster=local.scheduler_address)
        return timed_scan(folder, settings, cluster=local.scheduler_address)


def cluster_start(n: int) -> float:
    from scanner import cluster

    t0 = time.perf_counter()
    client, local = cluster._connect(f"local:{n}")
    dt = time.perf_counter() - t0
    client.close()
    local.close()
    return dt


def unit_overhead(settings: Settings, units: int) -> tuple[float, int]:
    """Seconds per empty unit through submit -> worker -> result -> replay on local:2."""
    from distributed import Variable

    from scanner import cluster
    from scanner.pipeline import _Replay

    client, local = cluster._connect("local:2")
    try:
        run = uuid.uuid4().hex
        Variable(cluster._variable_name(run), client=client).set(
            {"secret": SECRET, "settings": cluster.worker_settings(settings).model_dump_json()})

        def entries(k: int):
            for _ in range(k):
                yield ("task", cluster.Task("files", "/nowhere", ()))

        # warm: each worker fetches the context and builds its classifier once
        list(cluster._stream(client, entries(8), _Replay(), run, "local:2"))
        t0 = time.perf_counter()
        list(cluster._stream(client, entries(units), _Replay(), run, "local:2"))
        return (time.perf_counter() - t0) / units, cluster.in_flight(client)
    finally:
        client.close()
        local.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=2.0)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--ner", action="store_true")
    ap.add_argument("--units", type=int, default=400, help="empty units for the overhead")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/piiscout-cluster-bench"))
    args = ap.parse_args()

    from scanner import cluster
    from scanner.settings import load_settings

    src = build(args.dir / f"corpus{args.mb:g}", args.mb)
    folder = split_corpus(src, args.dir / f"split{args.mb:g}-{args.files}", args.files)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    settings = load_settings().with_overrides(**{"classify.ner": args.ner, "workers": 1,
                                                 "inventory.enabled": False})
    units = sum(1 for k, _ in cluster.plan([str(folder)], settings) if k == "task")
    print(f"corpus: {size:.2f} MB in {args.files} files, ner={args.ner}; {units} units of work "
          f"(TASK_BYTES={cluster.TASK_BYTES}, TASK_ITEMS={cluster.TASK_ITEMS}); "
          f"{os.cpu_count()} cores")
    rows = []
    base_t, base_f = timed_scan(folder, settings)
    rows.append(("one process (--workers 1)", base_t, base_f))
    c0 = _cpu()
    t, f = timed_scan(folder, settings.with_overrides(workers=2))
    c1 = _cpu()
    rows.append(("local pool (--workers 2)", t, f))
    pool_cpu = (c1[0] - c0[0], c1[1] - c0[1])
    for n in (1, 2):
        t, f = timed_scan(folder, settings, cluster=f"local:{n}")
        rows.append((f"--cluster local:{n} (start included)", t, f))
    for n in (1, 2):
        t, f = warm_scan(folder, settings, n)
        rows.append((f"--cluster tcp:// to {n} running worker(s), second scan", t, f))
    print()
    print("| route | wall s | MB/s | findings | same as one process |")
    print("|---|---:|---:|---:|---|")
    for name, t, f in rows:
        print(f"| {name} | {t:.1f} | {size / t:.3f} | {len(f)} | {'yes' if f == base_f else 'NO'} |")
    print()
    print(f"local pool CPU: {pool_cpu[0]:.1f} s in the parent (walk, hand-out, replay), "
          f"{pool_cpu[1]:.1f} s in its 2 workers (extraction, classification)")
    print(f"LocalCluster start + connect: local:1 {cluster_start(1):.1f} s, "
          f"local:2 {cluster_start(2):.1f} s")
    per, window = unit_overhead(settings, args.units)
    print(f"per-unit overhead (empty units through submit/run/result/replay on local:2, "
          f"{window} in flight): {per * 1000:.1f} ms per unit, {1 / per:.0f} units/s")


if __name__ == "__main__":
    main()
