"""The unseen-data benchmark's corpus and scoring (benchmarks/unseen.py): every entity is planted
and written, a seed gives the same bytes, and precision, recall and the false findings' kinds are
counted as stated. The CLI is not run here."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

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
