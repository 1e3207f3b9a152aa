"""Numbers phonenumbers validates for a region other than North America, written as its people
would not write a phone number: a bare run of digits, or (Britain, Germany, France, Israel,
India) without the trunk prefix 0. Such a number is a phone number only with a phone word around
it or in its field's name. Found by scanning Faker's non-personal providers: ABA routing numbers
("022815121", Bonn's area code), EAN-8 codes, passport numbers and hyphenated ISBN-10s were 880
false phone numbers in 1,800 values."""

from __future__ import annotations

import pytest

from classifiers.phones import aba_valid, isbn10_valid
from classifiers.pii import PhoneClassifier
from tests.helpers.classify import BACKENDS, analyze, pattern_engine


def phones(text: str, backend: str, field: str | None = None) -> list[str]:
    kind = "value" if field else "prose"
    return [text[d.start:d.end] for d in analyze(pattern_engine(PhoneClassifier, backend), text,
                                                 kind, field=field)
            if d.entity == "PHONE_NUMBER"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "field", "expected"), [
    # no cue: not a phone number
    ("The aba is 022815121.", None, []),
    ("value=022815121 took 12ms", None, []),
    ("022815121", "value", []),
    ("The ean8 is 60923202.", None, []),
    ("The passport number is 191152887.", None, []),  # "number" alone names no phone
    ("The isbn10 is 0-9736993-5-3.", None, []),  # ISBN-10 check digit valid
    ("The isbn10 is 1-392-33214-1.", None, []),  # ... and no trunk prefix for India
    ("EIN: 03-8535746", None, []),  # a key naming an identifier
    ("Passport 191152887 issued 2019", None, []),
    # a phone word or field: a phone number
    ("Phone: 022815121", None, ["022815121"]),
    ("Call 022815121 tomorrow", None, ["022815121"]),
    ("022815121", "telefon", ["022815121"]),
    ("022815121", "contact.mobile", ["022815121"]),
    # written as a phone number: no cue needed
    ("Jan Roe, 02601815908, Berlin", None, ["02601815908"]),  # a bare run with its trunk 0
    ("Dana Levi, 039093786, Haifa", None, ["039093786"]),
    ("Ana Souza, 62 6176-0313, Goiania", None, ["62 6176-0313"]),  # Brazil's written form
    ("Bonn office 0228 15121, ask for Jan", None, ["0228 15121"]),
    ("+49 228 15121", None, ["+49 228 15121"]),
    ("Reception 0113 496 0123 (Leeds)", None, ["0113 496 0123"]),
    ("Ask 9876543210 for the keys", None, ["9876543210"]),  # ten digits: an Indian mobile
    ("(123) 456 7890", "value", ["(123) 456 7890"]),  # North America's written form
    ("ring 7302285705 at noon", None, ["7302285705"]),  # North American, bare
])
def test_phone_cues(text: str, field: str | None, expected: list[str], backend: str) -> None:
    assert phones(text, backend, field) == expected


@pytest.mark.parametrize(("value", "valid"), [
    ("0-9736993-5-3", True), ("1-83970-523-X", True), ("0-306-40615-2", True),
    ("0-306-40615-3", False), ("1-392-33214-2", False), ("12-345", False), ("X-306-40615-2", False),
])
def test_isbn10_valid(value: str, valid: bool) -> None:
    assert isbn10_valid(value) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("022815121", True), ("111497735", True), ("011000015", True),
    ("022815122", False), ("131000015", False), ("02281512", False), ("0228151210", False),
])
def test_aba_valid(value: str, valid: bool) -> None:
    assert aba_valid(value) is valid
