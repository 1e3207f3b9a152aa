"""The entity table (scanner/entities.py, config/taxonomy.yaml): one place for every entity fact.

Every entity a classifier can emit is a row of the table and every row is emitted by some
classifier; a malformed row fails loudly; the modules that used to keep their own copy of a fact
(overlaps, linkage, special categories, column names, redaction, engine) agree with the table.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from classifiers import column_names, linkage, overlaps, special_categories
from classifiers.base import PatternClassifier
from classifiers.engine import LOG_METADATA, Engine, taxonomy
from classifiers.ner import SpacyNer
from classifiers.registry import default_classifiers
from scanner import allowlist, entities, vocabularies
from scanner.models import Severity
from scanner.settings import ClassifySettings
from tests.helpers.paths import ROOT


def _classifiers() -> list[object]:
    """Every classifier piiscout ships (NER included: its model loads on first use only)."""
    found = default_classifiers(ClassifySettings(ner=True))
    assert any(isinstance(c, SpacyNer) for c in found)
    return found


def _emitted() -> dict[str, set[str]]:
    """entity -> ids of the classifiers that declare it (their ``entities`` and patterns)."""
    out: dict[str, set[str]] = {}
    for c in _classifiers():
        cid = str(c.id)  # type: ignore[attr-defined]
        for e in c.entities:  # type: ignore[attr-defined]
            out.setdefault(e, set()).add(cid)
        if isinstance(c, PatternClassifier):
            for p in c.patterns:
                out.setdefault(p.entity, set()).add(cid)
    return out


# -- the table against the classifiers ----------------------------------------------------------
def test_every_entity_a_classifier_emits_is_in_the_table() -> None:
    unknown = {e: sorted(ids) for e, ids in _emitted().items() if entities.find(e) is None}
    assert not unknown, f"entities without a row in config/taxonomy.yaml: {unknown}"


def test_every_entity_in_the_table_is_emitted_by_a_classifier() -> None:
    emitted = _emitted()
    orphans = [e for e in entities.ids() if e not in emitted]
    assert not orphans, f"taxonomy rows no classifier emits: {orphans}"


def test_pattern_entities_are_declared_by_their_classifier() -> None:
    for c in _classifiers():
        if isinstance(c, PatternClassifier):
            for p in c.patterns:
                assert p.entity in c.entities, (c.id, p.name, p.entity)


def _declared() -> list[tuple[str, str, str]]:
    return sorted({(str(c.id), e, cat) for c in _classifiers()  # type: ignore[attr-defined]
                   for e, cat in c.entities.items()})  # type: ignore[attr-defined]


# A classifier whose declared category disagrees with the table, with the reason (none today;
# DATE_TIME was a date of birth in pii.py and ner.py until the table became the one source).
_KNOWN_DISAGREEMENTS: set[tuple[str, str]] = set()


@pytest.mark.parametrize(
    ("cid", "entity", "category"),
    [pytest.param(*row, marks=pytest.mark.xfail(strict=True, reason="pii.py/ner.py say "
                                                 "DATE_TIME is a date of birth"))
     if row[:2] in _KNOWN_DISAGREEMENTS else row for row in _declared()],
)
def test_a_classifier_declares_the_tables_category(cid: str, entity: str, category: str) -> None:
    assert category == entities.get(entity).category


def test_unknown_entity_fails_loudly_and_find_does_not() -> None:
    with pytest.raises(entities.UnknownEntity, match="taxonomy.yaml"):
        entities.get("NOT_AN_ENTITY")
    with pytest.raises(entities.UnknownEntity):
        entities.categories(["PERSON", "NOT_AN_ENTITY"])
    assert entities.find("NOT_AN_ENTITY") is None
    assert entities.find("PERSON") is entities.get("PERSON")
    # a custom recognizer's entity: a fallback category, low severity, plain text redaction
    assert entities.category("EMPLOYEE_ID") == "user"
    assert entities.severity("EMPLOYEE_ID", None) is Severity.LOW


# -- malformed rows -----------------------------------------------------------------------------
GOOD = {"category": "user.name", "severity": "low"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**GOOD, "colour": "red"}, "unknown key"),
        ({**GOOD, "traits": ["identifier", "famous"]}, "unknown trait"),
        ({**GOOD, "severity": "urgent"}, "severity"),
        ({**GOOD, "unlinked_severity": "none"}, "unlinked_severity"),
        ({**GOOD, "normal_form": "upper"}, "normal_form"),
        ({**GOOD, "mask": "blur"}, "mask"),
        ({**GOOD, "max_chars": 0}, "max_chars"),
        ({**GOOD, "max_chars": "long"}, "max_chars"),
        ({"category": "system.operations", "severity": "low"}, "category"),
        ({"severity": "low"}, "category"),
        ("user.name", "mapping"),
    ],
)
def test_a_malformed_row_is_an_error(row: object, message: str) -> None:
    with pytest.raises(entities.TaxonomyError, match=message):
        entities.parse_row("X", row)


@pytest.mark.parametrize(
    "row",
    [
        GOOD,
        {**GOOD, "traits": ["identifier", "identifies"], "normal_form": "digits", "mask": "tail2",
         "max_chars": 30, "example": "x"},
        {"category": "user.health", "severity": "high", "unlinked_severity": "low",
         "traits": ["special"]},
        {"category": "user.behavior.telephony_log", "severity": "high", "extension": True},
    ],
)
def test_a_wellformed_row_parses(row: dict[str, object]) -> None:
    e = entities.parse_row("X", row)
    assert e.category == row["category"]
    assert e.severity is Severity(row["severity"])
    assert e.traits == frozenset(row.get("traits") or ())  # type: ignore[arg-type]


def test_an_entity_given_twice_is_an_error() -> None:
    text = ("entities:\n  PERSON: {category: user.name, severity: low}\n"
            "  PERSON: {category: user.contact, severity: high}\n")
    with pytest.raises(entities.TaxonomyError, match="twice"):
        entities.load_text(text)
    one, _ = entities.load_text(text.rsplit("  PERSON", 1)[0])
    assert list(one) == ["PERSON"]


def test_the_shipped_taxonomy_has_no_duplicate_rows() -> None:
    text = (ROOT / "config" / "taxonomy.yaml").read_text(encoding="utf-8")
    loaded, kinds = entities.load_text(text)
    assert list(loaded) == list(entities.ids())
    assert set(kinds) == set(entities.document_kinds())


# -- severities ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entity", "linked", "expected"),
    [
        ("HEALTH", True, Severity.HIGH),
        ("HEALTH", False, Severity.LOW),
        ("HEALTH", None, Severity.LOW),
        ("DOCUMENT", True, Severity.MEDIUM),
        ("DOCUMENT", None, Severity.LOW),
        ("CREDIT_CARD", None, Severity.HIGH),
        ("CREDIT_CARD", False, Severity.HIGH),
        ("PERSON", None, Severity.LOW),
        ("EMAIL_ADDRESS", True, Severity.MEDIUM),
    ],
)
def test_severity_table(entity: str, linked: bool | None, expected: Severity) -> None:
    assert entities.severity(entity, linked) is expected


def test_the_engine_reports_the_tables_category_and_severity() -> None:
    engine = Engine(ClassifySettings(ner=False), classifiers=[])
    for e in entities.table().values():
        assert engine.category(e.id) == e.category
        for linked in (True, False, None):
            assert engine.severity(e.id, linked) is e.severity_for(linked)
    assert dict(taxonomy()) == dict(entities.taxonomy())


# -- the sets other modules used to keep ----------------------------------------------------------
def test_the_sets_are_the_tables_traits() -> None:
    assert entities.with_trait("identifier") == overlaps.IDENTIFIERS
    assert entities.with_trait("identifies") == linkage.IDENTIFYING
    assert entities.with_trait("about_a_person") == linkage.ABOUT_A_PERSON
    assert set(special_categories.SPECIAL_ENTITIES) == entities.with_trait("special")
    assert entities.with_trait("log_metadata") == LOG_METADATA, (
        "classifiers/engine.py LOG_METADATA should be entities.with_trait('log_metadata')")
    assert entities.with_trait("lookup") == set(allowlist.NORMAL_FORMS), (
        "scanner/allowlist.py NORMAL_FORMS should be entities.with_trait('lookup')")
    with pytest.raises(ValueError, match="unknown trait"):
        entities.with_trait("famous")


def test_traits_hang_together() -> None:
    for e in entities.table().values():
        if e.special:
            # linked or not decides the severity; specials conflict only with themselves
            assert e.unlinked_severity is not None, e.id
            assert not e.identifier and not e.identifies, e.id
        if e.identifies:
            assert e.identifier, f"{e.id} identifies a person but does not conflict as one"
        if e.category.startswith("user.government_id."):
            assert e.identifies and e.identifier, e.id
    assert not entities.with_trait("about_a_person") & entities.with_trait("identifies")


def test_context_only_entities_are_not_personal_alone() -> None:
    assert entities.context_only() == {"DATE_TIME"}
    assert entities.get("DATE_TIME").alone_is_personal is False
    assert entities.get("DATE_OF_BIRTH").alone_is_personal is True


def test_vocabularies_and_column_rules_name_entities_of_the_table() -> None:
    vocab_entities = {v.entity for v in vocabularies.load_vocabularies()}
    assert vocab_entities == entities.with_trait("special")
    for e, category in column_names.ENTITIES.items():
        assert category == entities.get(e).category
    assert set(column_names.ENTITIES) >= entities.with_trait("special")


def test_known_categories_cover_entities_documents_and_their_parents() -> None:
    known = entities.known_categories()
    assert {"user", "user.government_id", "user.government_id.passport_number",
            "user.workplace", "user.health.genetic"} <= known
    assert "user.government" not in known and "system" not in known


# -- layering -----------------------------------------------------------------------------------
def test_the_table_imports_nothing_above_it() -> None:
    code = ("import sys, scanner.entities as e; e.table(); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('classifiers', 'connectors') "
            "or m in ('scanner.pipeline', 'scanner.cli')]; print(bad); sys.exit(bool(bad))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_import_circle_between_column_names_and_special_categories() -> None:
    assert "classifiers.special_categories" not in _imports(ROOT / "classifiers/column_names.py")
    for vocabulary in ("scanner/vocabularies.py", "scanner/column_vocab.py"):
        assert not {m for m in _imports(ROOT / vocabulary) if m.startswith("classifiers")}


# -- the README ---------------------------------------------------------------------------------
def test_readme_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert entities.main(["readme"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == entities.readme_table()
    assert entities.main([]) == 2
    assert "| `CALL_RECORD` | `user.behavior.telephony_log` (extension) | high |" in out
    assert "| `HEALTH` | `user.health` | high (unlinked: low) |" in out
