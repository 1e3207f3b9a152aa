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
3. the run's sightings of those findings upserted (the same adding up), which also tells which
   findings this run had already recorded in an earlier batch;
4. clause mappings: replaced for findings new to this run, completed for the others.

SQLite (3.35+) and PostgreSQL only: both have ``ON CONFLICT ... DO UPDATE`` and ``RETURNING``.
"""

from __future__ import annotations

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
    case,
    delete,
    func,
    literal,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scanner.inventory.schema import ClauseMapping, FindingAgg, LocationRow, Sighting, Source
from scanner.models import Finding

Key = tuple[str, str, str, str]  # uri, field, entity, value hash

FINDINGS = cast(Table, FindingAgg.__table__)
LOCATIONS = cast(Table, LocationRow.__table__)
SOURCES = cast(Table, Source.__table__)
SIGHTINGS = cast(Table, Sighting.__table__)
CLAUSES = cast(Table, ClauseMapping.__table__)
CHUNK = 500  # ids per IN (...) list


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (a statement's result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount or 0


def key_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def item_of(uri: str) -> str:
    """The top-level item a location lies in: the URI before any archive member or part."""
    return uri.split("!", 1)[0].split("#", 1)[0]


@dataclass
class Group:
    """The occurrences of one finding identity within a batch."""

    first: Finding
    count: int
    max_score: float
    severity: str
    linked: bool | None
    clauses: set[str]


MAX_EXPLANATION = 1000


def explanation_of(f: Finding) -> str | None:
    """The explanation kept for a finding: the classifier's (it names patterns, context words
    and checks, never the matched value), bounded in length."""
    return f.explanation[:MAX_EXPLANATION] if f.explanation else None


def insert(dialect: str, table: Any) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(dialect)


def greatest(dialect: str, a: Any, b: Any) -> ColumnElement[Any]:
    return func.greatest(a, b) if dialect == "postgresql" else func.max(a, b)


def _rank(col: Any) -> ColumnElement[int]:
    # Literals, not bound parameters: a statement with parameters outside its VALUES clause
    # would be sent row by row instead of in multi-row batches.
    return case(*((col == literal_column(f"'{name}'"), literal_column(str(rank)))
                  for name, rank in (("low", 1), ("medium", 2), ("high", 3))),
                else_=literal_column("0"))


def worse_sql(a: Any, b: Any) -> ColumnElement[str]:
    """SQL of :func:`scanner.inventory.store._worse`: the higher severity."""
    return case((_rank(b) > _rank(a), b), else_=a)


def linked_sql(a: Any, b: Any) -> ColumnElement[bool]:
    """SQL of :func:`scanner.inventory.store._linked`: True > False > unknown."""
    return case((b.is_(True), b), (and_(b.is_(False), a.is_(None)), b), else_=a)


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


def record_batch(
    s: Session,
    *,
    run_id: int,
    now: str,
    source_of: Callable[[str], str],
    source_cache: dict[str, int],
    batch: Mapping[Key, Group],
) -> set[Key]:
    """Store one batch (see module doc); return the keys suppressed as false positives."""
    if not batch:
        return set()
    dialect = s.get_bind().dialect.name
    loc_ids = _locations(s, dialect, run_id, now, source_of, source_cache, batch)

    rows = []
    for (uri, field, entity, vhash), g in batch.items():
        f = g.first
        rows.append({
            "location_id": loc_ids[uri], "field": field, "entity": entity,
            "category": f.category[:128], "value_hash": vhash, "preview": f.preview,
            "detector": f.detector[:64], "severity": g.severity, "linked": g.linked,
            "source_kind": f.source_kind[:16], "count": g.count, "max_score": g.max_score,
            "first_seen": now, "last_seen": now, "first_run_id": run_id, "last_run_id": run_id,
            "status": "open", "resolved_run_id": None, "line": f.location.line,
            "explanation": explanation_of(f),
        })
    stmt = insert(dialect, FINDINGS)
    new, old = stmt.excluded, FINDINGS.c
    same_run = old.last_run_id == new.last_run_id

    def per_run(again: Any, fresh: Any) -> ColumnElement[Any]:
        return case((same_run, again), else_=fresh)

    stmt = stmt.on_conflict_do_update(
        index_elements=["location_id", "field", "entity", "value_hash"],
        set_={
            "count": per_run(old.count + new.count, new.count),
            "severity": per_run(worse_sql(old.severity, new.severity), new.severity),
            "linked": per_run(linked_sql(old.linked, new.linked), new.linked),
            "category": per_run(old.category, new.category),
            "preview": per_run(old.preview, new.preview),
            "detector": per_run(old.detector, new.detector),
            "source_kind": per_run(old.source_kind, new.source_kind),
            "line": per_run(old.line, new.line),  # the run's first occurrence's
            "explanation": per_run(old.explanation, new.explanation),
            "max_score": greatest(dialect, old.max_score, new.max_score),
            "last_seen": greatest(dialect, old.last_seen, new.last_seen),
            "last_run_id": new.last_run_id,
            "resolved_run_id": null(),
        },
    ).returning(old.id, old.status, old.location_id, old.field, old.entity, old.value_hash)
    uri_of = {lid: uri for uri, lid in loc_ids.items()}
    ids: dict[Key, int] = {}
    suppressed: set[Key] = set()
    for fid, status, lid, field, entity, vhash in s.execute(stmt, rows):
        key = (uri_of[lid], field, entity, vhash)
        ids[key] = fid
        if status == "false-positive":
            suppressed.add(key)

    all_ids = list(ids.values())
    seen_before = {
        fid for part in chunks(all_ids)
        for fid in s.scalars(select(SIGHTINGS.c.finding_id).where(
            SIGHTINGS.c.run_id == run_id, SIGHTINGS.c.finding_id.in_(part)))
    }
    sight = insert(dialect, SIGHTINGS)
    sightings = [{"run_id": run_id, "finding_id": ids[k], "count": g.count,
                  "max_score": g.max_score, "severity": g.severity, "linked": g.linked}
                 for k, g in batch.items()]
    was = SIGHTINGS.c
    s.execute(sight.on_conflict_do_update(
        index_elements=["run_id", "finding_id"],
        set_={
            "count": was.count + sight.excluded.count,
            "max_score": greatest(dialect, was.max_score, sight.excluded.max_score),
            "severity": worse_sql(was.severity, sight.excluded.severity),
            "linked": linked_sql(was.linked, sight.excluded.linked),
        },
    ), sightings)

    fresh = [fid for fid in all_ids if fid not in seen_before]
    for part in chunks(fresh):
        s.execute(delete(CLAUSES).where(CLAUSES.c.finding_id.in_(part)))
    pairs = [{"finding_id": ids[k], "clause": c} for k, g in batch.items()
             for c in sorted(g.clauses)]
    if pairs:
        s.execute(insert(dialect, CLAUSES).on_conflict_do_nothing(), pairs)
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
    stmt = insert(dialect, LOCATIONS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["uri_key"],
        set_={"last_seen": greatest(dialect, LOCATIONS.c.last_seen, stmt.excluded.last_seen),
              "last_run_id": stmt.excluded.last_run_id},
    ).returning(LOCATIONS.c.id, LOCATIONS.c.uri_key)
    by_key = {key_of(uri): uri for uri in kinds}
    return {by_key[k]: lid for lid, k in s.execute(stmt, rows)}


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
