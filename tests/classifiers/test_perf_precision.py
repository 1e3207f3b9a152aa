"""Precision fixes found on ``piiscout scan examples`` (table tests, positives and near-misses)."""

from __future__ import annotations

import pytest

from classifiers import pii
from classifiers.engine import Engine
from classifiers.ner import catalogue_field, keep_entity, wants_ner
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ClassifySettings(ner=False))


def _entities(engine: Engine, text: str, kind: str = "log") -> dict[str, str]:
    unit = TextUnit(Location("file:///t.log", 1), text, kind=kind)  # type: ignore[arg-type]
    return {d.value: d.entity for d in engine.analyze([unit])[0]}


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("2024-01-02 device imei=490154203237518 attached", "490154203237518", "IMEI"),
        ("handset IMEI: 356938035643809", "356938035643809", "IMEI"),
        ("paid with card 4111111111111111 today", "4111111111111111", "CREDIT_CARD"),
        ("paid with card 4222222222222 today", "4222222222222", "CREDIT_CARD"),  # 13-digit Visa
        ("card 4111 1111 1111 1111 on file", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("amex 340000000000009 on file", "340000000000009", "CREDIT_CARD"),  # 15-digit Amex
    ],
)
def test_imei_against_card(engine: Engine, text: str, value: str, entity: str) -> None:
    assert _entities(engine, text).get(value) == entity


@pytest.mark.parametrize(
    "text",
    [
        "ref 490154203237518 posted",  # 15 digits starting with 4: not a Visa length
        "order 411111111111111 shipped",
    ],
)
def test_fifteen_digit_four_is_not_a_card(engine: Engine, text: str) -> None:
    assert "CREDIT_CARD" not in _entities(engine, text).values()


@pytest.mark.parametrize(
    ("field", "runs"),
    [
        ("product_name", False),
        ("company_name", False),
        ("album_name", False),
        ("track_name", False),
        ("item_name", False),
        ("store_name", False),
        ("full_name", True),
        ("first_name", True),
        ("customer_name", True),
        ("contact_name", True),
        ("name", True),  # ambiguous: NER decides
        ("city_name", True),
        ("country_name", True),
        ("street_address", True),
        ("sku", False),  # no name or place word at all
    ],
)
def test_ner_field_gate(field: str, runs: bool) -> None:
    unit = TextUnit(Location("file:///t.csv", 2, field), "Noise Cancelling Headphones", "value")
    assert wants_ner(unit) is runs
    assert catalogue_field(field) is (field in {
        "product_name", "company_name", "album_name", "track_name", "item_name", "store_name"})


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("77-2031", False),  # a case number
        ("12345", False),
        ("4111 1111", False),
        ("3.5", False),
        ("55-0100", False),
        ("1985", True),
        ("2031", True),
        ("12/03/1985", True),
        ("1985-03-12", True),
        ("03/1985", True),
        ("3.4.85", True),
        ("March 3, 1985", True),
        ("next week", False),
    ],
)
def test_ner_date_guard(text: str, keep: bool) -> None:
    assert keep_entity("DATE", text) is keep
    # a PERSON with a digit is dropped since issue 16.4 ("Leeds LS6 2AB"); "next week" is kept
    assert keep_entity("PERSON", text) is not any(c.isdigit() for c in text)


@pytest.mark.parametrize(
    ("value", "rejected"),
    [
        ("203.0.113.142", True),  # an IPv4 address phonenumbers validates for region IN
        ("192.0.2.24", True),
        ("1.2.10.4", True),  # a version string
        ("2024-03-01", True),
        ("12/03/2021", True),
        ("591-33-7561", True),  # a valid SSN shape is the SSN classifier's
        ("498-46-8414", True),  # ... even where phonenumbers validates it for region DE
        ("000-12-3456", False),  # not a valid SSN (area 000): phonenumbers decides
        ("666-12-3456", False),
        ("212.555.0160", False),  # dotted phone numbers are not dotted quads
        ("06.12.34.56.78", True),  # date-shaped prefix: rejected (known loss, see pii.py)
        ("1.212.555.0160", False),
        ("(212) 555-0160", False),
        ("+44 20 7946 0578", False),
        ("+33 6 12 34 86 38", False),
    ],
)
def test_phone_shape_filter(value: str, rejected: bool) -> None:
    assert pii.not_a_phone(value) is rejected


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("ip=203.0.113.142 path=/api/v1", "203.0.113.142", "IP_ADDRESS"),
        ("call me on +44 20 7946 0578 today", "+44 20 7946 0578", "PHONE_NUMBER"),
        ("phone=(212) 555-0123 ok", "(212) 555-0123", "PHONE_NUMBER"),
        ("office 212.555.0160 (main line)", "212.555.0160", "PHONE_NUMBER"),
        ("number 498-46-8414 on the form", "498-46-8414", "US_SSN"),
    ],
)
def test_phone_shapes_in_context(engine: Engine, text: str, value: str, entity: str) -> None:
    assert _entities(engine, text).get(value) == entity
