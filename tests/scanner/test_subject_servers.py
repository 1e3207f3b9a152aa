"""Subject access and the workbench against the real servers on 127.0.0.1 (.ci/servers.sh):
a customer table on PostgreSQL and MariaDB, scanned with a small sample, is queried live
(read-only) through --source-db; the workbench runs on a PostgreSQL inventory."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from scanner.cli import main
from scanner.inventory.store import Inventory
from scanner.redact import load_or_create_secret, value_hash
from scanner.subject import lookup
from tests.helpers.database import SERVERS
from tests.helpers.servers import require_server

pytestmark = pytest.mark.server


@pytest.fixture(params=sorted(SERVERS))
def customers(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, Path]]:
    url = require_server(SERVERS[request.param])
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    table = f"web_customers_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    t = sa.Table(table, meta, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("full_name", sa.String(80)), sa.Column("email", sa.String(120)),
                 sa.Column("phone", sa.String(40)))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"id": i, "full_name": f"Given{i} Family{i}",
                                   "email": f"Person.{i:03}@Example.org",
                                   "phone": f"+44 20 7946 {i:04}"} for i in range(1, 61)])
    schema = "public" if request.param == "postgresql" else make_url(url).database
    config = tmp_path / "only-ours.yaml"
    config.write_text(f"walk:\n  include: ['{schema}/{table}']\n")
    res = CliRunner().invoke(main, ["scan", url, "--no-ner", "--sample-rows", "5", "-c",
                                    str(config), "--format", "json", "-o",
                                    str(tmp_path / "r.json")])
    try:
        assert res.exit_code == 0, res.output
        yield url, table, tmp_path / "home"
    finally:
        meta.drop_all(engine)
        engine.dispose()


def _outside_sample(inv: Inventory, secret: bytes) -> str:
    kept = {r.value_hash for r in inv.findings() if r.field == "email"}
    n = next(i for i in range(40, 61)
             if value_hash(secret, "EMAIL_ADDRESS", f"person.{i:03}@example.org") not in kept)
    return f"person.{n:03}@example.org"


def test_live_lookup_on_a_server_database(customers: tuple[str, str, Path]) -> None:
    url, table, home = customers
    password = make_url(url).password
    secret = load_or_create_secret(home)
    with Inventory.open(None, home) as inv:
        value = _outside_sample(inv, secret)
        without = lookup(inv, secret, value)
        found = lookup(inv, secret, value, source_dbs=[url])
    assert without.locations == []
    assert without.live_errors and "--source-db" in without.live_errors[0]
    (loc,) = found.locations
    assert loc.uri.endswith("/" + table) and "@" not in loc.uri
    (row,) = loc.live_rows
    assert row.column == "email" and row.preview.endswith("@E***.org")
    assert {v.field for v in row.related} == {"full_name", "phone"}
    text = json.dumps(found.to_dict()) + json.dumps(without.to_dict())
    assert value not in text and value.capitalize() not in text
    assert str(password) not in text


def test_cli_live_lookup_on_a_server_database(customers: tuple[str, str, Path]) -> None:
    url, table, home = customers
    with Inventory.open(None, home) as inv:
        value = _outside_sample(inv, load_or_create_secret(home))
    res = CliRunner().invoke(main, ["subject", "find", "-", "--format", "json"],
                             input=value + "\n", env={"PIISCOUT_SOURCE_DB": url})
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [loc["location"].rsplit("/", 1)[1] for loc in out["locations"]] == [table]
    assert str(make_url(url).password) not in res.output and value not in res.output


def test_workbench_on_a_postgresql_inventory(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("flask")
    from tests.helpers.web import PASSWORDS, add_users, csrf_token, login, seed_inventory

    base = require_server("PIISCOUT_TEST_PG_URL")
    schema = f"web_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}
                                           ).render_as_string(hide_password=False)
    home = tmp_path / "home"
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
    try:
        seed_inventory(home)  # the key; the findings go to PostgreSQL below
        from scanner.inventory.store import Inventory as Inv
        from scanner.models import ScanInfo, ScanResult
        from scanner.policy import load_packs
        from tests.helpers.web import SEED, finding

        with Inv.open(url, home) as inv:
            inv.record(ScanResult(ScanInfo("s", "t", "t", ("/d",)),
                                  tuple(finding(*s) for s in SEED), ()), load_packs(["gdpr"]))
        from scanner.web import create_app

        app = create_app(db_url=url, data_dir=home, testing=True)
        add_users(app.config["INVENTORY"])
        client = app.test_client()
        assert login(client, "rex").status_code == 302
        page = client.get("/findings").get_data(as_text=True)
        assert "j***@e***.org" in page and str(make_url(base).password) not in page
        inv = app.config["INVENTORY"]
        ids = [r.id for r in inv.findings() if r.entity == "PERSON"]
        client.post("/findings/review", data={"ids": [str(i) for i in ids],
                                              "status": "confirmed",
                                              "csrf_token": csrf_token(page)})
        assert {r.status for r in inv.findings() if r.entity == "PERSON"} == {"confirmed"}
        assert {e.reviewer for i in ids for e in inv.history(i)} == {"rex"}
        about = client.get("/about").get_data(as_text=True)
        assert str(make_url(base).password) not in about and PASSWORDS["rex"] not in about
        app.config["INVENTORY"].close()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
