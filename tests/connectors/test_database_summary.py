"""Column-level summaries: per-value findings -> one finding per (column, entity)."""

from __future__ import annotations

import random

import pytest

from scanner.models import Finding, Location, Severity
from scanner.stages.columns import summarize_columns

TABLE = "postgresql://db.example:5432/shop/public/people"
NAME_ID = "PII-COLUMN-NAME"


def value_finding(
    column: str,
    row: int,
    entity: str = "EMAIL_ADDRESS",
    score: float = 1.0,
    detector: str = "PII-EMAIL",
    linked: bool | None = None,
    severity: Severity = Severity.MEDIUM,
) -> Finding:
    return Finding(
        location=Location(f"{TABLE}#row={row}", None, column),
        entity=entity,
        category="user.contact.email",
        score=score,
        severity=severity,
        detector=detector,
        explanation=f"{detector}: pattern x",
        preview=f"p***{row}",
        value_hash=f"{row:064x}",
        linked=linked,
        source_kind="database",
    )


def names(mapping: dict[str, list[tuple[str, float, str]]]):
    return lambda column: mapping.get(column, [])


def summarize(findings: list[Finding], sampled: dict[str, int], *, name_map=None, prose=None):
    return summarize_columns(
        findings,
        table_uri=TABLE,
        columns=list(sampled),
        sampled=sampled,
        prose=prose or {},
        name_signal=names(name_map or {}),
        name_detectors=frozenset({NAME_ID}),
    )


def test_email_column_is_one_finding_with_share_and_explanation() -> None:
    findings = [value_finding("Email", r) for r in range(1, 59)]
    out = summarize(findings, {"Email": 59}, name_map={"Email": [("EMAIL_ADDRESS", 0.8, "email")]})
    assert len(out) == 1
    f = out[0]
    assert f.location == Location(TABLE, None, "Email")
    assert f.attributes == {"share": round(58 / 59, 4), "sampled": 59, "matched": 58}
    assert "column name 'Email'" in f.explanation
    assert "58/59 sampled values matched EMAIL_ADDRESS" in f.explanation
    # representative: the smallest hash
    assert f.value_hash == f"{1:064x}" and f.preview == "p***1"
    assert f.detector == "PII-EMAIL" and f.source_kind == "database"
    assert 0.98 < f.score <= 1.0


@pytest.mark.parametrize(
    ("matched", "sampled", "name_score", "prose_cells", "reported"),
    [
        (1, 10_000, 0.0, 0, False),  # one stray e-mail is not an e-mail column
        (999, 10_000, 0.0, 0, False),  # just under MIN_SHARE
        (1_000, 10_000, 0.0, 0, True),  # at MIN_SHARE
        (1, 10_000, 0.7, 0, True),  # the name agrees
        (3, 100, 0.0, 100, True),  # free text: an e-mail in a comment is an e-mail
        (1, 100, 0.0, 100, False),  # ... but 1% of comments is under MIN_SHARE_PROSE
        (40, 40, 0.0, 0, True),
    ],
)
def test_minimum_share_unless_the_name_agrees(
    matched: int, sampled: int, name_score: float, prose_cells: int, reported: bool
) -> None:
    findings = [value_finding("c", r) for r in range(1, matched + 1)]
    name_map = {"c": [("EMAIL_ADDRESS", name_score, "n")]} if name_score else {}
    out = summarize(findings, {"c": sampled}, name_map=name_map, prose={"c": prose_cells})
    assert (len(out) == 1) is reported


def test_score_is_a_function_of_share_and_name() -> None:
    def score(matched: int, name: float) -> float:
        name_map = {"c": [("EMAIL_ADDRESS", name, "n")]} if name else {}
        out = summarize(
            [value_finding("c", r) for r in range(1, matched + 1)], {"c": 100}, name_map=name_map
        )
        return out[0].score

    assert score(20, 0.0) < score(40, 0.0) < score(60, 0.0) == score(90, 0.0)
    assert score(20, 0.7) > score(20, 0.0)
    assert score(20, 0.7) > 0.7


def test_order_of_findings_does_not_change_the_result() -> None:
    findings = [value_finding("Email", r, score=0.5 + (r % 5) / 10) for r in range(1, 30)]
    findings += [
        value_finding("Phone", r, entity="PHONE_NUMBER", detector="PII-PHONE") for r in range(1, 25)
    ]
    first = summarize(findings, {"Email": 30, "Phone": 30})
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    assert summarize(shuffled, {"Email": 30, "Phone": 30}) == first
    assert [(f.location.field, f.entity) for f in first] == [
        ("Email", "EMAIL_ADDRESS"),
        ("Phone", "PHONE_NUMBER"),
    ]


def test_a_row_with_two_matches_counts_once() -> None:
    findings = [value_finding("Notes", 1), value_finding("Notes", 1), value_finding("Notes", 2)]
    out = summarize(findings, {"Notes": 4})
    assert out[0].attributes == {"share": 0.5, "sampled": 4, "matched": 2}


def test_name_only_signal_reports_zero_matched() -> None:
    by_name = [
        value_finding("BirthDate", r, entity="DATE_OF_BIRTH", score=0.7, detector=NAME_ID)
        for r in range(1, 9)
    ]
    out = summarize(by_name, {"BirthDate": 8})
    assert len(out) == 1
    assert out[0].attributes == {"share": 0.0, "sampled": 8, "matched": 0}
    assert out[0].score == 0.7
    assert "column name 'BirthDate'" in out[0].explanation
    assert "0/8 sampled values matched DATE_OF_BIRTH" in out[0].explanation


def test_linked_and_severity_are_aggregated() -> None:
    findings = [
        value_finding("diagnosis", 1, "HEALTH", 0.8, "SPECIAL-HEALTH", True, Severity.HIGH),
        value_finding("diagnosis", 2, "HEALTH", 0.8, "SPECIAL-HEALTH", False, Severity.LOW),
    ]
    out = summarize(findings, {"diagnosis": 2})
    assert out[0].linked is True and out[0].severity == Severity.HIGH


def test_findings_outside_the_columns_pass_through() -> None:
    stray = value_finding("other", 1)
    out = summarize([stray], {"Email": 3})
    assert out == [stray]


@pytest.mark.parametrize(
    ("matched", "name_score", "reported"),
    [
        (19, 0.0, False),  # NER alone on 19% of short values: song titles, not people
        (19, 0.4, False),  # ... and an ambiguous name ('Name') does not make it agree
        (50, 0.0, True),  # half the values look like people
        (19, 0.85, True),  # 'FirstName': the name agrees
        (0, 0.4, False),  # a weak name with no value evidence
    ],
)
def test_ner_only_columns_need_a_larger_share(
    matched: int, name_score: float, reported: bool
) -> None:
    findings = [
        value_finding("c", r, entity="PERSON", score=0.85, detector="NER-SPACY")
        for r in range(1, matched + 1)
    ]
    if matched == 0:
        findings = [value_finding("c", 1, "PERSON", name_score, NAME_ID)]
    name_map = {"c": [("PERSON", name_score, "column name 'c'")]} if name_score else {}
    out = summarize(findings, {"c": 100}, name_map=name_map)
    assert (len(out) == 1) is reported
    if reported and name_score:
        assert out[0].explanation.startswith("column name 'c';")


@pytest.mark.parametrize(
    ("column", "name_score", "prose_cells", "reported"),
    [
        ("last_update", 0.0, 0, False),  # every value is a date: still not a birth date
        ("BirthDate", 0.85, 0, True),
        ("notes", 0.0, 10, True),  # a date in free text keeps the ordinary rule
    ],
)
def test_date_columns_need_the_name(
    column: str, name_score: float, prose_cells: int, reported: bool
) -> None:
    findings = [value_finding(column, r, "DATE_TIME", 0.95, "PII-DATE") for r in range(1, 11)]
    name_map = {column: [("DATE_TIME", name_score, "n")]} if name_score else {}
    out = summarize(findings, {column: 10}, name_map=name_map, prose={column: prose_cells})
    assert (len(out) == 1) is reported


def test_birth_date_column_turns_date_matches_into_date_of_birth() -> None:
    findings = [value_finding("BirthDate", r, "DATE_TIME", 0.95, "PII-DATE") for r in range(1, 11)]
    name_map = {"BirthDate": [("DATE_OF_BIRTH", 0.85, "column name 'BirthDate'")]}
    (out,) = summarize(findings, {"BirthDate": 10}, name_map=name_map)
    assert out.entity == "DATE_OF_BIRTH"
    assert out.category == "user.demographic.date_of_birth"
    assert out.attributes == {"share": 1.0, "sampled": 10, "matched": 10}
    # a date column whose name does not say "birth" stays unreported (see the test above)
    assert not summarize(findings, {"BirthDate": 10}, name_map={})


def test_column_findings_under_min_score_are_dropped() -> None:
    findings = [value_finding("c", r, score=0.6) for r in range(1, 16)]  # share 0.15
    kept = summarize_columns(
        findings,
        table_uri=TABLE,
        columns=["c"],
        sampled={"c": 100},
        name_signal=names({}),
        name_detectors=frozenset(),
        min_score=0.1,
    )
    dropped = summarize_columns(
        findings,
        table_uri=TABLE,
        columns=["c"],
        sampled={"c": 100},
        name_signal=names({}),
        name_detectors=frozenset(),
        min_score=0.4,
    )
    assert len(kept) == 1 and kept[0].score < 0.4 and dropped == []
