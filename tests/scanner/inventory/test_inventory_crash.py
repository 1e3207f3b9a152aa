"""Crash safety and concurrency with the real ``piiscout`` in subprocesses: a scan killed with
SIGKILL or SIGTERM half-way, then rerun, leaves the inventory a clean scan makes; several
commands on a fresh inventory at once; two scans at once; a review during a recording."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers.inventory import pg_schema_url, piiscout

FILES, PER_FILE = 200, 20  # 8,000 e-mails and 8,000 cards: four recording batches of 2,000
SCAN = ("scan", "--no-ner", "--workers", "1", "--no-progress", "--format", "jsonl")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "share"
    root.mkdir()
    for i in range(FILES):
        lines = [f"Contact {j}: user{i}x{j}@example.org, card 4111 1111 1111 1111.\n"
                 for j in range(PER_FILE)]
        (root / f"f{i:04d}.txt").write_text("".join(lines))
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")  # one installation key for every scan here


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):  # what this test started and left behind
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out, err


def scan_into(db: Path, corpus: Path, home: Path, report: Path) -> subprocess.Popen[str]:
    return piiscout(*SCAN, str(corpus), "--db", f"sqlite:///{db}", "-o", str(report), home=home)


def raw(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the file directly (no piiscout command, which would reap stale runs)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def wait_for_batches(db: Path, proc: subprocess.Popen[str]) -> None:
    """Until the scan's first batch (2,000 findings, 1,000+ identities) is committed."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        try:
            got = raw(db, "SELECT count(*) FROM sightings s JOIN runs r ON r.id = s.run_id "
                          "WHERE r.status = 'running'")[0][0]
        except sqlite3.OperationalError:  # not created or migrated yet
            got = 0
        if got >= 500:
            return
        time.sleep(0.05)
    pytest.fail("no batch was recorded in time")


def inventory_of(db: Path) -> list[tuple[object, ...]]:
    return sorted(raw(db, "SELECT l.uri, f.field, f.entity, f.value_hash, f.count, f.status, "
                          "f.severity, f.resolved_run_id IS NULL FROM findings f "
                          "JOIN locations l ON l.id = f.location_id"))


@pytest.fixture(scope="module")
def clean(corpus: Path, home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("clean") / "inv.sqlite"
    code, _, err = finish(scan_into(db, corpus, home, db.with_suffix(".jsonl")))
    assert code == 0, err
    assert raw(db, "SELECT status FROM runs") == [("completed",)]
    return db


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_scan_then_rerun_equals_one_clean_scan(
    sig: signal.Signals, corpus: Path, home: Path, clean: Path, tmp_path: Path
) -> None:
    db, report = tmp_path / "inv.sqlite", tmp_path / "r.jsonl"
    proc = scan_into(db, corpus, home, report)
    wait_for_batches(db, proc)
    os.kill(proc.pid, sig)
    code, _, err = finish(proc, timeout=60)
    assert code != 0 and "Traceback" not in err

    partial = raw(db, "SELECT count(*) FROM sightings")[0][0]
    assert 500 <= partial < FILES * PER_FILE + FILES  # stopped half-way, batches whole
    (status,) = raw(db, "SELECT status FROM runs")
    lines = report.read_text().splitlines()
    if sig == signal.SIGTERM:
        assert status == ("interrupted",)  # marked at once
        parsed = [json.loads(line) for line in lines]  # every line complete
        # what was found before the signal is both recorded and written, once
        assert len(parsed) == raw(db, "SELECT sum(count) FROM sightings")[0][0]
    else:
        assert status == ("running",)
        parsed = [json.loads(line) for line in lines[:-1]]  # valid up to the last whole line
        res = piiscout("inventory", "runs", "--db", f"sqlite:///{db}", "--format", "json",
                       home=home)
        code, out, err = finish(res)
        assert code == 0, err
        assert [r["status"] for r in json.loads(out)] == ["interrupted"]
    assert all(p["type"] == "finding" for p in parsed)  # no summary: the scan did not end

    code, _, err = finish(scan_into(db, corpus, home, report))
    assert code == 0, err
    assert inventory_of(db) == inventory_of(clean)
    assert len(inventory_of(clean)) == FILES * PER_FILE + FILES
    assert raw(db, "SELECT status, findings FROM runs ORDER BY id") == [
        ("interrupted", 0), ("completed", FILES * PER_FILE + FILES)]
    assert raw(db, "SELECT count(*) FROM errors") == [(0,)]


def test_commands_started_at_once_on_a_fresh_inventory(tmp_path: Path, home: Path) -> None:
    # Only `scan` creates an inventory file (a mistyped --db must not); an empty file is a fresh
    # inventory that every command migrates.
    (tmp_path / "fresh.sqlite").touch()
    urls = [f"sqlite:///{tmp_path / 'fresh.sqlite'}"]
    pg = pg_schema_url()
    urls.append(next(pg))
    try:
        for url in urls:
            procs = [piiscout("inventory", "runs", "--db", url, "--format", "json", home=home)
                     for _ in range(4)]
            results = [finish(p) for p in procs]
            assert [(code, out.strip()) for code, out, _ in results] == [(0, "[]")] * 4, results
    finally:
        pg.close()


def test_two_scans_at_once_serialise_or_refuse(
    corpus: Path, home: Path, clean: Path, tmp_path: Path
) -> None:
    db = tmp_path / "inv.sqlite"
    procs = [scan_into(db, corpus, home, tmp_path / f"{i}.jsonl") for i in range(2)]
    results = [finish(p) for p in procs]
    codes = sorted(code for code, _, _ in results)
    for code, _, err in results:
        assert "Traceback" not in err
        if code:
            (message,) = [line for line in err.splitlines() if line.strip()]
            assert message.startswith("Error: another scan is recording into this inventory "
                                      "(run 1, process ")
    assert codes in ([0, 0], [0, 1])
    assert inventory_of(db) == inventory_of(clean)
    assert raw(db, "SELECT status FROM runs") == [("completed",)] * (2 - sum(codes))


def test_review_during_a_recording(
    corpus: Path, home: Path, clean: Path, tmp_path: Path
) -> None:
    db = tmp_path / "inv.sqlite"
    db.write_bytes(clean.read_bytes())
    ids = [i for (i,) in raw(db, "SELECT id FROM findings ORDER BY id LIMIT 3")]
    more = tmp_path / "more"  # another, longer scan into the same inventory
    more.mkdir()
    for i in range(2 * FILES):
        (more / f"m{i:04d}.txt").write_text("".join(
            f"Contact {j}: other{i}x{j}@example.org\n" for j in range(2 * PER_FILE)))
    proc = scan_into(db, more, home, tmp_path / "r.jsonl")
    wait_for_batches(db, proc)
    reviews = [piiscout("findings", "review", str(fid), "--status", "accepted", "--db",
                        f"sqlite:///{db}", home=home) for fid in ids]
    for fid, review in zip(ids, reviews, strict=True):
        code, out, err = finish(review)
        assert code == 0 and f"finding {fid}: open -> accepted" in out, err
    assert raw(db, "SELECT status FROM runs ORDER BY id") == [("completed",), ("running",)]
    code, _, err = finish(proc)
    assert code == 0, err
    assert raw(db, f"SELECT status FROM findings WHERE id IN ({ids[0]}, {ids[1]}, {ids[2]})") \
        == [("accepted",)] * 3
    assert raw(db, "SELECT status FROM runs ORDER BY id") == [("completed",), ("completed",)]


def test_killed_scan_on_postgresql_is_reaped_and_redone(
    corpus: Path, home: Path, clean: Path, tmp_path: Path
) -> None:
    """kill -9 on the real PostgreSQL server: the dead scan's advisory lock goes with its
    connection, the next command marks the run interrupted, a rerun equals a clean scan."""
    import sqlalchemy as sa

    urls = pg_schema_url()
    url = next(urls)
    engine = sa.create_engine(url)
    try:
        def query(sql: str) -> list[tuple[object, ...]]:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql))]

        proc = piiscout(*SCAN, str(corpus), "--db", url, "-o", str(tmp_path / "r.jsonl"),
                        home=home)
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                if query("SELECT count(*) FROM sightings")[0][0] >= 500:
                    break
            except sa.exc.ProgrammingError:  # not migrated yet
                pass
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        finish(proc, timeout=60)
        assert query("SELECT status FROM runs") == [("running",)]
        deadline = time.monotonic() + 30
        while True:  # the server ends the dead session (and its lock) as its socket closes
            code, out, err = finish(piiscout("inventory", "runs", "--db", url, "--format",
                                             "json", home=home))
            assert code == 0, err
            if [r["status"] for r in json.loads(out)] == ["interrupted"] or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert [r["status"] for r in json.loads(out)] == ["interrupted"]
        code, _, err = finish(piiscout(*SCAN, str(corpus), "--db", url, "-o",
                                       str(tmp_path / "r.jsonl"), home=home))
        assert code == 0, err
        got = sorted(tuple(r) for r in query(
            "SELECT l.uri, f.field, f.entity, f.value_hash, f.count, f.status, f.severity, "
            "f.resolved_run_id IS NULL FROM findings f JOIN locations l ON l.id = f.location_id"))
        assert got == [(*r[:7], bool(r[7])) for r in inventory_of(clean)]
        assert query("SELECT status FROM runs ORDER BY id") == [("interrupted",), ("completed",)]
    finally:
        engine.dispose()
        urls.close()
