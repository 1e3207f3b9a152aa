"""The scanner must not become a leak (issue 18): credentials in URLs, field names that are data,
the installation secret, CSV formulas, sources left exactly as they were.

The end-to-end tests run the installed ``piiscout`` command in a subprocess, so logging at
``-vv`` is configured exactly as for a user.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.urls import parse_db_url, redact_text, redact_url, split_userinfo
from tests.helpers.paths import SHARED
from tests.helpers.servers import require_server

PIISCOUT = str(Path(sys.executable).with_name("piiscout"))
PG_PASSWORD = "4242/S3cretPW"
MY_PASSWORD = "S3cret#PW"


def run_cli(args: list[str], home: Path, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PIISCOUT_HOME": str(home), "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
            **(env or {})}
    return subprocess.run([PIISCOUT, *args], capture_output=True, text=True, env=full,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def _leaks(secret_parts: list[str], *texts: str | bytes) -> list[str]:
    out = []
    for t in texts:
        s = t.decode("utf-8", "replace") if isinstance(t, bytes) else t
        out += [p for p in secret_parts if p in s]
    return out


# -- the URL parser and redactor -----------------------------------------------------------------
REDACT_CASES = [
    ("postgresql+psycopg://scanner:4242/S3cretPW@host/db", "postgresql+psycopg://host/db"),
    ("mysql+pymysql://u:S3cret#PW@host/x", "mysql+pymysql://host/x"),
    ("mysql+pymysql://u:p@ss@host:3307/x", "mysql+pymysql://host:3307/x"),
    ("postgresql://u:a%2Fb@h:5/db?sslpassword=zz&application_name=x",
     "postgresql://h:5/db?sslpassword=***&application_name=x"),
    ("postgresql://u:p/w@host/db?options=a@b", "postgresql://host/db?options=a@b"),
    ("http://KEY:SECRET@127.0.0.1:9000", "http://127.0.0.1:9000"),
    ("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA1/x&v=1#f",
     "https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Credential=***&v=1#f"),
    ("https://api.example.com/x?token=t0k&api_key=k3y&page=2",
     "https://api.example.com/x?token=***&api_key=***&page=2"),
    ("smb://bob:pa@ss/w#rd@files:4450/share/HR", "smb://files:4450/share/HR"),
    # nothing to remove: unchanged
    ("s3://bucket/a@b.txt", "s3://bucket/a@b.txt"),
    ("sqlite:///data/a@b.db", "sqlite:///data/a@b.db"),
    ("mbox:///archive/x.mbox#msg=3", "mbox:///archive/x.mbox#msg=3"),
    ("/plain/path/u:p@h", "/plain/path/u:p@h"),
    ("https://example.com/search?q=jane&page=1", "https://example.com/search?q=jane&page=1"),
]


@pytest.mark.parametrize(("url", "want"), REDACT_CASES)
def test_redact_url(url: str, want: str) -> None:
    assert redact_url(url) == want


@pytest.mark.parametrize(("url", "user", "password", "host", "port", "database"), [
    ("postgresql+psycopg://scanner:4242/S3cretPW@db.internal/crm", "scanner", PG_PASSWORD,
     "db.internal", None, "crm"),
    ("mysql+pymysql://u:S3cret#PW@host/x", "u", MY_PASSWORD, "host", None, "x"),
    ("mysql+pymysql://u:p@ss:w?rd@host:3307/x", "u", "p@ss:w?rd", "host", 3307, "x"),
    ("postgresql://u:a%2Fb%40c@h:5/db", "u", "a/b@c", "h", 5, "db"),
    ("postgresql://h/db", None, None, "h", None, "db"),
    ("sqlite:////tmp/a@b.db", None, None, None, None, "/tmp/a@b.db"),
])
def test_parse_db_url_takes_any_password(url: str, user: str | None, password: str | None,
                                         host: str | None, port: int | None,
                                         database: str) -> None:
    parsed = parse_db_url(url)
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
        user, password, host, port, database)


def test_parse_db_url_error_never_quotes_the_password() -> None:
    with pytest.raises(ValueError) as err:
        parse_db_url("postgresql://u:S3cretPW@host:notaport/db")
    assert "S3cretPW" not in str(err.value) and "u:" not in str(err.value)


def test_split_userinfo_needs_a_host_after_the_at() -> None:
    assert split_userinfo("s3://bucket/x:y@z.txt").username is None  # a key, not credentials
    assert split_userinfo("ftp://a:b@/x").username is None  # no host after the '@'


def test_redact_text_removes_urls_and_secrets() -> None:
    text = "Could not connect to http://KEY:SECRET@10.0.0.1:9/b (user KEY)"
    out = redact_text(text, "KEY", "SECRET")
    assert "SECRET" not in out and "KEY" not in out and "http://10.0.0.1:9/b" in out


# -- end to end through the CLI ------------------------------------------------------------------
def _report_and_inventory(tmp: Path, target: str, extra: list[str] | None = None,
                          env: dict[str, str] | None = None, code: int = 0) -> tuple[
                              subprocess.CompletedProcess[str], dict, bytes, list[str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    report, inv = tmp / "report.json", tmp / "inv.db"
    res = run_cli(["scan", target, "--no-ner", "--workers", "1", "--no-progress", "-vv",
                   "--format", "json", "-o", str(report), "--db", f"sqlite:///{inv}",
                   *(extra or [])], tmp / "home", env)
    # 3: the whole target could not be read (the report is still written).
    assert res.returncode == code, res.stderr[-2000:]
    data = json.loads(report.read_text())
    with sqlite3.connect(inv) as conn:
        stored = [t for (r,) in conn.execute("select targets from runs") for t in json.loads(r)]
    return res, data, inv.read_bytes(), stored


@pytest.fixture()
def pg_with_password() -> Iterator[str]:
    """The test PostgreSQL role with the password ``4242/S3cretPW`` for the test's duration."""
    import sqlalchemy as sa

    url = require_server("PIISCOUT_TEST_PG_URL")
    parsed = parse_db_url(url)
    table = f"leak_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text(f"create table {table} (id int primary key, email text)"))
        conn.execute(sa.text(f"insert into {table} values (1, 'pg.person@example.org')"))
        conn.execute(sa.text(f"alter role {parsed.username} password '{PG_PASSWORD}'"))
    engine.dispose()
    try:
        yield (f"postgresql+psycopg://{parsed.username}:{PG_PASSWORD}@{parsed.host}:{parsed.port}"
               f"/{parsed.database}")
    finally:
        engine = sa.create_engine(parsed.set(password=PG_PASSWORD))
        with engine.begin() as conn:
            conn.execute(sa.text(f"alter role {parsed.username} password '{parsed.password}'"))
            conn.execute(sa.text(f"drop table {table}"))
        engine.dispose()


def test_postgres_password_with_slash_end_to_end(tmp_path: Path, pg_with_password: str) -> None:
    res, report, inventory, stored = _report_and_inventory(
        tmp_path, pg_with_password, ["--include", "public/leak_*"])
    entities = {f["entity"] for f in report["findings"]}
    assert "EMAIL_ADDRESS" in entities  # it connected with that password
    assert report["errors"] == []
    parts = [PG_PASSWORD, "S3cretPW", "4242/", "4242%2F"]
    assert not _leaks(parts, res.stdout, res.stderr, json.dumps(report), inventory)
    assert report["scan"]["targets"] == [redact_url(pg_with_password)]
    assert redact_url(pg_with_password) in stored


def test_mysql_password_with_hash_never_shown(tmp_path: Path) -> None:
    url = os.environ.get("PIISCOUT_TEST_MYSQL_URL")
    # A closed port: the connection fails and the error is recorded, without the password.
    target = f"mysql+pymysql://scanner:{MY_PASSWORD}@127.0.0.1:1/crm"
    res, report, inventory, _stored = _report_and_inventory(tmp_path, target, code=3)
    assert [e["kind"] for e in report["errors"]] == ["unreadable"]
    assert report["errors"][0]["location"] == "mysql://127.0.0.1:1"
    assert "Traceback" not in res.stderr
    parts = [MY_PASSWORD, "S3cret", "scanner:"]
    assert not _leaks(parts, res.stdout, res.stderr, json.dumps(report), inventory)
    assert report["scan"]["targets"] == ["mysql+pymysql://127.0.0.1:1/crm"]
    del url


@pytest.fixture()
def mysql_with_password() -> Iterator[str]:
    import sqlalchemy as sa

    url = require_server("PIISCOUT_TEST_MYSQL_URL")
    parsed = parse_db_url(url)
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text("create table if not exists leak_people (id int primary key, "
                             "email varchar(100))"))
        conn.execute(sa.text("replace into leak_people values (1, 'my.person@example.org')"))
        conn.execute(sa.text(f"set password = password('{MY_PASSWORD}')"))
    engine.dispose()
    try:
        yield (f"mysql+pymysql://{parsed.username}:{MY_PASSWORD}@{parsed.host}:{parsed.port}"
               f"/{parsed.database}")
    finally:
        engine = sa.create_engine(parsed.set(password=MY_PASSWORD))
        with engine.begin() as conn:
            conn.execute(sa.text(f"set password = password('{parsed.password}')"))
            conn.execute(sa.text("drop table leak_people"))
        engine.dispose()


def test_mysql_password_with_hash_end_to_end(tmp_path: Path, mysql_with_password: str) -> None:
    res, report, inventory, _stored = _report_and_inventory(
        tmp_path, mysql_with_password, ["--include", "*/leak_people"])
    assert "EMAIL_ADDRESS" in {f["entity"] for f in report["findings"]}
    assert report["errors"] == []
    assert not _leaks([MY_PASSWORD, "S3cret"], res.stdout, res.stderr, json.dumps(report),
                      inventory)


S3_KEY_ID = "AKIAPIISCOUTLEAKTEST1"
S3_SECRET = "leak/Test+Secret=Key"


def test_s3_endpoint_credentials_never_in_errors(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_DEFAULT_REGION": "us-east-1"}
    res, report, inventory, _ = _report_and_inventory(
        tmp_path, "s3://bucket/prefix", ["--endpoint-url", "http://KEYID42:SECRET42@127.0.0.1:1"],
        env, code=3)
    assert [e["kind"] for e in report["errors"]] == ["unreadable"]
    assert "127.0.0.1:1" in report["errors"][0]["message"]  # the message still says where
    assert not _leaks(["KEYID42", "SECRET42"], res.stdout, res.stderr, json.dumps(report),
                      inventory)


def test_s3_access_key_never_logged_at_vv(tmp_path: Path) -> None:
    import boto3

    endpoint = require_server("PIISCOUT_TEST_S3_ENDPOINT")
    keys = {"aws_access_key_id": S3_KEY_ID, "aws_secret_access_key": S3_SECRET}
    name = f"leaks-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="a.txt", Body=b"write to s3.person@example.org\n")
    def objects() -> list[tuple[str, str, int]]:
        return [(o["Key"], o["ETag"], o["Size"])
                for o in client.list_objects_v2(Bucket=name).get("Contents", [])]

    before = objects()
    try:
        env = {"AWS_ACCESS_KEY_ID": S3_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
               "AWS_DEFAULT_REGION": "us-east-1"}
        res, report, inventory, _ = _report_and_inventory(
            tmp_path, f"s3://{name}/", ["--endpoint-url", endpoint], env)
        assert "EMAIL_ADDRESS" in {f["entity"] for f in report["findings"]}
        assert "DEBUG" in res.stderr  # -vv does log
        assert not _leaks([S3_KEY_ID, S3_SECRET], res.stdout, res.stderr, json.dumps(report),
                          inventory)
        # The same key pair given in --endpoint-url works, and is never shown either.
        host = endpoint.split("://", 1)[1]
        res, report, inventory, _ = _report_and_inventory(
            tmp_path / "again", f"s3://{name}/",
            ["--endpoint-url", f"http://{S3_KEY_ID}:{S3_SECRET}@{host}"],
            {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
             "AWS_DEFAULT_REGION": "us-east-1"})
        assert "EMAIL_ADDRESS" in {f["entity"] for f in report["findings"]}
        assert not _leaks([S3_KEY_ID, S3_SECRET], res.stdout, res.stderr, json.dumps(report),
                          inventory)
        assert objects() == before  # read-only: the bucket is as it was
    finally:
        client.delete_object(Bucket=name, Key="a.txt")
        client.delete_bucket(Bucket=name)


def test_smb_target_with_special_password_is_parsed_and_hidden() -> None:
    from connectors.smb import SmbConnector, public_uri
    from scanner.settings import Settings

    target = "smb://bob:pa@ss/w#rd@files.example:4450/share/HR"
    conn = SmbConnector(target, Settings())
    assert (conn.host, conn.port, conn.share, conn.base) == ("files.example", 4450, "share",
                                                             ["HR"])
    assert conn._credentials_nonprompt()[1] == "pa@ss/w#rd"
    assert public_uri(target) == "smb://files.example:4450/share/HR"
    assert conn._secret_free(RuntimeError("login pa@ss/w#rd for bob failed")) == (
        "RuntimeError: login *** for *** failed")


# -- the installation secret ---------------------------------------------------------------------
BAD_SECRETS = [
    ("empty", b""),
    ("one byte", b"ab\n"),
    ("31 bytes", b"ab" * 31 + b"\n"),
    ("not hex", b"this is not a secret key at all, but it is long enough to pass\n"),
    ("binary", bytes(range(256)) * 2),
    ("huge", b"ab" * 100_000),
]


@pytest.mark.parametrize(("label", "content"), BAD_SECRETS, ids=[b[0] for b in BAD_SECRETS])
def test_bad_secret_is_refused_and_kept(tmp_path: Path, label: str, content: bytes) -> None:
    from scanner.redact import SecretError, load_or_create_secret

    (tmp_path / "secret.key").write_bytes(content)
    with pytest.raises(SecretError) as err:
        load_or_create_secret(tmp_path)
    assert err.value.exit_code == 2 and "\n" not in err.value.message
    assert "secret rotate" in err.value.message
    assert (tmp_path / "secret.key").read_bytes() == content  # never regenerated over it


def test_good_secret_is_accepted(tmp_path: Path) -> None:
    from scanner.redact import load_or_create_secret

    (tmp_path / "secret.key").write_text("0f" * 32 + "\n")
    assert load_or_create_secret(tmp_path) == bytes.fromhex("0f" * 32)


def test_secret_directory_or_unreadable_is_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.redact import SecretError, load_or_create_secret, read_secret

    (tmp_path / "d" / "secret.key").mkdir(parents=True)
    with pytest.raises(SecretError, match="is a directory"):
        load_or_create_secret(tmp_path / "d")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SecretError, match="not a directory"):
        load_or_create_secret(tmp_path / "afile")  # PIISCOUT_HOME pointing at a file
    with pytest.raises(SecretError, match="cannot read"):
        read_secret(tmp_path / "afile" / "secret.key")  # NotADirectoryError, a real OSError
    # Root reads any file whatever its mode, so a permission error is simulated here only.
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "secret.key").write_text("0f" * 32)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SecretError, match="Permission denied"):
        load_or_create_secret(tmp_path / "e")


def test_secret_created_once_under_concurrency(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from scanner.redact import load_or_create_secret

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(tmp_path / "home"), range(32)))
    assert len(keys) == 1 and len(keys.pop()) == 32
    assert [p.name for p in (tmp_path / "home").iterdir()] == ["secret.key"]  # no temp files


def test_cli_refuses_a_short_secret_with_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.key").write_bytes(b"")
    (tmp_path / "a.txt").write_text("mail jane.roe@example.org\n")
    for fmt in ("json", "jsonl"):
        res = run_cli(["scan", str(tmp_path / "a.txt"), "--no-ner", "--workers", "1",
                       "--format", fmt, "--no-inventory"], home)
        assert res.returncode == 2, res.stderr
        assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr
        assert "secret rotate" in res.stderr
    assert (home / "secret.key").read_bytes() == b""
    res = run_cli(["secret", "check"], home)
    assert res.returncode == 2 and "fewer than the 32" in res.stderr


def test_secret_rotate(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "a.txt").write_text("mail jane.roe@example.org\n")
    res = run_cli(["scan", str(tmp_path / "a.txt"), "--no-ner", "--workers", "1",
                   "--format", "json"], home)
    assert res.returncode == 0, res.stderr
    old = (home / "secret.key").read_bytes()

    def find() -> list[dict]:
        res = subprocess.run([PIISCOUT, "subject", "find", "-", "--format", "json"],
                             input="jane.roe@example.org\n", capture_output=True, text=True,
                             env={**os.environ, "PIISCOUT_HOME": str(home)}, check=False)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)["matches"]

    assert len(find()) == 1
    # Refused at the prompt: nothing changes.
    res = subprocess.run([PIISCOUT, "secret", "rotate"], input="n\n", capture_output=True,
                         text=True, env={**os.environ, "PIISCOUT_HOME": str(home)}, check=False)
    assert res.returncode == 1 and "will stop matching" in res.stderr
    assert (home / "secret.key").read_bytes() == old
    res = run_cli(["secret", "rotate", "--yes"], home)
    assert res.returncode == 0, res.stderr
    new = (home / "secret.key").read_bytes()
    assert new != old and len(bytes.fromhex(new.decode().strip())) == 32
    assert (home / "secret.key").stat().st_mode & 0o777 == 0o600
    assert (home / "inventory.sqlite").exists()
    assert find() == []  # the hashes recorded before no longer match
    res = run_cli(["secret", "rotate", "--yes", "--clear-inventory"], home)
    assert res.returncode == 0 and not (home / "inventory.sqlite").exists()


# -- CSV formula injection -----------------------------------------------------------------------
@pytest.mark.parametrize(("cell", "want"), [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("\uff1d1+1", "'\uff1d1+1"),
    # left alone
    ("file:///a/b.csv", "file:///a/b.csv"),
    ("j***@e***.org", "j***@e***.org"),
    ("a=b", "a=b"),
    ("", ""),
    (42, 42),
    (-1.5, -1.5),
])
def test_csv_cells_are_neutralised(cell: object, want: object) -> None:
    from scanner.reports.csv_report import neutralise

    assert neutralise(cell) == want


def test_scan_csv_report_neutralises_formulas(tmp_path: Path) -> None:
    import csv

    src = tmp_path / "src"
    src.mkdir()
    (src / '=HYPERLINK("http:evil.example","x").txt').write_text("mail jane.roe@example.org\n")
    (src / "people.csv").write_text('=HYPERLINK("x"),+note,-email\na,b,john.doe@example.org\n')
    out = tmp_path / "r.csv"
    res = run_cli(["scan", str(src), "--no-ner", "--workers", "1", "--format", "csv", "-o",
                   str(out), "--no-inventory"], tmp_path / "home")
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(out.open(newline="")))
    assert len(rows) >= 3
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'-email" in cells  # the header became a field name, neutralised


def test_inventory_csv_neutralises_formulas() -> None:
    import csv
    import io

    from scanner.inventory.views import CategoryGap, ClauseGap, Gaps, Group, InventoryReport
    from scanner.reports.inventory_csv import write

    gaps = Gaps(packs=("p",), uncovered=(CategoryGap("*", "=cat", ("@E",), 1, 1),), per_pack=(),
                unused_clauses=(ClauseGap("p/-c", "+title"),))
    report = InventoryReport(by="clause", groups=(Group(key="=HYPERLINK(1)", title="@t",
                                                        sources={"-s"}),),
                             gaps=gaps, packs=(("p", "P"),), generated_at="now", database="x",
                             findings=1)
    for show in ("inventory", "gaps"):
        buf = io.StringIO()
        write(InventoryReport(**{**report.__dict__, "show": show}), buf)
        cells = [c for row in list(csv.reader(io.StringIO(buf.getvalue())))[1:] for c in row]
        assert cells and not [c for c in cells if c and c[0] in "=+-@"], cells


# -- sources stay exactly as they were -----------------------------------------------------------
CORPUS = SHARED / "corpus"


def _listing(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``root`` (and ``root`` itself) with its size, mtime and mode."""
    out = {}
    for p in [root, *sorted(root.rglob("*"))]:
        st = p.lstat()
        out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def _mail(sender: str, body: str) -> bytes:
    return (f"From: {sender}\nTo: office@example.com\nSubject: hi\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\n\n{body}\n").encode()


def _wal_db(path: Path, live: bool) -> sqlite3.Connection | None:
    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode=wal")
    conn.execute("create table customer (id integer primary key, email text)")
    conn.execute("insert into customer (email) values ('wal.one@example.org')")
    conn.commit()
    if not live:
        conn.close()
        return None
    conn.execute("pragma wal_autocheckpoint=0")
    conn.execute("insert into customer (email) values ('wal.two@example.org')")
    conn.commit()
    return conn  # kept open: the rows are in crm.db-wal only


@pytest.fixture()
def sources(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "sources"
    (root / "folder" / "sub").mkdir(parents=True)
    (root / "folder" / "note.txt").write_text("write to folder.person@example.org\n")
    (root / "folder" / "sub" / "people.csv").write_text("name,email\nJane Roe,jr@example.org\n")
    import zipfile

    with zipfile.ZipFile(root / "folder" / "bundle.zip", "w") as z:
        z.writestr("inner.txt", "zip.person@example.org\n")
    (root / "mail").mkdir()
    (root / "mail" / "box.mbox").write_bytes(
        b"From a@b Thu Jan  1 00:00:00 2024\n" + _mail("mbox.person@example.org", "hello")
        + b"\nFrom a@b Thu Jan  1 00:00:00 2024\n" + _mail("mbox.two@example.org", "again"))
    md = root / "mail" / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1700000000.M1.host:2,S").write_bytes(_mail("md.person@example.org", "x"))
    (root / "mail" / "one.eml").write_bytes(_mail("eml.person@example.org", "y"))
    (root / "db").mkdir()
    _wal_db(root / "db" / "closed.db", live=False)
    live = _wal_db(root / "db" / "crm.db", live=True)
    corpus = root / "corpus"
    corpus.mkdir()
    if CORPUS.is_dir():  # copies in the test's own folder, never in the repository
        import shutil

        for rel in ("mail/pst/go-pst_support.pst", "mail/msg/fnf.msg"):
            src = next(CORPUS.rglob(Path(rel).name), None)
            if src is not None:
                shutil.copy2(src, corpus / src.name)
    yield root
    assert live is not None
    live.close()


def test_scanning_changes_nothing_beside_the_sources(tmp_path: Path, sources: Path) -> None:
    before = _listing(sources)
    parent_before = sorted(p.name for p in tmp_path.iterdir())
    targets = [
        str(sources / "folder"),
        f"mbox://{sources / 'mail' / 'box.mbox'}",
        f"maildir://{sources / 'mail' / 'Maildir'}",
        str(sources / "mail"),  # the .eml and the mbox read as files too
        f"sqlite:///{sources / 'db' / 'closed.db'}",
        f"sqlite:///{sources / 'db' / 'crm.db'}",
        str(sources / "corpus"),
    ]
    pst = sources / "corpus" / "go-pst_support.pst"
    if pst.exists():
        targets.append(f"pst://{pst}")
    report = tmp_path / "r.json"
    res = run_cli(["scan", *targets, "--no-ner", "--workers", "1", "--format", "json", "-o",
                   str(report), "--db", f"sqlite:///{tmp_path / 'inv.db'}"], tmp_path / "home")
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(report.read_text())
    uris = " ".join(f["location"]["uri"] for f in data["findings"])
    for part in ("note.txt", "people.csv", "bundle.zip!/inner.txt", "crm.db/main/customer",
                 "closed.db/main/customer", "mbox://", "maildir://", "one.eml"):
        assert part in uris, part
    if pst.exists():
        assert "pst://" in uris
    shares = [f.get("attributes", {}).get("sampled") for f in data["findings"]
              if "crm.db" in f["location"]["uri"]]
    assert shares == [2]  # the row that is only in the live WAL was read too
    assert _listing(sources) == before  # no -wal/-shm, no temp file, no mtime changed
    # beside the sources' parent: only the report and the inventory (with its recording lock)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*parent_before, "r.json",
                                                                 "inv.db", "inv.db.lock", "home"])


# -- field names that are data -------------------------------------------------------------------
@pytest.mark.parametrize(("key", "is_value"), [
    ("jane.roe@example.org", True),
    ("Jane Roe", True),
    ("Mary-Ann O'Neil", True),
    ("+44 20 7946 0958", True),
    ("4111111111111111", True),
    ("203.0.113.7", True),
    ("38400000-8cf0-11bd-b23e-10b96e40000d", True),
    ("2024-03-01", True),
    # names
    ("email", False),
    ("First Name", False),
    ("Email Address", False),
    ("Order Total", False),
    ("Postal Code", False),
    ("Start Date", False),
    ("customer_id", False),
    ("address_line2", False),
    ("col2023", False),
    ("items[0]", False),
    ("Jane", False),
    ("id", False),
    ("Data Protection Officer", False),
])
def test_field_name_shape(key: str, is_value: bool) -> None:
    from connectors.extract.fields import looks_like_value

    assert looks_like_value(key) is is_value


def test_field_names_that_are_data_never_appear_in_clear(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "users.json").write_text(json.dumps(
        {"users": {"jane.roe@example.org": {"plan": "gold", "phone": "+44 20 7946 0958"},
                   "john.smith@example.com": {"plan": "silver"}}}))
    (src / "hours.csv").write_text("Jane Roe,John Smith\n7,8\n6,5\n")
    (src / "plain.csv").write_text("name,email\nAnn Lee,ann.lee@example.org\n")
    home = tmp_path / "home"
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    res = run_cli(["scan", str(src), "--no-ner", "--workers", "1", "--format", "jsonl",
                   "--db", db], home)
    assert res.returncode == 0, res.stderr
    listed = run_cli(["findings", "list", "--db", db, "--format", "json"], home)
    table = run_cli(["findings", "list", "--db", db], home)
    inventory = (tmp_path / "inv.db").read_bytes()
    clear = ["jane.roe@example.org", "john.smith@example.com", "Jane Roe", "John Smith",
             "jane.roe", "John"]
    for text in (res.stdout, listed.stdout, table.stdout, inventory):
        assert not _leaks(clear, text)
    findings = [json.loads(line) for line in res.stdout.splitlines()
                if json.loads(line).get("type") == "finding"]
    fields = {f["location"]["field"] for f in findings if "users.json" in f["location"]["uri"]}
    # the phone under the e-mail key: its path carries the masked key and its keyed hash
    assert any(f and f.startswith("users.<j***@e***.org #") and f.endswith(">.phone")
               for f in fields), fields
    # the keys themselves are findings, masked and hashed like any value
    from scanner.redact import load_or_create_secret, value_hash

    secret = load_or_create_secret(home)
    hashes = {f["value_hash"] for f in findings}
    assert value_hash(secret, "EMAIL_ADDRESS", "jane.roe@example.org") in hashes
    assert value_hash(secret, "EMAIL_ADDRESS", "john.smith@example.com") in hashes
    hours = {f["location"]["field"] for f in findings if "hours.csv" in f["location"]["uri"]}
    assert not _leaks(["Jane", "John"], json.dumps(sorted(map(str, hours))))
    # an ordinary header stays a name
    assert "email" in {f["location"]["field"] for f in findings
                       if "plain.csv" in f["location"]["uri"]}


def test_smb_credentials_never_logged_at_vv(tmp_path: Path) -> None:
    url = require_server("PIISCOUT_TEST_SMB_URL")
    from tests.helpers.servers import read_server_env as _server_env

    env = _server_env()
    user = os.environ.get("PIISCOUT_TEST_SMB_USER") or env["PIISCOUT_TEST_SMB_USER"]
    password = os.environ.get("PIISCOUT_TEST_SMB_PASSWORD") or env["PIISCOUT_TEST_SMB_PASSWORD"]
    share = Path(os.environ.get("PIISCOUT_TEST_SMB_DIR") or env["PIISCOUT_TEST_SMB_DIR"])
    sub = share / f"leaks-{uuid.uuid4().hex[:8]}"
    sub.mkdir()
    (sub / "a.txt").write_text("write to smb.person@example.org\n")
    before = _listing(sub)
    try:
        res, report, inventory, _stored = _report_and_inventory(
            tmp_path, f"{url}/{sub.name}", env={"PIISCOUT_SMB_USER": user,
                                                "PIISCOUT_SMB_PASSWORD": password})
        assert "EMAIL_ADDRESS" in {f["entity"] for f in report["findings"]}
        assert _listing(sub) == before  # read-only: nothing created or modified on the share
        assert "DEBUG" in res.stderr
        assert not _leaks([user, password], res.stdout, res.stderr, json.dumps(report),
                          inventory)
    finally:
        (sub / "a.txt").unlink()
        sub.rmdir()


def test_inventory_db_url_with_any_character_in_the_password(tmp_path: Path,
                                                            pg_with_password: str) -> None:
    """`--db` is parsed like a database target: a password holding '@', '#' and '/' connects
    and never shows."""
    import sqlalchemy as sa

    odd = "in@v#4242/Pw"
    schema = f"inv_{uuid.uuid4().hex[:12]}"
    parsed = parse_db_url(pg_with_password)
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(sa.text(f"alter role {parsed.username} password '{odd}'"))
    engine.dispose()
    engine = sa.create_engine(parsed.set(password=odd))
    try:
        db = (f"postgresql://{parsed.username}:{odd}@{parsed.host}:{parsed.port}/{parsed.database}"
              f"?options=-csearch_path%3D{schema}")
        src = tmp_path / "src"
        src.mkdir()
        (src / "a.txt").write_text("write to inv.person@example.org\n")
        res = run_cli(["scan", str(src), "--no-ner", "--workers", "1", "--no-progress",
                       "--format", "jsonl", "-o", str(tmp_path / "r.jsonl"), "--db", db],
                      tmp_path / "home")
        assert res.returncode == 0, res.stderr[-2000:]
        runs = run_cli(["inventory", "runs", "--db", db, "--format", "json"], tmp_path / "home")
        assert runs.returncode == 0, runs.stderr[-2000:]
        assert [r["status"] for r in json.loads(runs.stdout)] == ["completed"]
        assert not _leaks([odd, "in@v", "4242/Pw"], res.stdout, res.stderr, runs.stdout,
                          runs.stderr)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(sa.text(f"alter role {parsed.username} password '{PG_PASSWORD}'"))
        engine.dispose()
