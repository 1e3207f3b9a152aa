"""Street addresses with the USPS street suffix names (Publication 28, appendix C1), as Faker's
en_US provider writes them: 114 of 300 Faker profile() residences were missed (only the common
suffixes were known). The longer list is matched case-sensitively, after capitalised street-name
words, so that prose with numbers and nature words is no address."""

from __future__ import annotations

import pytest

from classifiers.addresses import StreetAddressClassifier
from tests.helpers.classify import BACKENDS, found


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    ("7151 Prince Brooks\nRonaldchester, VI 16087", ["7151 Prince Brooks"]),
    ("She lives at 5106 Megan Squares, Apt. 328 now.", ["5106 Megan Squares, Apt. 328"]),
    ("56430 Amber Island", ["56430 Amber Island"]),
    ("7937 Timothy Stravenue", ["7937 Timothy Stravenue"]),
    # not addresses
    ("We saw 3 birds on the lake.", []),
    ("Plant 2 green fields of wheat.", []),
    ("Chapter 5 Summit", []),  # no street name
    ("Version 3 Release Notes", []),
])
def test_usps_suffixes(text: str, expected: list[str], backend: str) -> None:
    assert found(StreetAddressClassifier, text, backend) == expected
