"""What the inventory reports show: findings grouped by clause, category or source, and the gaps
between what was found and what the active policy packs cover.

Clauses are computed with the *active* packs at report time (so a pack can be changed or added
after the scans), from each stored finding's category, linkage and source kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner import entities
from scanner.inventory.store import FindingRow
from scanner.policy import PolicyMapper

GROUPINGS = ("clause", "category", "source")
UNCOVERED = "(no clause)"


@dataclass
class Group:
    """One row of the inventory: a clause, a category or a source, and what falls under it."""

    key: str
    title: str = ""
    quote: str = ""
    categories: set[str] = field(default_factory=set)
    clauses: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)
    findings: int = 0  # aggregated findings (location + field + entity + value)
    occurrences: int = 0  # sum of their counts
    last_seen: str = ""

    def add(self, row: FindingRow, clauses: Sequence[str]) -> None:
        self.categories.add(row.category)
        self.clauses.update(clauses)
        self.sources.add(row.source)
        self.locations.add(row.uri)
        self.findings += 1
        self.occurrences += row.count
        self.last_seen = max(self.last_seen, row.last_seen)

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "quote": self.quote,
            "categories": sorted(self.categories),
            "clauses": sorted(self.clauses),
            "sources": sorted(self.sources),
            "locations": sorted(self.locations),
            "findings": self.findings,
            "occurrences": self.occurrences,
            "last_seen": self.last_seen or None,
        }


@dataclass(frozen=True)
class CategoryGap:
    """A category found in personal data that no clause of ``pack`` covers (``*``: no pack)."""

    pack: str
    category: str
    entities: tuple[str, ...]
    locations: int
    findings: int

    def to_dict(self) -> dict[str, object]:
        return {"pack": self.pack, "category": self.category, "entities": list(self.entities),
                "locations": self.locations, "findings": self.findings}


@dataclass(frozen=True)
class ClauseGap:
    """A clause with data rules whose data was never found."""

    clause: str
    title: str

    def to_dict(self) -> dict[str, object]:
        return {"clause": self.clause, "title": self.title}


@dataclass(frozen=True)
class Gaps:
    packs: tuple[str, ...]
    uncovered: tuple[CategoryGap, ...]  # pack == "*": no active pack covers them
    per_pack: tuple[CategoryGap, ...]
    unused_clauses: tuple[ClauseGap, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "packs": list(self.packs),
            "uncovered_categories": [g.to_dict() for g in self.uncovered],
            "uncovered_by_pack": [g.to_dict() for g in self.per_pack],
            "clauses_without_data": [g.to_dict() for g in self.unused_clauses],
        }


def clauses_of(row: FindingRow, mapper: PolicyMapper) -> tuple[str, ...]:
    return mapper.clauses_for_row(row)


def group(rows: Sequence[FindingRow], mapper: PolicyMapper, by: str = "clause") -> list[Group]:
    """Rows grouped by clause (every clause with rules, found or not), category or source."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}: use one of {', '.join(GROUPINGS)}")
    groups: dict[str, Group] = {}
    if by == "clause":
        for pack, clause in mapper.all_clauses():
            qid = pack.qualified(clause)
            groups[qid] = Group(qid, f"{pack.title}: {clause.title}", " ".join(clause.quote.split()))
    for row in rows:
        clauses = clauses_of(row, mapper)
        if by == "clause":
            for qid in clauses or (UNCOVERED,):
                groups.setdefault(qid, Group(qid, "not covered by any active pack")).add(row, [qid])
        else:
            key = row.category if by == "category" else row.source
            groups.setdefault(key, Group(key)).add(row, clauses)
    out = list(groups.values())
    if by != "clause":
        out.sort(key=lambda g: (-g.findings, g.key))
    return out


def gaps(rows: Sequence[FindingRow], mapper: PolicyMapper) -> Gaps:
    """Categories found that the packs do not cover, and clauses whose data was never found.

    Findings that a classifier marked as *not* linked to a person (``linked is False``) are not
    personal data and never count as a gap, nor do entities the taxonomy marks
    ``alone_is_personal: false`` (a bare date).
    """
    context_only = _context_only_entities()
    personal = [r for r in rows if r.linked is not False and r.entity not in context_only]
    per_pack: dict[tuple[str, str], list[FindingRow]] = {}
    used: set[str] = set()
    for row in personal:
        clauses = clauses_of(row, mapper)
        used.update(clauses)
        covering = {c.partition("/")[0] for c in clauses}
        if not clauses:  # one gap, not one per pack as well: no chosen pack covers it
            per_pack.setdefault(("*", row.category), []).append(row)
            continue
        for pack in mapper.packs:
            if pack.id not in covering:
                per_pack.setdefault((pack.id, row.category), []).append(row)
    made = [_category_gap(pack, cat, found) for (pack, cat), found in sorted(per_pack.items())]
    unused = tuple(
        ClauseGap(pack.qualified(clause), clause.title)
        for pack, clause in mapper.all_clauses()
        if pack.qualified(clause) not in used
    )
    return Gaps(
        packs=tuple(p.id for p in mapper.packs),
        uncovered=tuple(g for g in made if g.pack == "*"),
        per_pack=tuple(g for g in made if g.pack != "*"),
        unused_clauses=unused,
    )


def _context_only_entities() -> frozenset[str]:
    return entities.context_only()


def _category_gap(pack: str, category: str, rows: list[FindingRow]) -> CategoryGap:
    return CategoryGap(
        pack=pack,
        category=category,
        entities=tuple(sorted({r.entity for r in rows})),
        locations=len({r.uri for r in rows}),
        findings=len(rows),
    )


@dataclass(frozen=True)
class InventoryReport:
    """Everything an inventory formatter needs; ``show`` is ``inventory`` or ``gaps``."""

    by: str
    groups: tuple[Group, ...]
    gaps: Gaps
    packs: tuple[tuple[str, str], ...]  # (id, title)
    generated_at: str
    database: str  # display form, password masked
    findings: int
    show: str = "inventory"
    # For formats that show more than the groups (the HTML report): the findings themselves,
    # the mapper their clauses came from and the Record of Processing entries (not in to_dict).
    rows: tuple[FindingRow, ...] = ()
    mapper: PolicyMapper | None = None
    ropa: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "schema": "piiscout.inventory/1",
            "generated_at": self.generated_at,
            "database": self.database,
            "packs": [{"id": i, "title": t} for i, t in self.packs],
            "findings": self.findings,
        }
        if self.show == "inventory":
            d["by"] = self.by
            d["groups"] = [g.to_dict() for g in self.groups]
        d["gaps"] = self.gaps.to_dict()
        return d


def build_report(
    rows: Sequence[FindingRow],
    mapper: PolicyMapper,
    *,
    by: str,
    generated_at: str,
    database: str,
    show: str = "inventory",
) -> InventoryReport:
    return InventoryReport(
        by=by,
        groups=tuple(group(rows, mapper, by)),
        gaps=gaps(rows, mapper),
        packs=tuple((p.id, p.title) for p in mapper.packs),
        generated_at=generated_at,
        database=database,
        findings=len(rows),
        show=show,
        rows=tuple(rows),
        mapper=mapper,
    )
