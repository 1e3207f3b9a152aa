"""E-mail, phone and URL classifiers: positive and negative tables, both pattern back ends."""

from __future__ import annotations

import pytest

from classifiers.pii import EmailClassifier, PhoneClassifier, UrlClassifier
from tests.helpers.classify import BACKENDS, found


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.roe@example.org today", ["jane.roe@example.org"]),
        ("a+tag@mail.example.co.uk", ["a+tag@mail.example.co.uk"]),
        ("Ünïcødé: müller@beispiel.de, ok", ["müller@beispiel.de"]),
        ("two: a@example.com;b@example.net", ["a@example.com", "b@example.net"]),
        ('<a href="mailto:Jane.Roe@example.org">write</a>', ["Jane.Roe@example.org"]),
        ("MAILTO:a@example.com?subject=hi", ["a@example.com"]),
        # a log key is not part of the address
        ("level=info user=jane.doe12@example.com ip=1", ["jane.doe12@example.com"]),
        ("bounces+SRS=k1=example.com@lists.example.org", ["bounces+SRS=k1=example.com@lists.example.org"]),
        # near misses
        ("https://test:secret@example.org", []),  # credentials in a URL, not an address
        ("http://user:pass@example.org/hi", []),
        ("user@localhost", []),  # no public suffix
        ("name@example.invalidtld", []),
        ("twitter handle @example.org", []),
    ],
)
def test_email(text: str, expected: list[str], backend: str) -> None:
    assert found(EmailClassifier, text, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +1 (415) 555-2671 now", ["+1 (415) 555-2671"]),
        ("tel: 020 7946 0958", ["020 7946 0958"]),
        ("+44 20 7946 0958", ["+44 20 7946 0958"]),
        ("+41 22 730 5989", ["+41 22 730 5989"]),
        ("234-567-8900", ["234-567-8900"]),
        ("+442345678900", ["+442345678900"]),
        # near misses
        ("born 2024-03-01 in Leeds", []),  # a date is not a phone number
        ("order 12345", []),  # too short
        ("5555555555", []),  # unformatted filler
        ("0242424242424242", []),  # 16 bare digits: longer than E.164
        ("version 1.2.3.4", []),
        ("+123456", []),
    ],
)
def test_phone(text: str, expected: list[str], backend: str) -> None:
    assert found(PhoneClassifier, text, backend) == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [("567-8900", "value", ["567-8900"]), ("call 567-8900", "prose", [])],
)
def test_local_phone_only_as_whole_value(text: str, kind: str, expected: list[str]) -> None:
    assert found(PhoneClassifier, text, "re", kind) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://shop.example.com/cart?id=42.", ["https://shop.example.com/cart?id=42"]),
        ("https://test:secret@example.org", ["https://test:secret@example.org"]),
        ("http://www.FaceUpdate.com.br/", ["http://www.FaceUpdate.com.br/"]),
        ("visit www.example.co.uk today", ["www.example.co.uk"]),
        ("bare example.org works", ["example.org"]),
        # near misses
        ("run setup.py and read README.md", []),  # file names with TLD-like extensions
        ("www.microsoft", []),  # "microsoft" is a TLD, but www.<tld> is no host
        ("jane@example.org", []),  # the domain of an address is not a URL
        ("e.g. this", []),
        ("values 1.5.2", []),
    ],
)
def test_url(text: str, expected: list[str], backend: str) -> None:
    assert found(UrlClassifier, text, backend) == expected
