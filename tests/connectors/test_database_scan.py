"""Databases end to end through ``scanner.pipeline.scan``: column findings, SQLite vs servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from scanner.models import ScanResult
from scanner.pipeline import scan
from scanner.settings import Settings, load_settings
from tests.helpers.database import (
    CATALOGUE,
    ODD,
    ODD_COLUMN,
    PEOPLE,
    SECRET,
    build,
    catalogue_rows,
    column_findings,
    people_rows,
    shared_classifier,
)

OURS = (PEOPLE, CATALOGUE, ODD)


def settings(**over: object) -> Settings:
    return load_settings().with_overrides(workers=1, **over)


def run(url: str, s: Settings | None = None) -> ScanResult:
    return scan([url], s or settings(), secret=SECRET, classifier=shared_classifier())


def ours(result: ScanResult) -> dict[tuple[str, str, str], object]:
    return {k: f for k, f in column_findings(result).items() if k[0] in OURS}


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "people.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    build(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def sqlite_result(sqlite_url: str) -> ScanResult:
    return run(sqlite_url)


EXPECTED = {
    (PEOPLE, "Full Name", "PERSON"),
    (PEOPLE, "Email", "EMAIL_ADDRESS"),
    (PEOPLE, "phone number", "PHONE_NUMBER"),
    (PEOPLE, "Birth Date", "DATE_OF_BIRTH"),
    (PEOPLE, "diagnosis", "HEALTH"),
    (ODD, ODD_COLUMN, "EMAIL_ADDRESS"),
}


def test_personal_columns_are_found(sqlite_result: ScanResult) -> None:
    found = ours(sqlite_result)
    missing = EXPECTED - set(found)
    assert not missing, f"missing {missing}; found {sorted(found)}"


def test_catalogue_columns_are_not_personal(sqlite_result: ScanResult) -> None:
    found = ours(sqlite_result)
    assert [k for k in found if k[0] == CATALOGUE] == []


def test_one_finding_per_column_and_entity_with_share(sqlite_result: ScanResult) -> None:
    email = ours(sqlite_result)[(PEOPLE, "Email", "EMAIL_ADDRESS")]
    assert email.location.line is None and email.location.uri.endswith("/main/People%20Records")
    assert email.attributes == {"share": 1.0, "sampled": 39, "matched": 39}
    assert "column name 'Email'" in email.explanation
    assert "39/39 sampled values matched EMAIL_ADDRESS" in email.explanation
    assert email.preview.count("***") >= 1 and len(email.value_hash) == 64
    keys = [
        (f.location.uri, f.location.field, f.entity)
        for f in sqlite_result.findings
        if f.source_kind == "database" and "#row=" not in f.location.uri
    ]
    assert len(keys) == len(set(keys))
    assert not [f for f in sqlite_result.findings if "#row=" in f.location.uri]


def test_health_column_is_linked_to_the_person_in_its_row(sqlite_result: ScanResult) -> None:
    health = ours(sqlite_result)[(PEOPLE, "diagnosis", "HEALTH")]
    assert health.linked is True and health.severity.value == "high"


def test_blob_values_are_extracted_like_files(sqlite_result: ScanResult) -> None:
    blob_hits = {
        f.location.uri.rsplit("/", 2)[-2:][1]
        for f in sqlite_result.findings
        if "/Scan/row=" in f.location.uri and f.entity == "EMAIL_ADDRESS"
    }
    assert blob_hits == {"row=1", "row=2", "row=3"}


def test_no_clear_values_in_the_report(sqlite_result: ScanResult) -> None:
    text = json.dumps(sqlite_result.to_dict())
    for row in people_rows()[:10]:
        for col in ("Full Name", "Email", "phone number", "diagnosis"):
            assert str(row[col]) not in text, col
    assert "scan.owner@example.org" not in text


def test_two_runs_give_identical_scores(sqlite_url: str, sqlite_result: ScanResult) -> None:
    again = run(sqlite_url)

    def scores(r: ScanResult) -> list[tuple]:
        return sorted(
            (k, f.score, tuple(sorted(f.attributes.items())), f.value_hash)
            for k, f in ours(r).items()
        )

    assert scores(again) == scores(sqlite_result)


def test_sampled_runs_are_identical(sqlite_url: str) -> None:
    s = settings(**{"database.sample_rows": 10})
    a, b = run(sqlite_url, s), run(sqlite_url, s)
    fa, fb = ours(a), ours(b)
    assert {k: (f.score, dict(f.attributes)) for k, f in fa.items()} == {
        k: (f.score, dict(f.attributes)) for k, f in fb.items()
    }
    assert fa[(PEOPLE, "Full Name", "PERSON")].attributes["sampled"] == 10




@pytest.mark.server
def test_servers_give_the_same_column_findings_as_sqlite(
    server_url: str, sqlite_result: ScanResult
) -> None:
    result = run(server_url)

    def view(r: ScanResult) -> dict[tuple[str, str, str], tuple]:
        return {
            k: (f.score, dict(f.attributes), f.linked, f.value_hash) for k, f in ours(r).items()
        }

    assert view(result) == view(sqlite_result)
    password = make_url(server_url).password
    assert password not in json.dumps(result.to_dict())
    assert len(catalogue_rows()) == 30


@pytest.mark.server
def test_server_sampled_runs_are_identical(server_url: str) -> None:
    s = settings(**{"database.sample_rows": 10})
    a, b = ours(run(server_url, s)), ours(run(server_url, s))
    assert {k: (f.score, dict(f.attributes)) for k, f in a.items()} == {
        k: (f.score, dict(f.attributes)) for k, f in b.items()
    }
    assert a, "a sample of ten people rows still shows personal columns"


def test_unreachable_server_is_one_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("write to jane.roe@example.org\n")
    result = scan(
        ["postgresql+psycopg://bob:Secr3t@127.0.0.1:1/nodb", str(notes)],
        settings(**{"database.statement_timeout_s": 2}),
        secret=SECRET,
        classifier=shared_classifier(),
    )
    assert [e.kind for e in result.errors] == ["unreadable"]
    assert result.errors[0].location == "postgresql://127.0.0.1:1/nodb"
    assert "Secr3t" not in json.dumps(result.to_dict()) and "bob" not in result.errors[0].message
    assert [f.entity for f in result.findings] == ["EMAIL_ADDRESS"]
