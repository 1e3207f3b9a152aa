"""Reviewing findings from the CLI: list with filters, decisions, audit log, carry-over."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity
from scanner.policy import load_packs
from scanner.redact import mask, value_hash

SECRET = b"r" * 32
PACKS = load_packs(["gdpr", "cybercon", "cybrid", "cyrus"])


def f(entity: str, category: str, value: str, uri: str, line: int = 1,
      kind: str = "file") -> Finding:
    return Finding(Location(uri, line, None), entity, category, 0.9, Severity.MEDIUM, "T", "e",
                   mask(entity, value), value_hash(SECRET, entity, value), source_kind=kind)


def scan(line: int = 1) -> ScanResult:
    return ScanResult(ScanInfo("s", "t", "t", ("/d",)), (
        f("EMAIL_ADDRESS", "user.contact.email", "jane@example.org", "file:///d/a.csv", line),
        f("COOKIE_ID", "user.device.cookie_id", "sid=8f3b2c1d9e77", "s3://web/log.txt", line,
          "s3"),
        f("PERSON", "user.name", "Parkinson Road", "file:///d/b.txt", line),
    ), ())


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    with Inventory.open(url, tmp_path) as inv:
        inv.record(scan(), PACKS)
    return url


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


SEED_PACKS = ("--policy", "gdpr", "--policy", "cybercon", "--policy", "cybrid", "--policy", "cyrus")


def listed(db: str, *filters: str) -> list[dict]:  # type: ignore[type-arg]
    code, out = run("findings", "list", "--db", db, "--format", "json", *SEED_PACKS, *filters)
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def ids(db: str, entity: str) -> int:
    return next(r["id"] for r in listed(db) if r["entity"] == entity)


@pytest.mark.parametrize(
    ("filters", "entities"),
    [
        ((), {"EMAIL_ADDRESS", "COOKIE_ID", "PERSON"}),
        (("--clause", "cybrid/cookies"), {"COOKIE_ID"}),
        (("--clause", "cyrus"), {"COOKIE_ID", "PERSON"}),  # any clause of the pack
        (("--category", "user.contact"), {"EMAIL_ADDRESS"}),
        (("--category", "user.device"), {"COOKIE_ID"}),
        (("--source", "s3"), {"COOKIE_ID"}),
        (("--source", "file:///d/b.txt"), {"PERSON"}),
        (("--status", "confirmed"), set()),
    ],
)
def test_list_filters(db: str, filters: tuple[str, ...], entities: set[str]) -> None:
    rows = listed(db, *filters)
    assert {r["entity"] for r in rows} == entities
    for r in rows:
        assert "jane@example.org" not in json.dumps(r)


def test_false_positive_is_hidden_audited_and_survives_a_rescan(db: str, tmp_path: Path) -> None:
    person = ids(db, "PERSON")
    code, out = run("findings", "review", str(person), "--status", "false-positive",
                    "--note", "street name", "--reviewer", "dpo@example", "--db", db)
    assert code == 0, out
    assert "open -> false-positive by dpo@example" in out
    assert "PERSON" not in {r["entity"] for r in listed(db)}
    assert [r["id"] for r in listed(db, "--status", "false-positive")] == [person]

    with Inventory.open(db, tmp_path) as inv:  # a later scan, the name moved to another line
        kept = inv.record(scan(line=12), PACKS)
    assert "PERSON" not in {k.entity for k in kept}
    assert "PERSON" not in {r["entity"] for r in listed(db)}

    code, out = run("findings", "review", str(person), "--status", "confirmed", "--db", db)
    assert code == 0
    code, out = run("findings", "history", str(person), "--db", db, "--format", "json")
    log = json.loads(out)
    assert [(e["old_status"], e["new_status"]) for e in log] == [
        ("open", "false-positive"), ("false-positive", "confirmed")]
    assert log[0]["reviewer"] == "dpo@example" and log[0]["note"] == "street name"
    assert log[1]["reviewer"] == getpass.getuser()  # the OS user by default
    assert log[0]["at"] <= log[1]["at"]


@pytest.mark.parametrize("status", ["confirmed", "accepted", "remediated"])
def test_other_decisions_stay_listed(db: str, status: str) -> None:
    email = ids(db, "EMAIL_ADDRESS")
    assert run("findings", "review", str(email), "--status", status, "--db", db)[0] == 0
    assert [r["entity"] for r in listed(db, "--status", status)] == ["EMAIL_ADDRESS"]
    assert "EMAIL_ADDRESS" in {r["entity"] for r in listed(db)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("findings", "review", "999", "--status", "confirmed"), "findings list"),
        (("findings", "review", "1", "--status", "maybe"), "confirmed"),
        (("findings", "list", "--clause", "cybrid/nope"), "policy show"),
        (("findings", "history", "999"), "no finding with ID 999"),
    ],
)
def test_user_mistakes_say_what_to_do(db: str, args: tuple[str, ...], message: str) -> None:
    code, out = run(*args, "--db", db)
    assert code != 0
    assert message in out
    assert "Traceback" not in out


def test_table_output_shows_previews_not_values(db: str) -> None:
    code, out = run("findings", "list", "--db", db, *SEED_PACKS)
    assert code == 0
    assert "j***@e***.org" in out and "jane@example.org" not in out
    assert "cybrid/cookies" in out
