"""Overlap resolution for the detections of one text unit.

Rules, in order:

1. Unit-level detections (``start == end``, e.g. a column verdict) are never in conflict; exact
   duplicates (same entity, span and detector) are dropped.
2. Same entity, one span inside another: keep the outer span, with the higher of the two scores
   ("6750 Koskikatu 25 Apt. 864, Uruguay" as an address beats "Uruguay" as a place); on equal
   spans the pattern detection is kept (with NER's score if higher).
3. Among *identifier* entities (names, contacts, numbers, places, dates, device ids) overlapping
   spans conflict even across entities; the winner is, in order: a pattern detection over an NER
   one (PERSON inside an e-mail address, a DATE inside a phone number), anything over DATE_TIME
   (a card or IBAN that looks like a date is a card; a birth date is reported once, as
   DATE_OF_BIRTH), the higher score, the longer span.
   Other entities (special categories, call records) only conflict with themselves. Which
   entities are identifiers is the ``identifier`` trait in ``config/taxonomy.yaml``.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import replace

from scanner import entities as entity_table
from scanner.models import Detection

# Entities whose spans conflict across entities: the taxonomy's `identifier` trait.
IDENTIFIERS = entity_table.with_trait("identifier")
NER_PREFIX = "NER-"


def _priority(d: Detection) -> tuple[bool, bool, float, int, int]:
    return (
        not d.detector.startswith(NER_PREFIX),
        d.entity != "DATE_TIME",
        d.score,
        d.end - d.start,
        -d.start,
    )


def _absorb_contained(dets: list[Detection]) -> list[Detection]:
    """Rule 2, per entity: drop spans inside a same-entity span, lifting the outer score."""
    by_entity: dict[str, list[Detection]] = {}
    for d in dets:
        by_entity.setdefault(d.entity, []).append(d)
    out: list[Detection] = []
    for group in by_entity.values():
        # On equal spans a pattern detection is the outer one: it carries the pattern's reason.
        group.sort(key=lambda d: (d.start, -d.end, d.detector.startswith(NER_PREFIX), -d.score))
        outer: Detection | None = None
        for d in group:
            if outer is not None and d.end <= outer.end:
                if d.score > outer.score:
                    outer = replace(
                        outer, score=d.score, explanation=f"{outer.explanation}; + {d.detector}"
                    )
                continue
            if outer is not None:
                out.append(outer)
            outer = d
        if outer is not None:
            out.append(outer)
    return out


def resolve(dets: Sequence[Detection]) -> list[Detection]:
    """The detections that survive the rules above, sorted by (start, end, entity)."""
    if len(dets) < 2:  # most table cells: nothing can conflict
        return list(dets)
    unit_level: list[Detection] = []
    spans: list[Detection] = []
    seen: set[tuple[str, int, int, str]] = set()
    for d in dets:
        key = (d.entity, d.start, d.end, d.detector)
        if key in seen:
            continue
        seen.add(key)
        (spans if d.end > d.start else unit_level).append(d)
    kept: list[Detection] = []
    # Kept spans of one conflict domain never overlap each other, so one sorted list of
    # (start, end) per domain answers "does this overlap a kept span?" with a bisection.
    domains: dict[str, list[tuple[int, int]]] = {}
    for d in sorted(_absorb_contained(spans), key=_priority, reverse=True):
        domain = "identifiers" if d.entity in IDENTIFIERS else d.entity
        taken = domains.setdefault(domain, [])
        k = bisect_left(taken, (d.start, d.start))
        if (k > 0 and taken[k - 1][1] > d.start) or (k < len(taken) and taken[k][0] < d.end):
            continue
        insort(taken, (d.start, d.end))
        kept.append(d)
    kept.sort(key=lambda d: (d.start, d.end, d.entity))
    return unit_level + kept
