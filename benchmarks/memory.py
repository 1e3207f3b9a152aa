"""Peak memory of `piiscout scan` on a 1 GB text file and a 1,000,000-row table (`make bench-memory`).

Each scan runs as a separate `piiscout` process; its resident memory and that of its worker
processes is sampled every 50 ms and the peak of the sum is reported (shared copy-on-write pages of
forked workers are counted once per process, so this over-states the real footprint).

The text file is machine-written log text, one line in 20 carrying personal data (an e-mail, an IP
address, a phone number or a card), generated from a fixed seed. The table is a SQLite table of
1,000,000 people. Output goes to `--format jsonl` with `--no-inventory`, the mode in which findings
stream straight to the output (counted, then deleted); the item size and text limits are lifted
so that the whole file is read. ``--mode inventory`` records into the inventory as well (batch by
batch); ``--mode collect`` measures ``--format json`` with the inventory, which holds every finding
in memory. The inventory goes to a fresh ``PIISCOUT_HOME`` each run.

``--dense-mb 2,8,32`` measures instead the scan a user runs (``piiscout scan DIR --format json
-o report.json``: NER on, the inventory on; ``--no-ner`` with ``--no-ner``) on the benchmark's dense
mixed text (:func:`benchmarks.corpora.dense`: prose, CSV, log and NDJSON full of names, e-mails,
phones, cards, IBANs) at each size, so that one can see whether peak memory stays flat as the input
grows (the corpora are generated once under ``--dir``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.throughput import RssSampler

MODES = {
    "stream": ["--no-inventory", "--format", "jsonl"],
    "inventory": ["--format", "jsonl"],
    "collect": ["--format", "json"],
}
PLAIN = [
    'level=info msg="cache warmed" took_ms={n} path=/api/v1/items/{n}',
    'level=debug msg="request done" status=200 bytes={n} route=/health',
    'level=info msg="job finished" job=reindex-{n} shards=12 took_ms={n}',
    'level=warn msg="slow query" table=orders rows={n} took_ms={n}',
]
PERSONAL = [
    'level=info msg="login" user=user{n}@example.org ip=203.0.113.{b}',
    'level=info msg="callback requested" phone=+1 415 555 01{c:02d} user_id={n}',
    'level=info msg="payment" card=4111 1111 1111 1111 amount={n}',
]


def build_text(path: Path, size: int, seed: int = 7) -> None:
    r = random.Random(seed)
    block_lines = []
    for i in range(20_000):  # a ~1.3 MB block, repeated with fresh timestamps
        tpl = r.choice(PERSONAL) if i % 20 == 0 else r.choice(PLAIN)
        block_lines.append(tpl.format(n=r.randint(1, 99999), b=r.randint(1, 254),
                                      c=r.randint(10, 99)))
    written, day = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while written < size:
            day += 1
            chunk = "".join(f"2024-{1 + day % 12:02d}-{1 + day % 28:02d}T10:00:{i % 60:02d}Z {line}\n"
                            for i, line in enumerate(block_lines))
            f.write(chunk)
            written += len(chunk)


def build_table(path: Path, rows: int) -> None:
    con = sqlite3.connect(path)
    con.execute("create table people (id integer primary key, full_name text, email text,"
                " phone text, note text)")
    con.executemany(
        "insert into people values (?, ?, ?, ?, ?)",
        ((i, f"Person {i}", f"user{i}@example.org", f"+1 415 555 {i % 10000:04d}",
          "called about the invoice") for i in range(rows)),
    )
    con.commit()
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/piiscout-memory"))
    ap.add_argument("--gb", type=float, default=1.0, help="text file size in GB (default 1)")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=0, help="0 = cores")
    ap.add_argument("--ner", action="store_true", help="full mode (default: --no-ner)")
    ap.add_argument("--mode", choices=list(MODES), default="stream",
                    help="stream: jsonl, no inventory (default); inventory: jsonl recorded into "
                         "the inventory batch by batch; collect: json and the inventory, which "
                         "hold every finding in memory (the inventory in a fresh PIISCOUT_HOME)")
    ap.add_argument("--dense-mb", default="",
                    help="comma-separated sizes in MB (e.g. 2,8,32): the CLI's default scan of "
                         "the dense benchmark corpus at each size, instead of the runs above")
    ap.add_argument("--exe", type=Path, default=Path(sys.executable).with_name("piiscout"),
                    help="the piiscout command to measure (default: this venv's)")
    ap.add_argument("--dense-from", type=float, default=0.0,
                    help="build each --dense-mb corpus as copies of one generated corpus of this "
                         "many MB, one per subfolder (Faker writes about 0.5 MB/s: 1 GB would "
                         "take half an hour); values then repeat between copies")
    ap.add_argument("--dense-format", choices=["json", "sarif"], default="json",
                    help="the report format of the --dense-mb runs (default json)")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.dense_mb:
        dense_scaling(args.dir, [float(x) for x in args.dense_mb.split(",")], args.ner,
                      args.workers, args.dense_format, args.exe, args.dense_from)
        return
    text = args.dir / f"log-{args.gb:g}gb.txt"
    if not text.exists():
        build_text(text, int(args.gb * 1e9))
    table = args.dir / f"people-{args.rows}.sqlite"
    if not table.exists():
        build_table(table, args.rows)

    exe = args.exe
    print(f"# piiscout peak memory\n\nCommand: `python benchmarks/memory.py --gb {args.gb:g} "
          f"--rows {args.rows} --workers {args.workers}{' --ner' if args.ner else ''}"
          f" --mode {args.mode}`; "
          f"{os.cpu_count()} cores; goal: peak RSS <= 1.5 GB.\n")
    print("| run | size | seconds | MB/s | findings | peak RSS (MB) | exit |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    runs = ((f"{text.stat().st_size / 1e9:.2f} GB log text file", str(text), text.stat().st_size),
            (f"{args.rows:,}-row SQLite table", f"sqlite:///{table}", table.stat().st_size))
    for label, target, size in runs:
        out = args.dir / "findings.jsonl"
        config = args.dir / "no-limits.yaml"  # the whole file is scanned, not its first 50 MB
        config.write_text("limits: {max_item_bytes: 4000000000, max_text_chars: 4000000000}\n")
        cmd = [str(exe), "scan", target, *MODES[args.mode], "--output", str(out), "--no-progress",
               "--workers", str(args.workers), "--config", str(config)]
        if not args.ner:
            cmd.append("--no-ner")
        env = dict(os.environ, PIISCOUT_HOME=tempfile.mkdtemp(prefix="piiscout-memory-home-"))
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env)
        with RssSampler(proc.pid) as rss:
            proc.wait()
        dt = time.perf_counter() - t0
        with open(out, encoding="utf-8") as f:
            found = (len(json.load(f)["findings"]) if args.mode == "collect"
                     else sum(1 for line in f if line.startswith('{"type": "finding"')))
        shutil.rmtree(env["PIISCOUT_HOME"])
        out.unlink()
        print(f"| {label} | {size / 1e6:.0f} MB | {dt:.0f} | {size / 1e6 / dt:.2f} | {found} | "
              f"{rss.peak / 1e6:.0f} | {proc.returncode} |", flush=True)


def _report_count(report: Path, fmt: str) -> int:
    """Findings in a JSON report (or SARIF results before the cap), read as a stream: at 1 GB
    of dense text the report is several GB, more than this process should hold."""
    if fmt == "sarif":
        if report.stat().st_size < 200_000_000:
            doc = json.loads(report.read_text())
            return int(doc["runs"][0]["properties"]["piiscout/resultsTotal"])
        with report.open("rb") as fh:  # the run's properties are written after the results
            fh.seek(max(0, report.stat().st_size - 65536))
            tail = fh.read().decode("utf-8", "replace")
        key = '"piiscout/resultsTotal":'
        return int(tail[tail.rindex(key) + len(key):].lstrip().split(",")[0].split("}")[0])
    with report.open("rb") as fh:  # one "value_hash" key per finding, on its own line
        return sum(1 for line in fh if b'"value_hash":' in line)


def _dense_copies(root: Path, dest: Path, mb: float, base_mb: float) -> None:
    """``dest`` as copies of the dense corpus of ``base_mb`` MB, one per subfolder, ``mb`` MB in
    all (files copied, not linked: every copy is an item of its own)."""
    from benchmarks import corpora

    base = root / f"dense-{base_mb:g}mb"
    if not (base / "prose.txt").exists():
        corpora.dense(base, base_mb)
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    for k in range(max(1, round(mb / base_mb))):
        shutil.copytree(base, tmp / f"copy-{k:03d}")
    tmp.rename(dest)


def dense_scaling(root: Path, sizes: list[float], ner: bool, workers: int,
                  fmt: str = "json", exe: Path | None = None, base_mb: float = 0.0) -> None:
    """Peak RSS and time of ``piiscout scan DIR --format json -o report.json`` on the dense
    corpus at each size (``--no-ner`` unless ``ner``; ``fmt`` "sarif": ``--format sarif``, and
    the findings column counts its results before the cap)."""
    from benchmarks import corpora

    exe = exe or Path(sys.executable).with_name("piiscout")
    flags = [] if ner else ["--no-ner"]
    if workers:
        flags += ["--workers", str(workers)]
    print(f"# piiscout peak memory on dense text\n\nCommand: `python benchmarks/memory.py "
          f"--dense-mb {','.join(f'{x:g}' for x in sizes)}{' --ner' if ner else ''}"
          f"{f' --workers {workers}' if workers else ''}"
          f"{f' --dense-format {fmt}' if fmt != 'json' else ''}"
          f"{f' --dense-from {base_mb:g}' if base_mb else ''}`; "
          f"`{' '.join(['piiscout scan DIR', *flags])} --format {fmt} -o report.{fmt}` "
          "(inventory on); "
          f"{os.cpu_count()} cores; goal: peak RSS <= 1.5 GB.\n")
    print("| dense text | seconds | MB/s | findings | peak RSS (MB) | exit |\n"
          "|---|---:|---:|---:|---:|---:|")
    for mb in sizes:
        if base_mb and mb > base_mb:
            dest = root / f"dense-{mb:g}mb-from-{base_mb:g}mb"
            if not dest.exists():
                _dense_copies(root, dest, mb, base_mb)
        else:
            dest = root / f"dense-{mb:g}mb"
            if not (dest / "prose.txt").exists():
                corpora.dense(dest, mb)
        size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
        home = Path(tempfile.mkdtemp(prefix="piiscout-memory-home-"))
        report = home / f"report.{fmt}"
        cmd = [str(exe), "scan", str(dest), *flags, "--format", fmt, "-o", str(report),
               "--no-progress"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=dict(os.environ, PIISCOUT_HOME=str(home)),
                                stdout=subprocess.DEVNULL)
        with RssSampler(proc.pid) as rss:
            proc.wait()
        dt = time.perf_counter() - t0
        found = 0
        if report.exists():
            found = _report_count(report, fmt)
        shutil.rmtree(home, ignore_errors=True)
        print(f"| {size / 1e6:.1f} MB | {dt:.0f} | {size / 1e6 / dt:.3f} | {found} | "
              f"{rss.peak / 1e6:.0f} | {proc.returncode} |", flush=True)


if __name__ == "__main__":
    main()
