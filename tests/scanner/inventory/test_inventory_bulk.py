"""Bulk recording (INSERT ... ON CONFLICT) gives the same inventory as the ORM recording it
replaced, on SQLite and on the real PostgreSQL server; recording is idempotent per run."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from scanner.inventory import Inventory
from scanner.inventory.schema import FindingAgg, LocationRow, Run, Source
from scanner.models import Finding, ScanError, Severity
from scanner.policy import load_packs
from tests.helpers.inventory import Clock, make_finding, make_info
from tests.helpers.inventory_reference import ReferenceInventory

# The shared ``db_url`` fixture (SQLite and the real PostgreSQL server).

PACKS = load_packs(["gdpr", "cybercon", "cybrid", "cyrus"])
ENTITIES = [("EMAIL_ADDRESS", "user.contact.email"), ("PHONE_NUMBER", "user.contact.phone_number"),
            ("HEALTH", "user.health"), ("PERSON", "user.name"), ("IP_ADDRESS",
                                                                "user.device.ip_address")]
URIS = ["file:///d/a.csv", "file:///d/b.txt", "file:///d/sub/c.json", "file:///d/z.zip!/in.csv",
        "file:///d/z.zip!/deep.tar!/x.txt", "s3://bucket/k.csv", "file:///elsewhere/e.txt"]


def generated_runs(seed: int) -> list[list[list[Finding]]]:
    """Runs of batches of findings over a small pool of identities, so that values recur within
    a batch, across batches of one run and across runs, with varying scores, severities and
    linkage."""
    rng = random.Random(seed)
    runs = []
    for _ in range(4):
        batches = []
        for _ in range(rng.randint(1, 5)):
            batch = []
            for _ in range(rng.randint(0, 60)):
                entity, category = rng.choice(ENTITIES)
                uri = rng.choice(URIS)
                batch.append(make_finding(
                    entity, category, f"value-{rng.randint(0, 12)}", uri=uri,
                    line=rng.randint(1, 50), field=rng.choice(["", "col", "email", None]),
                    score=round(rng.uniform(0.3, 1.0), 3),
                    linked=rng.choice([None, True, False]) if entity == "HEALTH" else None,
                    kind="s3" if uri.startswith("s3:") else "file",
                    severity=rng.choice(list(Severity)),
                    explanation=rng.choice(["T-1: pattern a", "T-1: pattern b; context 'mail'",
                                            ""]),
                ))
            batches.append(batch)
        runs.append(batches)
    return runs


def dump(inv: Inventory) -> dict[str, list[tuple[object, ...]]]:
    """Every table's content keyed by identities, not by generated ids (the columns the ORM
    recording knew: resolution is newer, tested in test_inventory_history.py)."""
    with inv.session() as s:
        loc = {lid: uri for lid, uri in s.execute(select(LocationRow.id, LocationRow.uri))}
        ident = {f.id: (loc[f.location_id], f.field, f.entity, f.value_hash)
                 for f in s.scalars(select(FindingAgg))}
        return {
            "findings": sorted(
                (*ident[f.id], f.category, f.preview, f.detector, f.severity, f.linked,
                 f.source_kind, f.count, f.max_score, f.first_seen, f.last_seen, f.first_run_id,
                 f.last_run_id, f.status, f.line, f.explanation)
                for f in s.scalars(select(FindingAgg))),
            "locations": sorted((r.uri, r.first_seen, r.last_seen, r.last_run_id, src.kind,
                                 src.name) for r, src in s.execute(
                select(LocationRow, Source).join(Source, LocationRow.source_id == Source.id))),
            "sources": sorted((r.kind, r.name, r.name_key) for r in s.scalars(select(Source))),
            "runs": sorted((r.id, r.status, r.findings) for r in s.scalars(select(Run))),
        }


def record_all(inv: Inventory, runs: list[list[list[Finding]]], seed: int) -> list[object]:
    rng = random.Random(seed + 1)
    kept: list[object] = []
    for n, batches in enumerate(runs):
        recorder = inv.start(make_info(f"scan-{n}"), PACKS)
        for batch in batches:
            kept.append(sorted((f.location.uri, f.entity, f.value_hash, f.location.line,
                                f.clauses) for f in recorder.add(batch)))
        errors = (ScanError("file:///d/sub", "unreadable", "denied"),) if n == 2 else ()
        recorder.finish(make_info(f"scan-{n}"), errors)
        rows = sorted(inv.findings(status="*", resolved=True),
                      key=lambda r: (r.uri, r.field, r.entity, r.value_hash))
        for r in rng.sample(rows, min(3, len(rows))):  # reviews between runs
            inv.review(r.id, rng.choice(["false-positive", "confirmed", "accepted"]),
                       reviewer="dpo")
    return kept


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_recording_equals_the_orm_recording(
    db_url: str, tmp_path: Path, seed: int
) -> None:
    runs = generated_runs(seed)
    bulk = Inventory.open(db_url, tmp_path)
    ref = ReferenceInventory(Inventory.open(f"sqlite:///{tmp_path / 'ref.db'}", tmp_path).engine)
    try:
        bulk.clock, ref.clock = Clock(), Clock()
        kept_bulk = record_all(bulk, runs, seed)
        kept_ref = record_all(ref, runs, seed)
        want, got = dump(ref), dump(bulk)
        assert got == want
        assert kept_bulk == kept_ref
        assert len(want["findings"]) > 40
        assert any(r[16] == "false-positive" for r in want["findings"])
        assert any(r[10] > 1 for r in want["findings"])  # counts that added up
        assert len({r[17] for r in want["findings"]}) > 5  # lines of first occurrences
        assert {r[18] for r in want["findings"]} >= {None, "T-1: pattern a"}  # explanations
    finally:
        bulk.close()
        ref.close()


def test_a_rerun_replaces_counts_and_a_batch_adds_up(db_url: str, tmp_path: Path) -> None:
    """A run's counts replace the previous run's (an interrupted run followed by a full one does
    not double them); within a run, batches add up."""
    inv = Inventory.open(db_url, tmp_path)
    f = make_finding("EMAIL_ADDRESS", "user.contact.email", "jane@example.org")
    try:
        first = inv.start(make_info("a"), PACKS)
        first.add([f, f])  # then "killed": never finished
        first.interrupt()
        second = inv.start(make_info("b"), PACKS)
        second.add([f])
        second.add([f, f])
        second.finish(make_info("b"), ())
        (row,) = inv.findings()
        assert row.count == 3
        assert [r.status for r in inv.runs()] == ["interrupted", "completed"]
        assert inv.runs()[1].findings == 1
    finally:
        inv.close()
