"""The streaming SARIF writer (what ``piiscout scan --format sarif`` uses) against the reference
that holds every finding in memory (:func:`scanner.reports.sarif.sarif_document`): the same
document, with and without the inventory's baseline, capped or not."""

from __future__ import annotations

import io
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.inventory import Inventory
from scanner.inventory.versions import findings_of_run
from scanner.models import Finding, Location, ScanError, ScanInfo, ScanResult, Severity
from scanner.reports import sarif

ENTITIES = ("EMAIL_ADDRESS", "CREDIT_CARD", "PERSON", "PHONE_NUMBER", "IBAN_CODE")
CATEGORY = {"EMAIL_ADDRESS": "user.contact.email", "CREDIT_CARD": "user.financial.credit_card",
            "PERSON": "user.name", "PHONE_NUMBER": "user.contact.phone_number",
            "IBAN_CODE": "user.financial.bank_account"}


def info(n: int = 1) -> ScanInfo:
    return ScanInfo(f"scan-{n}", "2026-12-01T10:00:00+00:00", "2026-12-01T10:05:00+00:00",
                    ("/data",), scanned=3, failed=1)


def findings(rng: random.Random, n: int, *, clauses: bool = True, values: int = 40,
             uris: int = 6) -> list[Finding]:
    """``n`` findings over a few uris, fields and values, so identities repeat (with other
    lines, severities, scores and clauses) as on a real share."""
    out = []
    for _ in range(n):
        entity = rng.choice(ENTITIES)
        v = rng.randrange(values)
        field = rng.choice([None, None, "", "email", "notes"])
        line = rng.choice([None, rng.randrange(1, 500)])
        out.append(Finding(
            Location(f"file:///data/f{rng.randrange(uris)}.txt", line, field), entity,
            CATEGORY[entity], round(rng.uniform(0.4, 1.0), 3), rng.choice(list(Severity)),
            f"D-{entity[:3]}", "an explanation", f"{entity[:2]}***{v % 10}", f"{v:064x}",
            rng.choice([None, True, False]),
            tuple(sorted(rng.sample(["gdpr.a", "gdpr.b", "ccpa.x"], rng.randrange(3))))
            if clauses else (),
            rng.choice(["file", "database"])))
    return out


def streamed(found: list[Finding], result: ScanResult, runs: sarif.Runs | None = None) -> dict:
    out = io.StringIO()
    stream = sarif.SarifStream(out, runs=runs)
    for f in found:
        stream.finding(f)
    stream.end(result)
    return json.loads(out.getvalue())


def reference(result: ScanResult, baseline: sarif.Baseline | None = None) -> dict:
    out = io.StringIO()
    sarif.write(result, out, baseline=baseline)
    return json.loads(out.getvalue())


ERRORS = (ScanError("file:///data/broken.zip", "corrupt", "not a zip file"),)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [0, 1, 7, 300, 2000])
def test_stream_is_the_reference_without_an_inventory(seed: int, n: int) -> None:
    found = findings(random.Random(seed * 1000 + n), n)
    result = ScanResult(info(), tuple(found), ERRORS)
    assert streamed(found, result) == reference(result)


@pytest.mark.parametrize("cap", [1, 3, 50])
def test_the_cap_keeps_the_same_results(cap: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", cap)
    found = findings(random.Random(cap), 800)
    result = ScanResult(info(), tuple(found), ())
    doc = streamed(found, result)
    assert len(doc["runs"][0]["results"]) == cap
    assert doc["runs"][0]["properties"]["piiscout/resultsCapped"] is True
    assert doc == reference(result)


def test_many_lines_keep_the_first_twenty() -> None:
    where = Location("file:///data/a.txt", None, None)
    base = findings(random.Random(5), 1)[0]
    found = [replace(base, location=replace(where, line=line)) for line in range(100, 0, -1)]
    result = ScanResult(info(), tuple(found), ())
    doc = streamed(found, result)
    (only,) = doc["runs"][0]["results"]
    assert only["properties"]["lines"] == sorted(range(100, 80, -1))
    assert only["locations"][0]["physicalLocation"]["region"]["startLine"] == 81
    assert only["properties"]["occurrences"] == 100
    assert doc == reference(result)


def record(inv: Inventory, n: int, found: list[Finding]) -> tuple[int, list[Finding]]:
    recorder = inv.start(info(n), [])
    mapped = recorder.add(found)
    recorder.finish(info(n), ())
    return recorder.run_id, mapped


def recorded_and_streamed(inv: Inventory, n: int, found: list[Finding], previous: int | None,
                          errors: tuple[ScanError, ...]) -> tuple[dict, ScanResult, int]:
    """Run ``n`` recorded and streamed as the CLI does it: the SARIF document, the result, the run."""
    out = io.StringIO()
    recorder = inv.start(info(n), [])
    stream = sarif.SarifStream(out, runs=sarif.Runs(inv, recorder.run_id, previous))
    mapped = recorder.add(found)
    for f in mapped:
        stream.finding(f)
    recorder.finish(info(n), errors)
    result = ScanResult(info(n), tuple(mapped), errors)
    stream.end(result)
    return json.loads(out.getvalue()), result, recorder.run_id


@pytest.mark.parametrize("seed", range(4))
def test_stream_is_the_reference_with_the_previous_run_as_baseline(tmp_path: Path,
                                                                   seed: int) -> None:
    rng = random.Random(seed)
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        first = findings(rng, 600, clauses=False)
        run1, _ = record(inv, 1, first)
        # reviews: the statuses become suppressions
        rows = inv.findings()
        for row, status in zip(rows[:6], ["accepted", "false-positive", "confirmed"] * 2,
                               strict=False):
            inv.review(row.id, status, reviewer="dpo", note="seen")
        before = findings_of_run(inv, run1)
        # the second run: some findings gone, some new, some more often
        second = [f for f in first if rng.random() < 0.6] + findings(rng, 300, clauses=False,
                                                                     values=80)
        got, result, run2 = recorded_and_streamed(inv, 2, second, run1, ERRORS)
        want = reference(result, sarif.baseline_of(inv, run2, before))
    states = {r.get("baselineState") for r in got["runs"][0]["results"]}
    assert {"new", "absent", "updated"} <= states
    assert any("suppressions" in r for r in got["runs"][0]["results"])
    assert got == want


def test_no_previous_run_gives_statuses_but_no_states(tmp_path: Path) -> None:
    found = findings(random.Random(9), 200, clauses=False)
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        got, result, run1 = recorded_and_streamed(inv, 1, found, None, ())
        want = reference(result, sarif.baseline_of(inv, run1, None))
    assert all("baselineState" not in r for r in got["runs"][0]["results"])
    assert all(r["properties"]["status"] == "open" for r in got["runs"][0]["results"])
    assert got == want


def test_the_temporary_file_is_private_and_removed() -> None:
    stream = sarif.SarifStream(io.StringIO())
    folder = Path(stream._dir.name)
    assert folder.stat().st_mode & 0o077 == 0
    for f in findings(random.Random(1), 10):
        stream.finding(f)
    stream.end(ScanResult(info(), (), ()))
    assert not folder.exists()


@pytest.mark.parametrize("n", [0, 1, 50])
def test_one_result_per_line_is_the_same_json(n: int) -> None:
    found = findings(random.Random(n), n * 3)
    doc = sarif.sarif_document(ScanResult(info(), tuple(found), ERRORS))
    out = io.StringIO()
    sarif.dump(doc, out)
    text = out.getvalue()
    assert json.loads(text) == doc
    assert text.endswith("\n") and text.count("\n") == (len(doc["runs"][0]["results"]) + 2 if n else 1)
