"""Linkage that survives an unrecognised name (issue 16.1): titles, ID-like tokens, a row's
e-mail, a message's sender, a pronoun pointing back within the same unit; policies and news stay
unlinked. Each case runs without NER, so only linkage's own evidence can link it."""

from __future__ import annotations

import pytest

from classifiers.engine import Engine
from classifiers.special_categories import SPECIAL_ENTITIES
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ClassifySettings(ner=False))


def _specials(engine: Engine, units: list[TextUnit]) -> list[tuple[str, bool | None, str]]:
    return [(d.entity, d.linked, d.explanation) for ds in engine.analyze(units) for d in ds
            if d.entity in SPECIAL_ENTITIES]


@pytest.mark.parametrize(
    ("text", "entity", "why"),
    [
        ("Nina Petrova came out as lesbian at the team away day.", "SEXUAL_ORIENTATION",
         "capitalised name"),
        ("Pregnancy leave request from Sofia Marin, who has gestational diabetes.", "HEALTH",
         "capitalised name"),
        ("Rabbi Cohen asked for a kosher lunch at the offsite.", "RELIGION", "title and name"),
        ("Employee 4471 signed off with depression and anxiety.", "HEALTH", "employee number"),
        ("Spoke to Aoife Brennan today. She has been diagnosed with lupus.", "HEALTH",
         "pronoun 'she'"),
        ("Call from account holder Ravi Menon. His asthma is worse in winter.", "HEALTH",
         "pronoun 'his'"),
    ],
)
def test_linked_without_ner(engine: Engine, text: str, entity: str, why: str) -> None:
    got = [g for g in _specials(engine, [TextUnit(Location("mem://t"), text)]) if g[0] == entity]
    assert got and all(linked for _, linked, _ in got), got
    assert any(why in expl for _, _, expl in got), got


@pytest.mark.parametrize(
    "text",
    [
        "If you have a disability, tell us which adjustments you need.",
        "The union said thousands of nurses went on strike over pay.",
        "Diabetes cases rose by 4% last year. They are expected to rise again.",
        "The Labour Party and the Conservative Party published manifestos this week.",
        "The charity run raised money for Cancer Research UK.",
        "Employees may request time off for religious observance such as Ramadan.",
        "A new mosque opened in the city centre. It has space for 500 worshippers.",
    ],
)
def test_policies_and_news_stay_unlinked(engine: Engine, text: str) -> None:
    assert not [g for g in _specials(engine, [TextUnit(Location("mem://t"), text)]) if g[1]]


def test_pronoun_needs_an_identifier_before_it(engine: Engine) -> None:
    text = "The weekly meeting is on Monday. She was diagnosed with asthma."
    got = _specials(engine, [TextUnit(Location("mem://t"), text)])
    assert got and not any(linked for _, linked, _ in got)


def test_a_row_email_links_a_free_text_cell(engine: Engine) -> None:
    uri = "file:///absences.csv"
    units = [TextUnit(Location(uri, line=2, field="email"), "r.holt@example.net", kind="value",
                      record="2"),
             TextUnit(Location(uri, line=2, field="notes"), "off sick with a herniated disc",
                      kind="value", record="2")]
    got = _specials(engine, units)
    assert got and all(linked for _, linked, _ in got)


def test_the_sender_links_a_message_body(engine: Engine) -> None:
    uri = "mbox:///hr.mbox#msg=3"
    units = [TextUnit(Location(uri, field="headers"), "From: Olivia Grant <o.grant@example.org>",
                      record="m3"),
             TextUnit(Location(uri), "I won't be in today, my Crohn's disease has flared up.",
                      record="m3")]
    got = _specials(engine, units)
    assert got and all(linked for _, linked, _ in got)


# -- dates of birth and name columns by context (issue 16.3) ---------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date of birth: 17/08/1982", [("DATE_OF_BIRTH", "17/08/1982")]),
        ("DOB 1982-08-17", [("DATE_OF_BIRTH", "1982-08-17")]),
        ("She was born on 3 March 1985 in Leeds.", [("DATE_OF_BIRTH", "3 March 1985")]),
        ("Born: August 17, 1982", [("DATE_OF_BIRTH", "August 17, 1982")]),
        ("D.O.B. (dd/mm/yyyy): 01/02/1990", [("DATE_OF_BIRTH", "01/02/1990")]),
        ("Jane Roe's appointment is on 17/08/2024.", [("DATE_TIME", "17/08/2024")]),
        # a specific calendar date stays reported, as Presidio reports it
        ("The invoice date is 17/08/1982.", [("DATE_TIME", "17/08/1982")]),
    ],
)
def test_birth_dates_in_text(engine: Engine, text: str, expected: list[tuple[str, str]]) -> None:
    [dets] = engine.analyze([TextUnit(Location("mem://t"), text)])
    got = [(d.entity, text[d.start : d.end]) for d in dets if "DATE" in d.entity]
    assert got == expected


@pytest.mark.parametrize(
    ("field", "value", "person"),
    [
        ("candidate", "Priya Raman", True),
        ("interviewer", "Tom Aldridge", True),
        ("next_of_kin", "Mary Jones", True),
        ("line_manager", "Sam O'Neil", True),
        ("employee", "E-1234", False),  # an ID in a role column
        ("manager", "yes", False),
        ("customer", "Acme Ltd", False),  # a company
        ("employee_type", "Full Time", False),
    ],
)
def test_person_role_columns(engine: Engine, field: str, value: str, person: bool) -> None:
    unit = TextUnit(Location("file:///hr.csv", line=2, field=field), value, kind="value")
    [dets] = engine.analyze([unit])
    assert any(d.entity == "PERSON" for d in dets) is person


# -- precision on business prose (issue 16.4) ---------------------------------------------------------
@pytest.fixture(scope="module")
def ner_engine() -> Engine:
    from scanner.settings import load_settings

    return Engine(load_settings().classify)


@pytest.mark.parametrize(
    ("label", "text", "keep"),
    [
        ("PERSON", "Leeds LS6 2AB", False),
        ("PERSON", "Jane Roe", True),
        ("NORP", "Unit 4", False),
        ("GPE", "E-1002", False),
        ("GPE", "288", False),
        ("GPE", "Leeds", True),
        ("DATE", "the evening", False),
        ("DATE", "summer", False),
        ("DATE", "the summer of 1982", True),
        ("DATE", "Manchester M1 1AE", False),
    ],
)
def test_ner_entity_guards(label: str, text: str, keep: bool) -> None:
    from classifiers.ner import keep_entity

    assert keep_entity(label, text) is keep


@pytest.mark.parametrize(
    ("text", "noise"),
    [
        ("Ticket E-1002 was closed after the fix shipped.", {"LOCATION"}),
        ("The Leeds depot (Leeds LS6 2AB) received 40 pallets.", {"PERSON"}),
        ("Demand from American retailers rose this summer.", {"NRP", "DATE_TIME"}),
        ("The Democrat senator spoke in the evening.", {"NRP", "DATE_TIME"}),
    ],
)
def test_business_noise_is_not_reported(ner_engine: Engine, text: str, noise: set[str]) -> None:
    [dets] = ner_engine.analyze([TextUnit(Location("mem://t"), text)])
    assert not {d.entity for d in dets} & noise


def test_nrp_about_a_person_is_reported(ner_engine: Engine) -> None:
    text = "Jane Roe is French and joined in March 2021."
    [dets] = ner_engine.analyze([TextUnit(Location("mem://t"), text)])
    assert "NRP" in {d.entity for d in dets}


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("The parcel arrives on Monday at the depot.", False),  # vague, about no one
        ("Jane Roe starts on Monday at the depot.", True),  # about a person
        ("The contract was signed on 3 March 2021.", True),  # a specific date
    ],
)
def test_partial_dates_need_a_person(ner_engine: Engine, text: str, reported: bool) -> None:
    [dets] = ner_engine.analyze([TextUnit(Location("mem://t"), text)])
    assert ("DATE_TIME" in {d.entity for d in dets}) is reported
