"""The unseen-data benchmark's corpora and scoring (benchmarks/unseen.py, benchmarks/unseen_mail.py):
every entity is planted and written, a seed gives the same bytes, and precision, recall and the
false findings' kinds are counted as stated. The CLI is not run here."""

from __future__ import annotations

import csv
import email
import email.policy
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from benchmarks import unseen_mail
from benchmarks.unseen import FILES, SCORED, FalseKinds, generate, score
from scanner.redact import mask, value_hash

pytest.importorskip("faker")

SECRET = b"u" * 32


def _finding(entity: str, value: str, uri: str = "file:///nowhere", line: int = 1) -> dict[str, Any]:
    return {"entity": entity, "value_hash": value_hash(SECRET, entity, value),
            "preview": mask(entity, value), "location": {"uri": uri, "line": line}}


def test_every_entity_is_planted_and_written(tmp_path: Path) -> None:
    planted, distractors = generate(tmp_path, 4242, 0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    for entity in SCORED:
        assert planted.get(entity), entity
        missing = [v for v in planted[entity] if v not in text and html.escape(v) not in text
                   and json.dumps(v, ensure_ascii=False)[1:-1] not in text]
        assert not missing, (entity, missing[:3])
    assert distractors and not set(distractors) & set().union(*planted.values())
    json.loads((tmp_path / "devices.json").read_text(encoding="utf-8"))
    ET.parse(tmp_path / "crm_export.xml")
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert 0.04e6 < total < 0.08e6


def test_a_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 7, 0.02)
    generate(tmp_path / "b", 7, 0.02)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_precision_over_findings_recall_over_distinct_planted_values() -> None:
    planted = {"EMAIL_ADDRESS": {"jane@example.org", "bob@example.org"}}
    findings = [_finding("EMAIL_ADDRESS", "Jane@Example.org"),  # true: the same normal form
                _finding("EMAIL_ADDRESS", "jane@example.org"),  # true again, the same value
                _finding("EMAIL_ADDRESS", "nobody@example.org"),  # false
                _finding("LOCATION", "12345")]  # not scored: counted apart
    s, false = score(findings, planted, SECRET)
    assert (s.findings["EMAIL_ADDRESS"], s.true["EMAIL_ADDRESS"]) == (3, 2)
    assert s.precision("EMAIL_ADDRESS") == pytest.approx(2 / 3)
    assert s.recall("EMAIL_ADDRESS", planted) == 0.5
    assert [f["value_hash"] for f in false] == [findings[2]["value_hash"]]
    assert s.others == {"LOCATION": 1}


def test_a_false_finding_is_named_by_what_it_was(tmp_path: Path) -> None:
    page = tmp_path / "staff.html"
    page.write_text("<tr><td>030-133 09 95 41912</td></tr>\n", encoding="utf-8")
    planted = {"PHONE_NUMBER": {"030-133 09 95"}, "CREDIT_CARD": {"4111111111111111"}}
    kinds = FalseKinds(planted, {"41912": "postcode", "2790225373": "bytes"}, SECRET)
    assert kinds.kind(_finding("PHONE_NUMBER", "2790225373")) == "bytes"
    assert kinds.kind(_finding("PHONE_NUMBER", "4111111111111111")) == "planted CREDIT_CARD"
    run_on = _finding("PHONE_NUMBER", "030-133 09 95 41912", page.as_uri())
    assert kinds.kind(run_on) == "contains planted PHONE_NUMBER"
    assert kinds.kind(_finding("PHONE_NUMBER", "555 0100", page.as_uri())) == "span not recovered"


def test_the_second_corpus_plants_every_entity_in_readable_files(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    openpyxl = pytest.importorskip("openpyxl")
    planted, distractors, texts = unseen_mail.generate(tmp_path, 777, 0.05)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(unseen_mail.file_names(0.05))
    assert {"letter_1.docx", "letter_2.docx", "customers.xlsx", "mail_000.eml"} <= set(names)
    assert sorted(texts) == sorted(n for n in names if n.endswith((".eml", ".docx", ".xlsx")))
    plain = "".join((tmp_path / n).read_text(encoding="utf-8") for n in unseen_mail.TEXT_FILES)
    readable = plain + "".join(texts.values())
    for entity in unseen_mail.SCORED:
        assert planted.get(entity), entity
        missing = [v for v in planted[entity] if v not in readable]
        assert not missing, (entity, missing[:3])
    assert "MAC_ADDRESS" not in planted
    assert distractors and not set(distractors) & set().union(*planted.values())
    kinds = {k for v in distractors.values() for k in v.split(" or ")}
    assert kinds <= set(unseen_mail.KINDS) and {"eu_decimal", "ctx:city", "semver"} <= kinds

    # what the generator keeps as readable text is what the files hold
    letter = docx.Document(str(tmp_path / "letter_1.docx"))
    assert [p.text for p in letter.paragraphs][:7] == texts["letter_1.docx"].split("\n")[:7]
    book = openpyxl.load_workbook(tmp_path / "customers.xlsx", read_only=True)
    assert book.sheetnames == ["Customers", "Stock"]
    first = [str(c) for c in next(book["Customers"].iter_rows(min_row=2, values_only=True))]
    assert "\t".join(first[:9]) in texts["customers.xlsx"]
    mail = email.message_from_bytes((tmp_path / "mail_000.eml").read_bytes(),
                                    policy=email.policy.default)
    assert mail["From"].addresses[0].addr_spec in planted["EMAIL_ADDRESS"]
    assert mail["User-Agent"] in planted["USER_AGENT"]
    (part,) = mail.iter_attachments()  # every fourth mail has its contacts as CSV
    attached = part.get_payload(decode=True).decode("utf-8")  # bytes: no charset declared
    rows = list(csv.DictReader(io.StringIO(attached)))
    assert rows and all(r["email"] in planted["EMAIL_ADDRESS"] for r in rows)
    assert attached in texts["mail_000.eml"]
    ledger = (tmp_path / "bank_export_eu.csv").read_text(encoding="utf-8").splitlines()
    assert all(line.count(";") == 9 for line in ledger)  # no planted value holds the separator
    for line in (tmp_path / "pods.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)


def test_the_second_corpus_a_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip("docx")
    pytest.importorskip("openpyxl")
    unseen_mail.generate(tmp_path / "a", 7, 0.02)
    unseen_mail.generate(tmp_path / "b", 7, 0.02)
    text_files = [n for n in unseen_mail.file_names(0.02) if not n.endswith((".docx", ".xlsx"))]
    assert any(n.endswith(".eml") for n in text_files)
    for name in text_files:  # the office files hold the time they were saved
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_false_finding_in_an_office_file_is_named_from_its_readable_text(
        tmp_path: Path) -> None:
    letter = tmp_path / "letter_1.docx"
    letter.write_bytes(b"PK\x03\x04\xff\xfe not text")  # never read: the text below is
    text = "Dear Jane Roe,\nItem\tEAN\nWidget\t4006381333931\t+49 30 1234567\n"
    kinds = FalseKinds({"PHONE_NUMBER": {"+49 30 1234567"}}, {"4006381333931": "ean13"}, SECRET,
                       {str(letter): text})
    # the product's line numbers are its own: the span is looked for on any line
    ean_run_on = _finding("PHONE_NUMBER", "4006381333931\t+49", letter.as_uri(), line=9)
    assert kinds.kind(ean_run_on) == "contains ean13"
    assert kinds.kind(_finding("PHONE_NUMBER", "555 0100", letter.as_uri())) == (
        "span not recovered")


def test_corpus_3_plants_every_entity_and_a_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    from benchmarks import unseen_ops

    planted, distractors, texts = unseen_ops.generate(tmp_path / "a", 31337, 0.05)
    unseen_ops.generate(tmp_path / "b", 31337, 0.05)
    assert texts == {}
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(unseen_ops.FILES)
    for name in unseen_ops.FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "a").iterdir())
    escapes = (lambda v: v, html.escape, lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
               lambda v: v.replace(",", "\\,").replace(";", "\\;"), lambda v: v.replace(";", ","))
    for entity in unseen_ops.SCORED:
        assert planted.get(entity), entity
        missing = [v for v in planted[entity] if not any(e(v) in text for e in escapes)]
        assert not missing, (entity, missing[:3])
    assert distractors and not set(distractors) & set().union(*planted.values())
    json.loads((tmp_path / "a" / "users.json").read_text(encoding="utf-8"))
    vcf = (tmp_path / "a" / "contacts.vcf").read_text(encoding="utf-8")
    assert vcf.count("BEGIN:VCARD") == vcf.count("END:VCARD") > 0
    rows = list(csv.reader(io.StringIO((tmp_path / "a" / "enquete.csv").read_text("utf-8")),
                           delimiter=";"))
    assert {len(r) for r in rows} == {9}
