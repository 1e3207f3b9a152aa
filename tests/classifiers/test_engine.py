"""The engine: pattern back ends agree, ordering, min_score, overlaps, offsets, pickling."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence

import pytest

from classifiers.base import Pattern, PatternClassifier
from classifiers.engine import Engine
from classifiers.overlaps import resolve
from classifiers.patterns import PatternSet, byte_superset, hyperscan_available, prefilter
from scanner.models import Detection, Location, Severity, TextUnit
from scanner.settings import ClassifySettings

NO_NER = ClassifySettings(ner=False)
MIXED = [
    "Contact jane.roe@example.org or +44 20 7946 0958; card 4111 1111 1111 1111.",
    "Ünïcødé prefix — müller@beispiel.de, IBAN GB82 WEST 1234 5698 7654 32, 12/03/1984",
    "日本語のテキスト 078-05-1121 と https://shop.example.com/cart?id=42 と 203.0.113.7",
    "version 2.10.12, setup.py, https://test:secret@example.org, 24 Clarke Avenue",
    "Straße Friedhofstrasse 33 — 😀 emoji then a@b.co and DE89370400440532013000 2 days",
    "",
]


def unit(text: str, kind: str = "prose", record: str | None = None) -> TextUnit:
    return TextUnit(Location("mem://t"), text, kind=kind, record=record)  # type: ignore[arg-type]


def det(entity: str, start: int, end: int, score: float, detector: str = "PII-X") -> Detection:
    return Detection(entity, start, end, score, detector, f"{detector}: test", "v" * (end - start))


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan not installed")
def test_re_and_hyperscan_paths_agree() -> None:
    units = [unit(t) for t in MIXED]
    by_re = Engine(NO_NER, use_hyperscan=False).analyze(units)
    by_hs = Engine(NO_NER, use_hyperscan=True).analyze(units)
    assert by_re == by_hs
    assert [[d.entity for d in ds] for ds in by_hs] == [
        ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"],
        ["EMAIL_ADDRESS", "IBAN_CODE", "DATE_TIME"],
        ["US_SSN", "URL", "IP_ADDRESS"],
        ["URL", "LOCATION"],  # not the version number, not setup.py
        ["LOCATION", "EMAIL_ADDRESS", "IBAN_CODE"],
        [],
    ]


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan not installed")
@pytest.mark.parametrize(
    "regex",
    [r"\b\w+@\w+\.\w{2,}\b", r"(?<![A-Z])[A-Z]{2}\d{2}(?!\d)", r"[a-zß]{3}\d", r"[^\s@]{2,40}x"],
)
def test_pattern_set_matches_re_on_non_ascii(regex: str) -> None:
    text = "ab café1 ßßß9 grüße@bücher.de XX12 yy34 ünï€x 日本x DE89 e@x.io"
    p = Pattern("t", regex, "T", 1.0)
    assert PatternSet([p], use_hyperscan=True).matches(text) == PatternSet(
        [p], use_hyperscan=False
    ).matches(text)


def test_prefilter_removes_assertions_only() -> None:
    assert prefilter(r"(?<![A-Z])\bAB(?=\d)[\b(]x\B") == r"AB[\b(]x"
    assert prefilter(r"(?!1\d{12}(?!\d))4\d{3}") == r"4\d{3}"


def test_byte_superset_widens_unicode() -> None:
    assert byte_superset(r"\w{2}") == r"[A-Za-z0-9_\x80-\xff]{2,}"
    assert byte_superset(r"[0-9]{3}") == "[0-9]{3}"  # ASCII-only repeats keep their bounds
    assert byte_superset("ß") == r"[\x80-\xff]{1,4}"


def test_detections_carry_offsets_and_explanations() -> None:
    units = [unit(t) for t in MIXED]
    results = Engine(NO_NER).analyze(units)
    assert len(results) == len(units)
    for u, ds in zip(units, results, strict=True):
        for d in ds:
            assert u.text[d.start : d.end] == d.value
            assert d.explanation.startswith(d.detector)
            assert d.value not in repr(d)


@pytest.mark.parametrize(("floor", "expected"), [(0.4, ["US_SSN"]), (0.9, [])])
def test_min_score(floor: float, expected: list[str]) -> None:
    engine = Engine(ClassifySettings(ner=False, min_score=floor))
    assert [d.entity for d in engine.analyze([unit("id 536-22-1234")])[0]] == expected


def test_weak_pattern_with_context_reaches_threshold() -> None:
    assert [d.entity for d in Engine(NO_NER).analyze([unit("ssn 536221234")])[0]] == ["US_SSN"]


def test_url_credentials_are_not_an_email() -> None:
    ds = Engine(NO_NER).analyze([unit("https://test:secret@example.org")])[0]
    assert [d.entity for d in ds] == ["URL"]


class Recorder:
    """A unit classifier that records what it saw and adds one unit-level detection."""

    id = "TEST-UNIT"
    entities = {"HEALTH": "user.health"}

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        self.seen.append([d.entity for d in found])
        return [Detection("HEALTH", 0, 0, 0.9, self.id, "TEST-UNIT: seen", "")]


class RecordCounter:
    id = "TEST-RECORD"
    entities = {"CALL_RECORD": "user.behavior.telephony_log"}

    def __init__(self) -> None:
        self.groups: list[int] = []

    def classify_record(self, units: Sequence[TextUnit], found: Sequence[list[Detection]]) -> None:
        self.groups.append(len(units))
        for ds in found:
            assert any(d.detector == "TEST-UNIT" for d in ds)  # unit classifiers ran first
            ds.append(Detection("CALL_RECORD", 0, 0, 0.8, self.id, "TEST-RECORD: row", ""))


def test_order_units_then_records_grouped_by_record() -> None:
    from classifiers.pii import EmailClassifier

    rec, grp = Recorder(), RecordCounter()
    engine = Engine(NO_NER, [grp, rec, EmailClassifier()])
    units = [
        unit("a@example.org", "value", "row1"),
        unit("b", "value", "row1"),
        unit("c", "value", None),
        unit("d", "value", None),
    ]
    out = engine.analyze(units)
    assert rec.seen[0] == ["EMAIL_ADDRESS"]  # pattern detections come before unit classifiers
    assert sorted(grp.groups) == [1, 1, 2]  # row1 together, record None: one group per unit
    assert all({d.entity for d in ds} >= {"HEALTH", "CALL_RECORD"} for ds in out)
    # A batch mixes items: the same record id in another item is another record.
    grp.groups.clear()
    other = TextUnit(Location("mem://other"), "e", "value", "row1")
    engine.analyze([*units, other])
    assert sorted(grp.groups) == [1, 1, 1, 2]


def test_linkage_runs_last_whatever_the_order() -> None:
    from classifiers import linkage

    if not linkage.CLASSIFIERS:
        pytest.skip("linkage not implemented yet")
    engine = Engine(NO_NER, [linkage.CLASSIFIERS[0](), RecordCounter()])
    assert type(engine.record_classifiers[-1]).__module__ == "classifiers.linkage"


@pytest.mark.parametrize(
    ("dets", "kept"),
    [
        # same entity, partial overlap: the higher score
        ([det("PHONE_NUMBER", 0, 10, 0.4), det("PHONE_NUMBER", 5, 15, 0.7)], [(5, 15)]),
        # same entity inside another: the outer span, with the higher score
        ([det("LOCATION", 0, 30, 0.6), det("LOCATION", 20, 27, 0.85, "NER-SPACY")], [(0, 30)]),
        # PERSON (NER) inside an e-mail address is dropped
        ([det("EMAIL_ADDRESS", 0, 20, 0.5), det("PERSON", 0, 8, 0.85, "NER-SPACY")], [(0, 20)]),
        # a card that also looks like a date keeps the card
        ([det("CREDIT_CARD", 0, 19, 1.0), det("DATE_TIME", 0, 10, 0.6)], [(0, 19)]),
        ([det("US_SSN", 3, 14, 0.5), det("DATE_TIME", 0, 10, 0.85)], [(3, 14)]),
        # special categories do not compete with identifiers
        ([det("HEALTH", 0, 40, 0.9), det("PERSON", 0, 8, 0.85, "NER-SPACY")], [(0, 8), (0, 40)]),
        # unit-level detections are kept
        ([det("PERSON", 0, 0, 0.9), det("PERSON", 0, 5, 0.85)], [(0, 0), (0, 5)]),
        # disjoint spans are all kept
        ([det("URL", 0, 5, 0.5), det("URL", 6, 9, 0.5)], [(0, 5), (6, 9)]),
    ],
)
def test_overlap_resolution(dets: list[Detection], kept: list[tuple[int, int]]) -> None:
    out = resolve(dets)
    assert sorted((d.start, d.end) for d in out) == sorted(kept)


def test_contained_same_entity_lifts_score() -> None:
    out = resolve([det("LOCATION", 0, 30, 0.6), det("LOCATION", 20, 27, 0.85, "NER-SPACY")])
    assert out[0].score == 0.85 and "NER-SPACY" in out[0].explanation


def test_engine_pickles_and_works_after() -> None:
    engine = Engine(NO_NER)
    u = unit(MIXED[0])
    first = engine.analyze([u])
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.analyze([u]) == first


@pytest.mark.parametrize(
    ("entity", "linked", "severity"),
    [
        ("CREDIT_CARD", None, Severity.HIGH),
        ("PERSON", None, Severity.LOW),
        ("HEALTH", True, Severity.HIGH),
        ("HEALTH", False, Severity.LOW),
        ("HEALTH", None, Severity.LOW),
        ("NOT_AN_ENTITY", None, Severity.LOW),
    ],
)
def test_severity(entity: str, linked: bool | None, severity: Severity) -> None:
    assert Engine(NO_NER, []).severity(entity, linked) is severity


def test_category_from_taxonomy() -> None:
    engine = Engine(NO_NER, [])
    assert engine.category("EMAIL_ADDRESS") == "user.contact.email"
    assert engine.category("US_SSN") == "user.government_id.national_identification_number"


def test_a_broken_validator_does_not_stop_the_scan() -> None:
    class Broken(PatternClassifier):
        id = "TEST-BROKEN"
        entities = {"X": "user"}
        patterns = (Pattern("x", r"x+", "X", 0.9),)

        def validate(self, candidate):  # type: ignore[no-untyped-def]
            raise ValueError("boom")

    from classifiers.pii import EmailClassifier

    out = Engine(NO_NER, [Broken(), EmailClassifier()]).analyze([unit("xx a@example.org")])
    assert [d.entity for d in out[0]] == ["EMAIL_ADDRESS"]


def test_value_objects_compare_by_value_and_refuse_changes() -> None:
    """Location, TextUnit, Detection and Finding are plain dataclasses for speed; they hash and
    compare by value, and (in tests) refuse changes like frozen ones."""
    import dataclasses

    a, b = Location("mem://t", 1, "f"), Location("mem://t", 1, "f")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    u = TextUnit(a, "text", "value")
    assert hash(u) == hash(dataclasses.replace(u)) and u == dataclasses.replace(u)
    d = Detection("EMAIL_ADDRESS", 0, 3, 0.5, "X", "x", "a@b")
    assert d == dataclasses.replace(d)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.uri = "mem://other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del d.value
    moved = dataclasses.replace(a, line=2)
    assert moved.line == 2 and a.line == 1
