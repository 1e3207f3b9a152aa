"""SARIF 2.1.0 reports, validated against the official schema (tests/data/SOURCES.md)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.reports import sarif
from tests.helpers.paths import DATA

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
PLANTED = ("jane.roe@example.org", "4111 1111 1111 1111", "john.doe@example.com",
           "ann.lee@example.net", "GB82 WEST 1234 5698 7654 32")
DOCS = {
    "a.txt": "Write to jane.roe@example.org today.\n",
    "b.csv": "name,email,card\nJohn Doe,john.doe@example.com,4111 1111 1111 1111\n",
    "gone.txt": "IBAN GB82 WEST 1234 5698 7654 32 of ann.lee@example.net\n",
}


def run_sarif(tmp_path: Path, *args: str, inventory: bool = True) -> dict:
    out = tmp_path / f"r-{uuid.uuid4().hex[:6]}.sarif"
    extra = ["--db", f"sqlite:///{tmp_path / 'inv.db'}"] if inventory else ["--no-inventory"]
    res = CliRunner().invoke(main, ["scan", *args, "--no-ner", "--workers", "1", "--no-progress",
                                    "--format", "sarif", "-o", str(out), *extra])
    assert res.exit_code == 0, (res.output, res.exception)
    text = out.read_text()
    for value in PLANTED:
        assert value not in text, f"clear value {value!r} in the SARIF report"
    doc = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    return doc


def results(doc: dict) -> list[dict]:
    return doc["runs"][0]["results"]


def by_file(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in results(doc):
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        out.setdefault(uri.rsplit("/", 1)[-1], []).append(r)
    return out


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for name, text in DOCS.items():
        (root / name).write_text(text)
    return root


def test_schema_fixture_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # a document the schema must reject: the validation is not a no-op
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate({"version": "2.1.0", "runs": [{"tool": {}}]})


def test_rules_results_and_locations(tmp_path: Path, tree: Path) -> None:
    doc = run_sarif(tmp_path, str(tree), inventory=False)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE"} <= set(ids)
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels["CREDIT_CARD"] == "error" and levels["EMAIL_ADDRESS"] == "warning"
    assert levels["PERSON"] == "note"
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    found = by_file(doc)
    assert set(found) == {"a.txt", "b.csv", "gone.txt"}
    for r in results(doc):
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] == sarif.LEVELS[r["properties"]["severity"]]
        assert "baselineState" not in r and "suppressions" not in r  # no inventory, no baseline
        assert r["partialFingerprints"][sarif.FINGERPRINT]
    email = next(r for r in found["a.txt"] if r["ruleId"] == "EMAIL_ADDRESS")
    assert email["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    card = next(r for r in found["b.csv"] if r["ruleId"] == "CREDIT_CARD")
    assert card["properties"]["field"] == "card" and card["level"] == "error"
    assert card["properties"]["preview"].endswith("1111") and "*" in card["properties"]["preview"]
    assert run["properties"]["piiscout/resultsCapped"] is False


def test_fingerprints_survive_line_moves(tmp_path: Path, tree: Path) -> None:
    first = run_sarif(tmp_path, str(tree), inventory=False)
    (tree / "a.txt").write_text("\n\n\nmoved down\n" + DOCS["a.txt"])
    second = run_sarif(tmp_path, str(tree), inventory=False)

    def prints(doc: dict) -> dict[str, int]:
        return {r["partialFingerprints"][sarif.FINGERPRINT]:
                r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0)
                for r in by_file(doc)["a.txt"]}

    assert set(prints(first)) == set(prints(second))
    assert {prints(second)[k] - prints(first)[k] for k in prints(first)} == {4}


def test_baseline_states_against_the_previous_run(tmp_path: Path, tree: Path) -> None:
    first = run_sarif(tmp_path, str(tree))
    assert all("baselineState" not in r for r in results(first))  # nothing to compare with
    (tree / "gone.txt").unlink()
    (tree / "new.txt").write_text("Mail ann.lee@example.net\n")
    (tree / "a.txt").write_text(DOCS["a.txt"] * 2)  # same finding, now twice: updated
    second = run_sarif(tmp_path, str(tree))
    states = {name: {r["baselineState"] for r in rs} for name, rs in by_file(second).items()}
    assert states == {"a.txt": {"updated"}, "b.csv": {"unchanged"}, "new.txt": {"new"},
                      "gone.txt": {"absent"}}
    third = run_sarif(tmp_path, str(tree))  # an incremental rescan: nothing read again
    assert third["runs"][0]["properties"]["piiscout/items"]["unchanged"] == 3
    assert {r["baselineState"] for r in results(third)} == {"unchanged"}
    assert {r["partialFingerprints"][sarif.FINGERPRINT] for r in results(third)} == {
        r["partialFingerprints"][sarif.FINGERPRINT] for r in results(second)
        if r["baselineState"] != "absent"}


def test_review_decisions_are_suppressions(tmp_path: Path, tree: Path) -> None:
    run_sarif(tmp_path, str(tree))
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        rows = inv.findings()
        card = next(r for r in rows if r.entity == "CREDIT_CARD")
        email = next(r for r in rows if r.entity == "EMAIL_ADDRESS" and r.uri.endswith("a.txt"))
        iban = next(r for r in rows if r.entity == "IBAN_CODE")
        inv.review(card.id, "accepted", reviewer="dpo", note="test card")
        inv.review(email.id, "false-positive", reviewer="dpo", note="not a person")
        inv.review(iban.id, "confirmed", reviewer="dpo", note="real")
    doc = run_sarif(tmp_path, str(tree), "--full")
    got = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
           r for r in results(doc)}
    for row, status in ((card, "accepted"), (email, "false-positive")):
        r = got[(row.entity, row.uri)]
        assert r["properties"]["status"] == status
        assert r["suppressions"] == [{"kind": "external", "status": "accepted",
                                      "justification": f"reviewed in the piiscout inventory as "
                                                       f"{status}"}]
    confirmed = got[("IBAN_CODE", iban.uri)]
    assert "suppressions" not in confirmed and confirmed["properties"]["status"] == "confirmed"
    assert sum("suppressions" in r for r in results(doc)) == 2


def test_results_are_capped_most_severe_first(tmp_path: Path, tree: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    full = run_sarif(tmp_path, str(tree), inventory=False)
    total = len(results(full))
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    doc = run_sarif(tmp_path, str(tree), inventory=False)
    props = doc["runs"][0]["properties"]
    assert total > 2 and len(results(doc)) == 2
    assert props["piiscout/resultsCapped"] is True and props["piiscout/resultsTotal"] == total
    assert props["piiscout/resultsLimit"] == 2 and "at most 2 results" in props["piiscout/resultsNote"]
    assert {r["level"] for r in results(doc)} == {"error"}  # the two high findings


def test_scan_errors_are_tool_notifications(tmp_path: Path, tree: Path) -> None:
    (tree / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    doc = run_sarif(tmp_path, str(tree), inventory=False)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               .endswith("broken.zip") for n in notes)
