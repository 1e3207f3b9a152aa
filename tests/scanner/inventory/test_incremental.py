"""Incremental rescans: an unchanged item is not read again, its findings stay current and are
reported; a changed, new or failed item is read; --full reads everything. Each incremental
result is checked against the full (slow-path) scan of the same data."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.inventory.versions import ItemVersion, is_under, item_version
from tests.helpers.servers import require_server

DOCS = {
    "a.txt": "Write to jane.roe@example.org or call +44 20 7946 0958.\n",
    "b.csv": "name,email,card\nJohn Doe,john.doe@example.com,4111 1111 1111 1111\n",
    "sub/c.txt": "Server 203.0.113.7 sent mail to ann.lee@example.net.\n",
    "clean.txt": "Only the weather today.\n",
    "log.txt": "ann.lee@example.net logged in\nann.lee@example.net logged out\n",
}


def scan(tmp_path: Path, *targets: str, extra: tuple[str, ...] = ()) -> dict[str, object]:
    out = tmp_path / f"r-{uuid.uuid4().hex[:6]}.json"
    res = CliRunner().invoke(main, ["scan", *targets, "--no-ner", "--workers", "1",
                                    "--no-progress", "--db", f"sqlite:///{tmp_path / 'inv.db'}",
                                    "-o", str(out), *extra])
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(out.read_text())


def identities(doc: dict[str, object]) -> Counter[tuple[object, ...]]:
    """Findings without their line, with multiplicity (an unchanged item's come without lines)."""
    return Counter((f["location"]["uri"], f["location"]["field"], f["entity"], f["value_hash"])
                   for f in doc["findings"])  # type: ignore[index, union-attr]


def stored(tmp_path: Path) -> tuple[list[tuple[object, ...]], int]:
    """(findings current in the last run, with their counts), last run id."""
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        last = inv.runs()[-1]
        with inv.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT l.uri, f.field, f.entity, f.value_hash, f.count FROM findings f "
                "JOIN locations l ON l.id = f.location_id WHERE f.last_run_id = :r "
                "ORDER BY 1, 2, 3, 4"), {"r": last.id}).all()
    return [tuple(r) for r in rows], last.id


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for name, text in DOCS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_unchanged_files_are_not_read_again(tmp_path: Path, tree: Path) -> None:
    first = scan(tmp_path, str(tree))
    before, run1 = stored(tmp_path)
    second = scan(tmp_path, str(tree))
    after, run2 = stored(tmp_path)
    assert first["scan"]["items"] == {"scanned": 5, "skipped": 0, "failed": 0, "unchanged": 0}
    assert second["scan"]["items"] == {"scanned": 0, "skipped": 0, "failed": 0, "unchanged": 5}
    # every current finding is still reported, and still current in the inventory
    assert identities(second) == identities(first) and len(identities(first)) >= 5
    assert run2 > run1 and after == before  # advanced to the new run, counts unchanged
    log = [k for k in identities(second) if k[0].endswith("log.txt")]
    assert len(log) == 1 and identities(second)[log[0]] == 2  # each occurrence, as when read
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        runs = inv.runs()
        assert runs[-1].findings == runs[-2].findings == len(before)
        assert all(r.status == "completed" for r in runs)


def test_changed_and_new_files_are_read_and_match_a_full_scan(tmp_path: Path, tree: Path) -> None:
    scan(tmp_path, str(tree))
    (tree / "a.txt").write_text("Now only bob.smith@example.org is here.\n")
    os.utime(tree / "a.txt", ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    (tree / "sub" / "new.txt").write_text("New file with carla.mendes@example.org\n")
    incremental = scan(tmp_path, str(tree))
    assert incremental["scan"]["items"] == {"scanned": 2, "skipped": 0, "failed": 0,
                                            "unchanged": 4}
    full = scan(tmp_path, str(tree), extra=("--full",))
    assert full["scan"]["items"] == {"scanned": 6, "skipped": 0, "failed": 0, "unchanged": 0}
    assert identities(incremental) == identities(full)
    previews = {f["preview"] for f in incremental["findings"]}
    assert not any("jane" in p for p in previews)  # masked previews only
    reported = {f["location"]["uri"].rsplit("/", 1)[-1] for f in incremental["findings"]}
    assert {"a.txt", "b.csv", "c.txt", "new.txt"} <= reported
    # the full scan leaves the same current findings as a fresh inventory's single scan
    current, _ = stored(tmp_path)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    scan(fresh, str(tree))
    assert [r[:4] for r in stored(fresh)[0]] == [r[:4] for r in current]


def test_changed_settings_read_everything_again(tmp_path: Path, tree: Path) -> None:
    scan(tmp_path, str(tree))
    again = scan(tmp_path, str(tree), extra=("--min-score", "0.5"))
    assert again["scan"]["items"]["unchanged"] == 0 and again["scan"]["items"]["scanned"] == 5
    third = scan(tmp_path, str(tree), extra=("--min-score", "0.5"))
    assert third["scan"]["items"]["unchanged"] == 5


def test_a_changed_policy_pack_reads_everything_again(tmp_path: Path, tree: Path) -> None:
    pack = tmp_path / "pack.yaml"
    clause = {"id": "contact", "title": "Contact details", "quote": "We hold e-mail addresses.",
              "rules": [{"category": "user.contact"}]}
    pack.write_text(json.dumps({"id": "ours", "title": "Ours", "clauses": [clause]}))
    scan(tmp_path, str(tree), extra=("--policy", str(pack)))
    same = scan(tmp_path, str(tree), extra=("--policy", str(pack)))
    assert same["scan"]["items"]["unchanged"] == 5
    clause["rules"].append({"category": "user.financial"})
    pack.write_text(json.dumps({"id": "ours", "title": "Ours", "clauses": [clause]}))
    changed = scan(tmp_path, str(tree), extra=("--policy", str(pack)))
    assert changed["scan"]["items"]["unchanged"] == 0
    card = [f for f in changed["findings"] if f["entity"] == "CREDIT_CARD"]
    assert card and all("ours/contact" in f["clauses"] for f in card)


def test_failed_items_are_read_again(tmp_path: Path, tree: Path) -> None:
    (tree / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    first = scan(tmp_path, str(tree))
    assert any(e["location"].endswith("broken.zip") for e in first["errors"])
    second = scan(tmp_path, str(tree))
    assert second["scan"]["items"]["unchanged"] == 5
    assert any(e["location"].endswith("broken.zip") for e in second["errors"])  # listed again
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv, \
            inv.session() as s:
        uris = {v.uri for v in s.scalars(sa.select(ItemVersion))}
    assert not any(u.endswith("broken.zip") for u in uris) and len(uris) == 5


def test_false_positives_stay_out_of_the_incremental_report(tmp_path: Path, tree: Path) -> None:
    first = scan(tmp_path, str(tree))
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        fp = next(r for r in inv.findings() if r.entity == "EMAIL_ADDRESS")
        inv.review(fp.id, "false-positive", reviewer="dpo", note="ours")
    second = scan(tmp_path, str(tree))
    gone = (fp.uri, fp.field or None, fp.entity, fp.value_hash)
    want = identities(first)
    assert want.pop(gone) >= 1
    assert identities(second) == want


def test_archive_members_stay_current(tmp_path: Path) -> None:
    import zipfile

    root = tmp_path / "z"
    root.mkdir()
    with zipfile.ZipFile(root / "bundle.zip", "w") as z:
        z.writestr("inner/people.csv", "name,email\nJane Roe,jane.roe@example.org\n")
    first = scan(tmp_path, str(root))
    second = scan(tmp_path, str(root))
    assert second["scan"]["items"]["unchanged"] == 1
    assert identities(second) == identities(first)
    assert any("bundle.zip!/inner/people.csv" in i[0] for i in identities(second))


def test_streamed_report_lists_the_unchanged_findings(tmp_path: Path, tree: Path) -> None:
    scan(tmp_path, str(tree))
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(main, ["scan", str(tree), "--no-ner", "--workers", "1",
                                    "--no-progress", "--db", f"sqlite:///{tmp_path / 'inv.db'}",
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[-1]["items"]["unchanged"] == 5
    got = Counter((x["location"]["uri"], x["location"]["field"], x["entity"], x["value_hash"])
                  for x in lines if x["type"] == "finding")
    assert got == identities(scan(tmp_path, str(tree), extra=("--full",)))


def test_no_inventory_means_no_skipping(tmp_path: Path, tree: Path) -> None:
    scan(tmp_path, str(tree))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["scan", str(tree), "--no-ner", "--workers", "1",
                                    "--no-inventory", "-o", str(out)])
    assert res.exit_code == 0
    assert json.loads(out.read_text())["scan"]["items"]["scanned"] == 5


@pytest.mark.parametrize(
    ("uri", "item", "under"),
    [
        ("file:///a/b.zip", "file:///a/b.zip", True),
        ("file:///a/b.zip!/x.csv", "file:///a/b.zip", True),
        ("mbox:///a/m.mbox#msg=3", "mbox:///a/m.mbox", True),
        ("sqlite:///d.db/main/t/photo/row=1", "sqlite:///d.db/main/t", True),
        ("file:///a/b.zip2", "file:///a/b.zip", False),
        ("file:///a/b.txt", "file:///a/b.zip", False),
        ("sqlite:///d.db/main/t2", "sqlite:///d.db/main/t", False),
    ],
)
def test_is_under(uri: str, item: str, under: bool) -> None:
    assert is_under(uri, item) is under


# -- databases -------------------------------------------------------------------------------
def _sqlite_db(path: Path) -> None:
    with sqlite3_connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
        conn.executemany("INSERT INTO people (name, email) VALUES (?, ?)",
                         [(f"Person {i}", f"person{i}@example.org") for i in range(20)])
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('call +44 20 7946 0958 today')")


def sqlite3_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def test_sqlite_tables_are_incremental(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    _sqlite_db(db)
    target = f"sqlite:///{db}"
    first = scan(tmp_path, target)
    second = scan(tmp_path, target)
    assert first["scan"]["items"]["scanned"] == 2
    assert second["scan"]["items"] == {"scanned": 0, "skipped": 0, "failed": 0, "unchanged": 2}
    assert identities(second) == identities(first)
    time.sleep(0.01)
    with sqlite3_connect(db) as conn:
        conn.execute("UPDATE notes SET body = 'mail ann.lee@example.net instead'")
    third = scan(tmp_path, target)
    assert third["scan"]["items"]["unchanged"] == 0  # one file: any change rereads its tables
    assert identities(third) == identities(scan(tmp_path, target, extra=("--full",)))


@pytest.fixture()
def pg_table() -> Iterator[tuple[str, sa.Engine, str]]:
    url = require_server("PIISCOUT_TEST_PG_URL")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    schema = f"inc_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(f"CREATE TABLE {schema}.people (id serial PRIMARY KEY, "
                             "name text, email text)"))
        conn.execute(sa.text(f"INSERT INTO {schema}.people (name, email) "
                             "SELECT 'Person ' || i, 'person' || i || '@example.org' "
                             "FROM generate_series(1, 20) i"))
    yield url, engine, schema
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _pg_counters(engine: sa.Engine, schema: str) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
            "WHERE schemaname = :s AND relname = 'people'"), {"s": schema}).one())


def _wait_counters(engine: sa.Engine, schema: str, want: tuple[int, int, int]) -> None:
    for _ in range(100):  # the statistics are flushed a moment after the writer's commit
        if _pg_counters(engine, schema) == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"pg_stat_user_tables never showed {want}")


@pytest.mark.server
def test_postgresql_tables_are_incremental(tmp_path: Path,
                                           pg_table: tuple[str, sa.Engine, str]) -> None:
    url, engine, schema = pg_table
    _wait_counters(engine, schema, (20, 0, 0))
    args = (url, "--include", f"{schema}/*")
    first = scan(tmp_path, *args)
    second = scan(tmp_path, *args)
    assert first["scan"]["items"]["scanned"] == 1
    assert second["scan"]["items"]["unchanged"] == 1 and second["scan"]["items"]["scanned"] == 0
    assert identities(second) == identities(first) and identities(first)
    with engine.begin() as conn:  # same row count, one value changed in place
        conn.execute(sa.text(f"UPDATE {schema}.people SET email = 'call +44 20 7946 0958' "
                             "WHERE id = 1"))
    _wait_counters(engine, schema, (20, 1, 0))
    third = scan(tmp_path, *args)
    assert third["scan"]["items"]["scanned"] == 1 and third["scan"]["items"]["unchanged"] == 0
    assert identities(third) == identities(scan(tmp_path, *args, extra=("--full",)))


# -- S3 (moto) and SMB (Samba) -------------------------------------------------------------------
@pytest.mark.server
def test_s3_objects_are_incremental_by_etag(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    endpoint = require_server("PIISCOUT_TEST_S3_ENDPOINT")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=endpoint)
    name = f"piiscout-inc-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=name)
    try:
        client.put_object(Bucket=name, Key="a.txt", Body=DOCS["a.txt"].encode())
        client.put_object(Bucket=name, Key="b.csv", Body=DOCS["b.csv"].encode())
        args = (f"s3://{name}", )
        extra = ("--endpoint-url", endpoint)
        first = scan(tmp_path, *args, extra=extra)
        second = scan(tmp_path, *args, extra=extra)
        assert second["scan"]["items"] == {"scanned": 0, "skipped": 0, "failed": 0,
                                           "unchanged": 2}
        assert identities(second) == identities(first)
        client.put_object(Bucket=name, Key="a.txt", Body=b"now bob.smith@example.org\n")
        third = scan(tmp_path, *args, extra=extra)
        assert third["scan"]["items"]["scanned"] == 1 and third["scan"]["items"]["unchanged"] == 1
        assert identities(third) == identities(scan(tmp_path, *args, extra=(*extra, "--full")))
    finally:
        for obj in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
        client.delete_bucket(Bucket=name)


@pytest.mark.server
def test_smb_files_are_incremental(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = require_server("PIISCOUT_TEST_SMB_URL")
    monkeypatch.setenv("PIISCOUT_SMB_USER", require_server("PIISCOUT_TEST_SMB_USER"))
    monkeypatch.setenv("PIISCOUT_SMB_PASSWORD", require_server("PIISCOUT_TEST_SMB_PASSWORD"))
    root = Path(require_server("PIISCOUT_TEST_SMB_DIR")) / f"inc-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    (root / "a.txt").write_text(DOCS["a.txt"])
    (root / "b.csv").write_text(DOCS["b.csv"])
    target = f"{url}/{root.name}"
    first = scan(tmp_path, target)
    second = scan(tmp_path, target)
    assert first["scan"]["items"]["scanned"] == 2
    assert second["scan"]["items"]["unchanged"] == 2 and identities(second) == identities(first)
    (root / "b.csv").write_text("name,email\nAnn Lee,ann.lee@example.net\n")
    os.utime(root / "b.csv", ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    third = scan(tmp_path, target)
    assert third["scan"]["items"]["scanned"] == 1 and third["scan"]["items"]["unchanged"] == 1
    assert identities(third) == identities(scan(tmp_path, target, extra=("--full",)))


def test_item_version_comes_from_the_connector(tree: Path) -> None:
    from connectors.files import FileConnector
    from scanner.settings import Settings

    items = list(FileConnector(str(tree), Settings()).walk())
    versions = {i.name: item_version(i) for i in items}
    assert all(v and v.startswith("file:") for v in versions.values())
    st = (tree / "a.txt").stat()
    assert versions["a.txt"] == f"file:{st.st_size}:{st.st_mtime_ns}"


@pytest.mark.server
def test_mariadb_tables_are_incremental(tmp_path: Path) -> None:
    url = require_server("PIISCOUT_TEST_MYSQL_URL")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    table = f"inc_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {table} (id int PRIMARY KEY, name text, email text)"))
        conn.execute(sa.text(f"INSERT INTO {table} VALUES (1, 'Jane Roe', 'jane.roe@example.org'),"
                             " (2, 'John Doe', 'john.doe@example.com')"))
    try:
        args = (url, "--include", f"*/{table}")
        time.sleep(2.5)  # an UPDATE_TIME under 2 s old is not trusted (1 s resolution)
        first = scan(tmp_path, *args)
        second = scan(tmp_path, *args)
        assert first["scan"]["items"]["scanned"] == 1
        assert second["scan"]["items"] == {"scanned": 0, "skipped": 0, "failed": 0,
                                           "unchanged": 1}
        assert identities(second) == identities(first) and identities(first)
        with engine.begin() as conn:
            conn.execute(sa.text(f"UPDATE {table} SET email = 'ann.lee@example.net' WHERE id = 1"))
        third = scan(tmp_path, *args)
        assert third["scan"]["items"]["scanned"] == 1 and third["scan"]["items"]["unchanged"] == 0
        assert identities(third) == identities(scan(tmp_path, *args, extra=("--full",)))
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()
