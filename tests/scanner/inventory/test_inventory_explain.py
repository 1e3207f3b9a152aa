"""The inventory keeps, per finding, the line and the explanation of its first occurrence in the
last run that saw it (migration 0006_web2); ``findings list --format json``, the table and the
workbench show them; an inventory made before the migration opens with both empty; no
explanation stored from a real scan holds a clear value."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import create_engine, text

import scanner.inventory.db as inventory_db
from scanner.cli import main
from scanner.inventory import Inventory, db
from scanner.policy import load_packs
from tests.helpers.inventory import Clock, make_finding, make_result
from tests.helpers.paths import ROOT

GDPR = load_packs(["gdpr"])


def cli(*args: str) -> str:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_first_occurrence_of_the_last_run_gives_line_and_explanation(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    email = ("EMAIL_ADDRESS", "user.contact.email", "jane@example.org")
    with Inventory.open(db, tmp_path) as inv:
        inv.clock = Clock()
        inv.record(make_result([
            make_finding(*email, line=7, explanation="PII-EMAIL: pattern email"),
            make_finding(*email, line=3, explanation="PII-EMAIL: pattern email; context 'mail'"),
            make_finding("PERSON", "user.name", "Jane Roe", line=None, field="name",
                         explanation="COL-NAME: column name", uri="file:///e/b.csv"),
        ]), GDPR)
        rows = {r.entity: r for r in inv.findings()}
        assert (rows["EMAIL_ADDRESS"].line, rows["EMAIL_ADDRESS"].explanation) == (
            7, "PII-EMAIL: pattern email")
        assert (rows["PERSON"].line, rows["PERSON"].field) == (None, "name")
        # a later run replaces them with its own first occurrence, in two batches
        recorder = inv.start(make_result([]).info, GDPR)
        recorder.add([make_finding(*email, line=12, explanation="PII-EMAIL: second run")])
        recorder.add([make_finding(*email, line=2, explanation="PII-EMAIL: later batch")])
        recorder.finish(make_result([]).info, ())
        again = next(r for r in inv.findings() if r.entity == "EMAIL_ADDRESS")
        assert (again.line, again.explanation, again.count) == (12, "PII-EMAIL: second run", 2)

    listed = json.loads(cli("findings", "list", "--db", db, "--format", "json"))
    by_entity = {f["entity"]: f for f in listed}
    assert by_entity["EMAIL_ADDRESS"]["line"] == 12
    assert by_entity["EMAIL_ADDRESS"]["field"] == "col"
    assert by_entity["EMAIL_ADDRESS"]["explanation"] == "PII-EMAIL: second run"
    assert by_entity["PERSON"]["line"] is None
    assert by_entity["PERSON"]["explanation"] == "COL-NAME: column name"
    table = cli("findings", "list", "--db", db)  # piped: tab-separated rows with a line column
    header, *lines = list(csv.reader(table.splitlines(), delimiter="\t"))
    assert "line" in header
    email_row = next(r for r in lines if "EMAIL_ADDRESS" in r)
    assert email_row[header.index("line")] == "12"


def test_an_inventory_from_before_the_migration_opens_with_both_empty(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(inventory_db.__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005_web")
        conn.execute(text(
            "INSERT INTO runs (id, scan_id, started_at, finished_at, recorded_at, status, "
            "targets, packs, scanned, skipped, failed, findings) VALUES (1, 's', 't', 't', 't', "
            "'completed', '[]', '[]', 1, 0, 0, 1)"))
        conn.execute(text("INSERT INTO sources (id, kind, name, name_key) VALUES "
                          "(1, 'file', 'file:///d', 'k')"))
        conn.execute(text("INSERT INTO locations (id, source_id, uri, uri_key, first_seen, "
                          "last_seen, last_run_id) VALUES (1, 1, 'file:///d/a.csv', 'u', 't', "
                          "'t', 1)"))
        conn.execute(text(
            "INSERT INTO findings (id, location_id, field, entity, category, value_hash, "
            "preview, detector, severity, linked, source_kind, count, max_score, first_seen, "
            "last_seen, first_run_id, last_run_id, status) VALUES (1, 1, 'email', "
            "'EMAIL_ADDRESS', 'user.contact.email', 'h', 'j***@e***.org', 'PII-EMAIL', "
            "'medium', NULL, 'file', 2, 0.9, 't', 't', 1, 1, 'open')"))
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0005_web"
    engine.dispose()
    with Inventory.open(f"sqlite:///{path}", tmp_path) as inv:
        (row,) = inv.findings()
        assert (row.line, row.explanation, row.field, row.count) == (None, None, "email", 2)
        with inv.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                db.HEAD)  # 0006_web2 and the migrations after it
    listed = json.loads(cli("findings", "list", "--db", f"sqlite:///{path}", "--format", "json"))
    assert listed[0]["line"] is None and listed[0]["explanation"] is None


def _clear_values() -> set[str]:
    """Every personal value in examples/ that a scan finds (the cells of the customer table and
    the case note's identifiers), in the spellings the files use."""
    values = {"Daniel Okafor", "daniel.okafor@example.org", "E-1043"}
    with open(ROOT / "examples" / "customers.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            values.update(row[k] for k in ("first_name", "last_name", "email", "phone",
                                           "card_number"))
    with open(ROOT / "examples" / "calls.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            values.update(v for k, v in row.items() if k in ("caller", "callee") and v)
    return {v for v in values if len(v) >= 4}


def test_explanations_stored_from_a_real_scan_hold_no_clear_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    res = CliRunner().invoke(main, ["scan", str(ROOT / "examples"), "--no-ner", "--db", db,
                                    "--format", "json", "-o", str(tmp_path / "r.json")])
    assert res.exit_code in (0, 1), res.output
    listed = json.loads(cli("findings", "list", "--db", db, "--format", "json"))
    assert len(listed) > 20
    assert all(f["explanation"] for f in listed)  # every finding says why
    assert sum(1 for f in listed if f["line"] is not None) > 10
    clear = _clear_values()
    assert len(clear) > 20
    for f in listed:
        low = f["explanation"].lower()
        leaked = [v for v in clear if v.lower() in low]
        assert not leaked, (f["entity"], f["explanation"])
    # the scan report's explanations are the same texts (the inventory adds nothing)
    report = json.loads((tmp_path / "r.json").read_text())["findings"]
    assert {f["explanation"] for f in listed} <= {f["explanation"] for f in report}


def test_the_workbench_shows_line_field_and_explanation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    from scanner.web import create_app
    from scanner.web.accounts import add_user
    from tests.helpers.web import login

    home = tmp_path / "home"
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
    monkeypatch.setattr("scanner.web.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    with Inventory.open(db, tmp_path) as inv:
        inv.record(make_result([
            make_finding("EMAIL_ADDRESS", "user.contact.email", "jane@example.org", line=41,
                         field="notes", explanation="PII-EMAIL: pattern email; context 'mail'"),
        ]), GDPR)
        (row,) = inv.findings()
    app = create_app(db_url=db, data_dir=home, testing=True)
    try:
        add_user(app.config["INVENTORY"], "vera", "viewer", "viewer-pass-0001", actor="test")
        client = app.test_client()
        assert login(client, "vera", "viewer-pass-0001").status_code == 302
        page = client.get(f"/findings/{row.id}").get_data(as_text=True)
        facts = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", page))
        assert facts["line"].startswith("41 ")
        assert facts["field"] == "notes"
        assert "PII-EMAIL: pattern email; context &#39;mail&#39;" in facts["explanation"]
        assert "jane@example.org" not in page
        loc = client.get("/location", query_string={"uri": row.uri}).get_data(as_text=True)
        assert "<td>41</td><td>notes</td>" in loc
    finally:
        app.config["INVENTORY"].close()
