"""The unchanged items' findings of an incremental rescan, read in chunks
(:func:`scanner.inventory.versions.iter_findings_under`), against the whole-run read and filter
it replaces (:func:`findings_of_run` with the item filter)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.inventory import Inventory
from scanner.inventory.versions import (
    Stored,
    _item_prefixes,
    findings_of_run,
    iter_findings_under,
)
from scanner.models import Finding, Location, ScanInfo, Severity

URIS = ("file:///d/a.txt", "file:///d/b.zip!/in.csv", "file:///d/b.zip!/deep.zip!/x.txt",
        "file:///d/c.mbox#msg=3", "file:///d/c.mbox#msg=3/attachment=cv.pdf", "file:///d/e.txt",
        "file:///d/a.txt.bak")


def info() -> ScanInfo:
    return ScanInfo("s", "2026-12-01T10:00:00+00:00", "2026-12-01T10:01:00+00:00", ("/d",))


def some(rng: random.Random, n: int) -> list[Finding]:
    return [Finding(Location(rng.choice(URIS), rng.randrange(1, 9), rng.choice([None, "f"])),
                    "EMAIL_ADDRESS", "user.contact.email", 0.9, Severity.MEDIUM, "PII-EMAIL",
                    "x", "j***@e.org", f"{rng.randrange(30):064x}") for _ in range(n)]


@pytest.mark.parametrize("chunk", [1, 3, 2000])
@pytest.mark.parametrize("unchanged", [
    (), ("file:///d/a.txt",), ("file:///d/b.zip", "file:///d/c.mbox"), ("file:///d/e.txt",
                                                                        "file:///d/nothing")])
def test_chunks_are_the_whole_read(tmp_path: Path, chunk: int, unchanged: tuple[str, ...]) -> None:
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        recorder = inv.start(info(), [])
        recorder.add(some(random.Random(chunk), 400))
        recorder.finish(info(), ())
        wanted = set(unchanged)
        want = findings_of_run(inv, recorder.run_id, lambda u: u in wanted or any(
            p in wanted for p in _item_prefixes(u))) if unchanged else []
        parts = list(iter_findings_under(inv, recorder.run_id, list(unchanged), chunk=chunk))
    assert all(0 < len(p) <= chunk for p in parts)
    assert [s for p in parts for s in p] == want
    if unchanged and unchanged != ("file:///d/e.txt", "file:///d/nothing"):
        assert want  # the case is not empty by accident
    # a.txt.bak is not under a.txt
    assert all(s.identity[0] != "file:///d/a.txt.bak" for p in parts for s in p)


def _orm_read(inv: Inventory, run_id: int) -> list[Stored]:
    """The read-back as it was written before (ORM objects, clauses worked out per row): the
    reference of the column read :func:`findings_of_run` makes."""
    from sqlalchemy import select

    from scanner.inventory.schema import FindingAgg, LocationRow

    q = (select(FindingAgg, LocationRow.uri)
         .join(LocationRow, FindingAgg.location_id == LocationRow.id)
         .where(FindingAgg.last_run_id == run_id)
         .order_by(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.id))
    out = []
    with inv.session() as s:
        for f, uri in s.execute(q).all():
            clauses = tuple(sorted(inv.mapper.clauses_for_category(
                f.category, f.linked, f.source_kind, uri)))
            finding = Finding(Location(uri, None, f.field or None), f.entity, f.category,
                              f.max_score, Severity(f.severity), f.detector,
                              "unchanged since it was last read", f.preview, f.value_hash,
                              f.linked, clauses, f.source_kind)
            out.append(Stored((uri, f.field, f.entity, f.value_hash), finding, f.count,
                              f.status, f.first_run_id))
    return out


def test_column_read_is_the_orm_read(tmp_path: Path) -> None:
    rng = random.Random(7)
    mixed = some(rng, 300) + [
        Finding(Location(rng.choice(URIS), 1, None), entity, category, 0.7, severity, det, "x",
                "p***", f"{rng.randrange(40):064x}", linked, (), kind)
        for entity, category, severity, det, linked, kind in [
            ("HEALTH", "user.health", Severity.HIGH, "SPECIAL", True, "file"),
            ("PERSON", "user.name", Severity.LOW, "NER", None, "mail"),
            ("PHONE_NUMBER", "user.contact.phone", Severity.MEDIUM, "PII-PHONE", False, "file"),
        ] * 40]
    from scanner.policy import load_packs

    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        recorder = inv.start(info(), load_packs(["gdpr"]))
        recorder.add(mixed)
        recorder.finish(info(), ())
        want = _orm_read(inv, recorder.run_id)
        got = findings_of_run(inv, recorder.run_id)
        streamed = [s for p in iter_findings_under(inv, recorder.run_id, list(URIS), chunk=7)
                    for s in p]
    assert len(want) > 100
    assert any(s.finding.clauses for s in want)  # the mapping is exercised
    assert got == want
    assert streamed == want
