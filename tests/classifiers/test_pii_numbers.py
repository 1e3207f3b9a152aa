"""Card, IBAN and US SSN classifiers: checksums and Presidio's invalid-number rules."""

from __future__ import annotations

import pytest

from classifiers.pii import (
    CreditCardClassifier,
    IbanClassifier,
    UsSsnClassifier,
    iban_valid,
    luhn,
    ssn_valid,
)
from tests.helpers.classify import BACKENDS
from tests.helpers.classify import found_with_scores as found


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
        ("4242-4242-4242-4242", ["4242-4242-4242-4242"]),
        ("amex 371449635398431", ["371449635398431"]),
        ("2-series MC 2223000048400011", ["2223000048400011"]),  # beyond Presidio's pattern
        ("maestro 501864667909", ["501864667909"]),  # 12 digits: beyond Presidio's pattern
        ("maestro 501864667908", []),  # Luhn fails
        ("UATP 122000000000003", ["122000000000003"]),
        # near misses
        ("4111 1111 1111 1112", []),  # Luhn fails
        ("0242424242424242", []),  # no issuer starts with 0
        ("0000 0000 0000 0000", []),  # Luhn-valid filler
        ("order 1748503543012", []),
        # no issuer starts with 0, but a card word right before decides (Faker's Maestro "0604")
        ("corporate card 060494497765.", ["060494497765"]),
        ("Maestro no. 060430744833", ["060430744833"]),
        ("card 060430744834", []),  # Luhn fails
        ("order 060430744833", []),  # no card word
        ("060430744833", []),
    ],
)
def test_credit_card(text: str, expected: list[str], backend: str) -> None:
    hits = found(CreditCardClassifier, text, backend)
    assert [v for v, _ in hits] == expected
    assert all(score == 1.0 for _, score in hits)


@pytest.mark.parametrize(("number", "ok"), [("79927398713", True), ("79927398710", False)])
def test_luhn(number: str, ok: bool) -> None:
    assert luhn(number) is ok


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32", ["GB82 WEST 1234 5698 7654 32"]),
        ("DE89370400440532013000", ["DE89370400440532013000"]),
        ("deposit to DE89370400440532013000 2 days from now", ["DE89370400440532013000"]),
        ("lower case gb82west12345698765432", ["gb82west12345698765432"]),
        # near misses
        ("GB82 WEST 1234 5698 7654 33", []),  # checksum
        ("GB82 WEST 1234 5698 7654", []),  # length for GB
        ("XX82 WEST 1234 5698 7654 32", []),  # no such country
    ],
)
def test_iban(text: str, expected: list[str], backend: str) -> None:
    assert [v for v, _ in found(IbanClassifier, text, backend)] == expected


@pytest.mark.parametrize(
    ("iban", "ok"), [("NL91ABNA0417164300", True), ("NL91ABNA0417164301", False)]
)
def test_iban_valid(iban: str, ok: bool) -> None:
    assert iban_valid(iban) is ok


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 078-05-1121", ["078-05-1121"]),
        ("222-06-5960", ["222-06-5960"]),
        ("518 44 4378", ["518 44 4378"]),
        ("ssn: 518444378", ["518444378"]),  # bare 9 digits need the context word
        # near misses
        ("518444378", []),
        ("000-12-3456", []),  # area 000
        ("666-12-3456", []),  # area 666
        ("123-00-4567", []),  # zero group
        ("123-45-0000", []),  # zero serial
        ("111-11-1111", []),  # one digit
        ("123-45.6789", []),  # mixed delimiters
        ("078-05-1120", []),  # published sample number
    ],
)
def test_us_ssn(text: str, expected: list[str], backend: str) -> None:
    assert [v for v, _ in found(UsSsnClassifier, text, backend)] == expected


@pytest.mark.parametrize(("ssn", "ok"), [("536-22-1234", True), ("987-65-4320", False)])
def test_ssn_valid(ssn: str, ok: bool) -> None:
    assert ssn_valid(ssn) is ok
