"""Inventory views, gap report and the `piiscout inventory` command in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.inventory.views import build_report, gaps, group
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity
from scanner.policy import PolicyMapper, load_packs
from scanner.redact import mask, value_hash
from scanner.reports import html as html_report

SECRET = b"s" * 32
SEED = ["cybercon", "cybrid", "cyrus"]


def f(entity: str, category: str, value: str, uri: str, *, linked: bool | None = None,
      kind: str = "file") -> Finding:
    return Finding(
        location=Location(uri, 2, None), entity=entity, category=category, score=0.9,
        severity=Severity.HIGH, detector="T", explanation="e", preview=mask(entity, value),
        value_hash=value_hash(SECRET, entity, value), linked=linked, source_kind=kind,
    )


FIVE = [
    f("HEALTH", "user.health", "Jane Roe was diagnosed with diabetes", "file:///d/notes.txt",
      linked=True),
    f("IMEI", "user.device.device_id", "490154203237518", "file:///d/devices.csv"),
    f("CALL_RECORD", "user.behavior.telephony_log", "2024-03-01,+447700900123,00:03:12",
      "file:///d/cdr.log"),
    f("CREDIT_CARD", "user.financial.credit_card", "4111 1111 1111 1111", "file:///d/pay.csv"),
    f("COOKIE_ID", "user.device.cookie_id", "sessionid=8f3b2c1d9e", "s3://logs/web.log",
      kind="s3"),
]


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """An SQLite inventory holding the five findings; returns its file."""
    path = tmp_path / "inv.sqlite"
    info = ScanInfo("s1", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00", ("/d",))
    with Inventory.open(f"sqlite:///{path}", tmp_path) as inv:
        inv.record(ScanResult(info, tuple(FIVE), ()), load_packs(SEED))
    return path


def rows_of(path: Path) -> list:  # type: ignore[type-arg]
    with Inventory.open(f"sqlite:///{path}", path.parent) as inv:
        return inv.findings()


def test_gap_report_names_what_each_policy_does_not_cover(inventory: Path) -> None:
    result = gaps(rows_of(inventory), PolicyMapper(load_packs(SEED)))
    per_pack = {(g.pack, g.category) for g in result.per_pack}
    assert per_pack == {
        # Cybercon names no device identifiers, cookies or call records
        ("cybercon", "user.device.device_id"),
        ("cybercon", "user.behavior.telephony_log"),
        ("cybercon", "user.device.cookie_id"),
        # Cybrid says nothing about payment cards
        ("cybrid", "user.financial.credit_card"),
        # CYRUS names neither device identifiers nor health data
        ("cyrus", "user.device.device_id"),
        ("cyrus", "user.health"),
    }
    assert result.uncovered == ()  # each category is covered by at least one pack
    unused = {c.clause for c in result.unused_clauses}
    assert "cybrid/internet-protocol-address" in unused
    assert "cyrus/communications" in unused
    assert "cybrid/cookies" not in unused and "cybercon/choice" not in unused


def test_a_category_no_active_pack_covers_is_an_overall_gap(inventory: Path) -> None:
    result = gaps(rows_of(inventory), PolicyMapper(load_packs(["cyrus"])))
    assert {g.category for g in result.uncovered} == {"user.device.device_id", "user.health"}
    assert all(g.pack == "*" for g in result.uncovered)


def test_unlinked_special_category_mentions_are_not_gaps() -> None:
    from scanner.inventory.store import FindingRow

    row = FindingRow(1, "file:///a", "", "HEALTH", "user.health", "h", "x", "T", "low", False,
                     "file", "file:///", 1, 0.5, "t", "t", "open")
    assert gaps([row], PolicyMapper(load_packs(["cyrus"]))).uncovered == ()


@pytest.mark.parametrize(("entity", "category", "is_gap"), [
    ("DATE_TIME", "user", False),  # a bare date is not personal data on its own
    ("DATE_OF_BIRTH", "user.demographic.date_of_birth", True),  # CYRUS names no birth dates
])
def test_context_only_entities_are_not_gaps(entity: str, category: str, is_gap: bool) -> None:
    from scanner.inventory.store import FindingRow

    row = FindingRow(1, "file:///a", "", entity, category, "h", "x", "T", "low", None,
                     "file", "file:///", 1, 0.5, "t", "t", "open")
    result = gaps([row], PolicyMapper(load_packs(["cyrus"])))
    assert bool(result.uncovered) is is_gap  # no chosen pack covers it: one overall gap
    assert result.per_pack == ()  # ...not repeated under the pack


def test_each_gap_is_one_row_under_the_chosen_packs(inventory: Path) -> None:
    """One pack chosen (GDPR, or an imported pack): a category it does not cover is one row,
    not a "no active pack" row and a row of the pack; with several packs, a category that one
    covers is a row of each pack that does not, and no overall row."""
    rows = rows_of(inventory)
    one = gaps(rows, PolicyMapper(load_packs(["cyrus"])))
    keys = [(g.pack, g.category) for g in (*one.uncovered, *one.per_pack)]
    assert sorted(keys) == [("*", "user.device.device_id"), ("*", "user.health")]
    several = gaps(rows, PolicyMapper(load_packs(SEED)))
    keys = [(g.pack, g.category) for g in (*several.uncovered, *several.per_pack)]
    assert len(keys) == len(set(keys)) and all(p != "*" for p, _ in keys)
    assert {c for _, c in keys} == {"user.device.device_id", "user.behavior.telephony_log",
                                    "user.device.cookie_id", "user.financial.credit_card",
                                    "user.health"}


def test_grouping_by_clause_category_and_source(inventory: Path) -> None:
    rows = rows_of(inventory)
    mapper = PolicyMapper(load_packs(SEED))
    by_clause = {g.key: g for g in group(rows, mapper, "clause")}
    assert by_clause["cybrid/device-information"].locations == {"file:///d/devices.csv"}
    assert by_clause["cybrid/telephony-log-information"].categories == {
        "user.behavior.telephony_log"}
    assert by_clause["cybrid/internet-protocol-address"].findings == 0  # listed, never found
    assert by_clause["cybrid/cookies"].sources == {"s3://logs"}
    by_category = {g.key: g for g in group(rows, mapper, "category")}
    assert by_category["user.financial.credit_card"].clauses == {
        "cybercon/personal-information", "cyrus/customer-information"}
    by_source = {g.key: g for g in group(rows, mapper, "source")}
    assert set(by_source) == {"file:///d", "s3://logs"}
    assert by_source["file:///d"].findings == 4


def test_html_report_is_self_contained_printable_and_escaped(tmp_path: Path) -> None:
    path = tmp_path / "inv.sqlite"
    hostile = "file:///d/<script>alert(1)</script>.txt"
    info = ScanInfo("s1", "t", "t", ("/d",))
    with Inventory.open(f"sqlite:///{path}", tmp_path) as inv:
        inv.record(ScanResult(info, (*FIVE, f("EMAIL_ADDRESS", "user.contact.email",
                                               "a@b.org", hostile)), ()), load_packs(SEED))
        rows = inv.findings()
    report = build_report(rows, PolicyMapper(load_packs(SEED)), by="clause",
                          generated_at="2026-01-01", database="inv.sqlite")
    out = io.StringIO()
    html_report.write(report, out)
    page = out.getvalue()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "@media print" in page
    assert "<script" not in page  # escaped, and no scripts of our own
    assert "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page)  # no external assets
    assert "cybrid/device-information" in page and "Device information" in page
    for clear in ("4111 1111 1111 1111", "a@b.org", "490154203237518"):
        assert clear not in page


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_cli_inventory_json_and_csv(inventory: Path) -> None:
    db = f"sqlite:///{inventory}"
    code, out = invoke("inventory", "--db", db, "--format", "json", *[
        x for p in SEED for x in ("--policy", p)])
    assert code == 0, out
    doc = json.loads(out)
    assert doc["schema"] == "piiscout.inventory/1" and doc["findings"] == 5
    keys = {g["key"]: g for g in doc["groups"]}
    assert keys["cyrus/customer-information"]["locations"] == ["file:///d/pay.csv"]
    code, out = invoke("inventory", "--db", db, "--by", "category", "--format", "csv")
    assert code == 0, out
    table = list(csv.DictReader(io.StringIO(out)))
    assert {r["group"] for r in table} == {c.category for c in FIVE}
    code, out = invoke("inventory", "gaps", "--db", db, "--format", "csv", "--policy", "cybrid")
    assert code == 0, out
    gap_rows = list(csv.DictReader(io.StringIO(out)))
    assert {"uncovered_category", "clause_without_data"} == {r["gap"] for r in gap_rows}
    assert any(r["key"] == "user.financial.credit_card" for r in gap_rows)


def test_cli_inventory_table_and_html_file(inventory: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{inventory}"
    code, out = invoke("inventory", "--db", db, "--policy", "cybrid")
    assert code == 0, out
    assert "cybrid/telephony-log-information" in out and "Categories found" in out
    code, out = invoke("inventory", "--db", db, "--gaps", "--policy", "cybercon")
    assert code == 0 and "user.device.cookie_id" in out and "Personal data by" not in out
    target = tmp_path / "report.html"
    code, out = invoke("inventory", "--db", db, "-o", str(target))
    assert code == 0, out
    assert target.read_text().startswith("<!DOCTYPE html>")


def test_cli_inventory_runs_and_user_mistakes(inventory: Path) -> None:
    db = f"sqlite:///{inventory}"
    code, out = invoke("inventory", "--db", db, "runs", "--format", "json")
    assert code == 0 and json.loads(out)[0]["status"] == "completed"
    code, out = invoke("inventory", "--db", db, "--policy", "nope")
    assert code == 1 and "use one of" in out
    code, out = invoke("inventory", "--db", "postgresql://u:pw-123@127.0.0.1:1/x")
    assert code == 1 and "pw-123" not in out and "cannot open the inventory" in out
