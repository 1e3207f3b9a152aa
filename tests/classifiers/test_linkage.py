"""LINKAGE: special categories are linked only to a person identified in the same sentence/row."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.column_names import ColumnNameClassifier
from classifiers.engine import Engine
from classifiers.linkage import UNLINKED_FACTOR, Linkage, id_tokens, sentence_spans
from classifiers.special_categories import SPECIAL_ENTITIES, SpecialCategoryClassifier
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings

SPECIAL = SpecialCategoryClassifier()
COLUMNS = ColumnNameClassifier()


def person(text: str, name: str, entity: str = "PERSON", score: float = 0.85) -> Detection:
    start = text.index(name)
    return Detection(entity, start, start + len(name), score, "TEST", "hand-built", name)


def run_prose(text: str, *identifiers: Detection, kind: str = "prose") -> list[Detection]:
    """SPECIAL-CAT then LINKAGE on one unit with hand-built identifying detections."""
    unit = TextUnit(Location("file:///t.txt"), text, kind=kind)  # type: ignore[arg-type]
    found = [list(identifiers) + list(SPECIAL.classify(unit, tuple(identifiers)))]
    Linkage().classify_record([unit], found)
    return found[0]


def specials(dets: list[Detection]) -> list[Detection]:
    return [d for d in dets if d.entity in SPECIAL_ENTITIES]


LINKED = [
    ("Jane Roe was diagnosed with type 2 diabetes.", "Jane Roe", "PERSON", "PERSON"),
    ("Write to jane@example.org: she is a practising Muslim.", "jane@example.org",
     "EMAIL_ADDRESS", "EMAIL_ADDRESS"),
    ("Call +44 20 7946 0958, he is a member of UNISON.", "+44 20 7946 0958", "PHONE_NUMBER",
     "PHONE_NUMBER"),
    ("John Doe votes for the Green Party.", "John Doe", "PERSON", "PERSON"),
]


@pytest.mark.parametrize(("text", "ident", "entity", "why"), LINKED)
def test_linked_in_same_sentence(text: str, ident: str, entity: str, why: str) -> None:
    [d] = specials(run_prose(text, person(text, ident, entity)))
    assert d.linked is True
    assert f"linked: {why} in same sentence" in d.explanation
    assert ident not in d.explanation


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Patient 4471 carries a BRCA1 mutation.", "patient number"),
        ("Employee ID E-1043: fingerprint template on file.", "employee number"),
        ("MRN 00123 diagnosed with asthma.", "MRN"),
        ("Dr Patel was treated for depression symptoms.", "title and name"),
        ("Customer #88213 is a registered sex offender.", "customer number"),
    ],
)
def test_linked_by_id_like_token(text: str, why: str) -> None:
    [d] = specials(run_prose(text))
    assert d.linked is True and f"linked: {why}" in d.explanation


UNLINKED = [
    # a name, then the health term in the *next* sentence, with no pronoun pointing back (a
    # pronoun does link: tests/classifiers/test_special_categories_linkage.py)
    ("Jane Roe, see below.\n\nDiagnosed with asthma in 2020.", "Jane Roe"),
    # news-like text with no identifier at all
    ("Diabetes is rising among adults, the report says.", None),
    ("The staff 2024 survey asked about union dues.", None),
    ("Muslim and Sikh communities met at the town hall.", None),
]


@pytest.mark.parametrize(("text", "ident"), UNLINKED)
def test_unlinked(text: str, ident: str | None) -> None:
    ids = (person(text, ident),) if ident else ()
    got = specials(run_prose(text, *ids))
    assert got, "the special-category term itself should be detected"
    unlinked = specials(run_prose(text))  # without identifiers: same verdict, same scores
    for d, alone in zip(got, unlinked, strict=True):
        assert d.linked is False
        assert "unlinked" in d.explanation
        assert d.score == pytest.approx(alone.score)


def test_unlinked_score_is_lowered() -> None:
    text = "Diagnosed with asthma."
    unit = TextUnit(Location("file:///t.txt"), text)
    [raw] = SPECIAL.classify(unit, ())
    [d] = specials(run_prose(text))
    assert d.score == pytest.approx(raw.score * UNLINKED_FACTOR)


def test_wrapped_line_is_one_sentence() -> None:
    text = "Jane Roe was\ndiagnosed with asthma."
    [d] = specials(run_prose(text, person(text, "Jane Roe")))
    assert d.linked is True


def test_log_lines_link_line_by_line() -> None:
    text = "user=jane@example.org action=login\nnote=diagnosed with asthma"
    [d] = specials(run_prose(text, person(text, "jane@example.org", "EMAIL_ADDRESS"), kind="log"))
    assert d.linked is False and "same line" in d.explanation
    text2 = "user=jane@example.org note=diagnosed with asthma"
    email = person(text2, "jane@example.org", "EMAIL_ADDRESS")
    [d2] = specials(run_prose(text2, email, kind="log"))
    assert d2.linked is True and "same line" in d2.explanation


def test_weak_identifier_does_not_link() -> None:
    # lower case: a capitalised "Jane Roe was" is itself a name to linkage (UNRECOGNISED_NAME)
    text = "jane roe was diagnosed with asthma."
    [d] = specials(run_prose(text, person(text, "jane roe", score=0.2)))
    assert d.linked is False


def test_other_entities_keep_linked_none() -> None:
    text = "Jane Roe was diagnosed with asthma."
    dets = run_prose(text, person(text, "Jane Roe"))
    assert [d.linked for d in dets if d.entity == "PERSON"] == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two? Three!", 3),
        ("Mr. Smith met Dr. Jones. Then left.", 2),
        ("See e.g. the J. Smith file. Done.", 2),
        ("Name: Jane\nDiagnosis: asthma", 2),
        ("wrapped line\ncontinues here.", 1),
        ("", 1),
    ],
)
def test_sentence_spans(text: str, expected: int) -> None:
    spans = sentence_spans(text)
    assert len(spans) == expected
    assert "".join(text[a:b] for a, b in spans) == text


def test_log_lines_always_split() -> None:
    assert len(sentence_spans("wrapped line\ncontinues here", kind="log")) == 2


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("patient 4471", True), ("Employee ID E-1043", True), ("MRN 00123", True),
        ("member no. 5521", True), ("NHS number 943 476 5919", True), ("Mrs Okafor", True),
        ("the staff 2024 survey", False), ("member of the union", False), ("patients", False),
        ("customer service", False),
    ],
)
def test_id_tokens(text: str, found: bool) -> None:
    assert bool(list(id_tokens(text))) is found


# -- records: rows, JSON objects, messages ---------------------------------------------------------


def run_row(cells: dict[str, str], uri: str = "postgresql://h/db/public/staff") -> list[Detection]:
    units = [
        TextUnit(Location(uri, field=k), v, kind="value", record="row-1") for k, v in cells.items()
    ]
    found: list[list[Detection]] = []
    for u in units:
        ds = list(SPECIAL.classify(u, ()))
        ds += list(COLUMNS.classify(u, tuple(ds)))
        found.append(ds)
    Linkage().classify_record(units, found)
    return [d for ds in found for d in ds]


ROWS = [
    ({"customer_id": "881", "religion": "Catholic"}, True, "column customer_id in same row"),
    ({"first_name": "Jane", "ethnicity": "White British"}, True,
     "PERSON (column first_name) in same row"),
    ({"email": "jane@example.org", "union_member": "yes"}, True, "EMAIL_ADDRESS (column email)"),
    ({"patient_id": "P-4471", "notes": "diagnosed with asthma"}, True, "column patient_id"),
    ({"religion": "Catholic", "age_band": "30-40"}, False, "unlinked"),
    ({"patient_id": "NULL", "diagnosis": "asthma"}, False, "unlinked"),
    ({"diagnosis": "asthma", "ward": "B"}, False, "unlinked"),
]


@pytest.mark.parametrize(("cells", "linked", "why"), ROWS)
def test_row_linkage(cells: dict[str, str], linked: bool, why: str) -> None:
    got = [d for d in run_row(cells) if d.entity in SPECIAL_ENTITIES]
    assert len(got) == 1
    assert got[0].linked is linked and why in got[0].explanation


def test_message_record_links_across_units() -> None:
    units = [
        TextUnit(Location("mbox:///m#msg=1", field="From"), "jane@example.org", record="msg-1"),
        TextUnit(Location("mbox:///m#msg=1"), "I was diagnosed with asthma.", record="msg-1"),
    ]
    found = [[person(units[0].text, "jane@example.org", "EMAIL_ADDRESS")],
             list(SPECIAL.classify(units[1], ()))]
    Linkage().classify_record(units, found)
    [d] = found[1]
    assert d.linked is True and "same record" in d.explanation


# -- end to end through the engine (spaCy NER on) -------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ClassifySettings())


E2E = [
    ("Jane Roe was diagnosed with type 2 diabetes in 2019.", "HEALTH", True),
    ("Jane Roe joined the team in March. She was diagnosed with asthma last year.", "HEALTH",
     True),  # "she" refers to Jane Roe (issue 16.1)
    ("The team grew in March. She was diagnosed with asthma last year.", "HEALTH", False),
    ("Patient 4471 carries a BRCA1 mutation.", "GENETIC", True),
    ("John Doe votes for the Green Party.", "POLITICAL_OPINION", True),
    ("Mohammed Khan is a practising Muslim.", "RELIGION", True),
    ("Bob Smith was convicted of burglary in 2019.", "CRIMINAL_RECORD", True),
    ("Write to jane.roe@example.org about her union dues.", "TRADE_UNION", True),
    ("Union dues rise next year, the report says.", "TRADE_UNION", False),
]


@pytest.mark.parametrize(("text", "entity", "linked"), E2E)
def test_engine_end_to_end(engine: Engine, text: str, entity: str, linked: bool) -> None:
    [dets] = engine.analyze([TextUnit(Location("file:///t.txt"), text)])
    got = [d for d in dets if d.entity == entity]
    assert len(got) == 1, [(d.entity, d.detector) for d in dets]
    assert got[0].linked is linked
    assert engine.severity(entity, got[0].linked).value == ("high" if linked else "low")


def test_engine_row(engine: Engine) -> None:
    uri = "postgresql://h/db/public/staff"
    cells = {"FirstName": "Jane", "LastName": "Roe", "Religion": "Catholic", "Notes": "none"}
    units = [
        TextUnit(Location(uri, field=k), v, kind="value", record="7") for k, v in cells.items()
    ]
    found = engine.analyze(units)
    [rel] = [d for d in found[2] if d.entity == "RELIGION"]
    assert rel.linked is True and rel.detector == "COL-NAME"
    assert "same row" in rel.explanation
    assert [d.linked for d in found[0]] == [None]


@pytest.mark.parametrize("nothing", ["The hospital car park is closed.",
                                     "Catholic University of Leuven, health check endpoint."])
def test_engine_mentions_without_person(engine: Engine, nothing: str) -> None:
    [dets] = engine.analyze([TextUnit(Location("file:///t.txt"), nothing)])
    assert [d for d in dets if d.entity in SPECIAL_ENTITIES] == []


def test_policies_yield_no_linked_special_category(engine: Engine, shared_policies: Path) -> None:
    files = sorted(shared_policies.glob("*.txt"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        # The whole file as one unit, and line by line as the pipeline may chunk it.
        units = [TextUnit(Location(path.as_uri()), text)]
        units += [
            TextUnit(Location(path.as_uri(), line=i + 1), line)
            for i, line in enumerate(text.splitlines())
            if line.strip()
        ]
        for dets in engine.analyze(units):
            linked = [d for d in dets if d.entity in SPECIAL_ENTITIES and d.linked]
            assert linked == [], f"{path.name}: {[d.explanation for d in linked]}"
