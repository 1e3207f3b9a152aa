"""Migration 0007: three findings indexes dropped, the value hash indexed by its prefix; it
upgrades and downgrades with data in place, on SQLite and on the real PostgreSQL server, and
``piiscout subject``'s lookup by value hash still goes through an index."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, select

from scanner.inventory import Inventory, db
from scanner.inventory.schema import HASH_PREFIX, FindingAgg
from scanner.policy import load_packs
from tests.helpers.inventory import make_finding, make_info

PACKS = load_packs(["gdpr"])
BEFORE = {"ix_findings_location_id", "ix_findings_status", "ix_findings_resolved_run_id",
          "ix_findings_value_hash", "ix_findings_last_run_id"}
AFTER = {"ix_findings_hash_prefix", "ix_findings_last_run_id"}


def _indexes(conn: Connection) -> set[str]:
    """The findings table's own indexes (not the unique identity's)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                    "tbl_name = 'findings' AND sql IS NOT NULL")
    else:
        rows = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = "
                                    "'findings' AND schemaname = current_schema()")
    return {r[0] for r in rows} - {"uq_finding_identity", "findings_pkey"}


def _alembic(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db.__file__).with_name("migrations")))
    cfg.attributes["connection"] = conn
    return cfg


def _record(inv: Inventory, values: list[str]) -> None:
    recorder = inv.start(make_info(), PACKS)
    recorder.add([make_finding("EMAIL_ADDRESS", "user.contact.email", v, line=i)
                  for i, v in enumerate(values)])
    recorder.finish(make_info(), ())


def test_upgrade_downgrade_upgrade_with_data(db_url: str, tmp_path: Path) -> None:
    values = [f"person{i}@example.org" for i in range(30)]
    with Inventory.open(db_url, tmp_path) as inv:
        _record(inv, values)
        with inv.engine.begin() as conn:
            assert _indexes(conn) == AFTER
            command.downgrade(_alembic(conn), "0006_web2")
        with inv.engine.begin() as conn:
            assert _indexes(conn) == BEFORE
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == \
                "0006_web2"
            assert conn.exec_driver_sql("SELECT count(*) FROM findings").scalar() == 30
    with Inventory.open(db_url, tmp_path) as inv:  # opening migrates it again
        with inv.engine.connect() as conn:
            assert _indexes(conn) == AFTER
        _record(inv, values[:10])  # the other 20 resolved: no longer seen
        assert len(inv.findings()) == 10
        every = inv.findings(status="*", resolved=True)
        assert len(every) == 30
        wanted = [every[0].value_hash, every[-1].value_hash, every[15].value_hash]
        found = inv.findings(value_hashes=[*wanted, "0" * 64, wanted[0][:HASH_PREFIX] + "f" * 48],
                             status="*", resolved=True)
        assert sorted(r.value_hash for r in found) == sorted(wanted)


def test_the_subject_lookup_uses_the_prefix_index(db_url: str, tmp_path: Path) -> None:
    with Inventory.open(db_url, tmp_path) as inv:
        _record(inv, [f"p{i}@example.org" for i in range(50)])
        hashes = ["a" * 64, "b" * 64]
        q = select(FindingAgg.id).where(
            func.substr(FindingAgg.value_hash, 1, HASH_PREFIX).in_([h[:HASH_PREFIX] for h in hashes]),
            FindingAgg.value_hash.in_(hashes))
        with inv.engine.connect() as conn:
            sql = str(q.compile(conn, compile_kwargs={"literal_binds": True}))
            if conn.dialect.name == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql))
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")  # 50 rows: else a scan wins
                plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            conn.rollback()
    assert "ix_findings_hash_prefix" in plan, plan


def test_the_head_is_this_migration() -> None:
    assert db.HEAD.startswith("0007_")  # test_migrations_head.py: it is Alembic's head


INVENTORY_TABLES = ("alembic_version", "audit_log", "errors", "finding_clauses", "findings",
                    "item_versions", "locations", "reviews", "ropa", "runs", "sightings",
                    "sources", "users")


def test_upgrade_and_downgrade_on_mariadb() -> None:
    """MariaDB is no inventory piiscout opens, but the migrations run there: 0007 keeps the
    location index its foreign key needs and makes the prefix a column prefix."""
    from sqlalchemy import create_engine, inspect

    from tests.helpers.servers import require_server

    engine = create_engine(require_server("PIISCOUT_TEST_MYSQL_URL"))
    if set(inspect(engine).get_table_names()) & set(INVENTORY_TABLES):
        engine.dispose()
        pytest.skip("the MariaDB test database already holds inventory tables")
    try:
        seen = []
        for target, how in (("0006_web2", command.upgrade), ("head", command.upgrade),
                            ("0006_web2", command.downgrade), ("head", command.upgrade)):
            with engine.begin() as conn:
                how(_alembic(conn), target)
            seen.append({i["name"] for i in inspect(engine).get_indexes("findings")})
        assert seen[0] - seen[1] == {"ix_findings_status", "ix_findings_resolved_run_id",
                                     "ix_findings_value_hash"}
        assert seen[1] - seen[0] == {"ix_findings_hash_prefix"}
        assert seen[2] == seen[0] and seen[3] == seen[1]
        assert "ix_findings_location_id" in seen[1]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in INVENTORY_TABLES:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        engine.dispose()
