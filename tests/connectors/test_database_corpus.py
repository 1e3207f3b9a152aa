"""Public sample databases (../shared/corpus/databases): personal columns flagged, catalogue not.

chinook, northwind and sakila are read where they lie (never copied); the chinook Customer and
Employee tables are also loaded into PostgreSQL to check both give the same column findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from scanner.models import ScanResult
from scanner.pipeline import scan
from scanner.settings import load_settings
from tests.helpers.database import SECRET, column_findings, shared_classifier
from tests.helpers.servers import require_server

pytestmark = pytest.mark.corpus


def scan_db(url: str, include: tuple[str, ...], sample_rows: int = 300) -> ScanResult:
    s = load_settings().with_overrides(
        workers=1, **{"database.sample_rows": sample_rows, "walk.include": include}
    )
    return scan([url], s, secret=SECRET, classifier=shared_classifier())


def db_path(corpus: Path, name: str) -> Path:
    path = corpus / "databases" / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus")
    return path


CASES = {
    "chinook.sqlite": (
        ("main/Customer", "main/Employee", "main/Track"),
        {
            ("Customer", "FirstName", "PERSON"),
            ("Customer", "LastName", "PERSON"),
            ("Customer", "Address", "LOCATION"),
            ("Customer", "Phone", "PHONE_NUMBER"),
            ("Customer", "Email", "EMAIL_ADDRESS"),
            ("Employee", "BirthDate", "DATE_OF_BIRTH"),
            ("Employee", "Email", "EMAIL_ADDRESS"),
            ("Employee", "Phone", "PHONE_NUMBER"),
            ("Employee", "Address", "LOCATION"),
        },
        {
            ("Track", "Name"),
            ("Track", "UnitPrice"),
            ("Track", "Milliseconds"),
            ("Employee", "HireDate"),
            ("Employee", "Title"),
        },
    ),
    "northwind.db": (
        ("main/Employees", "main/Customers", "main/Products"),
        {
            ("Employees", "FirstName", "PERSON"),
            ("Employees", "LastName", "PERSON"),
            ("Employees", "BirthDate", "DATE_OF_BIRTH"),
            ("Employees", "HomePhone", "PHONE_NUMBER"),
            ("Employees", "Address", "LOCATION"),
            ("Customers", "ContactName", "PERSON"),
            ("Customers", "Phone", "PHONE_NUMBER"),
            ("Employees", "Notes", "PERSON"),
        },
        {
            ("Products", "ProductName"),
            ("Products", "UnitPrice"),
            ("Products", "QuantityPerUnit"),
            ("Customers", "CompanyName"),
        },
    ),
    "sakila.sqlite": (
        ("main/customer", "main/staff", "main/address", "main/film"),
        {
            ("customer", "first_name", "PERSON"),
            ("customer", "last_name", "PERSON"),
            ("customer", "email", "EMAIL_ADDRESS"),
            ("staff", "email", "EMAIL_ADDRESS"),
            ("address", "address", "LOCATION"),
            ("address", "phone", "PHONE_NUMBER"),
        },
        {
            ("film", "title"),
            ("film", "rental_rate"),
            ("film", "replacement_cost"),
            ("customer", "last_update"),
            ("customer", "create_date"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_personal_columns_flagged_catalogue_not(shared_corpus: Path, name: str) -> None:
    include, personal, not_personal = CASES[name]
    result = scan_db(f"sqlite:///{db_path(shared_corpus, name)}", include)
    found = column_findings(result)
    missing = personal - set(found)
    assert not missing, f"missing {sorted(missing)}"
    wrong = sorted(k for k in found if k[:2] in not_personal)
    assert not wrong, f"catalogue columns flagged: {wrong}"
    assert not [e for e in result.errors if e.kind not in ("skipped", "too_large")]


CHINOOK_TABLES = ("Customer", "Employee")


@pytest.fixture()
def chinook_in_pg(shared_corpus: Path) -> Iterator[str]:
    """Copy chinook's Customer and Employee into schema ``chinook`` (text and integer columns)."""
    url = require_server("PIISCOUT_TEST_PG_URL")
    source = sa.create_engine(f"sqlite:///{db_path(shared_corpus, 'chinook.sqlite')}")
    target = sa.create_engine(url)
    md = sa.MetaData(schema="chinook")
    with target.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS chinook CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA chinook"))
    insp = sa.inspect(source)
    for name in CHINOOK_TABLES:
        key = insp.get_pk_constraint(name)["constrained_columns"]
        cols = [
            sa.Column(
                c["name"],
                sa.Integer if isinstance(c["type"], sa.Integer) else sa.Text,
                primary_key=c["name"] in key,
                autoincrement=False,
            )
            for c in insp.get_columns(name)
        ]
        table = sa.Table(name, md, *cols)
        table.create(target)
        with source.connect() as src:
            rows = [dict(r._mapping) for r in src.execute(sa.text(f'SELECT * FROM "{name}"'))]
        with target.begin() as conn:
            conn.execute(table.insert(), rows)
    source.dispose()
    yield url
    with target.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS chinook CASCADE"))
    target.dispose()


@pytest.mark.server
def test_chinook_in_postgresql_matches_sqlite(shared_corpus: Path, chinook_in_pg: str) -> None:
    lite = scan_db(
        f"sqlite:///{db_path(shared_corpus, 'chinook.sqlite')}",
        tuple(f"main/{t}" for t in CHINOOK_TABLES),
    )
    pg = scan_db(chinook_in_pg, tuple(f"chinook/{t}" for t in CHINOOK_TABLES))

    def view(r: ScanResult) -> dict[tuple[str, str, str], tuple]:
        return {
            k: (f.score, dict(f.attributes), f.value_hash) for k, f in column_findings(r).items()
        }

    assert view(pg) == view(lite)
    assert ("Customer", "Email", "EMAIL_ADDRESS") in view(pg)
    assert all(f.location.uri.startswith("postgresql://127.0.0.1:") for f in pg.findings)
