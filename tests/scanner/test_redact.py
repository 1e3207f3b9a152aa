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
