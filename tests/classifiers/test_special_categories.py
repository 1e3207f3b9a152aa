"""SPECIAL-CAT: special categories in free text, from the vocabularies in config/vocabularies."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from classifiers.special_categories import (
    NEGATED_SCORE,
    SPECIAL_ENTITIES,
    VOCABULARY_FILES,
    SpecialCategoryClassifier,
    load_vocabularies,
    vocabulary_for_column,
)
from scanner.models import Location, TextUnit

MIN_SCORE = 0.4  # ClassifySettings.min_score default


def detect(text: str, kind: str = "prose", field: str | None = None) -> list:
    unit = TextUnit(Location("file:///t.txt", field=field), text, kind=kind)  # type: ignore[arg-type]
    return list(SpecialCategoryClassifier().classify(unit, ()))


def entities(text: str, **kw: object) -> set[str]:
    return {d.entity for d in detect(text, **kw) if d.score >= MIN_SCORE}  # type: ignore[arg-type]


POSITIVE = [
    ("Jane Roe was diagnosed with type 2 diabetes in 2019.", "HEALTH"),
    ("He has asthma and uses salbutamol twice a day.", "HEALTH"),
    ("Patient is HIV positive, started on Truvada.", "HEALTH"),
    ("She is taking 20 mg of fluoxetine.", "HEALTH"),
    ("Discharge summary: ICD-10 E11.9, follow up in 3 months.", "HEALTH"),
    ("He had a stroke last winter.", "HEALTH"),
    ("Off work: on sick leave since 3 March.", "HEALTH"),
    ("Mohammed is a practising Muslim.", "RELIGION"),
    ("Sarah attends synagogue every Saturday.", "RELIGION"),
    ("The applicant is a Sikh.", "RELIGION"),
    ("religion: Hindu", "RELIGION"),
    ("Jane Roe is a member of Unite the Union.", "TRADE_UNION"),
    ("He is a member of the National Education Union.", "TRADE_UNION"),
    ("Tom is a union member since 2015.", "TRADE_UNION"),
    ("Union dues are deducted from her salary.", "TRADE_UNION"),
    ("She is the shop steward for the night shift.", "TRADE_UNION"),
    ("ethnicity: Black Caribbean", "ETHNIC_ORIGIN"),
    ("He is of Pakistani heritage.", "ETHNIC_ORIGIN"),
    ("She is from a Black Caribbean background.", "ETHNIC_ORIGIN"),
    ("He is of Irish Traveller descent.", "ETHNIC_ORIGIN"),
    ("The respondent identifies as Hispanic.", "ETHNIC_ORIGIN"),
    ("He came out as gay to his family.", "SEXUAL_ORIENTATION"),
    ("orientation: bisexual", "SEXUAL_ORIENTATION"),
    ("She lives with her same-sex partner.", "SEXUAL_ORIENTATION"),
    ("John Doe votes for the Green Party.", "POLITICAL_OPINION"),
    ("She is a member of the Labour Party.", "POLITICAL_OPINION"),
    ("He is a registered Republican.", "POLITICAL_OPINION"),
    ("belief: humanist", "PHILOSOPHICAL_BELIEF"),
    ("He is an atheist.", "PHILOSOPHICAL_BELIEF"),
    ("She is a conscientious objector.", "PHILOSOPHICAL_BELIEF"),
    ("Patient 4471 carries a BRCA1 mutation.", "GENETIC"),
    ("Genotype rs429358 CT recorded.", "GENETIC"),
    ("Her genetic test results arrived.", "GENETIC"),
    ("Fingerprint template for employee E-1043.", "BIOMETRIC"),
    ("Iris scan enrolled at the front desk.", "BIOMETRIC"),
    ("Voiceprint stored for caller authentication.", "BIOMETRIC"),
    ("He was convicted of burglary in 2019.", "CRIMINAL_RECORD"),
    ("She pleaded guilty to the charge.", "CRIMINAL_RECORD"),
    ("He is a registered sex offender.", "CRIMINAL_RECORD"),
    ("Arrested for shoplifting in May.", "CRIMINAL_RECORD"),
    # a term next to a job word that is no job title stays
    ("Jane Roe has a learning disability and a support worker.", "HEALTH"),
    ("The nurse noted his dementia.", "HEALTH"),
]

NEGATIVE = [
    "The hospital car park is closed on Sundays.",
    "Our health check endpoint returns 200.",
    "GET /healthz is the health probe.",
    "She studied at the Catholic University of Leuven.",
    "Christian Bale starred in the film.",
    "The union of two sets is a set.",
    "SELECT a FROM t UNION SELECT b FROM u",
    "We share data with a third party.",
    "The bug was a race condition in the scheduler.",
    "The European Union adopted the regulation.",
    "Your browser fingerprint is used for fraud checks.",
    "SSH key fingerprint: 3c:22:fb:1a:2b:3c:4d:5e:6f:70:81:92",
    "Interface Control Document (ICD) version A12 is attached.",
    "The ICD-10 transition project finished early.",
    "The tool is platform-agnostic and cloud agnostic.",
    "The Great Depression began in 1929.",
    "Hearing aids are sold at the front counter.",
    "New hires are on probation period for six months.",
    "Staff must pass a criminal records check.",
    "The documents must be filed in the prescribed format.",
    (
        "Sensitive data reveals race, ethnic origin, sexual orientation, political opinions, "
        "religious or philosophical beliefs, trade union membership or health."
    ),
    "Cookies may be disabled in your browser.",
    "We have a belief in good faith that disclosure is necessary.",
    "The board votes for the proposal on Monday.",
    "Page orientation: landscape",
    "Cancer Research UK funds trials.",
    "The system suffers from high latency.",
    "The engineers diagnosed the problem with the network.",
    # job titles (Faker's job provider): nobody's health
    "She works as a Learning disability nurse in the city.",
    "He works as a Nurse, learning disability at the trust.",
    "Our mental health nurses run the clinic.",
    # Faker's business phrases: no one's origin
    "Version 5 of the profound background service ships next sprint.",
    "We leveraged the value of the focused background jobs.",
]

NEGATED = [
    "The patient denies any history of diabetes.",
    "No history of asthma.",
    "Negative for hepatitis C.",
    "If you have a disability, tell us.",
    "Special categories such as religion or Catholic schools are excluded.",
]


@pytest.mark.parametrize(("text", "entity"), POSITIVE)
def test_positive(text: str, entity: str) -> None:
    assert entity in entities(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative(text: str) -> None:
    assert entities(text) == set()


@pytest.mark.parametrize("text", NEGATED)
def test_negation_lowers_score(text: str) -> None:
    dets = detect(text)
    assert all(d.score == NEGATED_SCORE for d in dets)
    assert entities(text) == set()


def test_negated_detection_says_why() -> None:
    [d] = detect("The patient denies any history of diabetes.")
    assert d.entity == "HEALTH" and "negated" in d.explanation and d.attributes["negated"]


def test_patient_number_is_not_a_negation() -> None:
    [d] = detect("Patient no 4471 was diagnosed with asthma.")
    assert d.score > MIN_SCORE


def test_detection_fields() -> None:
    [d] = detect("Jane Roe was diagnosed with type 2 diabetes.")
    assert d.entity == "HEALTH" and d.detector == "SPECIAL-CAT"
    assert d.linked is False  # until linkage decides
    assert d.value == "diagnosed with type 2 diabetes"
    assert "diabetes" not in d.explanation  # explanations never quote the value


def test_case_sensitive_terms() -> None:
    assert "HEALTH" in entities("Diagnosed last year: HIV.")
    assert entities("He aids the team and has hiv-like symptoms? no: hiv") == set()


def test_vocabularies_load_and_name_sources() -> None:
    vocs = load_vocabularies()
    assert {v.entity for v in vocs} == set(SPECIAL_ENTITIES)
    taxonomy = yaml.safe_load(resources.files("config").joinpath("taxonomy.yaml").read_text())
    for name in VOCABULARY_FILES:
        text = resources.files("config").joinpath("vocabularies", f"{name}.yaml").read_text()
        assert "Source" in text.split("entity:")[0], f"{name}.yaml must name its sources"
    for v in vocs:
        assert v.entity in taxonomy["entities"]
        assert SPECIAL_ENTITIES[v.entity] == taxonomy["entities"][v.entity]["category"]
        assert v.terms or v.cues


@pytest.mark.parametrize(
    ("field", "entity"),
    [
        ("religion", "RELIGION"),
        ("primary_diagnosis", "HEALTH"),
        ("DiagnosisCode", "HEALTH"),
        ("union_member", "TRADE_UNION"),
        ("Ethnicity", "ETHNIC_ORIGIN"),
        ("sexual_orientation", "SEXUAL_ORIENTATION"),
        ("criminal_record", "CRIMINAL_RECORD"),
        ("religion_id", None),
        ("diagnosis_status", None),
        ("notes", None),
    ],
)
def test_vocabulary_for_column(field: str, entity: str | None) -> None:
    got = vocabulary_for_column(field)
    assert (got[0].entity if got else None) == entity


def test_structured_value_under_special_column_is_left_to_col_name() -> None:
    assert detect("Catholic", kind="value", field="religion") == []
    assert entities("on sick leave since May", kind="value", field="notes") == {"HEALTH"}


def test_policies_have_no_special_category_detection(shared_policies: Path) -> None:
    files = sorted(shared_policies.glob("*.txt"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        hits = [d for d in detect(text) if d.score >= MIN_SCORE]
        assert hits == [], f"{path.name}: {[(d.entity, d.explanation) for d in hits]}"
