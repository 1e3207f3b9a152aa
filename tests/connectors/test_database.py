"""Database connector on SQLite: reflection, units, sampling, BLOB items, read-only, failures."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from connectors.base import UnitSource, connector_for
from connectors.database import (
    DatabaseConnector,
    Scrubber,
    base_uri,
    error_kind,
    is_database_url,
)
from connectors.db_sampling import bernoulli_percent
from connectors.db_table import cell_text, unit_kind
from scanner.models import Item, ItemError, ScanError, TextUnit
from scanner.settings import Settings
from tests.helpers.database import BLOB_TEXT, CATALOGUE, ODD, ODD_COLUMN, build


def walk(target: str, settings: Settings) -> tuple[dict[str, UnitSource], list[Item], list]:
    sources: dict[str, UnitSource] = {}
    items: list[Item] = []
    errors: list[ScanError] = []
    # the connector is not closed: the sources' engines are used after the walk
    for w in connector_for(target, settings).walk():
        if isinstance(w, ScanError):
            errors.append(w)
        elif isinstance(w, Item):
            items.append(w)
        else:
            sources[w.uri.rsplit("/", 1)[-1]] = w
    return sources, items, errors


def units_of(source: UnitSource) -> list[TextUnit]:
    return list(source.units())


@pytest.fixture()
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "people db.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    build(engine)
    engine.dispose()
    return path


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("sqlite:///x.db", True),
        ("postgresql+psycopg://u:p@h/db", True),
        ("mysql+pymysql://u:p@h/db", True),
        ("postgresql://h/db", True),
        ("http://example.org/", False),
        ("nosuchdialect://h/db", False),
        ("/plain/path.db", False),
        ("s3://bucket/key", False),
    ],
)
def test_is_database_url(target: str, expected: bool) -> None:
    assert is_database_url(target) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://bob:pw@db.example:6543/sales", "postgresql://db.example:6543/sales"),
        ("postgresql://bob@db.example/sales?sslkey=x", "postgresql://db.example:5432/sales"),
        ("mysql+pymysql://bob:pw@10.0.0.5/shop", "mysql://10.0.0.5:3306"),
        ("sqlite:////abs/my data.db", "sqlite:///abs/my%20data.db"),
    ],
)
def test_base_uri_has_no_credentials(url: str, expected: str) -> None:
    assert base_uri(make_url(url)) == expected


def test_scrubber_hides_user_and_password() -> None:
    scrub = Scrubber(make_url("postgresql+psycopg://alice:S3cr3t-pw@h/db?password=other-pw"))
    msg = scrub(
        RuntimeError('FATAL: password authentication failed for user "alice" (S3cr3t-pw)\nSQL:')
    )
    assert "alice" not in msg and "S3cr3t-pw" not in msg and "SQL" not in msg
    assert "password authentication failed" in msg


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("OperationalError: interrupted", "timeout"),
        ("QueryCanceled: canceling statement due to statement timeout", "timeout"),
        ("Query execution was interrupted (max_statement_time exceeded)", "timeout"),
        ("InsufficientPrivilege: permission denied for table secret", "unreadable"),
        ("OperationalError: no such function: nope", "unreadable"),
    ],
)
def test_error_kind(message: str, kind: str) -> None:
    assert error_kind(message) == kind


@pytest.mark.parametrize(
    ("value", "text", "kind"),
    [
        ("  jane@example.org ", "jane@example.org", "value"),
        (b"plain bytes", "plain bytes", "value"),
        (b"\xff\xfe\x00binary", None, None),
        (None, None, None),
        ("   ", None, None),
        (True, None, None),
        (42, "42", "value"),
        ({"b": 1, "a": "x"}, '{"a": "x", "b": 1}', "value"),
        ("word " * 30, ("word " * 30).strip(), "prose"),
        ("x" * 200, "x" * 200, "value"),  # long but not free text
    ],
)
def test_cell_text_and_kind(value: object, text: str | None, kind: str | None) -> None:
    assert cell_text(value) == text
    if text is not None:
        assert unit_kind(text) == kind


def test_walk_reflects_tables_with_odd_names(sqlite_db: Path) -> None:
    settings = Settings()
    sources, items, errors = walk(f"sqlite:///{sqlite_db}", settings)
    assert errors == [] and len(items) == 3
    base = "sqlite://" + str(sqlite_db).replace(" ", "%20")
    assert sorted(s.uri for s in sources.values()) == sorted(
        [
            f"{base}/main/People%20Records",
            f"{base}/main/catalogue",
            f"{base}/main/Odd%20%22Quoted%22%20Table",
        ]
    )
    odd = units_of(sources["Odd%20%22Quoted%22%20Table"])
    assert [(u.location.field, u.text) for u in odd] == [(ODD_COLUMN, "odd.person@example.org")]
    assert ODD and CATALOGUE in {s.uri.rsplit("/", 1)[-1] for s in sources.values()}


def test_people_units_are_rows_of_cells(sqlite_db: Path) -> None:
    sources, _, _ = walk(f"sqlite:///{sqlite_db}", Settings())
    people = sources["People%20Records"]
    units = units_of(people)
    fields = Counter(u.location.field for u in units)
    # the integer key and the BLOB are not value units; a NULL e-mail is not sampled
    assert fields == {
        "Full Name": 40,
        "Email": 39,
        "phone number": 40,
        "Birth Date": 40,
        "diagnosis": 40,
        "Notes": 40,
    }
    assert people.sampled["Email"] == 39
    assert all(u.location.line is None and u.source_kind == "database" for u in units)
    assert all(u.location.uri.startswith(people.uri + "#row=") for u in units)
    # the cells of one row share its record, and records differ between rows
    by_record: dict[str, set[str]] = {}
    for u in units:
        by_record.setdefault(u.record or "", set()).add(u.location.field or "")
    assert len(by_record) == 40 and all(len(f) >= 5 for f in by_record.values())
    kinds = {u.location.field: u.kind for u in units}
    assert kinds["Notes"] == "prose" and kinds["Email"] == "value"
    birth = next(u.text for u in units if u.location.field == "Birth Date")
    assert birth == "1950-01-01"


def test_catalogue_skips_prices_and_key(sqlite_db: Path) -> None:
    sources, _, _ = walk(f"sqlite:///{sqlite_db}", Settings())
    fields = {u.location.field for u in units_of(sources["catalogue"])}
    assert fields == {"product_name", "description"}


def test_sampling_is_deterministic_and_bounded(sqlite_db: Path) -> None:
    settings = Settings().with_overrides(**{"database.sample_rows": 10})
    runs = []
    for _ in range(2):
        sources, _, _ = walk(f"sqlite:///{sqlite_db}", settings)
        runs.append(
            [(u.record, u.location.field, u.text) for u in units_of(sources["People%20Records"])]
        )
    assert runs[0] == runs[1]
    emails = [t for _, f, t in runs[0] if f == "Email"]
    names = {t for _, f, t in runs[0] if f == "Full Name"}
    assert len(names) == 10 and len({r for r, _, _ in runs[0]}) == 10
    # spread over the table, not simply the first ten rows by key
    first_ten = {
        f"{a} Martin"
        for a in [
            "Alice",
            "Bruno",
            "Chloe",
            "Daniel",
            "Emma",
            "Farid",
            "Grace",
            "Hugo",
            "Ines",
            "Jonas",
        ]
    }
    assert names != first_ten
    assert len(emails) <= 10


@pytest.mark.parametrize(
    ("n", "estimate", "expected"),
    [
        (10, 0, 100.0),
        (10, 15, 100.0),
        (10, 40, 50.0),
        (10_000, 1_000_000, 3.125),
        (10_000, 1_100_000, 3.125),
        (10_000, 1_300_000, 1.5625),
    ],
)
def test_bernoulli_percent_is_a_coarse_step(n: int, estimate: float, expected: float) -> None:
    assert bernoulli_percent(n, estimate) == expected
    if estimate:
        assert bernoulli_percent(n, estimate) / 100 * estimate >= min(estimate, 2 * n) - 1e-9


def test_blob_values_are_items(sqlite_db: Path) -> None:
    sources, items, _ = walk(f"sqlite:///{sqlite_db}", Settings())
    people_uri = sources["People%20Records"].uri
    assert [i.uri for i in items] == [f"{people_uri}/Scan/row={n}" for n in (1, 2, 3)]
    assert all(i.size == len(BLOB_TEXT) and i.source_kind == "database" for i in items)
    with items[1].open() as fh:
        assert fh.read() == BLOB_TEXT


def test_blob_over_the_limit_is_recorded(sqlite_db: Path) -> None:
    settings = Settings().with_overrides(**{"limits.max_item_bytes": 10})
    _, items, errors = walk(f"sqlite:///{sqlite_db}", settings)
    assert items == []
    assert [e.kind for e in errors] == ["too_large"] * 3


def test_sqlite_is_opened_read_only(sqlite_db: Path) -> None:
    conn = DatabaseConnector(f"sqlite:///{sqlite_db}", Settings())
    with conn.engine.connect() as c, pytest.raises(sa.exc.OperationalError):
        c.execute(sa.text('DELETE FROM "catalogue"'))
    conn.close()
    check = sqlite3.connect(sqlite_db)
    assert check.execute('SELECT count(*) FROM "catalogue"').fetchone()[0] == 30


def test_statement_timeout_interrupts_sqlite(sqlite_db: Path) -> None:
    settings = Settings().with_overrides(**{"database.statement_timeout_s": 1})
    conn = DatabaseConnector(f"sqlite:///{sqlite_db}", settings)
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    with conn.engine.connect() as c, pytest.raises(sa.exc.OperationalError) as info:
        c.execute(sa.text(endless))
    assert error_kind(conn.scrub(info.value)) == "timeout"
    # and the next statement gets a fresh deadline
    with conn.engine.connect() as c:
        assert c.execute(sa.text("SELECT 1")).scalar() == 1
    conn.close()


def test_a_failing_table_is_an_error_and_the_walk_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    db = sqlite3.connect(path)
    db.create_function("secret_fn", 1, lambda x: x, deterministic=True)
    db.execute("CREATE TABLE a_broken (id INTEGER PRIMARY KEY, v TEXT, g TEXT AS (secret_fn(v)))")
    db.execute("INSERT INTO a_broken (v) VALUES ('x')")
    db.execute("CREATE TABLE b_fine (id INTEGER PRIMARY KEY, email TEXT)")
    db.execute("INSERT INTO b_fine (email) VALUES ('ok@example.org')")
    db.commit()
    db.close()
    sources, _, errors = walk(f"sqlite:///{path}", Settings())
    assert errors == []
    with pytest.raises(ItemError) as info:
        units_of(sources["a_broken"])
    assert info.value.location == sources["a_broken"].uri
    assert "secret_fn" in info.value.message and "SELECT" not in info.value.message
    assert [u.text for u in units_of(sources["b_fine"])] == ["ok@example.org"]


@pytest.mark.parametrize("target", ["sqlite:///{tmp}/missing.db", "sqlite:///{tmp}/not_a_db.db"])
def test_unopenable_database_is_an_error(tmp_path: Path, target: str) -> None:
    (tmp_path / "not_a_db.db").write_bytes(b"this is not a database file at all" * 20)
    sources, items, errors = walk(target.format(tmp=tmp_path), Settings())
    assert sources == {} and items == []
    assert len(errors) == 1 and errors[0].kind == "unreadable"
