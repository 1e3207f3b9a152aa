"""Recording a batch of aggregated findings with bulk upserts: the cost per finding does not grow
with what the inventory already holds (nothing stored is loaded back, every statement is keyed on
a unique index).

One batch, in one transaction (the caller's session):

1. sources, then locations, upserted (``INSERT ... ON CONFLICT``) and their ids returned;
2. findings upserted on their identity (location, field, entity, value hash). Within one run the
   occurrences of a finding add up (count, worst severity, linked once linked); a finding first
   seen by this run takes this run's count, severity and linkage — a run's counts replace the
   previous run's, so a rerun after a crash never doubles them; line and explanation are the
   run's first occurrence's. ``max_score`` keeps the highest
   ever, ``status`` (the review decision), ``first_seen`` and ``first_run_id`` are kept, and a
   resolved finding seen again is current again;
3. the run's sightings of those findings upserted (the same adding up).

Clauses are not stored: every reader works them out from the stored category, linkage, source
kind and location with the packs active then (:class:`scanner.policy.PolicyMapper`). The
``finding_clauses`` table that held them is no longer written.

The two big statements are written in the driver's SQL (:func:`findings_upsert_sql`), many rows
per statement, as SQLAlchemy's per-parameter work cost as much as the database's.

SQLite (3.35+) and PostgreSQL only: both have ``ON CONFLICT ... DO UPDATE`` and ``RETURNING``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    Table,
    and_,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from scanner.inventory.schema import FindingAgg, LocationRow, Sighting, Source
from scanner.models import Finding

Key = tuple[str, str, str, str]  # uri, field, entity, value hash

FINDINGS = cast(Table, FindingAgg.__table__)
LOCATIONS = cast(Table, LocationRow.__table__)
SOURCES = cast(Table, Source.__table__)
SIGHTINGS = cast(Table, Sighting.__table__)
CHUNK = 500  # ids per IN (...) list


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (a statement's result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount or 0


def key_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def item_of(uri: str) -> str:
    """The top-level item a location lies in: the URI before any archive member or part."""
    return uri.split("!", 1)[0].split("#", 1)[0]


@dataclass(slots=True)
class Group:
    """The occurrences of one finding identity within a batch (the run's count, best score, worst
    severity and linkage; the first occurrence gives the rest). Clauses are not stored."""

    first: Finding
    count: int
    max_score: float
    severity: str
    linked: bool | None


MAX_EXPLANATION = 1000


def explanation_of(f: Finding) -> str | None:
    """The explanation kept for a finding: the classifier's (it names patterns, context words
    and checks, never the matched value), bounded in length."""
    return f.explanation[:MAX_EXPLANATION] if f.explanation else None


def insert(dialect: str, table: Any) -> Any:
    # Each dialect's module imported when first used: PostgreSQL's (with its catalog) took
    # 30-50 ms of every SQLite scan's start-up.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(dialect)


def greatest_name(dialect: str) -> str:
    """The SQL function of the larger of two values (SQLite's two-argument ``max``)."""
    return "greatest" if dialect == "postgresql" else "max"


def greatest(dialect: str, a: Any, b: Any) -> ColumnElement[Any]:
    return getattr(func, greatest_name(dialect))(a, b)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def source_ids(
    s: Session, dialect: str, wanted: Mapping[str, tuple[str, str]], cache: dict[str, int]
) -> dict[str, int]:
    """Ids of sources by name key (``wanted``: name key -> (kind, name)), created as needed."""
    missing = [k for k in wanted if k not in cache]
    if missing:
        rows = [{"kind": wanted[k][0], "name": wanted[k][1], "name_key": k} for k in missing]
        s.execute(insert(dialect, SOURCES).on_conflict_do_nothing(index_elements=["name_key"]),
                  rows)
        for sid, k in s.execute(select(SOURCES.c.id, SOURCES.c.name_key)
                                .where(SOURCES.c.name_key.in_(missing))):
            cache[k] = sid
    return {k: cache[k] for k in wanted}


FINDING_COLUMNS = (
    "location_id", "field", "entity", "category", "value_hash", "preview", "detector", "severity",
    "linked", "source_kind", "count", "max_score", "first_seen", "last_seen", "first_run_id",
    "last_run_id", "status", "resolved_run_id", "line", "explanation",
)
SIGHTING_COLUMNS = ("run_id", "finding_id", "count", "max_score", "severity", "linked")


def placeholder(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"  # sqlite3 qmark, psycopg format


def _rank_sql(col: str) -> str:
    return f"CASE {col} WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 0 END"


def _worse_text(a: str, b: str) -> str:
    return f"CASE WHEN {_rank_sql(b)} > {_rank_sql(a)} THEN {b} ELSE {a} END"


def _linked_text(a: str, b: str) -> str:
    return f"CASE WHEN {b} IS TRUE THEN {b} WHEN {b} IS FALSE AND {a} IS NULL THEN {b} ELSE {a} END"


@functools.lru_cache(maxsize=64)
def findings_upsert_sql(dialect: str, rows: int) -> str:
    """The findings upsert of :func:`record_batch` for ``rows`` rows, in the driver's SQL (the
    same text for SQLite and PostgreSQL but the placeholder and ``max``/``greatest``): a
    SQLAlchemy statement cost as much again in per-parameter work as the database spent.
    tests/scanner/inventory/test_inventory_bulk.py checks the result against the ORM recording
    (tests/helpers/inventory_reference.py) on both databases."""
    ph, greatest = placeholder(dialect), greatest_name(dialect)
    one = "(" + ", ".join([ph] * len(FINDING_COLUMNS)) + ")"
    old, new = "findings", "excluded"
    same = f"{old}.last_run_id = {new}.last_run_id"

    def per_run(again: str, fresh: str) -> str:
        return f"CASE WHEN {same} THEN {again} ELSE {fresh} END"

    sets = {
        "count": per_run(f'{old}."count" + {new}."count"', f'{new}."count"'),
        "severity": per_run(_worse_text(f"{old}.severity", f"{new}.severity"), f"{new}.severity"),
        "linked": per_run(_linked_text(f"{old}.linked", f"{new}.linked"), f"{new}.linked"),
        **{c: per_run(f"{old}.{c}", f"{new}.{c}")
           for c in ("category", "preview", "detector", "source_kind", "line", "explanation")},
        "max_score": f"{greatest}({old}.max_score, {new}.max_score)",
        "last_seen": f"{greatest}({old}.last_seen, {new}.last_seen)",
        "last_run_id": f"{new}.last_run_id",
        "resolved_run_id": "NULL",
    }
    return (
        f"INSERT INTO findings ({', '.join(_quoted(c) for c in FINDING_COLUMNS)}) VALUES "
        + ", ".join([one] * rows)
        + " ON CONFLICT (location_id, field, entity, value_hash) DO UPDATE SET "
        + ", ".join(f"{_quoted(c)} = {v}" for c, v in sets.items())
        + " RETURNING id, status, location_id, field, entity, value_hash"
    )


@functools.lru_cache(maxsize=64)
def sightings_upsert_sql(dialect: str, rows: int = 1) -> str:
    """The sightings upsert for ``rows`` rows in one statement (the rows of one batch are
    distinct findings, so no two of them meet in the ``ON CONFLICT``)."""
    ph, greatest = placeholder(dialect), greatest_name(dialect)
    was, new = "sightings", "excluded"
    one = "(" + ", ".join([ph] * len(SIGHTING_COLUMNS)) + ")"
    return (
        f"INSERT INTO sightings ({', '.join(_quoted(c) for c in SIGHTING_COLUMNS)}) VALUES "
        + ", ".join([one] * rows) + " ON CONFLICT (run_id, finding_id) DO UPDATE SET "
        f'"count" = {was}."count" + {new}."count", '
        f"max_score = {greatest}({was}.max_score, {new}.max_score), "
        f"severity = {_worse_text(f'{was}.severity', f'{new}.severity')}, "
        f"linked = {_linked_text(f'{was}.linked', f'{new}.linked')}"
    )


def _quoted(column: str) -> str:
    return f'"{column}"'


ROWS_PER_STATEMENT = 400  # 20 parameters each: under SQLite's 32,766 and PostgreSQL's 65,535
SIGHTINGS_PER_STATEMENT = 1000  # 6 parameters each


def record_batch(
    s: Session,
    *,
    run_id: int,
    now: str,
    source_of: Callable[[str], str],
    source_cache: dict[str, int],
    batch: Mapping[Key, Group],
) -> set[Key]:
    """Store one batch (see module doc); return the keys suppressed as false positives.

    The two big statements go to the driver's cursor itself (inside the session's transaction):
    SQLAlchemy's result rows cost a microsecond or two each, on 40,000 findings a tenth of the
    recording."""
    if not batch:
        return set()
    conn = s.connection()
    dialect = conn.dialect.name
    loc_ids = _locations(s, dialect, run_id, now, source_of, source_cache, batch)
    uri_of = {lid: uri for uri, lid in loc_ids.items()}
    items = list(batch.items())
    ids: list[int] = []
    suppressed: set[Key] = set()
    cursor = conn.connection.cursor()
    try:
        for part in chunks(items, ROWS_PER_STATEMENT):
            params: list[object] = []
            add = params.extend
            for (uri, field, entity, vhash), g in part:
                f = g.first
                explanation = f.explanation
                add((loc_ids[uri], field, entity, f.category[:128], vhash, f.preview,
                     f.detector[:64], g.severity, g.linked, f.source_kind[:16], g.count,
                     g.max_score, now, now, run_id, run_id, "open", None, f.location.line,
                     explanation[:MAX_EXPLANATION] if explanation else None))
            cursor.execute(findings_upsert_sql(dialect, len(part)), tuple(params))
            by_key: dict[Key, int] = {}
            for fid, status, lid, field, entity, vhash in cursor.fetchall():
                key = (uri_of[lid], field, entity, vhash)
                by_key[key] = fid
                if status == "false-positive":
                    suppressed.add(key)
            ids += [by_key[k] for k, _ in part]
        rows = [(run_id, fid, g.count, g.max_score, g.severity, g.linked)
                for fid, (_, g) in zip(ids, items, strict=True)]
        for part in chunks(rows, SIGHTINGS_PER_STATEMENT):
            cursor.execute(sightings_upsert_sql(dialect, len(part)),
                           tuple(x for row in part for x in row))
    finally:
        cursor.close()
    return suppressed


def record_batch_reference(
    s: Session,
    *,
    run_id: int,
    now: str,
    source_of: Callable[[str], str],
    source_cache: dict[str, int],
    batch: Mapping[Key, Group],
) -> set[Key]:
    """What :func:`record_batch` does, as it was written before (SQLAlchemy's result rows, one
    sightings row per statement): tests/scanner/inventory/test_recording_fast.py compares the
    inventories they make, on SQLite and PostgreSQL."""
    if not batch:
        return set()
    conn = s.connection()
    dialect = conn.dialect.name
    loc_ids = _locations(s, dialect, run_id, now, source_of, source_cache, batch)
    uri_of = {lid: uri for uri, lid in loc_ids.items()}
    items = list(batch.items())
    ids: dict[Key, int] = {}
    suppressed: set[Key] = set()
    for part in chunks(items, ROWS_PER_STATEMENT):
        params: list[object] = []
        for (uri, field, entity, vhash), g in part:
            f = g.first
            params += (loc_ids[uri], field, entity, f.category[:128], vhash, f.preview,
                       f.detector[:64], g.severity, g.linked, f.source_kind[:16], g.count,
                       g.max_score, now, now, run_id, run_id, "open", None, f.location.line,
                       explanation_of(f))
        result = conn.exec_driver_sql(findings_upsert_sql(dialect, len(part)), tuple(params))
        for fid, status, lid, field, entity, vhash in result:
            key = (uri_of[lid], field, entity, vhash)
            ids[key] = fid
            if status == "false-positive":
                suppressed.add(key)
    conn.exec_driver_sql(sightings_upsert_sql(dialect), [
        (run_id, ids[k], g.count, g.max_score, g.severity, g.linked) for k, g in items])
    return suppressed


def _locations(
    s: Session, dialect: str, run_id: int, now: str, source_of: Callable[[str], str],
    source_cache: dict[str, int], batch: Mapping[Key, Group],
) -> dict[str, int]:
    kinds: dict[str, str] = {}
    for k, g in batch.items():
        kinds.setdefault(k[0], g.first.source_kind[:16])
    src_of_uri: dict[str, str] = {}
    wanted: dict[str, tuple[str, str]] = {}
    for uri, kind in kinds.items():
        name = source_of(uri)
        skey = key_of(f"{kind}\x1f{name}")
        wanted[skey] = (kind, name)
        src_of_uri[uri] = skey
    sids = source_ids(s, dialect, wanted, source_cache)
    rows = [{"source_id": sids[src_of_uri[uri]], "uri": uri, "uri_key": key_of(uri),
             "item_key": key_of(item_of(uri)), "first_seen": now, "last_seen": now,
             "last_run_id": run_id} for uri in kinds]
    by_key = {key_of(uri): uri for uri in kinds}
    return {by_key[k]: lid for lid, k in s.execute(_locations_upsert(dialect), rows)}


@functools.lru_cache(maxsize=4)
def _locations_upsert(dialect: str) -> Any:
    """The locations upsert of :func:`_locations`, built once per dialect: building it (the
    ``excluded`` alias makes a proxy of every column) cost a millisecond a batch."""
    stmt = insert(dialect, LOCATIONS)
    return stmt.on_conflict_do_update(
        index_elements=["uri_key"],
        set_={"last_seen": greatest(dialect, LOCATIONS.c.last_seen, stmt.excluded.last_seen),
              "last_run_id": stmt.excluded.last_run_id},
    ).returning(LOCATIONS.c.id, LOCATIONS.c.uri_key)


def touch(s: Session, run_id: int, now: str, uris: Sequence[str]) -> int:
    """Carry unchanged items over into this run: their locations (and the locations inside them,
    ``uri!/member`` and ``uri#part``) and their current findings get ``last_run_id`` = this run
    and a sighting copied from the stored finding. Returns the number of findings carried."""
    dialect = s.get_bind().dialect.name
    carried = 0
    for part in chunks(list(dict.fromkeys(uris))):
        loc_ids = _locations_in(s, part)
        for ids in chunks(loc_ids):
            s.execute(LOCATIONS.update().where(LOCATIONS.c.id.in_(ids)).values(
                last_run_id=run_id,
                last_seen=greatest(dialect, LOCATIONS.c.last_seen, literal(now))))
            current = and_(FINDINGS.c.location_id.in_(ids), FINDINGS.c.resolved_run_id.is_(None),
                           FINDINGS.c.last_run_id != run_id)
            src = select(literal(run_id), FINDINGS.c.id, FINDINGS.c.count, FINDINGS.c.max_score,
                         FINDINGS.c.severity, FINDINGS.c.linked).where(current)
            ins = insert(dialect, SIGHTINGS).from_select(
                ["run_id", "finding_id", "count", "max_score", "severity", "linked"], src)
            s.execute(ins.on_conflict_do_nothing())
            carried += affected(s.execute(FINDINGS.update().where(current).values(
                last_run_id=run_id,
                last_seen=greatest(dialect, FINDINGS.c.last_seen, literal(now)))))
    return carried


def _locations_in(s: Session, uris: Sequence[str]) -> list[int]:
    """Ids of the locations at or inside ``uris`` (``u``, ``u!...``, ``u#...``), by index."""
    tops = [u for u in uris if item_of(u) == u]
    nested = [u for u in uris if item_of(u) != u]
    ids = list(s.scalars(select(LOCATIONS.c.id).where(
        LOCATIONS.c.item_key.in_([key_of(u) for u in tops])))) if tops else []
    if nested:  # an item inside an item: narrow by its top-level item, then by prefix
        rows = s.execute(select(LOCATIONS.c.id, LOCATIONS.c.uri).where(
            LOCATIONS.c.item_key.in_({key_of(item_of(u)) for u in nested})))
        for lid, uri in rows:
            if any(uri == u or (uri.startswith(u) and uri[len(u)] in "!#") for u in nested):
                ids.append(lid)
    return ids
