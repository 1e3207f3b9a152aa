"""A new SQLite inventory is made from the head's schema without Alembic
(scanner/inventory/sqlite_head.py): it must be, entry for entry, the inventory Alembic's
migrations make, and the generated statements must be those of the shipped head."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sqlalchemy import create_engine

from scanner.inventory import Inventory, db, sqlite_head


def _entries(path: Path) -> tuple[list[tuple[str, str, str, str | None]], list[tuple[str]]]:
    conn = sqlite3.connect(path)
    try:
        master = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()
        return master, conn.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        conn.close()


def test_the_module_is_what_the_migrations_generate() -> None:
    text = Path(sqlite_head.__file__).read_text(encoding="utf-8")
    assert sqlite_head.render() == text, "run: python -m scanner.inventory.sqlite_head"
    assert sqlite_head.REVISION == db.HEAD


def test_a_new_inventory_is_the_one_alembic_migrates(tmp_path: Path, monkeypatch) -> None:
    migrated = tmp_path / "alembic.sqlite"
    engine = create_engine(f"sqlite:///{migrated}")
    db.migrate_with_alembic(engine)
    engine.dispose()

    made = tmp_path / "made.sqlite"
    monkeypatch.setitem(sys.modules, "alembic.command", None)  # importing Alembic would fail
    with Inventory.open(f"sqlite:///{made}", tmp_path) as inv:
        assert inv.runs() == []
    assert _entries(made) == _entries(migrated)
    assert _entries(made)[1] == [(db.HEAD,)]
    assert [m[1] for m in _entries(made)[0] if m[0] == "trigger"] == [
        "reviews_no_update", "reviews_no_delete"]


def test_a_database_with_tables_is_left_to_alembic(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        assert sqlite_head.create(c, db.HEAD) is False
    db.migrate(engine)  # Alembic adds the inventory beside the table
    engine.dispose()
    master, version = _entries(path)
    assert ("table", "notes", "notes") in [m[:3] for m in master]
    assert ("table", "findings", "findings") in [m[:3] for m in master]
    assert version == [(db.HEAD,)]


def test_statements_of_another_revision_are_not_used(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.begin() as c:
        assert sqlite_head.create(c, "0099_future") is False
        assert c.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    engine.dispose()


def test_making_the_schema_is_logged_at_debug(tmp_path: Path, caplog) -> None:
    import logging

    with caplog.at_level(logging.DEBUG, logger="piiscout.inventory"):
        Inventory.open(f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path).close()
    assert f"schema {db.HEAD} made from {len(sqlite_head.STATEMENTS)} statements" in caplog.text
