"""A group's bounded repeat loses its upper bound in the hyperscan prefilter (byte_superset):
the expressions it makes, the superset property on positive and negative texts, and the same
matches from the hyperscan path as from ``re`` alone for the patterns this touches."""

from __future__ import annotations

import re

import pytest

from classifiers.base import Pattern
from classifiers.patterns import PatternSet, byte_superset, hyperscan_available, prefilter

hs = pytest.importorskip("hyperscan")

CASES = [  # (regex, its prefilter)
    (r"(?:[ -]?[A-Z0-9]{4}){2,6}", r"(?:[ -]?[A-Z0-9]{4}){2,}"),
    (r"(ab){1,2}?c", r"(ab){1,}?c"),
    (r"(?:x:){0,1}y", r"(?:x:){0,}y"),
    (r"\)){2,3}", r"\)){2,}"),      # an escaped ')' then a group's close
    (r"(ab){3}", r"(ab){3}"),          # an exact count stays
    (r"(a){2,}", r"(a){2,}"),
    (r"[(]{2,3}", r"[(]{2,3}"),        # a '(' in a class is no group
    (r"\({2,3}", r"\({2,3}"),          # an escaped '(' neither
    (r"x{1,3}", r"x{1,3}"),            # a short atom repeat keeps its bounds
]


@pytest.mark.parametrize(("regex", "expected"), CASES)
def test_group_repeats_lose_their_upper_bound(regex: str, expected: str) -> None:
    assert byte_superset(regex) == expected


IBAN = r"\b[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6}(?:[ -]?[A-Z0-9]{1,3})?\b"
TEXTS = [  # (text, matches of IBAN)
    ("pay to DE44 5001 0517 5407 3249 31 today", True),
    ("GB82WEST12345698765432", True),
    ("NL91 ABNA 0417 1643 00.", True),
    ("DE44 5001 0517 5407 3249 3100 0000 0000 0000 extra", True),  # too long: a shorter match
    ("DE44 5001", False),
    ("ordinary text with no account number", False),
    ("AB12-CDEF-GHIJ-KLMN-OPQR-STUV-WXYZ-ABCD-EFGH", True),
]


@pytest.mark.parametrize(("text", "has"), TEXTS)
def test_prefilter_matches_wherever_the_pattern_does(text: str, has: bool) -> None:
    assert bool(re.search(IBAN, text)) is has
    wide = byte_superset(prefilter(IBAN)).encode()
    db = hs.Database()
    db.compile(expressions=[wide], ids=[0], elements=1,
               flags=[hs.HS_FLAG_SOM_LEFTMOST | hs.HS_FLAG_ALLOWEMPTY])
    spans: list[tuple[int, int]] = []
    db.scan(text.encode(), match_event_handler=lambda i, s, e, f, c: spans.append((s, e)))
    for m in re.finditer(IBAN, text):  # every match lies inside a reported span
        assert any(s <= m.start() and m.end() <= e for s, e in spans)


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan not installed")
def test_hyperscan_path_equals_re_path() -> None:
    pats = [Pattern("iban", IBAN, "IBAN_CODE", 0.5),
            Pattern("groups", r"\b(?:[0-9]{2}[:.]){2,3}[0-9]{2}\b", "X", 0.5),
            Pattern("words", r"(?:\b[a-z]{3,8}\b[ ,]){2,4}done", "Y", 0.5, ignore_case=True)]
    texts = [t for t, _ in TEXTS] + [
        "at 12:30:45 and 01.02.03.04.05 then 99:99", "alpha beta, gamma Done and x y done",
        "long " + "DE44 5001 " * 40, "12:34:56:78:90:12:34 " * 30]
    fast, slow = PatternSet(pats, use_hyperscan=True), PatternSet(pats, use_hyperscan=False)
    for t in texts:
        assert fast.matches(t) == slow.matches(t), t
    assert fast.matches_many(texts) == [slow.matches(t) for t in texts]
    assert any(fast.matches(t) for t in texts)
