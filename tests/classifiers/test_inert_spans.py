"""Words inside a user agent, a URL or an e-mail address are parts of a name, not prose: found by
scanning Faker's non-personal providers in full mode. spaCy tagged "Gecko", "Windows NT" and
"Linux" in user agents as places and people (186 findings in 600 user agents); the religion
vocabulary found "bishop" in ``http://www.bishop.com/...``; the ethnic-origin one "Arab" and
"Indian" in country names; and Internet Explorer's user agents, with no product token after the
platform, were not user agents in prose."""

from __future__ import annotations

import pytest

from classifiers.devices.web import UserAgentClassifier
from classifiers.overlaps import resolve
from classifiers.special_categories import SpecialCategoryClassifier
from scanner.models import Detection, Location, TextUnit
from tests.helpers.classify import BACKENDS, analyze, pattern_engine

UA = "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.1 (KHTML, like Gecko) Chrome/13.0 Safari/535.1"


def det(entity: str, text: str, part: str, detector: str, score: float = 0.85) -> Detection:
    s = text.index(part)
    return Detection(entity, s, s + len(part), score, detector, f"{detector}: test", part)


@pytest.mark.parametrize(("part", "entity"), [("Linux", "PERSON"), ("Gecko", "LOCATION"),
                                              ("X11; Linux", "NRP")])
def test_ner_inside_a_user_agent_is_dropped(part: str, entity: str) -> None:
    text = f"The user agent is {UA}."
    ua = det("USER_AGENT", text, UA, "DEV-UA", 0.75)
    ner = det(entity, text, part, "NER-SPACY")
    kept = resolve([ua, ner])
    assert [d.entity for d in kept] == ["USER_AGENT"]


def test_ner_beside_a_user_agent_stays() -> None:
    text = f"Jane Roe used {UA}."
    kept = resolve([det("USER_AGENT", text, UA, "DEV-UA", 0.75),
                    det("PERSON", text, "Jane Roe", "NER-SPACY")])
    assert sorted(d.entity for d in kept) == ["PERSON", "USER_AGENT"]


def special(text: str, spans: tuple[tuple[str, str], ...] = ()) -> list[str]:
    found = tuple(det(e, text, p, "PII-TEST") for e, p in spans)
    unit = TextUnit(Location("mem://t"), text)
    return [d.entity for d in SpecialCategoryClassifier().classify(unit, found)]


@pytest.mark.parametrize(("text", "spans", "expected"), [
    ("See http://www.bishop.com/tag/index.html today.",
     (("URL", "http://www.bishop.com/tag/index.html"),), []),
    ("Write to muslim.events@example.org for dates.",
     (("EMAIL_ADDRESS", "muslim.events@example.org"),), []),
    ("She moved to Libyan Arab Jamahiriya last year.", (), []),
    ("She moved to Syrian Arab Republic last year.", (), []),
    ("She moved to British Indian Ocean Territory last year.", (), []),
    # the same words in prose still count
    ("The Bishop of London met her.", (), ["RELIGION"]),
    ("He is Arab and lives in Leeds.", (), ["ETHNIC_ORIGIN"]),
    ("See http://example.com, she is a devout Muslim.", (("URL", "http://example.com"),),
     ["RELIGION"]),
])
def test_terms_in_names(text: str, spans: tuple[tuple[str, str], ...], expected: list[str]) -> None:
    assert special(text, spans) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "found"), [
    ("The user agent is Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 5.0; Trident/5.1).", True),
    ("Mozilla/5.0 (compatible; MSIE 6.0; Windows 98; Win 9x 4.90; Trident/4.0)", True),
    ("ua: Mozilla/5.0 (Windows NT 10.0)", True),  # a user-agent word names it
    ("We support Mozilla/5.0 (Windows NT 10.0) in prose.", False),  # no product, no word
])
def test_internet_explorer_user_agents(text: str, found: bool, backend: str) -> None:
    ds = analyze(pattern_engine(UserAgentClassifier, backend), text, "prose")
    assert bool([d for d in ds if d.entity == "USER_AGENT"]) is found


@pytest.mark.parametrize(("text", "expected"), [
    ("Record for Liam Pastor, Rua Isaac 821.", []),  # Faker's es_ES/pt_BR surname
    ("Record for Emmanuelle: Célina Gay. Thanks.", []),  # Faker's fr_FR surname
    ("Marc Gay signed the form.", []),
    ("The meeting with Dr. Gay is on Monday.", []),  # a title before the surname
    ("Mrs. Gay and Mr. Christian sent the forms.", []),
    ("Ask Dr. Bishop about the scan.", []),
    # the words as the categories
    ("Our pastor visited him.", ["RELIGION"]),
    ("He is openly gay.", ["SEXUAL_ORIENTATION"]),
    ("She described herself as Gay in the survey.", ["SEXUAL_ORIENTATION"]),
    ("Dr. Patel said he is gay.", ["SEXUAL_ORIENTATION"]),
])
def test_surnames_are_no_category(text: str, expected: list[str]) -> None:
    assert special(text) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "urls"), [
    ("Record for Carolina: Antonia Fiebig B.Sc.. Thanks.", []),  # Faker's de_DE titles
    ("Univ.Prof. Saban Zobel", []),
    ("Dipl.Ing. Antonia Hiller", []),
    ("see Booking.com or example.org/path", ["Booking.com", "example.org/path"]),
    ("visit www.Example.Com today", ["www.Example.Com"]),
])
def test_titles_are_no_hosts(text: str, urls: list[str], backend: str) -> None:
    from classifiers.pii import UrlClassifier

    ds = analyze(pattern_engine(UrlClassifier, backend), text, "prose")
    assert [text[d.start:d.end] for d in ds if d.entity == "URL"] == urls


def special_value(text: str, field: str) -> list[str]:
    unit = TextUnit(Location("mem://t", 1, field), text, kind="value")
    return [d.entity for d in SpecialCategoryClassifier().classify(unit, ())]


@pytest.mark.parametrize(("text", "field", "expected"), [
    # a value naming a job or a firm (Faker's profile(): job, company)
    ("Learning disability nurse", "job", []),
    ("Swanson, Diaz and Christian", "company", []),
    ("Christian Aid", "employer", []),
    ("Oncology", "department", []),
    ("Mental health nurse", "profile.jobTitle", []),
    # the same words in a field about the person
    ("Learning disability", "notes", ["HEALTH"]),
    ("Christian", "religion", []),  # the column names it: COL-NAME reports the whole value
    ("devout Christian", "comment", ["RELIGION"]),
])
def test_organisation_and_role_fields(text: str, field: str, expected: list[str]) -> None:
    assert special_value(text, field) == expected
