"""The scan pipeline: connector -> item -> text units -> classifiers -> findings.

One way only. The connector walks its source; items are typed and extracted (recursively, with
limits) into text units; units are classified in batches of one item; detections are redacted into
findings at once, in the process that made them, so a clear value never crosses further than the
classifier.

How the work is shared (``workers``):

* ``1``: everything in this process, as the walk goes.
* ``N > 1``: the parent walks the connectors and hands items to a pool of N processes, which
  extract, classify and redact them. A local file goes as its path (the bytes are not pickled
  through a pipe); another item (an S3 object, a message, a BLOB) is read here and goes as its
  bytes. Small items are grouped into one task. An item too large to go whole
  (``WORKER_ITEM_BYTES``) or of unknown size is extracted here and its batches are classified in
  the pool, so one huge file still uses every worker; a table (a unit source) too.
* a Dask cluster (``cluster=``): see :mod:`scanner.cluster`; the same steps, on other machines.

Whatever the route, scanning one walked thing produces the same ordered *steps* (plain tuples,
so that a worker can send them back), and the parent replays them in the walk's order: the same
findings and errors in the same order on every route (``tests/test_workers.py``).

``iter_scan`` streams events (findings, errors, progress) so that a huge source never has to fit in
memory; ``scan`` collects them into a :class:`~scanner.models.ScanResult`.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.base import UnitSource, connector_for
from connectors.files import file_uri
from scanner import gctune
from scanner.allowlist import AllowList
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
    pack_findings,
    pack_units,
    unpack_findings,
    unpack_units,
)

log = logging.getLogger("piiscout.pipeline")

# Text per classification batch: large enough for spaCy's pipe, small enough to bound memory.
BATCH_CHARS = 256 * 1024
BATCH_UNITS = 4096
# Items up to this size are extracted in a worker; larger ones here, their batches in the pool.
WORKER_ITEM_BYTES = 8 * 1024 * 1024
# Small items travel together: a task holds up to this many bytes or items.
GROUP_BYTES = 512 * 1024
GROUP_ITEMS = 16
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
    workers: int = 0  # processes of a cluster scan (0 on one machine)
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

    def flat(self, units: Sequence[TextUnit]) -> list[Finding]:
        """The findings of ``units``, in unit order, as one list."""
        return [f for fs in self.findings(units) for f in fs]

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


# -- steps: what scanning one walked thing produces, in order --------------------------------
# Plain tuples, so that a worker can send them back:
#   ("start", uri, size)                  an item or a unit source begins
#   ("error", ScanError, counted)         counted: "walk" for an error of the walk (counts as
#                                         skipped or failed by its kind), "failed", or None
#   ("batch", uri, size, chars, found)    findings of one batch of ``chars`` characters
#   ("collect", uri, chars, found)        the same for a unit source: kept for its summary
#   ("summary", source)                   the unit source's findings, summarised (parent only)
#   ("end", uri, size, outcome)           "scanned", "skipped" or "failed"
# ``found`` is a list of findings, a future of one (a batch in the pool) or packed rows (from a
# worker); :func:`unpack_steps` and :class:`_Replay` resolve it.
Step = tuple[Any, ...]
Classify = Callable[[list[TextUnit]], Any]


def walk_steps(walked: object, settings: Settings, classify: Classify) -> Iterator[Step]:
    """The steps of one thing a connector yielded (an item, a unit source or an error)."""
    if isinstance(walked, ScanError):
        yield ("error", walked, "walk")
    elif isinstance(walked, _Unusable):
        yield ("error", walked.error, "failed")
    elif isinstance(walked, Item):
        yield from item_steps(walked, settings, classify)
    elif isinstance(walked, UnitSource):
        yield from source_steps(walked, classify)


def item_steps(item: Item, settings: Settings, classify: Classify) -> Iterator[Step]:
    """Extract ``item`` (and what it contains) and classify its text, batch by batch."""
    from connectors.extract.walk import extract_all

    uri, size = item.uri, item.size or 0
    batch: list[TextUnit] = []
    chars = 0
    failed = skipped = False
    yield ("start", uri, size)
    try:
        for out in extract_all(item, settings):
            if isinstance(out, ScanError):
                if out.location == uri and out.kind in SKIP_KINDS:
                    skipped = True
                elif out.location == uri and out.kind != "truncated":
                    failed = True
                yield ("error", out, None)
                continue
            batch.append(out)
            chars += len(out.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                yield ("batch", uri, size, chars, classify(batch))
                batch, chars = [], 0
    except Exception as exc:
        failed = True
        yield ("error", ScanError(uri, "extract_failed", f"{type(exc).__name__}: {exc}"), None)
    if batch:
        yield ("batch", uri, size, chars, classify(batch))
    yield ("end", uri, size, "failed" if failed else "skipped" if skipped else "scanned")


def source_steps(source: UnitSource, classify: Classify) -> Iterator[Step]:
    """A unit source (a table) is summarised as a whole: its batches are collected first."""
    uri = source.uri
    batch: list[TextUnit] = []
    chars = 0
    failed = False
    yield ("start", uri, 0)
    try:
        for unit in source.units():
            batch.append(unit)
            chars += len(unit.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                yield ("collect", uri, chars, classify(batch))
                batch, chars = [], 0
    except ItemError as exc:
        failed = True
        yield ("error", ScanError(exc.location or uri, exc.kind, exc.message), None)
    except Exception as exc:
        failed = True
        yield ("error", ScanError(uri, "read_failed", f"{type(exc).__name__}: {exc}"), None)
    if batch:
        yield ("collect", uri, chars, classify(batch))
    yield ("summary", source)
    yield ("end", uri, 0, "failed" if failed else "scanned")


def settle_sources(steps: Iterable[Step]) -> Iterator[Step]:
    """Summarise unit sources where they are (a worker): ``collect`` steps become progress-only
    batches and the summary one batch, so that no step holds a live object."""
    collected: list[Finding] = []
    for step in steps:
        if step[0] == "collect":
            collected.extend(step[3])
            yield ("batch", step[1], 0, step[2], [])
        elif step[0] == "summary":
            yield ("batch", step[1].uri, 0, 0, step[1].summarize(collected))
            collected = []
        else:
            yield step


def pack_steps(steps: Iterable[Step]) -> list[Step]:
    """Steps as they cross a process boundary: findings as rows (see :mod:`scanner.transfer`)."""
    return [(*s[:-1], pack_findings(s[-1])) if s[0] in ("batch", "collect") else s for s in steps]


def unpack_steps(steps: Iterable[Step]) -> Iterator[Step]:
    for s in steps:
        yield (*s[:-1], unpack_findings(s[-1])) if s[0] in ("batch", "collect") else s


class _Replay:
    """Turns steps into events, in order, keeping the scan's tally (progress and counts)."""

    def __init__(self, allow: AllowList | None = None) -> None:
        self.scanned = self.skipped = self.failed = self.findings = self.chars = 0
        self.workers = 0
        self._collected: list[Finding] = []
        self.allow = allow  # applied here, in the parent, whichever route made the findings

    @property
    def allowed(self) -> int:
        return self.allow.allowed if self.allow is not None else 0

    def progress(self, uri: str = "", size: int = 0, *, done: bool = True) -> Progress:
        return Progress(uri, size, self.scanned, self.skipped, self.failed, self.findings, done,
                        self.chars, self.workers, self.allowed)

    def _found(self, found: object) -> list[Finding]:
        resolved = _resolve(found)
        return resolved if self.allow is None else self.allow.filter(resolved)

    def events(self, step: Step) -> Iterator[Event]:
        kind = step[0]
        if kind == "batch":
            _, uri, size, chars, found = step
            found = self._found(found)
            self.chars += chars
            self.findings += len(found)
            yield from found
            yield self.progress(uri, size, done=False)
        elif kind == "start":
            yield self.progress(step[1], step[2], done=False)
        elif kind == "error":
            _, error, counted = step
            if counted == "walk" and error.kind in SKIP_KINDS:
                self.skipped += 1
            elif counted is not None:
                self.failed += 1
            yield error
        elif kind == "collect":
            _, uri, chars, found = step
            self.chars += chars
            self._collected.extend(self._found(found))
            yield self.progress(uri, done=False)
        elif kind == "summary":
            summary = step[1].summarize(self._collected)
            self._collected = []
            self.findings += len(summary)
            yield from summary
        elif kind == "end":
            _, uri, size, outcome = step
            setattr(self, outcome, getattr(self, outcome) + 1)
            yield self.progress(uri, size, done=True)


def _resolve(found: object) -> list[Finding]:
    if isinstance(found, Future):
        return unpack_findings(found.result())
    return found  # type: ignore[return-value]


def guarded_walk(connector: object, target: str) -> Iterator[object]:
    """A connector that fails mid-walk loses the rest of its source, not the scan."""
    try:
        yield from connector.walk()  # type: ignore[attr-defined]
    except ItemError as exc:
        yield ScanError(exc.location or display_target(target), exc.kind, exc.message)
    except Exception as exc:
        log.warning("walk of %s stopped: %s", display_target(target), type(exc).__name__)
        yield ScanError(display_target(target), "walk_failed", f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Unusable:
    """A target no connector takes: recorded, and counted as failed."""

    error: ScanError


def target_walk(target: str, settings: Settings) -> Iterator[object]:
    """What a target holds, connector errors included; the connector is closed at the end."""
    try:
        connector = connector_for(target, settings)
    except (ValueError, ItemError) as exc:
        yield _Unusable(ScanError(display_target(target), "unsupported", str(exc)))
        return
    try:
        yield from guarded_walk(connector, target)
    finally:
        connector.close()


# -- worker processes ------------------------------------------------------------------------
_WORKER: Classifier | None = None
_SETTINGS: Settings | None = None
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does, even after ``kill -9`` of the parent.

    On Linux the kernel sends SIGKILL when the parent goes (``prctl(PR_SET_PDEATHSIG)``); the
    parent may have died before the call, so the parent pid is checked after it. Elsewhere a
    daemon thread polls the parent pid. (Linux sends the signal when the *thread* that started
    the worker ends: the pool is started by the thread that runs the scan, which outlives it.)"""
    import signal
    import sys

    armed = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="piiscout-parent-watch", daemon=True).start()


def _worker_init(classifier: Classifier | None, settings: Settings, secret: bytes,
                 parent: int) -> None:
    global _WORKER, _SETTINGS  # one engine per worker process, by design
    die_with_parent(parent)
    _WORKER = classifier if classifier is not None else Classifier(settings, secret)
    _SETTINGS = settings
    gctune.tune()  # the worker lives for one scan


def _worker_run(rows: Sequence[tuple[Any, ...]]) -> list[FindingRow]:
    assert _WORKER is not None
    return pack_findings(_WORKER.flat(unpack_units(rows)))  # type: ignore[arg-type]


# An item as it goes to a worker: (path, data, uri, source_kind, size, name, media_type, depth,
# metadata); exactly one of path and data is set.
ItemRef = tuple[Any, ...]


def _worker_items(refs: Sequence[ItemRef]) -> list[Step]:
    assert _WORKER is not None and _SETTINGS is not None
    steps: list[Step] = []
    for ref in refs:
        steps.extend(item_steps(item_from_ref(ref), _SETTINGS, _WORKER.flat))
    return pack_steps(steps)


def item_from_ref(ref: ItemRef) -> Item:
    path, data, uri, source_kind, size, name, media_type, depth, metadata = ref
    opener = partial(open, path, "rb") if path is not None else partial(io.BytesIO, data)
    return Item(uri, source_kind, opener, size, name, media_type, depth, metadata)  # type: ignore[arg-type]


def local_path(item: Item) -> str | None:
    """The path of an item that is a whole local file (what the folder connector yields)."""
    if item.source_kind != "file" or not item.uri.startswith("file://") or item.depth:
        return None
    path = unquote(urlsplit(item.uri).path)
    try:
        if file_uri(Path(path)) != item.uri:  # the uri must name exactly this file
            return None
    except (OSError, ValueError):
        return None
    return path


def item_ref(item: Item, limit: int | None = None) -> ItemRef | None:
    """``item`` as a worker can open it, or None when it must be extracted here (too large, of
    unknown size, or unreadable here: then extraction here records the same error)."""
    limit = WORKER_ITEM_BYTES if limit is None else limit
    if item.size is None or item.size > limit:
        return None
    # What a worker needs to extract: not the parent's helpers (a table's version() method)
    meta = {k: v for k, v in item.metadata.items() if not callable(v)}
    path = local_path(item)
    if path is not None:
        return (path, None, item.uri, item.source_kind, item.size, item.name, item.media_type,
                item.depth, meta)
    try:
        with item.open() as stream:
            data = stream.read(limit + 1)
    except Exception:
        return None
    if len(data) > limit:
        return None
    return (None, data, item.uri, item.source_kind, item.size, item.name, item.media_type,
            item.depth, meta)


class _Pool:
    """The worker pool, and the ordered queue of what it owes: results leave in walk order."""

    def __init__(self, settings: Settings, secret: bytes, classifier: Classifier | None) -> None:
        self.settings = settings
        self.workers = settings.effective_workers
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        init_with = None
        if ctx.get_start_method() == "fork":
            init_with = classifier or Classifier(settings, secret)  # loaded once, inherited
            init_with.warm()
        self.local = init_with
        self.executor = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_worker_init,
            initargs=(init_with, settings, secret, os.getpid()),
        )
        # (future or None, step or None): a step to replay, a batch's future inside its step,
        # or a group of items whose steps the future returns.
        self.queue: deque[tuple[Future[Any] | None, Step | None]] = deque()
        self.pending = 0  # futures in the queue
        self.group: list[ItemRef] = []
        self.group_bytes = 0

    def classify(self, units: list[TextUnit]) -> Future[list[FindingRow]]:
        return self.executor.submit(_worker_run, pack_units(units))

    def add(self, walked: object, replay: _Replay) -> Iterator[Event]:
        """Queue what scanning ``walked`` takes; yield the events that are due, in order."""
        if isinstance(walked, Item):
            ref = item_ref(walked)
            if ref is not None:
                self.group.append(ref)
                self.group_bytes += walked.size or 0
                if self.group_bytes >= GROUP_BYTES or len(self.group) >= GROUP_ITEMS:
                    self._submit_group()
                yield from self._due(replay)
                return
        self._submit_group()
        for step in walk_steps(walked, self.settings, self.classify):
            fut = step[-1] if step[0] in ("batch", "collect") else None
            self.queue.append((fut, step))
            if fut is not None:
                self.pending += 1
                yield from self._due(replay)

    def _submit_group(self) -> None:
        if self.group:
            self.queue.append((self.executor.submit(_worker_items, self.group), None))
            self.pending += 1
            self.group, self.group_bytes = [], 0

    def _due(self, replay: _Replay, limit: int | None = None) -> Iterator[Event]:
        limit = 2 * self.workers if limit is None else limit
        queue = self.queue
        while queue and (self.pending > limit or queue[0][0] is None or queue[0][0].done()):
            fut, step = queue.popleft()
            if fut is not None:
                self.pending -= 1
            if step is None:
                assert fut is not None
                for s in unpack_steps(fut.result()):
                    yield from replay.events(s)
            else:
                yield from replay.events(step)

    def drain(self, replay: _Replay) -> Iterator[Event]:
        self._submit_group()
        yield from self._due(replay, limit=-1)

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


def iter_scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    cluster: str | None = None,
    skip_item: Callable[[object], bool] | None = None,
) -> Iterator[Event]:
    """Scan ``targets`` and yield findings, errors and progress as they happen.

    ``cluster``: the address of a Dask scheduler (``tcp://``, ``tls://``) or ``local:N``; the
    scan then runs there (:mod:`scanner.cluster`).

    ``skip_item(walked)`` (an item or unit source as the connector yields it) returning True
    means it is not read at all (incremental scans: unchanged since it was last read). It is
    asked on one machine only: a cluster scan reads everything."""
    if secret is None:
        secret = load_or_create_secret(settings.data_dir or default_data_dir())
    if cluster is not None:
        from scanner.cluster import iter_cluster_scan

        yield from iter_cluster_scan(targets, settings, secret=secret, address=cluster)
        return
    replay = _Replay(AllowList.from_settings(settings, secret))
    if settings.effective_workers <= 1:
        local = classifier or Classifier(settings, secret)
        with gctune.tuned():
            for target in targets:
                for walked in _unskipped(target_walk(target, settings), skip_item):
                    for step in walk_steps(walked, settings, local.flat):
                        yield from replay.events(step)
            yield replay.progress()
        return
    pool = _Pool(settings, secret, classifier)
    try:
        with gctune.tuned():
            for target in targets:
                for walked in _unskipped(target_walk(target, settings), skip_item):
                    yield from pool.add(walked, replay)
            yield from pool.drain(replay)
            yield replay.progress()
    finally:
        pool.close()


def _unskipped(walked: Iterable[object], skip_item: Callable[[object], bool] | None
               ) -> Iterator[object]:
    """What the walk yields, minus the items ``skip_item`` says need not be read again."""
    if skip_item is None:
        yield from walked
        return
    for w in walked:
        if isinstance(w, ScanError) or not skip_item(w):
            yield w


def scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    map_findings: Callable[[list[Finding]], list[Finding]] | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    cluster: str | None = None,
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
                           cluster=cluster, skip_item=skip_item):
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
