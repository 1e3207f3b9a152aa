"""An inventory already at the newest schema is opened without Alembic; ``db.HEAD`` is the head
Alembic itself finds among the shipped migrations, so a new migration cannot be skipped."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from scanner.inventory import Inventory, db


def test_head_is_alembics_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db.__file__).with_name("migrations")))
    assert ScriptDirectory.from_config(cfg).get_heads() == [db.HEAD]


def test_a_new_inventory_is_migrated_and_then_found_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    engine = create_engine(url)
    assert not db.at_head(engine)  # no schema yet
    Inventory.open(url, tmp_path).close()
    assert db.at_head(engine)
    with engine.begin() as conn:  # an older stamp is not the head: it would be migrated
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0005_web'")
    assert not db.at_head(engine)
    engine.dispose()


def test_opening_an_inventory_at_head_does_not_migrate(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    Inventory.open(url, tmp_path).close()
    monkeypatch.setitem(sys.modules, "alembic.command", None)  # importing it would fail
    with Inventory.open(url, tmp_path) as inv:
        assert inv.runs() == []
