"""benchmarks/pattern_pass.py records what the engine scans: the buffers of its span databases
and its short texts, and puts the engine back as it was. No timing here."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import pattern_pass
from classifiers.patterns import PatternSet, _span_collector
from classifiers.phones import PhoneClassifier

pytest.importorskip("hyperscan")


def test_records_the_scans_and_restores_the_engine(tmp_path: Path) -> None:
    lines = [f"Call Jane on +44 20 7946 0{i:03d} or write to jane{i}@example.org." for i in range(40)]
    (tmp_path / "notes.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "people.csv").write_text("name,phone\nJane Doe,+44 20 7946 0018\nJohn Roe,555\n")
    short_with, validate = PatternSet._short_with, PhoneClassifier.validate
    ps, dbs, scans, shorts, owners = pattern_pass.record(str(tmp_path))
    assert PatternSet._short_with is short_with and PhoneClassifier.validate is validate
    assert ps._dbs == dbs
    assert scans, "the text file's buffer went to the span databases"
    assert b"+44 20 7946 0018" in shorts, "a CSV cell is a short text"
    found: set[str] = set()
    for k, data in scans:
        spans: dict[int, list[list[int]]] = {}
        dbs[k].scan(data, match_event_handler=_span_collector(spans))  # type: ignore[attr-defined]
        found |= {owners[pid] for pid in spans}
    assert {"PII-PHONE", "PII-EMAIL"} <= found
    assert pattern_pass.PHONE_ANSWERS["a phone number"] >= 40
    assert pattern_pass.PHONE_ANSWERS["rejected: digit count"] == 0  # "555" is no candidate
