"""The inventory store: open (and migrate) a database, record scan results, query and review.

Recording is transactional in batches: the run row is committed first with status ``running``;
each batch of aggregated findings is committed in its own transaction; errors, totals and the
``completed`` status are committed last. An interrupted recording leaves every committed batch
whole and its run visibly ``running`` (incomplete).

A finding's identity is location URI + field + entity + value hash, never a line number, so review
decisions carry over to later scans. Clear values are never stored: only the masked preview and
the keyed hash that :mod:`scanner.redact` made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import click
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from scanner.inventory.schema import (
    STATUSES,
    ClauseMapping,
    ErrorRow,
    FindingAgg,
    LocationRow,
    Review,
    Run,
    Source,
)
from scanner.inventory.sources import source_of
from scanner.models import Finding, ScanError, ScanInfo, ScanResult
from scanner.policy import PolicyMapper, PolicyPack

DB_FILE = "inventory.sqlite"
BATCH = 500
REVIEW_STATUSES = tuple(s for s in STATUSES if s != "open")


class InventoryError(click.ClickException):
    """A problem with the inventory database that the user can act on.

    A :class:`click.ClickException`, so that any command shows its message instead of a traceback.
    """


@dataclass(frozen=True)
class FindingRow:
    """One aggregated finding as stored (safe to print: preview and hash only)."""

    id: int
    uri: str
    field: str
    entity: str
    category: str
    value_hash: str
    preview: str
    detector: str
    severity: str
    linked: bool | None
    source_kind: str
    source: str
    count: int
    max_score: float
    first_seen: str
    last_seen: str
    status: str
    clauses: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        d = dataclasses.asdict(self)
        d["clauses"] = list(self.clauses)
        d["max_score"] = round(self.max_score, 4)
        return d


@dataclass(frozen=True)
class ReviewEntry:
    id: int
    finding_id: int
    reviewer: str
    at: str
    old_status: str
    new_status: str
    note: str

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RunRow:
    id: int
    scan_id: str
    started_at: str
    finished_at: str
    recorded_at: str
    status: str
    targets: tuple[str, ...]
    packs: tuple[str, ...]
    scanned: int
    skipped: int
    failed: int
    findings: int
    errors: int = 0

    def to_dict(self) -> dict[str, object]:
        d = dataclasses.asdict(self)
        d["targets"], d["packs"] = list(self.targets), list(self.packs)
        return d


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalize_url(url: str) -> str:
    """``postgresql://`` -> psycopg 3; a bare path -> an SQLite file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """The URL without user name and password (secret query values masked), for messages."""
    from scanner.urls import redact_url

    return redact_url(url)


def _error_text(exc: Exception, url: str) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    from scanner.urls import redact_text, url_secrets

    return redact_text(text, str(password) if password else None, *url_secrets(url))


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration shipped in ``migrations/``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Inventory:
    """The inventory database. Use :meth:`open`; call :meth:`close` when done."""

    def __init__(self, engine: Engine, clock: Callable[[], str] = _now) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

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
            engine = create_engine(url)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise InventoryError(
                f"cannot use the inventory URL {safe_url(url)}: {_error_text(exc, url)}; "
                "give --db an sqlite:///PATH or postgresql://HOST/DB URL"
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            migrate(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise InventoryError(
                f"cannot open the inventory at {safe_url(url)}: {_error_text(exc, url)}"
            ) from None
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- recording ------------------------------------------------------------------------
    def record(self, result: ScanResult, packs: Sequence[PolicyPack]) -> list[Finding]:
        """Store a scan; return its findings (mapped to clauses) minus suppressed ones."""
        recorder = self.start(result.info, packs)
        kept = recorder.add(result.findings)
        recorder.finish(result.info, result.errors)
        return kept

    def start(self, info: ScanInfo, packs: Sequence[PolicyPack]) -> RunRecorder:
        """Open a run (status "running") whose findings are then added in batches as a scan
        makes them, so that memory does not grow with their number; see :class:`RunRecorder`."""
        now = self.clock()
        with self.session.begin() as s:
            run = Run(
                scan_id=info.id, started_at=info.started_at, finished_at=info.finished_at,
                recorded_at=now, status="running", targets=json.dumps(list(info.targets)),
                packs=json.dumps([p.id for p in packs]), scanned=info.scanned,
                skipped=info.skipped, failed=info.failed, findings=0,
            )
            s.add(run)
            s.flush()
            run_id = run.id
        return RunRecorder(self, run_id, now, info.targets, PolicyMapper(packs))

    def _record_batch(
        self,
        s: Session,
        run_id: int,
        now: str,
        targets: Sequence[str],
        batch: dict[tuple[str, str, str, str], _Group],
    ) -> set[tuple[str, str, str, str]]:
        locations = self._locations(s, run_id, now, targets, batch)
        loc_ids = [loc.id for loc in locations.values()]
        existing = {
            (f.location_id, f.field, f.entity, f.value_hash): f
            for f in s.scalars(select(FindingAgg).where(FindingAgg.location_id.in_(loc_ids)))
        }
        suppressed: set[tuple[str, str, str, str]] = set()
        rows: list[tuple[FindingAgg, _Group, bool]] = []
        for key, g in batch.items():
            uri, field, entity, vhash = key
            loc = locations[uri]
            row = existing.get((loc.id, field, entity, vhash))
            f = g.first
            if row is None:
                row = FindingAgg(
                    location_id=loc.id, field=field, entity=entity, category=f.category[:128],
                    value_hash=vhash, preview=f.preview, detector=f.detector[:64],
                    severity=g.severity, linked=g.linked, source_kind=f.source_kind[:16],
                    count=g.count, max_score=g.max_score, first_seen=now, last_seen=now,
                    first_run_id=run_id, last_run_id=run_id, status="open",
                )
                s.add(row)
            elif row.last_run_id == run_id:  # seen in an earlier batch of this run: add up
                row.count += g.count
                row.max_score = max(row.max_score, g.max_score)
                row.severity = _worse(row.severity, g.severity)
                row.linked = _linked(row.linked, g.linked)
                if row.status == "false-positive":
                    suppressed.add(key)
                rows.append((row, g, True))
                continue
            else:
                row.category, row.preview = f.category[:128], f.preview
                row.detector = f.detector[:64]
                row.severity, row.linked, row.source_kind = g.severity, g.linked, f.source_kind[:16]
                row.count = g.count  # per run, not accumulated across runs
                row.max_score = max(row.max_score, g.max_score)
                row.last_seen = max(row.last_seen, now)
                row.last_run_id = run_id
                if row.status == "false-positive":
                    suppressed.add(key)
            rows.append((row, g, False))
        s.flush()
        fresh = [row.id for row, _, again in rows if not again]
        s.execute(delete(ClauseMapping).where(ClauseMapping.finding_id.in_(fresh)))
        again = [row.id for row, _, again in rows if again]
        have = {(fid, c) for fid, c in s.execute(
            select(ClauseMapping.finding_id, ClauseMapping.clause)
            .where(ClauseMapping.finding_id.in_(again)))} if again else set()
        s.add_all(
            ClauseMapping(finding_id=row.id, clause=c) for row, g, _ in rows for c in g.clauses
            if (row.id, c) not in have
        )
        return suppressed

    def _locations(
        self,
        s: Session,
        run_id: int,
        now: str,
        targets: Sequence[str],
        batch: dict[tuple[str, str, str, str], _Group],
    ) -> dict[str, LocationRow]:
        kinds = {k[0]: g.first.source_kind[:16] for k, g in batch.items()}
        by_key = {_key(uri): uri for uri in kinds}
        found = {
            row.uri: row
            for row in s.scalars(select(LocationRow).where(LocationRow.uri_key.in_(by_key)))
        }
        sources: dict[tuple[str, str], int] = {}
        for uri, kind in kinds.items():
            row = found.get(uri)
            if row is None:
                name = source_of(uri, targets)
                sid = sources.get((kind, name))
                if sid is None:
                    sid = sources[(kind, name)] = self._source_id(s, kind, name)
                row = LocationRow(source_id=sid, uri=uri, uri_key=_key(uri), first_seen=now,
                                  last_seen=now, last_run_id=run_id)
                s.add(row)
                found[uri] = row
            else:
                row.last_seen = max(row.last_seen, now)
                row.last_run_id = run_id
        s.flush()
        return found

    @staticmethod
    def _source_id(s: Session, kind: str, name: str) -> int:
        key = _key(f"{kind}\x1f{name}")
        sid = s.scalar(select(Source.id).where(Source.name_key == key))
        if sid is None:
            src = Source(kind=kind, name=name, name_key=key)
            s.add(src)
            s.flush()
            sid = src.id
        return sid

    # -- queries --------------------------------------------------------------------------
    def findings(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        source: str | None = None,
        value_hashes: Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[FindingRow]:
        """Stored findings. Without ``status``, false positives are left out; ``"*"``: all."""
        q = (
            select(FindingAgg, LocationRow.uri, Source.name)
            .join(LocationRow, FindingAgg.location_id == LocationRow.id)
            .join(Source, LocationRow.source_id == Source.id)
        )
        if status is None:
            q = q.where(FindingAgg.status != "false-positive")
        elif status != "*":
            q = q.where(FindingAgg.status == status)
        if category:
            q = q.where(
                or_(FindingAgg.category == category, FindingAgg.category.startswith(category + "."))
            )
        if source:
            q = q.where(
                or_(Source.kind == source, Source.name == source, LocationRow.uri.startswith(source))
            )
        if value_hashes is not None:
            q = q.where(FindingAgg.value_hash.in_(list(value_hashes)))
        if ids is not None:
            q = q.where(FindingAgg.id.in_(list(ids)))
        q = q.order_by(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.id)
        with self.session() as s:
            rows = s.execute(q).all()
            clauses: dict[int, list[str]] = {}
            fids = [r[0].id for r in rows]
            for i in range(0, len(fids), BATCH):
                chunk = fids[i : i + BATCH]
                for m in s.scalars(
                    select(ClauseMapping).where(ClauseMapping.finding_id.in_(chunk))
                ):
                    clauses.setdefault(m.finding_id, []).append(m.clause)
        return [_row(f, uri, name, tuple(sorted(clauses.get(f.id, ())))) for f, uri, name in rows]

    def get(self, finding_id: int) -> FindingRow:
        rows = self.findings(ids=[finding_id], status="*")
        if rows:
            return rows[0]
        raise InventoryError(
            f"no finding with ID {finding_id}; list them with `piiscout findings list`"
        )

    def review(
        self, finding_id: int, status: str, *, reviewer: str, note: str = ""
    ) -> ReviewEntry:
        """Record a decision: one new audit row plus the finding's current status, atomically."""
        if status not in REVIEW_STATUSES:
            raise InventoryError(
                f"unknown review status {status!r}: use one of {', '.join(REVIEW_STATUSES)}"
            )
        with self.session.begin() as s:
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

    def history(self, finding_id: int | None = None) -> list[ReviewEntry]:
        q = select(Review).order_by(Review.id)
        if finding_id is not None:
            q = q.where(Review.finding_id == finding_id)
        with self.session() as s:
            return [_review(r) for r in s.scalars(q)]

    def runs(self) -> list[RunRow]:
        with self.session() as s:
            errors: dict[int, int] = {}
            for run_id in s.scalars(select(ErrorRow.run_id)):
                errors[run_id] = errors.get(run_id, 0) + 1
            return [
                RunRow(r.id, r.scan_id, r.started_at, r.finished_at, r.recorded_at, r.status,
                       tuple(json.loads(r.targets)), tuple(json.loads(r.packs)), r.scanned,
                       r.skipped, r.failed, r.findings, errors.get(r.id, 0))
                for r in s.scalars(select(Run).order_by(Run.id))
            ]

    def errors(self, run_id: int | None = None) -> list[tuple[int, str, str, str]]:
        q = select(ErrorRow).order_by(ErrorRow.id)
        if run_id is not None:
            q = q.where(ErrorRow.run_id == run_id)
        with self.session() as s:
            return [(e.run_id, e.location, e.kind, e.message) for e in s.scalars(q)]


@dataclass
class _Group:
    first: Finding
    count: int
    max_score: float
    severity: str
    linked: bool | None
    clauses: set[str]


class RunRecorder:
    """One run being recorded: :meth:`add` stores a batch of findings (a finding seen in an
    earlier batch adds to its row's count) and returns those not suppressed as false positives;
    :meth:`finish` stores the errors and counts and marks the run completed."""

    def __init__(self, inv: Inventory, run_id: int, now: str, targets: Sequence[str],
                 mapper: PolicyMapper) -> None:
        self.inv, self.run_id, self.now, self.targets, self.mapper = inv, run_id, now, targets, mapper

    def add(self, findings: Sequence[Finding]) -> list[Finding]:
        findings = self.mapper.map(findings)
        groups = _aggregate(findings)
        keys = list(groups)
        suppressed: set[tuple[str, str, str, str]] = set()
        for i in range(0, len(keys), BATCH):
            batch = {k: groups[k] for k in keys[i : i + BATCH]}
            with self.inv.session.begin() as s:
                suppressed |= self.inv._record_batch(s, self.run_id, self.now, self.targets,
                                                     batch)
        return [f for f in findings if _identity(f) not in suppressed]

    def finish(self, info: ScanInfo, errors: Iterable[ScanError]) -> None:
        with self.inv.session.begin() as s:
            for e in errors:
                s.add(ErrorRow(run_id=self.run_id, location=e.location, kind=e.kind,
                               message=e.message[:2000]))
            run = s.get_one(Run, self.run_id)
            run.scan_id, run.finished_at = info.id, info.finished_at
            run.scanned, run.skipped, run.failed = info.scanned, info.skipped, info.failed
            run.findings = s.scalar(select(func.count()).select_from(FindingAgg)
                                    .where(FindingAgg.last_run_id == self.run_id)) or 0
            run.status = "completed"


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
    groups: dict[tuple[str, str, str, str], _Group] = {}
    for f in findings:
        key = _identity(f)
        g = groups.get(key)
        if g is None:
            groups[key] = _Group(f, 1, f.score, f.severity.value, f.linked, set(f.clauses))
            continue
        g.count += 1
        g.max_score = max(g.max_score, f.score)
        g.severity = _worse(g.severity, f.severity.value)
        g.linked = _linked(g.linked, f.linked)
        g.clauses.update(f.clauses)
    return groups


def _row(f: FindingAgg, uri: str, source: str, clauses: tuple[str, ...]) -> FindingRow:
    return FindingRow(
        id=f.id, uri=uri, field=f.field, entity=f.entity, category=f.category,
        value_hash=f.value_hash, preview=f.preview, detector=f.detector, severity=f.severity,
        linked=f.linked, source_kind=f.source_kind, source=source, count=f.count,
        max_score=f.max_score, first_seen=f.first_seen, last_seen=f.last_seen, status=f.status,
        clauses=clauses,
    )


def _review(r: Review) -> ReviewEntry:
    return ReviewEntry(r.id, r.finding_id, r.reviewer, r.at, r.old_status, r.new_status, r.note)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
