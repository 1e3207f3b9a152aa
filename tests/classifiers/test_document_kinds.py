"""Document kinds (issue 16.6): at most one DOCUMENT finding per document item, with
attributes.kind, score, explanation, the kind's fideslang category and policy clauses; measured
on generated documents of every kind and on ordinary business documents that are none."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks import documents
from classifiers.document_kinds import CATEGORY, CUES, classify_document
from scanner.settings import load_settings
from tests.helpers.paths import CONFIG

SECRET = b"k" * 32


def test_every_kind_has_cues_and_a_known_category() -> None:
    from scanner.policy import known_categories

    taxonomy = yaml.safe_load((CONFIG / "taxonomy.yaml").read_text())
    assert {k: v["category"] for k, v in taxonomy["document_kinds"].items()} == dict(CATEGORY)
    assert set(CUES) == set(CATEGORY) == set(documents.KINDS)
    assert set(CATEGORY.values()) <= known_categories()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Curriculum Vitae\nWork experience\n2019 - present Analyst\nEducation\nSkills\n", "cv"),
        ("Pay advice\nGross pay 2,000.00\nTax code 1257L\nNet pay 1,600.00\n", "payslip"),
        (("Dear Dr Shah,\nRe: patient: J Roe, NHS number 485 777 3456\nDiagnosis: asthma\n"
         "Plan: prescribed salbutamol\n"), "medical_record"),
        (("PASSPORT\nSurname: ROE\nNationality: British\nDate of birth: 01/02/1980\n"
         "Date of expiry: 01/02/2030\n"), "id_document"),
        (("Bank statement\nSort code 20-00-00 Account number 12345678\nOpening balance 10.00\n"
         "Closing balance 5.00\n"), "bank_statement"),
        (("Contract of Employment\nThe Employer and the Employee agree\nJob title: clerk\n"
         "Notice period: one month\nProbationary period: 3 months\n"), "employment_contract"),
        ("P60 End of Year Certificate\nTax year to 5 April 2024\nHMRC\nTax deducted 100.00\n",
         "tax_form"),
        ("INVOICE\nInvoice number: 42\nBill to: Acme\nSubtotal 10.00\nVAT 2.00\nTotal due 12.00\n",
         "invoice"),
        # none of the kinds
        (("Minutes of the weekly meeting\nThe invoice backlog and the salary review were "
         "discussed.\n"), None),
        ("We are hiring a data analyst. Send your CV and a cover letter by Friday.\n", None),
        ("Privacy notice: we keep CVs of applicants for six months.\n", None),
        ("", None),
    ],
)
def test_rules(text: str, kind: str | None) -> None:
    got = classify_document(text)
    assert (got.kind if got else None) == kind
    if got:
        assert got.evidence and 0.4 <= got.score <= 0.95


def test_file_name_alone_is_not_enough() -> None:
    assert classify_document("Notes for Tuesday.\nBring the projector.", "jane_cv.txt") is None


def _scan(tmp_path: Path):
    from scanner.pipeline import scan
    from scanner.policy import PolicyMapper, load_packs

    settings = load_settings().with_overrides(workers=1, **{"inventory.enabled": False})
    mapper = PolicyMapper(load_packs(["gdpr"]))
    return scan([str(tmp_path)], settings, secret=SECRET, map_findings=mapper.map)


@pytest.mark.parametrize("fmt", ["txt", "docx", "html"])
def test_generated_documents_end_to_end(tmp_path: Path, fmt: str) -> None:
    docs = documents.labelled_set(per_kind=3, others=2, seed=5)
    expected = {}
    for n, d in enumerate(docs):
        name = f"{n:02d}_{Path(d.name).stem}.{fmt}"
        (tmp_path / name).write_bytes(documents.FORMATS[fmt](d.text))
        expected[name] = d.kind
    result = _scan(tmp_path)
    per_item = Counter(f.location.uri for f in result.findings if f.entity == "DOCUMENT")
    assert max(per_item.values()) == 1  # at most one per document
    got = {f.location.uri.rsplit("/", 1)[1]: f for f in result.findings if f.entity == "DOCUMENT"}
    confusion = Counter((expected[n], got[n].attributes["kind"] if n in got else None)
                        for n in expected)
    right = sum(c for (e, g), c in confusion.items() if e == g)
    assert right / len(expected) >= 0.9, confusion
    for f in got.values():
        kind = f.attributes["kind"]
        assert f.category == CATEGORY[kind]
        assert f.explanation.startswith("DOC-KIND: " + kind)
        assert f.attributes["evidence"]
        if kind == "medical_record" and f.linked:
            assert "gdpr/art-9" in f.clauses
        if kind in ("cv", "employment_contract"):
            assert "gdpr/art-88" in f.clauses
    # a CV names its candidate: linked, and under the employment clause
    assert any(f.attributes["kind"] == "cv" and f.linked for f in got.values())


def test_text_that_libmagic_calls_hpgl_is_still_read(tmp_path: Path) -> None:
    # libmagic types text starting with "PA" (PASSPORT, PAYSLIP) as HP-GL plotter commands
    (tmp_path / "scan.txt").write_text(
        "PASSPORT\nSurname: ROE\nGiven names: JANE\nNationality: British Citizen\n"
        "Date of birth: 01/02/1980\nDate of expiry: 01/02/2030\n")
    result = _scan(tmp_path)
    kinds = [f.attributes["kind"] for f in result.findings if f.entity == "DOCUMENT"]
    assert kinds == ["id_document"]
    assert "DATE_OF_BIRTH" in {f.entity for f in result.findings}


def test_flattened_html_keeps_its_headings(tmp_path: Path) -> None:
    doc = documents.cv(__import__("random").Random(4))
    (tmp_path / "cv.html").write_bytes(documents.as_html(doc.text))
    result = _scan(tmp_path)
    assert [f.attributes["kind"] for f in result.findings if f.entity == "DOCUMENT"] == ["cv"]
