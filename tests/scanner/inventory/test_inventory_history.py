"""Resolved findings, carrying unchanged items over (touch) and run diffs, on SQLite and on the
real PostgreSQL server; the CLI's ``inventory diff`` and ``--include-resolved``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory, InventoryError
from scanner.models import Finding, ScanError
from scanner.policy import load_packs
from tests.helpers.inventory import Clock, make_finding, make_info

# The shared ``db_url`` fixture (SQLite and the real PostgreSQL server).

PACKS = load_packs(["gdpr"])
EMAIL = "user.contact.email"


def run(inv: Inventory, findings: list[Finding], *, errors: tuple[ScanError, ...] = (),
        touch: tuple[str, ...] = (), targets: tuple[str, ...] = ("/d",),
        finish: bool = True) -> int:
    recorder = inv.start(make_info(targets=targets), PACKS)
    if touch:
        recorder.touch(touch)
    recorder.add(findings)
    if finish:
        recorder.finish(make_info(targets=targets), errors)
    else:
        recorder.interrupt()
    return recorder.run_id


@pytest.fixture
def inv(db_url: str, tmp_path: Path):
    inventory = Inventory.open(db_url, tmp_path)
    inventory.clock = Clock()
    yield inventory
    inventory.close()


def hashes(inv: Inventory, **kw: object) -> set[str]:
    return {r.value_hash for r in inv.findings(**kw)}  # type: ignore[arg-type]


A = make_finding("EMAIL_ADDRESS", EMAIL, "ann@example.org", uri="file:///d/a.txt", field="")
B = make_finding("EMAIL_ADDRESS", EMAIL, "bob@example.org", uri="file:///d/b.txt", field="")
B2 = make_finding("EMAIL_ADDRESS", EMAIL, "bea@example.org", uri="file:///d/b.txt", field="")
Z = make_finding("EMAIL_ADDRESS", EMAIL, "zed@example.org", uri="file:///d/z.zip!/in.csv")
OUT = make_finding("EMAIL_ADDRESS", EMAIL, "out@example.org", uri="file:///other/o.txt")


def test_a_completed_run_resolves_what_it_no_longer_saw(inv: Inventory) -> None:
    run(inv, [A, B, B2, Z, OUT])
    first = {r.value_hash: r for r in inv.findings()}
    inv.review(first[B.value_hash].id, "confirmed", reviewer="dpo")
    run(inv, [A, B2])  # b.txt lost bob; z.zip is gone; /other is not under the targets
    assert hashes(inv) == {A.value_hash, B2.value_hash, OUT.value_hash}
    resolved = {r.value_hash: r for r in inv.findings(resolved=True) if r.resolved_run_id}
    assert set(resolved) == {B.value_hash, Z.value_hash}
    assert resolved[B.value_hash].status == "confirmed"  # the review decision stays
    assert resolved[B.value_hash].resolved_run_id == inv.runs()[-1].id
    assert hashes(inv, resolved=True) == {A.value_hash, B.value_hash, B2.value_hash,
                                          Z.value_hash, OUT.value_hash}

    run(inv, [A, B, B2])  # seen again: current again, decision kept
    back = next(r for r in inv.findings() if r.value_hash == B.value_hash)
    assert back.resolved_run_id is None and back.status == "confirmed" and back.count == 1


def test_errors_and_interruptions_resolve_nothing(inv: Inventory) -> None:
    run(inv, [A, B, Z])
    run(inv, [], finish=False)  # interrupted: nothing resolved
    assert len(inv.findings()) == 3
    run(inv, [A], errors=(ScanError("file:///d/b.txt", "unreadable", "denied"),
                          ScanError("file:///d/z.zip", "corrupt", "bad zip")))
    assert len(inv.findings()) == 3  # not scanned completely: kept current
    run(inv, [A], errors=(ScanError("file:///d/z.zip!/other.csv", "bomb", "ratio"),))
    assert {r.uri for r in inv.findings()} == {"file:///d/a.txt"}


def test_touched_items_are_carried_over_not_resolved(inv: Inventory) -> None:
    first = run(inv, [A, B, Z])
    second = run(inv, [A], touch=("file:///d/b.txt", "file:///d/z.zip"))
    rows = {r.uri: r for r in inv.findings()}
    assert set(rows) == {"file:///d/a.txt", "file:///d/b.txt", "file:///d/z.zip!/in.csv"}
    assert inv.runs()[-1].findings == 3
    d, _ = inv.diff()
    assert (d.from_run, d.to_run, d.new, d.resolved, d.changed) == (first, second, [], [], {})
    third = run(inv, [A], touch=("file:///d/z.zip!/in.csv",))  # a nested item, touched alone
    assert {r.uri for r in inv.findings()} == {"file:///d/a.txt", "file:///d/z.zip!/in.csv"}
    d, rows2 = inv.diff()
    assert d.to_run == third and [rows2[i].uri for i in d.resolved] == ["file:///d/b.txt"]


def test_diff_new_resolved_changed(inv: Inventory) -> None:
    r1 = run(inv, [A, B])
    r2 = run(inv, [A, A, B2])
    d, rows = inv.diff()
    assert (d.from_run, d.to_run) == (r1, r2)
    assert [rows[i].value_hash for i in d.new] == [B2.value_hash]
    assert [rows[i].value_hash for i in d.resolved] == [B.value_hash]
    assert {rows[i].value_hash: c for i, c in d.changed.items()} == {
        A.value_hash: {"count": [1, 2]}}
    assert inv.diff(r1, r1)[0].new == []
    run(inv, [OUT], targets=("/other",))  # another target set: not the default pair
    assert (inv.diff()[0].from_run, inv.diff()[0].to_run) == (r1, r2)
    assert inv.diff(from_run=r1)[0].to_run == r2
    with pytest.raises(InventoryError, match="no earlier completed run"):
        inv.diff(to_run=r1)
    with pytest.raises(InventoryError, match="no run 99"):
        inv.diff(99)


def test_cli_diff_and_include_resolved(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    with Inventory.open(db, tmp_path) as inventory:
        r1 = run(inventory, [A, B])
        r2 = run(inventory, [A, A, B2])
    runner = CliRunner()
    res = runner.invoke(main, ["inventory", "diff", "--db", db, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert (doc["from"], doc["to"]) == (r1, r2)
    assert [f["value_hash"] for f in doc["new"]] == [B2.value_hash]
    assert [f["value_hash"] for f in doc["resolved"]] == [B.value_hash]
    assert doc["changed"][0]["changes"] == {"count": [1, 2]}
    listed = json.loads(runner.invoke(main, ["findings", "list", "--db", db, "--format",
                                             "json"]).output)
    keys = {"id", "uri", "field", "entity", "preview", "value_hash", "status", "clauses"}
    assert keys <= set(doc["new"][0]) and set(doc["new"][0]) - {"changes"} == set(listed[0])
    assert B.value_hash not in {f["value_hash"] for f in listed}
    every = json.loads(runner.invoke(main, ["findings", "list", "--db", db, "--format", "json",
                                            "--include-resolved"]).output)
    assert B.value_hash in {f["value_hash"] for f in every}
    table = runner.invoke(main, ["inventory", "diff", "--db", db, "--from", str(r1)])
    assert table.exit_code == 0 and "1 new, 1 resolved, 1 changed" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        main, ["inventory", "diff", "--db", db, "--format", "csv"]).output)))
    assert sorted(r["change"] for r in rows) == ["changed", "new", "resolved"]
    bad = runner.invoke(main, ["inventory", "diff", "--db", db, "--to", "42"])
    assert bad.exit_code == 1 and "no run 42" in bad.output and "Traceback" not in bad.output


def test_subject_find_leaves_resolved_locations_out(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.redact import load_or_create_secret, mask, value_hash

    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path))
    secret = load_or_create_secret(tmp_path)
    value = "jane.roe@example.org"

    def at(uri: str) -> Finding:
        f = make_finding("EMAIL_ADDRESS", EMAIL, value, uri=uri)
        return Finding(f.location, f.entity, f.category, f.score, f.severity, f.detector,
                       f.explanation, mask(f.entity, value), value_hash(secret, f.entity, value))

    with Inventory.open(None, tmp_path) as inventory:
        run(inventory, [at("file:///d/crm.csv"), at("file:///d/old.csv")])
        run(inventory, [at("file:///d/crm.csv")])  # old.csv no longer holds it

    def found(*extra: str) -> set[str]:
        res = CliRunner().invoke(main, ["subject", "find", value, "--format", "json", *extra])
        assert res.exit_code == 0, res.output
        return {m["uri"] for m in json.loads(res.output)["matches"]}

    assert found() == {"file:///d/crm.csv"}
    assert found("--include-resolved") == {"file:///d/crm.csv", "file:///d/old.csv"}
