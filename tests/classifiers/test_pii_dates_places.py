"""Date and street-address pattern classifiers."""

from __future__ import annotations

import pytest

from classifiers.pii import DateClassifier, StreetAddressClassifier
from tests.helpers.classify import BACKENDS, found


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born 12/03/1984 in Leeds", ["12/03/1984"]),
        ("on 2024-03-01.", ["2024-03-01"]),
        ("at 2024-03-15T14:30:00Z", ["2024-03-15T14:30:00Z"]),
        ("logged 1992-11-12 07:04:41", ["1992-11-12 07:04:41"]),
        ("21.05.2021", ["21.05.2021"]),
        ("5-May-2021", ["5-May-2021"]),
        ("date of birth 21.5.84", ["21.5.84"]),
        # near misses: version numbers are not dates
        ("version 2.10.12", []),
        ("v1.2.2020", []),
        ("release 3.11.12", []),
        ("build 10.0.19041.1", []),
        ("python 3.12.1", []),
        ("5/21", []),  # mm/yy without a date word stays under the threshold
    ],
)
def test_dates(text: str, expected: list[str], backend: str) -> None:
    assert found(DateClassifier, text, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lives at 24 Clarke Avenue, Apt. 117 now", ["24 Clarke Avenue, Apt. 117"]),
        ("123 Main St", ["123 Main St"]),
        ("504 parkwood drive", ["504 parkwood drive"]),
        ("Friedhofstrasse 33", ["Friedhofstrasse 33"]),
        ("Via Roma 131", ["Via Roma 131"]),
        ("PO Box 2397", ["PO Box 2397"]),
        # near misses
        ("3 days later", []),
        ("5 st", []),  # a number and a street type, no street name
        ("we went the other way", []),
        # the seconds of a time or a number's decimals are no house number
        ("met in room 867 at 01:05:24 to review the drive roadmap", []),
        ("weighed 3.24 at the lane", []),
        ("shipped 12:30, then 24 Clarke Avenue", ["24 Clarke Avenue"]),  # a comma and a space
    ],
)
def test_street_addresses(text: str, expected: list[str], backend: str) -> None:
    assert found(StreetAddressClassifier, text, backend) == expected
