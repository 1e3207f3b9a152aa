"""Masked previews and keyed hashes: the scanner must not become a leak."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from scanner.redact import candidate_hashes, load_or_create_secret, mask, normalize, value_hash

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("entity", "value", "preview"),
    [
        ("EMAIL_ADDRESS", "jane@example.com", "j***@e***.com"),
        ("CREDIT_CARD", "4242 4242 4242 4242", "**** **** **** 4242"),
        ("CREDIT_CARD", "4242424242424242", "************4242"),
        ("US_SSN", "078-05-1120", "***-**-**20"),
        ("PERSON", "Jane Roe", "J*** R***"),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", None),
    ],
)
def test_mask_table(entity: str, value: str, preview: str | None) -> None:
    masked = mask(entity, value)
    if preview is not None:
        assert masked == preview
    # Whatever the entity, the clear value never survives masking.
    assert value not in masked
    assert value.replace(" ", "") not in masked.replace(" ", "")


@pytest.mark.parametrize(
    ("entity", "a", "b", "same"),
    [
        ("EMAIL_ADDRESS", "Jane@Example.org", "jane@example.org", True),
        ("PHONE_NUMBER", "+44 20 7946 0958", "+442079460958", True),
        ("CREDIT_CARD", "4111 1111 1111 1111", "4111-1111-1111-1111", True),
        ("EMAIL_ADDRESS", "jane@example.org", "jane@example.com", False),
        ("PERSON", "Jane  Roe", "jane roe", True),
        ("PERSON", "Jane Roe", "John Roe", False),
    ],
)
def test_hash_is_of_the_normal_form(entity: str, a: str, b: str, same: bool) -> None:
    assert (value_hash(KEY, entity, a) == value_hash(KEY, entity, b)) is same


def test_hash_depends_on_the_key() -> None:
    assert value_hash(KEY, "EMAIL_ADDRESS", "a@b.org") != value_hash(b"x" * 32, "EMAIL_ADDRESS",
                                                                     "a@b.org")
    assert len(value_hash(KEY, "EMAIL_ADDRESS", "a@b.org")) == 64


def test_phone_normalises_to_e164() -> None:
    assert normalize("PHONE_NUMBER", "(212) 555-0147") == "+12125550147"
    assert normalize("PHONE_NUMBER", "+44 20 7946 0958") == "+442079460958"


def test_subject_lookup_hashes_cover_the_finding_hash() -> None:
    found = value_hash(KEY, "EMAIL_ADDRESS", "Jane.Roe@Example.org")
    assert found in candidate_hashes(KEY, "jane.roe@example.org").values()


def test_secret_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path / "home")
    second = load_or_create_secret(tmp_path / "home")
    assert first == second and len(first) == 32
    mode = stat.S_IMODE((tmp_path / "home" / "secret.key").stat().st_mode)
    assert mode == 0o600


# Every normal form and mask style of config/taxonomy.yaml, with an example: the entity's row,
# not the entity's name, decides how its values are redacted.
NORMAL_FORM_CASES = [
    ("text", "PERSON", "  Jane   ROE ", "jane roe"),
    ("text", "LOCATION", "221B Baker  Street", "221b baker street"),
    ("lower", "EMAIL_ADDRESS", "Jane.Roe@Example.ORG", "jane.roe@example.org"),
    ("lower", "URL", "HTTPS://Shop.Example.com/Cart", "https://shop.example.com/cart"),
    ("digits", "CREDIT_CARD", "4111-1111 1111.1111", "4111111111111111"),
    ("digits", "US_SSN", "078-05-1120", "078051120"),
    ("compact_upper", "IBAN_CODE", "gb82 west-1234.5698 7654 32", "GB82WEST12345698765432"),
    ("compact_upper", "MAC_ADDRESS", "3c:22:fb:1a:2b:3c", "3C22FB1A2B3C"),
    ("phone", "PHONE_NUMBER", "+44 20 7946 0958", "+442079460958"),
]


@pytest.mark.parametrize(("form", "entity", "value", "normal"), NORMAL_FORM_CASES)
def test_normal_form_table(form: str, entity: str, value: str, normal: str) -> None:
    from scanner import entities

    assert entities.get(entity).normal_form == form
    assert normalize(entity, value) == normal


def test_every_normal_form_has_an_example() -> None:
    from scanner import entities

    assert {c[0] for c in NORMAL_FORM_CASES} == set(entities.NORMAL_FORMS)


MASK_CASES = [
    ("email", "EMAIL_ADDRESS", "jane.roe@example.org", "j***@e***.org"),
    ("email", "EMAIL_ADDRESS", "not an address", "n*** a*** a***"),  # no @: plain text
    ("tail4", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32", "**** **** **** **** **54 32"),
    ("tail4", "CREDIT_CARD", "4111 1111", "**** **11"),  # 8 or fewer: 2 shown
    ("tail2", "PHONE_NUMBER", "+44 20 7946 0958", "+** ** **** **58"),
    ("tail2", "IMEI", "490154203237518", "*************18"),
    ("words", "PERSON", "Jane Roe", "J*** R***"),
    ("words", "LOCATION", "London", "L***"),
    ("words", "PERSON", "Ann", "***"),  # four characters or fewer: all hidden
    ("text", "IP_ADDRESS", "203.0.113.7", "20*********"),
    ("text", "NRP", "Black Caribbean", "B*** C***"),
    ("text", "EMPLOYEE_ID", "E-104377", "E-******"),  # a custom recognizer's entity
]


@pytest.mark.parametrize(("style", "entity", "value", "preview"), MASK_CASES)
def test_mask_style_table(style: str, entity: str, value: str, preview: str) -> None:
    from scanner import entities

    row = entities.find(entity)
    assert (row.mask if row else "text") == style
    assert mask(entity, value) == preview
    assert value not in preview


def test_every_mask_style_has_an_example() -> None:
    from scanner import entities

    assert {c[0] for c in MASK_CASES} == set(entities.MASKS)


def test_subject_lookup_tries_the_lookup_entities() -> None:
    from scanner import entities

    hashes = candidate_hashes(KEY, "Jane@Example.org")
    assert set(hashes) <= entities.with_trait("lookup")
    assert hashes["EMAIL_ADDRESS"] == value_hash(KEY, "EMAIL_ADDRESS", "jane@example.org")
