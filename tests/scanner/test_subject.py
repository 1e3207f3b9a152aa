"""Subject access (scanner/subject.py, `piiscout subject find`): keyed-hash answers in any
spelling, live read-only queries of classified database columns, the rest of the same record,
resolved findings left out, audited by kind only; the CLI gives the module's answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory.store import Inventory
from scanner.redact import normalize_phone
from scanner.subject import guess_kind, lookup, phone_forms
from tests.helpers.web import CLEAR_VALUES, SECRET, seed_inventory


@pytest.fixture
def inv(home: Path):
    url = seed_inventory(home)
    with Inventory.open(url, home) as inventory:
        yield inventory


def uris(result) -> list[str]:
    return [loc.uri for loc in result.locations]


@pytest.mark.parametrize(("value", "expected"), [
    ("jane.roe@example.org", ["file:///d/crm/customers.csv"]),
    ("  Jane.Roe@EXAMPLE.org ", ["file:///d/crm/customers.csv"]),
    ("+44 7700 900122", ["file:///d/crm/customers.csv", "file:///d/hr/phones.txt"]),
    ("07700 900122", ["file:///d/crm/customers.csv", "file:///d/hr/phones.txt"]),
    ("+44 (0)7700-900122", ["file:///d/crm/customers.csv", "file:///d/hr/phones.txt"]),
    ("0044 7700 900122", ["file:///d/crm/customers.csv", "file:///d/hr/phones.txt"]),
    ("jane roe", ["file:///d/crm/customers.csv", "file:///d/hr/case-note.txt"]),
    ("gb82west12345698765432", ["mbox:///mail/support.mbox#msg=3"]),
    ("GB82 WEST 1234 5698 7654 32", ["mbox:///mail/support.mbox#msg=3"]),
    # negatives: near misses find nothing
    ("jane.roe@example.com", []),
    ("+44 7700 900123", []),
    ("+1 7700 900122", []),
    ("Jane Rose", []),
    ("GB82 WEST 1234 5698 7654 33", []),
])
def test_lookup_in_any_spelling(inv: Inventory, value: str, expected: list[str]) -> None:
    assert uris(lookup(inv, SECRET, value, live=False)) == expected


def test_phone_forms_cover_national_and_international_spellings() -> None:
    # redact stores a national number under its E.164 form (the first region it is valid in)
    assert "+447700900122" in phone_forms("07700 900122")
    assert "+447700900122" in phone_forms("+44 7700 900122")
    assert normalize_phone("07700 900122") in phone_forms("+44 7700 900122")
    assert "+442079460958" in phone_forms("020 7946 0958")


@pytest.mark.parametrize(("value", "kind"), [
    ("jane@example.org", "email"), ("+44 7700 900122", "phone"), ("07700 900122", "phone"),
    ("GB82 WEST 1234 5698 7654 32", "iban"), ("4111 1111 1111 1111", "card"),
    ("078-05-1120", "id"), ("Jane Roe", "name"), ("203.0.113.7", "ip"),
])
def test_guess_kind(value: str, kind: str) -> None:
    assert guess_kind(value) == kind


def test_the_rest_of_the_record_comes_with_a_match(inv: Inventory) -> None:
    result = lookup(inv, SECRET, "Jane Roe", kind="name", live=False)
    note = next(loc for loc in result.locations if loc.uri.endswith("case-note.txt"))
    assert {r.entity for r in note.same_location} == {"HEALTH", "TRADE_UNION"}
    assert all(r.linked is True for r in note.same_location)
    crm = next(loc for loc in result.locations if loc.uri.endswith("customers.csv"))
    assert {r.entity for r in crm.same_location} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    text = json.dumps(result.to_dict())
    assert not any(v in text for v in CLEAR_VALUES)


def test_false_positives_are_left_out_unless_asked(inv: Inventory) -> None:
    fid = next(r.id for r in inv.findings() if r.entity == "IBAN_CODE")
    inv.review(fid, "false-positive", reviewer="t")
    iban = "GB82 WEST 1234 5698 7654 32"
    assert uris(lookup(inv, SECRET, iban, live=False)) == []
    assert uris(lookup(inv, SECRET, iban, live=False, include_resolved=True)) == [
        "mbox:///mail/support.mbox#msg=3"]


# -- live queries: a real SQLite database, scanned by the real scanner with a small sample -----
CUSTOMERS = 60


def _customers_db(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, "
                "LastName TEXT, Email TEXT, Phone TEXT, Iban TEXT, Notes TEXT)")
    for i in range(1, CUSTOMERS + 1):
        con.execute("INSERT INTO Customer VALUES (?, ?, ?, ?, ?, ?, ?)", (
            i, f"Given{i}", f"Family{i}", f"Customer.{i:03}@Example.org",
            f"+44 20 7946 {i:04}", "GB82 WEST 1234 5698 7654 32" if i == 47 else None,
            "prefers e-mail"))
    con.commit()
    con.close()


@pytest.fixture
def scanned_db(home: Path, tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "crm.db"
    _customers_db(db)
    res = CliRunner().invoke(main, ["scan", f"sqlite:///{db}", "--no-ner", "--sample-rows", "5",
                                    "--format", "json", "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    return f"sqlite:///{home / 'inventory.sqlite'}", db


def test_live_query_finds_a_customer_outside_the_sample(scanned_db: tuple[str, Path],
                                                        home: Path) -> None:
    from scanner.redact import load_or_create_secret

    url, db = scanned_db
    secret = load_or_create_secret(home)
    with Inventory.open(url, home) as inv:
        cols = {(r.field, r.entity) for r in inv.findings() if r.source_kind == "database"}
        assert ("Email", "EMAIL_ADDRESS") in cols
        from scanner.redact import value_hash

        kept = {r.value_hash for r in inv.findings() if r.field == "Email"}  # one sample's hash
        n = next(i for i in range(47, 61)
                 if value_hash(secret, "EMAIL_ADDRESS", f"customer.{i:03}@example.org")
                 not in kept)
        value = f"customer.{n:03}@example.org"
        offline = lookup(inv, secret, value, live=False)
        assert offline.locations == []
        result = lookup(inv, secret, value)
    assert len(result.locations) == 1
    loc = result.locations[0]
    assert loc.uri.startswith("sqlite:///") and loc.uri.endswith("/main/Customer")
    assert loc.source == f"sqlite:///{db}"  # the name pastes back into `piiscout scan`
    (row,) = loc.live_rows
    assert (row.column, row.entity, row.preview) == ("Email", "EMAIL_ADDRESS", "C***@E***.org")
    related = {v.field: v for v in row.related}
    assert related["Phone"].entity == "PHONE_NUMBER"
    assert related["Phone"].preview.endswith(f"{n:04}"[-2:])
    assert "Email" not in related
    text = json.dumps(result.to_dict())
    for clear in (f"ustomer.{n:03}", f"7946 {n:04}", f"Given{n}", f"Family{n}"):
        assert clear not in text
    assert any("Customer Email" in c for c in result.live_checked)


def test_live_query_in_another_spelling_and_negatives(scanned_db: tuple[str, Path],
                                                      home: Path) -> None:
    from scanner.redact import load_or_create_secret

    url, _ = scanned_db
    secret = load_or_create_secret(home)
    with Inventory.open(url, home) as inv:
        phone = lookup(inv, secret, "020 7946 0012", kind="phone")
        assert [r.related and r.column for loc in phone.locations for r in loc.live_rows] == [
            "Phone"]
        assert lookup(inv, secret, "customer.061@example.org").locations == []
        assert lookup(inv, secret, "020 7946 0099", kind="phone").locations == []


def test_live_query_leaves_the_database_unchanged(scanned_db: tuple[str, Path],
                                                  home: Path) -> None:
    from scanner.redact import load_or_create_secret

    url, db = scanned_db
    before = db.read_bytes()
    with Inventory.open(url, home) as inv:
        lookup(inv, load_or_create_secret(home), "Customer.010@example.org")
    assert db.read_bytes() == before


def test_an_unreachable_database_is_reported_not_fatal(scanned_db: tuple[str, Path],
                                                       home: Path) -> None:
    from scanner.redact import load_or_create_secret

    url, db = scanned_db
    db.unlink()
    with Inventory.open(url, home) as inv:
        result = lookup(inv, load_or_create_secret(home), "customer.001@example.org")
    assert result.locations == [] or all(not loc.live_rows for loc in result.locations)
    assert result.live_errors and "Customer" in result.live_errors[0]


# -- the CLI gives the same answers, and audits the kind only -----------------------------------
def test_cli_matches_the_module_and_is_audited(scanned_db: tuple[str, Path], home: Path) -> None:
    from scanner.redact import load_or_create_secret
    from scanner.web.accounts import audit_entries

    url, _ = scanned_db
    value = "customer.047@example.org"
    res = CliRunner().invoke(main, ["subject", "find", "-", "--format", "json", "--db", url],
                             input=value + "\n")
    assert res.exit_code == 0, res.output
    assert value not in res.output and "Customer.047" not in res.output
    with Inventory.open(url, home) as inv:
        direct = lookup(inv, load_or_create_secret(home), value).to_dict()
        entry = audit_entries(inv, action="subject-lookup")[0]
    assert json.loads(res.output) == direct
    assert entry.detail == "kind=email locations=1 via=cli" and value not in entry.detail
    table = CliRunner().invoke(main, ["subject", "find", "-", "--db", url], input=value + "\n")
    assert "1 location holds this value" in table.output and "live" in table.output


# -- the public chinook database (../shared/corpus; skipped when absent) ------------------------
@pytest.mark.corpus
def test_every_chinook_customer_is_found(shared_corpus: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    check_chinook(shared_corpus / "databases" / "chinook.sqlite", tmp_path, monkeypatch)


def check_chinook(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.redact import load_or_create_secret

    if not db.is_file():
        pytest.skip("chinook.sqlite is not in the corpus")
    home = tmp_path / "home"
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
    config = tmp_path / "customers.yaml"
    config.write_text("walk:\n  include: ['main/Customer']\n")
    res = CliRunner().invoke(main, ["scan", f"sqlite:///{db}", "--no-ner", "--sample-rows", "10",
                                    "-c", str(config), "--format", "json", "-o",
                                    str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    people = con.execute("SELECT Email, Phone FROM Customer").fetchall()
    con.close()
    secret = load_or_create_secret(home)
    with Inventory.open(None, home) as inv:
        for email, _phone in people:
            result = lookup(inv, secret, email.upper(), kind="email")
            (loc,) = result.locations
            assert loc.uri.endswith("/main/Customer")
            assert loc.matches or loc.live_rows, email
            if loc.live_rows:
                related = {v.field for v in loc.live_rows[0].related}
                assert {"FirstName", "LastName"} <= related
            text = json.dumps(result.to_dict())
            assert email not in text and email.upper() not in text
        if people[1][1]:
            spaced = people[1][1].replace(" ", "")  # the same phone without spaces
            assert lookup(inv, secret, spaced, kind="phone").locations
        assert lookup(inv, secret, "nobody.at.all@example.invalid").locations == []
