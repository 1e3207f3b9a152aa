"""The inventory's recording before bulk upserts (ORM objects, a location's stored rows loaded per
batch), kept here only as the reference the bulk path is checked against."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.inventory.recording import Group as _Group
from scanner.inventory.recording import explanation_of
from scanner.inventory.schema import FindingAgg, LocationRow, Source
from scanner.inventory.sources import source_of
from scanner.inventory.store import Inventory, _key, _linked, _worse


class ReferenceInventory(Inventory):
    """An inventory that records with the old algorithm (everything else is the same)."""

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
                    line=f.location.line, explanation=explanation_of(f),
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
                row.line, row.explanation = f.location.line, explanation_of(f)
                row.max_score = max(row.max_score, g.max_score)
                row.last_seen = max(row.last_seen, now)
                row.last_run_id = run_id
                if row.status == "false-positive":
                    suppressed.add(key)
            rows.append((row, g, False))
        s.flush()  # clauses are not stored: readers work them out
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
