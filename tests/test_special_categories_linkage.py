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
