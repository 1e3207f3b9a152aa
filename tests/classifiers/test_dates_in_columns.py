"""A date that is the whole value of a table cell or JSON field is reported only when the field's
name says what date it is (config/taxonomy.yaml ``name_required``): the rule database columns
follow (scanner/stages/columns.py), for CSV, spreadsheets and JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.column_names import name_agrees
from classifiers.engine import Engine
from scanner.pipeline import scan
from scanner.settings import ClassifySettings, load_settings
from tests.helpers.classify import analyze

CASES = [
    # (field, value, entity reported or None)
    ("date", "2024-03-05", None),
    ("created_at", "2024-03-05T10:22:33", None),
    ("updated", "2024-03-05T10:22:33.123456Z", None),
    ("order_date", "05/03/2024", None),
    ("last_login", " 2024-03-05 10:22:33 UTC ", None),
    ("appointment", "12 March 2024", None),
    ("events[].at", "2024-03-05 10:22", None),
    # the name says a birth date: a date of birth, not dropped
    ("birth_date", "1982-08-17", "DATE_OF_BIRTH"),
    ("dob", "17/08/1982", "DATE_OF_BIRTH"),
    ("DateOfBirth", "1982-08-17", "DATE_OF_BIRTH"),
    # a date inside free text stays a date, whatever the column
    ("notes", "called back on 2024-03-05", "DATE_TIME"),
    ("comment", "2024-03-05: customer asked for a refund", "DATE_TIME"),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ClassifySettings(ner=False))


@pytest.mark.parametrize(("field", "value", "entity"), CASES)
def test_dates_in_fields(engine: Engine, field: str, value: str, entity: str | None) -> None:
    dates = {d.entity for d in analyze(engine, value, kind="value", field=field)
             if d.entity in ("DATE_TIME", "DATE_OF_BIRTH")}
    assert dates == ({entity} if entity else set())


@pytest.mark.parametrize(("kind", "field"), [("prose", None), ("value", None)])
def test_a_date_outside_a_named_field_is_still_reported(engine: Engine, kind: str,
                                                       field: str | None) -> None:
    found = analyze(engine, "2024-03-05", kind=kind, field=field)
    assert [d.entity for d in found] == ["DATE_TIME"]


@pytest.mark.parametrize(("field", "entity", "agrees"), [
    ("birth_date", "DATE_TIME", True),
    ("customer.dob", "DATE_TIME", True),
    ("created_at", "DATE_TIME", False),
    ("date", "DATE_TIME", False),
    ("email", "EMAIL_ADDRESS", True),
    ("email", "DATE_TIME", False),
])
def test_name_agrees(field: str, entity: str, agrees: bool) -> None:
    assert name_agrees(field, entity) is agrees


def test_a_csv_export_of_a_table_reports_its_dates_as_the_table_does(tmp_path: Path) -> None:
    settings = load_settings().with_overrides(workers=1, **{"classify.ner": False})
    (tmp_path / "orders.csv").write_text(
        "name,email,order_date,birth_date,notes\n"
        "Jane Roe,jane.roe@example.org,2024-03-05,1982-08-17,shipped 2024-03-07\n"
        "John Doe,john.doe@example.org,2024-03-06,1979-01-02,\n")
    result = scan([str(tmp_path)], settings, secret=b"k" * 32)
    by_field = {(f.location.field, f.entity) for f in result.findings}
    assert ("order_date", "DATE_TIME") not in by_field
    assert ("birth_date", "DATE_OF_BIRTH") in by_field
    assert ("notes", "DATE_TIME") in by_field
    assert ("email", "EMAIL_ADDRESS") in by_field
