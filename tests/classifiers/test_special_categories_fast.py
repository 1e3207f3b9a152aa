"""SPECIAL-CAT's fast path against its slow path.

The fast path asks the hyperscan prefilter once per unit (:func:`_hits`: which vocabulary groups
it hit, and where), rejects units without a hit, matches the others with a pattern of only the
groups hit (:func:`_sub_matcher`), only around the hits in long texts, and remembers the answer
for short texts. The slow path is the whole vocabulary pattern over the whole text: what
:func:`_hits` answering ``None`` ("cannot tell") gives.
"""

from __future__ import annotations

import json
import random

import pytest

from classifiers import special_categories as sc
from classifiers.special_categories import SpecialCategoryClassifier
from scanner.models import Detection, Location, TextUnit
from tests.helpers.paths import DATA


def _labelled() -> list[str]:
    return [u["text"] for f in sorted((DATA / "special_categories").glob("*.jsonl"))
            for line in f.read_text("utf-8").splitlines() if line.strip()
            for u in json.loads(line)["units"]]


# Positive and negative cases: terms, cues, exclusions, negations, case-sensitive terms,
# non-ASCII text, characters that fold to ASCII letters, table cells, log lines, long prose.
TABLE = [
    "He was diagnosed with type 2 diabetes",
    "a practising Muslim",
    "Jane Roe is a member of Unite the Union.",
    "He is a member of the European Union delegation.",  # an exclusion
    "no history of asthma",  # negated
    "She votes for the Green Party; he is a registered Republican.",
    "level=info user=a@example.org ip=203.0.113.9 status=200",
    "Noise Cancelling Headphones",
    "2024-03-01",
    "Active",
    "",
    " ",
    "x",
    "\u017fikh",  # folds to "sikh": the prefilter cannot tell, the whole pattern decides
    "Zoë was diagnosed with épilepsie and diabetes",
    "\u212aosher menu",  # KELVIN SIGN folds to k
    "the canteen menu is halal",
    "Patient number 4471: HIV positive, started on Truvada.",
    "\ud800 diabetes",  # a lone surrogate: cannot be encoded, the whole pattern decides
    "diabetes " * 200,  # long, many hits: windows
    ("The quarterly figures were reviewed by the board. " * 30) + "He has asthma. " + "x" * 900,
    "Catholic University of Leuven " * 40,
]


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sc, "_hits", lambda text: None)


def _detect(texts: list[str], kind: str = "prose", field: str | None = None) -> list[list[Detection]]:
    clf = SpecialCategoryClassifier()
    return [list(clf.classify(TextUnit(Location("file:///t.txt", 1, field), t, kind), ()))  # type: ignore[arg-type]
            for t in texts]


def _texts() -> list[str]:
    rng = random.Random(12)
    labelled = _labelled()
    joined = [" ".join(rng.sample(labelled, 12)) for _ in range(20)]  # long texts, many groups
    return TABLE + labelled + joined


@pytest.mark.parametrize(("kind", "field"), [("prose", None), ("value", "notes"),
                                             ("value", "religion"), ("log", None)])
def test_fast_path_finds_what_the_whole_pattern_finds(
    monkeypatch: pytest.MonkeyPatch, kind: str, field: str | None
) -> None:
    texts = _texts()
    fast = _detect(texts, kind, field)
    fast_again = _detect(texts, kind, field)  # answered from the memo of short texts
    _slow(monkeypatch)
    slow = _detect(texts, kind, field)
    assert fast == slow == fast_again
    if field is None:
        assert sum(map(len, fast)) > len(_labelled()) // 2  # the comparison is not vacuous


def test_most_units_are_rejected_by_the_prefilter() -> None:
    assert sc._hits("level=info user=a@example.org ip=203.0.113.9 status=200") == ()
    assert sc._hits("2024-03-01") == ()
    assert sc._hits("\u017fikh") is None  # folds to ASCII: the prefilter cannot tell
    assert sc._hits("\ud800 diabetes") is None
    hits = sc._hits("He was diagnosed with type 2 diabetes")
    assert hits and all(0 <= i < len(sc._matcher()[1]) for i, _end in hits)


def test_sub_matcher_matches_like_the_whole_pattern() -> None:
    pattern, groups = sc._matcher()
    checked = 0
    for text in _texts():
        hits = sc._hits(text)
        if not hits:
            continue
        sub = sc._sub_matcher(frozenset(i for i, _end in hits))
        assert [(m.span(), m.lastgroup) for m in sub.finditer(text)] == [
            (m.span(), m.lastgroup) for m in pattern.finditer(text)]
        checked += 1
    assert checked > 100
    assert sc._sub_matcher(frozenset(range(len(groups)))) is pattern


def test_every_group_has_its_prefilter_expression() -> None:
    """Expression i of the prefilter is group i of the pattern (the sub-matcher relies on it):
    each labelled text that group i matches is hit by expression i."""
    pattern, groups = sc._matcher()
    names = list(groups)
    seen = set()
    for text in _texts():
        hits = sc._hits(text)
        if hits is None:
            continue
        ids = {i for i, _end in hits}
        for m in pattern.finditer(text):
            assert names.index(m.lastgroup or "") in ids
            seen.add(m.lastgroup)
    assert len(seen) >= 10


def test_memo_is_bounded_and_answers_like_a_fresh_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sc, "HITS_MEMO_SIZE", 8)
    monkeypatch.setattr(sc, "_HITS_MEMO", {})
    texts = [f"cell {i} diabetes" if i % 3 == 0 else f"cell {i}" for i in range(50)]
    first = [sc._hits(t) for t in texts]
    assert len(sc._HITS_MEMO) <= 8
    assert [sc._hits(t) for t in texts] == first
    sc._HITS_MEMO.clear()
    assert [sc._hits(t) for t in reversed(texts)] == first[::-1]
    assert sum(bool(h) for h in first) == 17
    long = "x" * (sc.HITS_MEMO_TEXT + 1)
    sc._hits(long)
    assert long not in sc._HITS_MEMO  # only short texts are remembered
