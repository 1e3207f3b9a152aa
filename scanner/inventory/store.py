"""The inventory store: open (and migrate) a database, record scan results, query and review.

Recording is transactional in batches: the run row is committed first with status ``running``;
each batch of aggregated findings is committed in its own transaction (bulk upserts, see
:mod:`.recording`); errors, totals, resolved findings and the ``completed`` status are committed
last. A run stopped by Ctrl-C or SIGTERM is marked ``interrupted`` at once; one killed outright
stays ``running`` until a later command sees that nobody holds its recording lock any more
(:mod:`.locks`) and marks it ``interrupted``. Every committed batch is whole, and a rerun's counts
replace the interrupted run's: the inventory then equals what one clean scan would have made.

A finding's identity is location URI + field + entity + value hash, never a line number, so review
decisions carry over to later scans. Clear values are never stored: only the masked preview and
the keyed hash that :mod:`scanner.redact` made.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, create_engine, func, or_, select, update
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from scanner.inventory import history, recording
from scanner.inventory.db import (
    InventoryError,
    UnknownSchema,
    _db_errors,
    _error_text,
    _key,
    _now,
    describe,
    migrate,
    normalize_url,
    safe_url,
)
from scanner.inventory.history import Diff
from scanner.inventory.locks import WRITE, RecordingLock, configure_sqlite
from scanner.inventory.recording import Group as _Group
from scanner.inventory.rows import FindingRow, ReviewEntry, RunRow
from scanner.inventory.schema import (
    HASH_PREFIX,
    STATUSES,
    ErrorRow,
    FindingAgg,
    LocationRow,
    Review,
    Run,
    Source,
)
from scanner.inventory.sources import resolver
from scanner.models import Finding, ScanError, ScanInfo, ScanResult
from scanner.policy import DEFAULT_PACKS, PolicyError, PolicyMapper, PolicyPack, load_packs

__all__ = [
    "FindingRow",
    "Inventory",
    "InventoryError",
    "ReviewEntry",
    "RunRecorder",
    "RunRow",
    "_key",
    "migrate",
    "normalize_url",
    "safe_url",
]

DB_FILE = "inventory.sqlite"
BATCH = 500
REVIEW_STATUSES = tuple(s for s in STATUSES if s != "open")
HOST = socket.gethostname()[:255]


class Inventory:
    """The inventory database. Use :meth:`open`; call :meth:`close` when done."""

    def __init__(self, engine: Engine, clock: Callable[[], str] = _now) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)
        self.write = sessionmaker(engine.execution_options(**WRITE), expire_on_commit=False)
        self.clock = clock
        self._source_ids: dict[str, int] = {}
        self._mapper: PolicyMapper | None = None

    @classmethod
    def open(cls, url: str | None, data_dir: Path) -> Inventory:
        """Open ``url`` (``None``: the SQLite file in ``data_dir``) and migrate it to head."""
        if url is None:
            data_dir.mkdir(parents=True, exist_ok=True)
            path = data_dir / DB_FILE
            if not path.exists():  # previews and hashes are not for everyone's eyes
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            url = f"sqlite:///{path}"
        url = normalize_url(url)
        try:
            from scanner.urls import parse_db_url

            # any character in the password (/, #, @): the same parser as database targets
            engine = create_engine(parse_db_url(url))
        except (ArgumentError, ImportError, ValueError) as exc:
            raise InventoryError(
                f"cannot use the inventory URL {safe_url(url)}: {_error_text(exc, url)}; "
                "give --db an sqlite:///PATH or postgresql://HOST/DB URL"
            ) from None
        if engine.dialect.name not in ("sqlite", "postgresql"):
            engine.dispose()
            raise InventoryError(
                f"cannot use {safe_url(url)} as the inventory: it must be SQLite or PostgreSQL "
                "(give --db an sqlite:///PATH or postgresql://HOST/DB URL)"
            )
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
        try:
            migrate(engine)
        except UnknownSchema as exc:
            engine.dispose()
            raise InventoryError(
                f"the inventory at {safe_url(url)} has schema revision {exc}, which this piiscout "
                "does not know (it was written by a newer or an unreleased version): open it "
                "with that version, or give --db (or PIISCOUT_HOME) another inventory"
            ) from None
        except SQLAlchemyError as exc:
            engine.dispose()
            if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
                raise InventoryError(describe(exc, url)) from None
            raise InventoryError(
                f"cannot open the inventory at {safe_url(url)}: {_error_text(exc, url)}"
            ) from None
        inventory = cls(engine)
        inventory.reap()
        return inventory

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs left behind -----------------------------------------------------------------
    def _stale(self) -> Any:
        """Runs still ``running`` that no live recorder of this process can own."""
        return (Run.status == "running") & or_(
            Run.pid.is_(None), Run.pid != os.getpid(), Run.host.is_(None), Run.host != HOST
        )

    def reap(self) -> int:
        """Mark ``interrupted`` the runs left ``running`` by a process that is gone (killed).

        Nobody recording holds the recording lock, so when it can be taken every such run is
        dead. Best effort: a busy or read-only inventory is left as it is."""
        try:
            with self.session() as s:
                if not s.scalar(select(func.count()).select_from(Run).where(self._stale())):
                    return 0
            lock = RecordingLock(self.engine)
            if not lock.acquire():
                return 0
            try:
                return self._mark_stale()
            finally:
                lock.release()
        except SQLAlchemyError:
            return 0

    def _mark_stale(self) -> int:
        with self.write.begin() as s:
            return recording.affected(s.execute(
                update(Run).where(self._stale()).values(status="interrupted")))

    # -- recording ------------------------------------------------------------------------
    def record(self, result: ScanResult, packs: Sequence[PolicyPack], *,
               mark_interrupted: bool = False) -> list[Finding]:
        """Store a scan; return its findings (mapped to clauses) minus suppressed ones.

        If recording stops half-way (an exception, Ctrl-C), the run stays ``running`` or, with
        ``mark_interrupted``, is marked ``interrupted`` at once."""
        recorder = self.start(result.info, packs)
        try:
            kept: list[Finding] = []
            for i in range(0, len(result.findings), BATCH):  # a transaction each
                kept += recorder.add(result.findings[i : i + BATCH])
            recorder.finish(result.info, result.errors)
        except BaseException:
            if mark_interrupted:
                recorder.interrupt()
            else:
                recorder.lock.release()
            raise
        return kept

    @_db_errors
    def start(self, info: ScanInfo, packs: Sequence[PolicyPack]) -> RunRecorder:
        """Open a run (status "running") whose findings are then added in batches as a scan
        makes them, so that memory does not grow with their number; see :class:`RunRecorder`.

        Takes the recording lock first: a second scan into the same inventory is refused."""
        lock = RecordingLock(self.engine)
        if not lock.acquire():
            raise InventoryError(self._busy_message())
        try:
            self._mark_stale()
            now = self.clock()
            with self.write.begin() as s:
                run = Run(
                    scan_id=info.id, started_at=info.started_at, finished_at=info.finished_at,
                    recorded_at=now, status="running", targets=json.dumps(list(info.targets)),
                    packs=json.dumps([p.id for p in packs]), scanned=info.scanned,
                    skipped=info.skipped, failed=info.failed, findings=0, pid=os.getpid(),
                    host=HOST,
                )
                s.add(run)
                s.flush()
                run_id = run.id
        except BaseException:
            lock.release()
            raise
        mapper = PolicyMapper(packs)
        self.use_packs(mapper)  # what this process reads back agrees with what it records
        return RunRecorder(self, run_id, now, info.targets, mapper, lock)

    def _busy_message(self) -> str:
        # The lock holder writes its run row just after taking the lock; a reader does not wait
        # for that write (WAL), so look again for a moment before naming no run.
        deadline = time.monotonic() + 3.0
        while True:
            with self.session() as s:
                run = s.scalars(select(Run).where(Run.status == "running")
                                .order_by(Run.id.desc())).first()
            if run is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        who = (f" (run {run.id}, process {run.pid} on {run.host}, since {run.recorded_at})"
               if run is not None else "")
        return (f"another scan is recording into this inventory{who}; wait for it to finish, "
                "or record into another --db")

    def _record_batch(
        self,
        s: Session,
        run_id: int,
        now: str,
        targets: Sequence[str],
        batch: dict[tuple[str, str, str, str], _Group],
    ) -> set[tuple[str, str, str, str]]:
        return recording.record_batch(s, run_id=run_id, now=now, source_of=_resolver(tuple(targets)),
                                      source_cache=self._source_ids, batch=batch)

    # -- queries --------------------------------------------------------------------------
    @_db_errors
    def findings(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        source: str | None = None,
        value_hashes: Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
        resolved: bool = False,
        mapper: PolicyMapper | None = None,
    ) -> list[FindingRow]:
        """Stored findings. Without ``status``, false positives are left out; ``"*"``: all.
        Resolved findings (no longer seen where they were) only with ``resolved``.

        Their clauses are worked out now, by ``mapper`` (default :attr:`mapper`: the active
        packs), from the stored category, linkage, source kind and location: a change of packs
        shows at once, and every reader agrees (see :class:`scanner.policy.PolicyMapper`)."""
        q = (
            select(FindingAgg, LocationRow.uri, Source.name)
            .join(LocationRow, FindingAgg.location_id == LocationRow.id)
            .join(Source, LocationRow.source_id == Source.id)
        )
        if status is None:
            q = q.where(FindingAgg.status != "false-positive")
        elif status != "*":
            q = q.where(FindingAgg.status == status)
        if not resolved:
            q = q.where(FindingAgg.resolved_run_id.is_(None))
        if category:
            q = q.where(
                or_(FindingAgg.category == category, FindingAgg.category.startswith(category + "."))
            )
        if source:
            q = q.where(
                or_(Source.kind == source, Source.name == source, LocationRow.uri.startswith(source))
            )
        if value_hashes is not None:  # by the index of the hashes' prefixes (schema.HASH_PREFIX)
            hashes = list(value_hashes)
            q = q.where(func.substr(FindingAgg.value_hash, 1, HASH_PREFIX)
                        .in_(sorted({h[:HASH_PREFIX] for h in hashes})),
                        FindingAgg.value_hash.in_(hashes))
        if ids is not None:
            q = q.where(FindingAgg.id.in_(list(ids)))
        q = q.order_by(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.id)
        with self.session() as s:
            rows = s.execute(q).all()
        m = mapper or self.mapper
        return [_row(f, uri, name, tuple(sorted(m.clauses_for_category(
                    f.category, f.linked, f.source_kind, uri)))) for f, uri, name in rows]

    @property
    def mapper(self) -> PolicyMapper:
        """The packs clauses are worked out with: those given to :meth:`use_packs`, else the
        packs the organisation selected (``piiscout policy use``; GDPR when none)."""
        if self._mapper is None:
            try:
                self._mapper = PolicyMapper(load_packs(()))
            except PolicyError:  # a broken selection is reported by the commands that use it
                self._mapper = PolicyMapper(load_packs(DEFAULT_PACKS))
        return self._mapper

    def use_packs(self, packs: Sequence[PolicyPack] | PolicyMapper) -> None:
        """Work clauses out with these packs from now on."""
        self._mapper = packs if isinstance(packs, PolicyMapper) else PolicyMapper(packs)

    def get(self, finding_id: int) -> FindingRow:
        rows = self.findings(ids=[finding_id], status="*", resolved=True)
        if rows:
            return rows[0]
        raise InventoryError(
            f"no finding with ID {finding_id}; list them with `piiscout findings list`"
        )

    @_db_errors
    def review(
        self, finding_id: int, status: str, *, reviewer: str, note: str = ""
    ) -> ReviewEntry:
        """Record a decision: one new audit row plus the finding's current status, atomically."""
        if status not in REVIEW_STATUSES:
            raise InventoryError(
                f"unknown review status {status!r}: use one of {', '.join(REVIEW_STATUSES)}"
            )
        with self.write.begin() as s:
            row = s.get(FindingAgg, finding_id)
            if row is None:
                raise InventoryError(
                    f"no finding with ID {finding_id}; list them with `piiscout findings list`"
                )
            entry = Review(finding_id=finding_id, reviewer=reviewer, at=self.clock(),
                           old_status=row.status, new_status=status, note=note)
            row.status = status
            s.add(entry)
            s.flush()
            return _review(entry)

    @_db_errors
    def history(self, finding_id: int | None = None) -> list[ReviewEntry]:
        q = select(Review).order_by(Review.id)
        if finding_id is not None:
            q = q.where(Review.finding_id == finding_id)
        with self.session() as s:
            return [_review(r) for r in s.scalars(q)]

    @_db_errors
    def runs(self) -> list[RunRow]:
        with self.session() as s:
            errors: dict[int, int] = {
                run_id: n for run_id, n in s.execute(
                    select(ErrorRow.run_id, func.count()).group_by(ErrorRow.run_id))
            }
            return [
                RunRow(r.id, r.scan_id, r.started_at, r.finished_at, r.recorded_at, r.status,
                       tuple(json.loads(r.targets)), tuple(json.loads(r.packs)), r.scanned,
                       r.skipped, r.failed, r.findings, errors.get(r.id, 0), r.pid, r.host)
                for r in s.scalars(select(Run).order_by(Run.id))
            ]

    def diff(self, from_run: int | None = None, to_run: int | None = None,
             mapper: PolicyMapper | None = None) -> tuple[Diff, dict[int, FindingRow]]:
        """What changed between two runs (see :mod:`.history`), with the findings concerned."""
        pair = history.default_pair(self.runs(), from_run, to_run)
        if isinstance(pair, str):
            raise InventoryError(pair)
        with self.session() as s:
            d = history.diff(s, *pair)
        ids = [*d.new, *d.resolved, *d.changed]
        rows: dict[int, FindingRow] = {}
        for part in recording.chunks(ids):
            rows.update((r.id, r) for r in self.findings(ids=part, status="*", resolved=True,
                                                         mapper=mapper))
        return d, rows

    @_db_errors
    def errors(self, run_id: int | None = None) -> list[tuple[int, str, str, str]]:
        q = select(ErrorRow).order_by(ErrorRow.id)
        if run_id is not None:
            q = q.where(ErrorRow.run_id == run_id)
        with self.session() as s:
            return [(e.run_id, e.location, e.kind, e.message) for e in s.scalars(q)]


@functools.lru_cache(maxsize=8)
def _resolver(targets: tuple[str, ...]) -> Callable[[str], str]:
    return resolver(tuple(targets))


class RunRecorder:
    """One run being recorded: :meth:`add` stores a batch of findings (a finding seen in an
    earlier batch adds to its row's count) and returns those not suppressed as false positives;
    :meth:`touch` carries unchanged items over; :meth:`finish` stores the errors and counts,
    resolves what the run no longer saw and marks the run completed; :meth:`interrupt` marks it
    interrupted. As a context manager, leaving it unfinished (an exception, Ctrl-C, SIGTERM)
    interrupts it."""

    def __init__(self, inv: Inventory, run_id: int, now: str, targets: Sequence[str],
                 mapper: PolicyMapper, lock: RecordingLock | None = None) -> None:
        self.inv, self.run_id, self.now, self.targets, self.mapper = inv, run_id, now, targets, mapper
        self.lock = lock or RecordingLock(inv.engine)
        self.done = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if not self.done:
            self.interrupt()

    @_db_errors
    def add(self, findings: Sequence[Finding]) -> list[Finding]:
        findings = self.mapper.map(findings)
        groups = _aggregate(findings)
        keys = list(groups)
        suppressed: set[tuple[str, str, str, str]] = set()
        with self.inv.write.begin() as s:  # one transaction per batch the scan hands over
            for i in range(0, len(keys), BATCH):
                batch = {k: groups[k] for k in keys[i : i + BATCH]}
                suppressed |= self.inv._record_batch(s, self.run_id, self.now, self.targets,
                                                     batch)
        if not suppressed:
            return findings
        return [f for f in findings if _identity(f) not in suppressed]

    @_db_errors
    def touch(self, uris: Iterable[str]) -> int:
        """Items skipped as unchanged (incremental rescans): their locations and current findings
        count as seen by this run, so that they are not resolved. Bulk; returns the number of
        findings carried over."""
        with self.inv.write.begin() as s:
            return recording.touch(s, self.run_id, self.now, list(uris))

    @_db_errors
    def finish(self, info: ScanInfo, errors: Iterable[ScanError]) -> None:
        errors = list(errors)
        with self.inv.write.begin() as s:
            s.add_all(ErrorRow(run_id=self.run_id, location=e.location, kind=e.kind,
                               message=e.message[:2000]) for e in errors)
            history.resolve(s, self.run_id, self.targets, [e.location for e in errors])
            run = s.get_one(Run, self.run_id)
            run.scan_id, run.finished_at = info.id, info.finished_at
            run.scanned, run.skipped, run.failed = info.scanned, info.skipped, info.failed
            run.findings = s.scalar(select(func.count()).select_from(FindingAgg)
                                    .where(FindingAgg.last_run_id == self.run_id)) or 0
            run.status = "completed"
        self.done = True
        self.lock.release()

    def interrupt(self) -> None:
        """Mark the run ``interrupted`` (best effort: a dead database is reaped later)."""
        self.done = True
        try:
            with self.inv.write.begin() as s:
                s.execute(update(Run).where(Run.id == self.run_id, Run.status == "running")
                          .values(status="interrupted", finished_at=_now()))
        except SQLAlchemyError:
            pass
        finally:
            self.lock.release()


def _identity(f: Finding) -> tuple[str, str, str, str]:
    # Entity and hash are bounded by their column sizes (64); longer ones would fail a batch.
    return (f.location.uri, f.location.field or "", f.entity[:64], f.value_hash[:64])


_RANK = {"low": 1, "medium": 2, "high": 3}


def _worse(a: str, b: str) -> str:
    """The higher of two severities: occurrences of one value keep the worst."""
    return b if _RANK[b] > _RANK[a] else a


def _linked(a: bool | None, b: bool | None) -> bool | None:
    """Linked to a person once is linked (True > False > unknown)."""
    return b if b is True or (b is False and a is None) else a


def _aggregate(findings: Iterable[Finding]) -> dict[tuple[str, str, str, str], _Group]:
    """The batch's findings grouped by identity (:func:`_aggregate_reference`, built with fewer
    calls: a finding's severity value read once, the slices only where a value is too long)."""
    groups: dict[tuple[str, str, str, str], _Group] = {}
    get = groups.get
    rank = _RANK
    for f in findings:
        loc = f.location
        entity, vhash = f.entity, f.value_hash
        key = (loc.uri, loc.field or "", entity if len(entity) <= 64 else entity[:64],
               vhash if len(vhash) <= 64 else vhash[:64])
        g = get(key)
        severity = f.severity._value_
        if g is None:
            groups[key] = _Group(f, 1, f.score, severity, f.linked)
            continue
        g.count += 1
        if f.score > g.max_score:
            g.max_score = f.score
        if rank[severity] > rank[g.severity]:
            g.severity = severity
        linked = f.linked
        if linked is True or (linked is False and g.linked is None):
            g.linked = linked
    return groups


def _aggregate_reference(findings: Iterable[Finding]) -> dict[tuple[str, str, str, str], _Group]:
    """What :func:`_aggregate` returns, the plain way (tests compare them)."""
    groups: dict[tuple[str, str, str, str], _Group] = {}
    for f in findings:
        key = _identity(f)
        g = groups.get(key)
        if g is None:
            groups[key] = _Group(f, 1, f.score, f.severity.value, f.linked)
            continue
        g.count += 1
        g.max_score = max(g.max_score, f.score)
        g.severity = _worse(g.severity, f.severity.value)
        g.linked = _linked(g.linked, f.linked)
    return groups


def _row(f: FindingAgg, uri: str, source: str, clauses: tuple[str, ...]) -> FindingRow:
    return FindingRow(
        id=f.id, uri=uri, field=f.field, entity=f.entity, category=f.category,
        value_hash=f.value_hash, preview=f.preview, detector=f.detector, severity=f.severity,
        linked=f.linked, source_kind=f.source_kind, source=source, count=f.count,
        max_score=f.max_score, first_seen=f.first_seen, last_seen=f.last_seen, status=f.status,
        clauses=clauses, resolved_run_id=f.resolved_run_id, line=f.line,
        explanation=f.explanation,
    )


def _review(r: Review) -> ReviewEntry:
    return ReviewEntry(r.id, r.finding_id, r.reviewer, r.at, r.old_status, r.new_status, r.note)
