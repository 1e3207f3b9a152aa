"""One recorder per inventory, stale runs, and a busy SQLite file: clear messages, no tracebacks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import update

from scanner.inventory import Inventory, InventoryError, locks
from scanner.inventory.schema import Run
from scanner.policy import load_packs
from tests.helpers.inventory import make_finding, make_info

# The shared ``db_url`` fixture (SQLite and the real PostgreSQL server).

PACKS = load_packs(["gdpr"])
F = make_finding("EMAIL_ADDRESS", "user.contact.email", "ann@example.org")


def test_one_recorder_at_a_time_and_the_lock_is_released(db_url: str, tmp_path: Path) -> None:
    with Inventory.open(db_url, tmp_path) as first, Inventory.open(db_url, tmp_path) as second:
        recorder = first.start(make_info("a"), PACKS)
        with pytest.raises(InventoryError, match=r"another scan is recording into this "
                           r"inventory \(run 1, process \d+ on .+\); wait for it"):
            second.start(make_info("b"), PACKS)
        recorder.add([F])
        assert len(second.findings()) == 1  # reads work meanwhile
        second.review(second.findings()[0].id, "confirmed", reviewer="dpo")  # and reviews
        recorder.finish(make_info("a"), ())
        again = second.start(make_info("b"), PACKS)  # released by finish
        with again:
            pass  # left unfinished: interrupted, and released
        assert [r.status for r in second.runs()] == ["completed", "interrupted"]
        second.start(make_info("c"), PACKS).finish(make_info("c"), ())


def test_a_run_left_by_a_dead_process_is_marked_interrupted(db_url: str, tmp_path: Path) -> None:
    with Inventory.open(db_url, tmp_path) as inv:
        mine = inv.start(make_info("a"), PACKS)
        mine.add([F])
        mine.lock.release()  # as if its process had died: the lock is gone
        with inv.write.begin() as s:  # ... and the run belongs to another process
            s.execute(update(Run).values(pid=2**31 - 1, host="elsewhere"))
    with Inventory.open(db_url, tmp_path) as later:
        assert [r.status for r in later.runs()] == ["interrupted"]
        assert len(later.findings()) == 1  # what it committed stays


def test_a_live_recorder_is_not_reaped(db_url: str, tmp_path: Path) -> None:
    with Inventory.open(db_url, tmp_path) as inv:
        recorder = inv.start(make_info("a"), PACKS)
        with inv.write.begin() as s:  # even if it looked foreign, it holds the lock
            s.execute(update(Run).values(pid=2**31 - 1))
        with Inventory.open(db_url, tmp_path) as other:
            assert [r.status for r in other.runs()] == ["running"]
        recorder.finish(make_info("a"), ())


def test_a_locked_file_gives_a_message_not_a_traceback(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "inv.sqlite"
    with Inventory.open(f"sqlite:///{db}", tmp_path) as inv:
        inv.record(_result(), PACKS)
    monkeypatch.setattr(locks, "BUSY_SECONDS", 1)
    fresh = tmp_path / "new.sqlite"
    holder = sqlite3.connect(fresh, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(InventoryError, match="stayed locked by another piiscout command"):
            Inventory.open(f"sqlite:///{fresh}", tmp_path)  # the migration waits, then says so
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:  # at the newest schema, in WAL mode: a reader does not wait for a writer
        with Inventory.open(f"sqlite:///{db}", tmp_path) as inv:
            assert len(inv.findings()) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Inventory.open(f"sqlite:///{db}", tmp_path) as inv:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(InventoryError, match="stayed locked"):
                inv.review(1, "confirmed", reviewer="dpo")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert inv.review(1, "confirmed", reviewer="dpo").new_status == "confirmed"


def _result():  # type: ignore[no-untyped-def]
    from scanner.models import ScanResult

    return ScanResult(make_info(), (F,), ())


def test_an_unknown_schema_revision_is_a_message_and_the_file_is_left_alone(
    tmp_path: Path,
) -> None:
    """An inventory stamped by a newer (or unreleased) piiscout: one line, nothing changed."""
    from click.testing import CliRunner

    from scanner.cli import main

    path = tmp_path / "inv.sqlite"
    Inventory.open(f"sqlite:///{path}", tmp_path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    before = path.read_bytes()
    with pytest.raises(InventoryError, match="schema revision 0099_future, which this piiscout"):
        Inventory.open(f"sqlite:///{path}", tmp_path)
    (tmp_path / "src").mkdir()
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "src"), "--no-progress", "--format",
                                    "jsonl", "-o", str(tmp_path / "r.jsonl"),
                                    "--db", f"sqlite:///{path}"])
    assert res.exit_code == 2 and "0099_future" in res.output, res.output
    assert "Traceback" not in res.output
    assert path.read_bytes() == before
