"""Test data for the database connector tests, created on any SQLAlchemy engine.

Not a test module of its own: the other ``test_database*`` modules import from it. Every table is
built with SQLAlchemy Core, so SQLite, PostgreSQL and MariaDB hold exactly the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from tests.helpers.servers import require_server

PEOPLE = "People Records"  # a space and mixed case
CATALOGUE = "catalogue"
ODD = 'Odd "Quoted" Table'  # a quote inside the name
ODD_COLUMN = 'Contact "E-mail"'

FIRST = ["Alice", "Bruno", "Chloe", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
LAST = ["Martin", "Okafor", "Schmidt", "Tanaka"]
DIAGNOSES = ["type 2 diabetes", "asthma", "hypertension", "depression", "migraine"]
PRODUCTS = ["Blue Widget", "Steel Kettle", "Garden Hose", "Desk Lamp", "Oak Shelf", "Tea Tray"]
BLOB_TEXT = b"Scanned form. Contact: scan.owner@example.org\n"


def people_rows() -> list[dict[str, object]]:
    rows = []
    for i in range(40):
        first, last = FIRST[i % 10], LAST[i // 10]
        rows.append(
            {
                "id": i + 1,
                "Full Name": f"{first} {last}",
                # one missing e-mail: a NULL is not a sampled value
                "Email": None if i == 7 else f"{first}.{last}{i}@example.org".lower(),
                "phone number": f"+44 20 7946 0{i:03d}",
                "Birth Date": date(1950 + i, 1 + i % 12, 1 + i % 28),
                "diagnosis": DIAGNOSES[i % 5],
                "Notes": (
                    f"{first} {last} came to the clinic on a Tuesday morning and said that the "
                    f"pain had been getting worse for several weeks; follow-up booked."
                ),
                "Scan": BLOB_TEXT if i < 3 else None,
            }
        )
    return rows


def catalogue_rows() -> list[dict[str, object]]:
    return [
        {
            "id": i + 1,
            "product_name": f"{PRODUCTS[i % 6]} {i // 6 + 1}",
            "price": f"{3 + i * 1.25:.2f}",
            "description": "A sturdy item for everyday use in the kitchen, made of steel.",
        }
        for i in range(30)
    ]


def metadata() -> tuple[sa.MetaData, sa.Table, sa.Table, sa.Table]:
    md = sa.MetaData()
    people = sa.Table(
        PEOPLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("Full Name", sa.String(80)),
        sa.Column("Email", sa.String(120)),
        sa.Column("phone number", sa.String(40)),
        sa.Column("Birth Date", sa.Date),
        sa.Column("diagnosis", sa.String(120)),
        sa.Column("Notes", sa.Text),
        sa.Column("Scan", sa.LargeBinary),
    )
    catalogue = sa.Table(
        CATALOGUE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("product_name", sa.String(80)),
        sa.Column("price", sa.Numeric(8, 2)),
        sa.Column("description", sa.Text),
    )
    odd = sa.Table(
        ODD,
        md,
        sa.Column("Key", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(ODD_COLUMN, sa.String(120)),
    )
    return md, people, catalogue, odd


def build(engine: sa.Engine, schema_note: str = "") -> None:
    """(Re)create the three tables and fill them."""
    md, people, catalogue, odd = metadata()
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(people.insert(), people_rows())
        conn.execute(catalogue.insert(), catalogue_rows())
        conn.execute(odd.insert(), [{"Key": 1, ODD_COLUMN: "odd.person@example.org"}])


def drop(engine: sa.Engine) -> None:
    metadata()[0].drop_all(engine)


_CLASSIFIER: list[object] = []
SECRET = b"d" * 32


def shared_classifier() -> object:
    """One classification engine (spaCy loaded once) for the database and S3 scan tests."""
    if not _CLASSIFIER:
        from scanner.pipeline import Classifier
        from scanner.settings import load_settings

        _CLASSIFIER.append(Classifier(load_settings().with_overrides(workers=1), SECRET))
    return _CLASSIFIER[0]


def column_findings(result: object) -> dict[tuple[str, str, str], object]:
    """``(table, column, entity) -> finding`` for the column-level findings of a scan."""
    from urllib.parse import unquote

    out = {}
    for f in result.findings:  # type: ignore[attr-defined]
        if f.location.field is not None and f.source_kind == "database":
            table = unquote(f.location.uri.rsplit("/", 1)[-1])
            out[(table, f.location.field, f.entity)] = f
    return out


# The database servers .ci/servers.sh starts, by the variable that holds each one's URL.
SERVERS = {"postgresql": "PIISCOUT_TEST_PG_URL", "mariadb": "PIISCOUT_TEST_MYSQL_URL"}


@pytest.fixture(params=sorted(SERVERS))
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test server in turn with the test tables built (dropped afterwards)."""
    url = require_server(SERVERS[request.param])
    engine = sa.create_engine(url)
    build(engine)
    yield url
    drop(engine)
    engine.dispose()
