"""Database source names and location uris that round-trip into `piiscout scan`
(scanner/inventory/sources.py): three SQLite databases are three sources, named by their path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory.sources import scan_target, source_of, target_uri, uri_root


@pytest.mark.parametrize(("uri", "targets", "source"), [
    ("sqlite:///srv/a/crm.db/main/Customer", (), "sqlite:////srv/a/crm.db"),
    ("sqlite:///srv/a/hr.db/main/Staff", (), "sqlite:////srv/a/hr.db"),
    ("sqlite:///srv/a/crm.db/main/Doc/body/row=id%3D4", (), "sqlite:////srv/a/crm.db"),
    ("sqlite:///srv/a/my%20crm.db/main/T", (), "sqlite:////srv/a/my crm.db"),
    ("sqlite:///srv/a/crm.db/main/Customer", ("sqlite:////srv/a/crm.db",),
     "sqlite:////srv/a/crm.db"),
    ("postgresql://db:5432/crm/public/customer", ("postgresql+psycopg://u:pw@db/crm",),
     "postgresql://db:5432/crm"),
    ("postgresql://db:5432/crm/public/customer", (), "postgresql://db:5432/crm"),
    ("mysql://db:3306/shop/orders", (), "mysql://db:3306/shop"),
    ("file:///d/hr/note.txt", ("/d",), "file:///d"),
    ("s3://bucket/logs/a.log", (), "s3://bucket"),
])
def test_source_names(uri: str, targets: tuple[str, ...], source: str) -> None:
    assert source_of(uri, targets) == source


def test_a_database_target_hides_its_credentials() -> None:
    assert target_uri("postgresql+psycopg://scanner:s3cret@db.internal/crm") == (
        "postgresql://db.internal:5432/crm")
    assert "s3cret" not in source_of("postgresql://db.internal:5432/crm/public/t",
                                     ["postgresql+psycopg://scanner:s3cret@db.internal/crm"])


@pytest.mark.parametrize(("uri", "target"), [
    ("sqlite:///srv/a/crm.db/main/Customer", "sqlite:////srv/a/crm.db"),
    ("sqlite:////srv/a/crm.db", "sqlite:////srv/a/crm.db"),
    ("postgresql://db:5432/crm/public/customer", "postgresql://db:5432/crm"),
    ("file:///d/archive.zip!/2023/leavers.csv", "/d/archive.zip"),
    ("s3://bucket/logs/a.log", "s3://bucket/logs/a.log"),
])
def test_scan_target(uri: str, target: str) -> None:
    assert scan_target(uri) == target


def test_uri_root_of_a_bare_sqlite_path() -> None:
    assert uri_root("sqlite:///srv/a/crm.db") == "sqlite:////srv/a/crm.db"


def test_three_sqlite_databases_are_three_sources_that_scan_again(tmp_path: Path,
                                                                    monkeypatch) -> None:
    import json

    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    dbs = []
    for name in ("crm", "hr", "billing"):
        path = tmp_path / "data" / name / f"{name}.db"
        path.parent.mkdir(parents=True)
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE People (id INTEGER PRIMARY KEY, email TEXT)")
        con.executemany("INSERT INTO People (email) VALUES (?)",
                        [(f"p{i}.{name}@example.org",) for i in range(5)])
        con.commit()
        con.close()
        dbs.append(path)
    run = CliRunner()
    res = run.invoke(main, ["scan", *[f"sqlite:///{p}" for p in dbs], "--no-ner", "--format",
                            "json", "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    rows = json.loads(run.invoke(main, ["findings", "list", "--format", "json"]).output)
    sources = {r["source"] for r in rows}
    assert sources == {f"sqlite:///{p}" for p in dbs}
    # a source name pastes back into scan: the same findings again, nothing new
    again = run.invoke(main, ["scan", min(sources), "--no-ner", "--format", "json", "-o",
                              str(tmp_path / "r2.json")])
    assert again.exit_code == 0, again.output
    rows2 = json.loads(run.invoke(main, ["findings", "list", "--format", "json"]).output)
    assert {r["id"] for r in rows2} == {r["id"] for r in rows}
    first = rows[0]
    # the inventory aggregates per location + field (no line, no explanation stored)
    assert {"field", "uri", "entity", "clauses"} <= set(first)
