"""`piiscout subject find`: locations holding a person's value, found by keyed hash only."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity
from scanner.policy import load_packs
from scanner.redact import load_or_create_secret, mask, value_hash

STORED = [
    ("EMAIL_ADDRESS", "user.contact.email", "Jane.Roe@Example.org", "file:///d/crm.csv"),
    ("EMAIL_ADDRESS", "user.contact.email", "jane.roe@example.org", "s3://mail/export.json"),
    ("PHONE_NUMBER", "user.contact.phone_number", "+44 20 7946 0958", "file:///d/calls.log"),
    ("CREDIT_CARD", "user.financial.credit_card", "4111 1111 1111 1111", "file:///d/pay.csv"),
    ("EMAIL_ADDRESS", "user.contact.email", "john@example.org", "file:///d/other.csv"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path))
    secret = load_or_create_secret(tmp_path)
    findings = tuple(
        Finding(Location(uri, 1, None), entity, cat, 0.9, Severity.MEDIUM, "T", "e",
                mask(entity, value), value_hash(secret, entity, value))
        for entity, cat, value, uri in STORED
    )
    with Inventory.open(None, tmp_path) as inv:
        inv.record(ScanResult(ScanInfo("s", "t", "t", ("/d",)), findings, ()),
                   load_packs(["gdpr"]))
    return tmp_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("JANE.ROE@EXAMPLE.ORG", {"file:///d/crm.csv", "s3://mail/export.json"}),
        ("  jane.roe@example.org ", {"file:///d/crm.csv", "s3://mail/export.json"}),
        ("+442079460958", {"file:///d/calls.log"}),
        ("+44 (20) 7946-0958", {"file:///d/calls.log"}),
        ("4111-1111-1111-1111", {"file:///d/pay.csv"}),
        ("4111111111111111", {"file:///d/pay.csv"}),
        ("jane.roe@example.com", set()),  # near-miss
        ("4111 1111 1111 1112", set()),
        ("+44 20 7946 0959", set()),
    ],
)
def test_find_normalises_and_matches_by_hash(home: Path, value: str, expected: set[str],
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    res = CliRunner().invoke(main, ["subject", "find", value, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert {m["uri"] for m in json.loads(res.output)["matches"]} == expected
    assert value.strip() not in res.output
    assert value.strip() not in caplog.text


def test_table_output_and_value_from_stdin_or_hidden_prompt(home: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["subject", "find", "-"], input="JANE.ROE@example.org\n")
    assert res.exit_code == 0, res.output
    assert "2 locations hold this value" in res.output
    assert "JANE.ROE@example.org" not in res.output and "jane.roe@example.org" not in res.output
    res = runner.invoke(main, ["subject", "find"], input="nobody@example.org\n")
    assert res.exit_code == 0
    assert "No location" in res.output and "nobody@example.org" not in res.output


def test_false_positive_locations_are_still_listed(home: Path) -> None:
    with Inventory.open(None, home) as inv:
        row = next(r for r in inv.findings() if r.uri == "file:///d/pay.csv")
        inv.review(row.id, "false-positive", reviewer="dpo")
    res = CliRunner().invoke(main, ["subject", "find", "4111111111111111", "--format", "json"])
    (match,) = json.loads(res.output)["matches"]
    assert match["status"] == "false-positive"


def test_without_installation_key_says_what_to_do(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "empty"))
    res = CliRunner().invoke(main, ["subject", "find", "a@b.org"])
    assert res.exit_code == 1
    assert "piiscout scan" in res.output and "a@b.org" not in res.output
    assert not (tmp_path / "empty" / "secret.key").exists()  # a lookup never makes a new key
