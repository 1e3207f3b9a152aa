"""The scan pipeline: connector -> item -> text units -> classifiers -> findings.

One way only. The connector walks its source; items are typed and extracted (recursively, with
limits) into text units; units are classified in batches (across items, so spaCy's ``pipe`` sees
large batches); detections are redacted into findings at once, in the process that made them, so a
clear value never crosses further than the classifier.

``iter_scan`` streams events (findings, errors, progress) so that a huge source never has to fit in
memory; ``scan`` collects them into a :class:`~scanner.models.ScanResult`.
"""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

from connectors.base import UnitSource, connector_for
from scanner import gctune
from scanner.memo import BoundedMemo
from scanner.models import (
    Detection,
    Finding,
    Item,
    ItemError,
    Location,
    ScanError,
    ScanInfo,
    ScanResult,
    TextUnit,
)
from scanner.redact import load_or_create_secret, mask, value_hash
from scanner.settings import Settings, default_data_dir
from scanner.targets import display_target
from scanner.transfer import (
    FindingRow,
    UnitRow,
    pack_findings,
    pack_units,
    unpack_findings,
    unpack_units,
)

log = logging.getLogger("piiscout.pipeline")

# Text per classification batch: large enough for spaCy's pipe, small enough to bound memory.
BATCH_CHARS = 256 * 1024
BATCH_UNITS = 4096
RECORD_ENTITIES = frozenset({"CALL_RECORD"})
SKIP_KINDS = frozenset({"too_large", "skipped", "excluded", "unsupported"})
_DETECTION_ORDER = attrgetter("start", "end", "entity")


@dataclass(frozen=True)
class Progress:
    """Reported when an item (or unit source) starts, after each batch of its text, and when it
    is done (``done=True``). ``text_chars`` counts the text extracted so far in the whole scan."""

    uri: str
    bytes: int
    scanned: int
    skipped: int
    failed: int
    findings: int
    done: bool = True
    text_chars: int = 0
    allowed: int = 0  # findings left out by the allow-list (scanner/allowlist.py)


Event = Finding | ScanError | Progress


class Classifier:
    """Engine + redaction: units in, findings out. One per process."""

    def __init__(self, settings: Settings, secret: bytes) -> None:
        from classifiers.engine import Engine

        self.engine = Engine(settings.classify)
        self.secret = secret
        # (entity, value) -> (preview, hash): the same value is masked and hashed once.
        self._redacted: BoundedMemo[tuple[str, str]] = BoundedMemo(settings.classify.value_memo)

    def warm(self) -> None:
        """Build now what the classifiers build on their first units (hyperscan databases, the
        special-category prefilter, the public suffix list, phone metadata, spaCy's pipeline).

        Called before the worker processes fork, so each inherits it instead of building its
        own: measured 1.1 s of CPU per worker without NER. The value and redaction memos are
        emptied again; the pure caches (phone parsing, suffix lookups) keep the sample's few
        entries, which cannot change a result."""
        self.findings(_WARM_UNITS)
        self.engine.memo.clear()
        self._redacted.clear()

    def findings(self, units: Sequence[TextUnit]) -> list[list[Finding]]:
        detections = self.engine.analyze(units)
        return [self._redact(u, ds) if ds else [] for u, ds in zip(units, detections, strict=True)]

    def _redact(self, unit: TextUnit, detections: Iterable[Detection]) -> list[Finding]:
        out: list[Finding] = []
        text = unit.text
        here = unit.location
        line0 = here.line
        pos, lines = 0, 0
        memo, engine = self._redacted, self.engine
        for d in sorted(detections, key=_DETECTION_ORDER):
            line = None
            if line0 is not None:
                if d.start >= pos:
                    lines += text.count("\n", pos, d.start)
                else:  # overlapping earlier detection: recount from the start
                    lines = text.count("\n", 0, d.start)
                pos = d.start
                line = line0 + lines
            # A record-level finding (a call record spans a whole row) belongs to no one field.
            field = None if d.entity in RECORD_ENTITIES and unit.record else here.field
            same = line == line0 and field == here.field  # most table cells: one shared object
            location = here if same else Location(here.uri, line, field)
            key = (d.entity, d.value)
            redacted = memo.get(key)
            if redacted is None:
                redacted = (mask(d.entity, d.value), value_hash(self.secret, d.entity, d.value))
                memo.put(key, redacted)
            out.append(
                Finding(location, d.entity, engine.category(d.entity, d.attributes), d.score,
                        engine.severity(d.entity, d.linked), d.detector, d.explanation,
                        redacted[0], redacted[1], d.linked, (), unit.source_kind, d.attributes)
            )
        return out


# A sample that takes every kind of classifier through its first use (see Classifier.warm).
_WARM_TEXT = ("Jane Roe (jane.roe@example.org, +44 20 7946 0958) was treated for diabetes in "
              "London on 2024-03-01 10:02:11; card 4111 1111 1111 1111, from 203.0.113.7.")
_WARM_UNITS = (
    TextUnit(Location("warm://prose"), _WARM_TEXT, "prose"),
    TextUnit(Location("warm://log", 1), _WARM_TEXT, "log"),
    TextUnit(Location("warm://table", 1, "email"), "jane.roe@example.org", "value", "row:1"),
    TextUnit(Location("warm://table", 1, "phone"), "+44 20 7946 0958", "value", "row:1"),
)


# -- worker processes ------------------------------------------------------------------------
_WORKER: Classifier | None = None


def _worker_init(classifier: Classifier | None, settings: Settings, secret: bytes) -> None:
    global _WORKER  # one engine per worker process, by design
    _WORKER = classifier if classifier is not None else Classifier(settings, secret)
    gctune.tune()  # the worker lives for one scan


def _worker_run(rows: Sequence[UnitRow]) -> list[FindingRow]:
    assert _WORKER is not None
    return pack_findings(f for fs in _WORKER.findings(unpack_units(rows)) for f in fs)


class _Batcher:
    """Runs classification in-process or on a pool, keeping results in submission order."""

    def __init__(self, settings: Settings, secret: bytes, classifier: Classifier | None) -> None:
        self.workers = settings.effective_workers
        self.pool: ProcessPoolExecutor | None = None
        self.local = classifier
        if self.workers > 1:
            if self.local is None and "fork" in multiprocessing.get_all_start_methods():
                self.local = Classifier(settings, secret)  # loaded once, inherited by fork
            ctx = multiprocessing.get_context(
                "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            )
            init_with = self.local if ctx.get_start_method() == "fork" else None
            if init_with is not None:
                init_with.warm()
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_worker_init,
                initargs=(init_with, settings, secret),
            )
        elif self.local is None:
            self.local = Classifier(settings, secret)
        self.inflight: deque[tuple[object, Future[list[FindingRow]]]] = deque()
        from scanner.allowlist import AllowList

        self.allow = AllowList.from_settings(settings, secret)  # applied here, in the parent

    def submit(self, tag: object, units: list[TextUnit]) -> Iterator[tuple[object, list[Finding]]]:
        """Queue a batch; yield (tag, findings) of batches that are done, in order."""
        if self.pool is None:
            assert self.local is not None
            yield tag, self._allowed([f for fs in self.local.findings(units) for f in fs])
            return
        self.inflight.append((tag, self.pool.submit(_worker_run, pack_units(units))))
        while len(self.inflight) > 2 * self.workers:
            yield self._pop()

    def drain(self) -> Iterator[tuple[object, list[Finding]]]:
        while self.inflight:
            yield self._pop()

    def _pop(self) -> tuple[object, list[Finding]]:
        tag, fut = self.inflight.popleft()
        return tag, self._allowed(unpack_findings(fut.result()))

    def _allowed(self, findings: list[Finding]) -> list[Finding]:
        return findings if self.allow is None else self.allow.filter(findings)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _Tally:
    def __init__(self) -> None:
        self.scanned = self.skipped = self.failed = self.findings = self.chars = 0
        self.allowed = 0

    def progress(self, uri: str, size: int = 0, *, done: bool) -> Progress:
        return Progress(uri, size, self.scanned, self.skipped, self.failed, self.findings, done,
                        self.chars, self.allowed)


def iter_scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    skip_item: Callable[[object], bool] | None = None,
) -> Iterator[Event]:
    """Scan ``targets`` and yield findings, errors and progress as they happen.

    ``skip_item(walked)`` (an item or unit source as the connector yields it) returning True
    means it is not read at all (incremental scans: unchanged since it was last read)."""
    from connectors.extract.walk import extract_all

    if secret is None:
        secret = load_or_create_secret(settings.data_dir or default_data_dir())
    batcher = _Batcher(settings, secret, classifier)
    tally = _Tally()
    with gctune.tuned():
        try:
            for target in targets:
                try:
                    connector = connector_for(target, settings)
                except (ValueError, ItemError) as exc:
                    tally.failed += 1
                    yield ScanError(display_target(target), "unsupported", str(exc))
                    continue
                try:
                    for walked in _guarded_walk(connector, target):
                        if isinstance(walked, ScanError):
                            if walked.kind in SKIP_KINDS:
                                tally.skipped += 1
                            else:
                                tally.failed += 1
                            yield walked
                        elif skip_item is not None and skip_item(walked):
                            continue
                        elif isinstance(walked, Item):
                            yield from _scan_item(walked, settings, batcher, tally, extract_all)
                        elif isinstance(walked, UnitSource):
                            yield from _scan_source(walked, batcher, tally)
                finally:
                    connector.close()
            for _tag, findings in batcher.drain():
                tally.findings += len(findings)
                yield from findings
            tally.allowed = batcher.allow.allowed if batcher.allow is not None else 0
            yield tally.progress("", done=True)
        finally:
            batcher.close()


def _guarded_walk(connector: object, target: str) -> Iterator[object]:
    """A connector that fails mid-walk loses the rest of its source, not the scan."""
    try:
        yield from connector.walk()  # type: ignore[attr-defined]
    except ItemError as exc:
        yield ScanError(exc.location or display_target(target), exc.kind, exc.message)
    except Exception as exc:  # noqa: BLE001 - a broken source must not end the scan
        log.warning("walk of %s stopped: %s", display_target(target), type(exc).__name__)
        yield ScanError(display_target(target), "walk_failed", f"{type(exc).__name__}: {exc}")


def _scan_item(
    item: Item,
    settings: Settings,
    batcher: _Batcher,
    tally: _Tally,
    extract_all: Callable[[Item, Settings], Iterator[TextUnit | ScanError]],
) -> Iterator[Event]:
    batch: list[TextUnit] = []
    chars = 0
    failed = skipped = False
    yield tally.progress(item.uri, item.size or 0, done=False)
    try:
        for out in extract_all(item, settings):
            if isinstance(out, ScanError):
                if out.location == item.uri and out.kind in SKIP_KINDS:
                    skipped = True
                elif out.location == item.uri and out.kind != "truncated":
                    failed = True
                yield out
                continue
            batch.append(out)
            chars += len(out.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                tally.chars += chars
                yield from _emit(batcher.submit(item.uri, batch), tally)
                yield tally.progress(item.uri, item.size or 0, done=False)
                batch, chars = [], 0
    except Exception as exc:  # noqa: BLE001 - extraction bugs are confined to their item
        failed = True
        yield ScanError(item.uri, "extract_failed", f"{type(exc).__name__}: {exc}")
    if batch:
        tally.chars += chars
        yield from _emit(batcher.submit(item.uri, batch), tally)
    if failed:
        tally.failed += 1
    elif skipped:
        tally.skipped += 1
    else:
        tally.scanned += 1
    yield tally.progress(item.uri, item.size or 0, done=True)


def _scan_source(source: UnitSource, batcher: _Batcher, tally: _Tally) -> Iterator[Event]:
    """A unit source (a table) is summarised as a whole, so its batches are waited for."""
    collected: list[Finding] = []
    batch: list[TextUnit] = []
    chars = 0
    failed = False

    def flush() -> Iterator[Event]:
        for tag, findings in [*batcher.submit(source.uri, batch), *batcher.drain()]:
            if tag == source.uri:
                collected.extend(findings)
            else:
                tally.findings += len(findings)
                yield from findings

    yield tally.progress(source.uri, done=False)
    try:
        for unit in source.units():
            batch.append(unit)
            chars += len(unit.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                tally.chars += chars
                yield from flush()
                yield tally.progress(source.uri, done=False)
                batch, chars = [], 0
    except ItemError as exc:
        failed = True
        yield ScanError(exc.location or source.uri, exc.kind, exc.message)
    except Exception as exc:  # noqa: BLE001
        failed = True
        yield ScanError(source.uri, "read_failed", f"{type(exc).__name__}: {exc}")
    if batch:
        tally.chars += chars
        yield from flush()
    summary = source.summarize(collected)
    tally.findings += len(summary)
    yield from summary
    if failed:
        tally.failed += 1
    else:
        tally.scanned += 1
    yield tally.progress(source.uri, done=True)


def _emit(done: Iterator[tuple[object, list[Finding]]], tally: _Tally) -> Iterator[Finding]:
    for _tag, findings in done:
        tally.findings += len(findings)
        yield from findings


def scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    map_findings: Callable[[list[Finding]], list[Finding]] | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    skip_item: Callable[[object], bool] | None = None,
) -> ScanResult:
    """Scan and collect everything into a :class:`ScanResult`.

    With ``on_finding``, each (mapped) finding is handed over as it is made and not kept, so
    memory does not grow with the number of findings; the result then has no findings.
    """
    started = _now()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    last = Progress("", 0, 0, 0, 0, 0)
    for event in iter_scan(targets, settings, secret=secret, classifier=classifier,
                           skip_item=skip_item):
        if isinstance(event, Finding):
            if on_finding is None:
                findings.append(event)
            else:
                on_finding(map_findings([event])[0] if map_findings else event)
        elif isinstance(event, ScanError):
            errors.append(event)
        else:
            last = event
            if on_progress is not None:
                on_progress(event)
    if map_findings is not None and findings:
        findings = map_findings(findings)
    info = ScanInfo(
        id=str(uuid.uuid4()),
        started_at=started,
        finished_at=_now(),
        targets=tuple(display_target(t) for t in targets),
        scanned=last.scanned,
        skipped=last.skipped,
        failed=last.failed,
        allowed=last.allowed,
    )
    return ScanResult(info, tuple(findings), tuple(errors))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
