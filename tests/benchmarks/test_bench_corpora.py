"""The benchmark's corpora and scoring (benchmarks/corpora.py, benchmarks/throughput.py): what is
planted is written, a seed gives the same bytes, and precision / recall are counted as stated.
No timing and no peers here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from benchmarks.throughput import chunks, score_hashes, score_values
from scanner.redact import value_hash

pytest.importorskip("faker")
pytest.importorskip("fpdf")

from benchmarks import corpora  # needs faker


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _written(value: str, text: str) -> bool:
    return value in text or json.dumps(value, ensure_ascii=False)[1:-1] in text


def test_dense_corpus_plants_what_it_writes_and_repeats_with_its_seed(tmp_path: Path) -> None:
    a = corpora.dense(tmp_path / "a", 0.05)
    b = corpora.dense(tmp_path / "b", 0.05)
    assert _digest(a.files) == _digest(b.files)
    text = "".join(p.read_text(encoding="utf-8") for p in a.files)
    assert text == "".join(a.texts)
    for family in corpora.FAMILIES:
        assert a.values[family], family
        missing = [v for v in a.values[family] if not _written(v, text)]
        assert not missing, (family, missing[:3])
    assert abs(a.megabytes - 0.05) < 0.01


def test_share_corpus_has_every_kind_and_plants_what_the_peers_read(tmp_path: Path) -> None:
    c = corpora.share(tmp_path / "s", 0.4)
    kinds = {p.suffix for p in c.files}
    assert kinds == {".docx", ".xlsx", ".pdf", ".eml", ".json", ".log", ".csv", ".md"}
    text = "".join(c.texts)
    for family, values in c.values.items():
        missing = [v for v in values if not _written(v, text)]
        assert not missing, (family, missing[:3])
    assert c.values["EMAIL_ADDRESS"] and c.values["PERSON"]


def test_table_corpus(tmp_path: Path) -> None:
    import sqlite3

    c = corpora.table(tmp_path / "t", 1000)
    con = sqlite3.connect(c.files[0])
    assert con.execute("SELECT count(*) FROM customers").fetchone() == (1000,)
    phone = con.execute("SELECT phone FROM customers WHERE id = 7").fetchone()[0]
    assert phone in c.values["PHONE_NUMBER"]


def test_chunks_rejoin_and_cut_after_newlines() -> None:
    text = "".join(f"line {i} " * (i % 7) + "\n" for i in range(3000))
    pieces = chunks(text, 500)
    assert "".join(pieces) == text
    assert all(len(p) <= 500 for p in pieces)
    assert all(p.endswith("\n") for p in pieces)
    assert chunks("x" * 1200, 500) == ["x" * 500, "x" * 500, "x" * 200]  # no newline: hard cut


PLANTED = {"PHONE_NUMBER": {"+44 20 7946 0123", "(212) 555-0199"},
           "EMAIL_ADDRESS": {"jane@example.org"}}


def test_peer_scores_count_findings_and_distinct_planted_values() -> None:
    found = [("PHONE_NUMBER", "+442079460123"),  # another spelling: true
             ("PHONE_NUMBER", "+44 20 7946 0123"),  # the same value again: true, not new
             ("PHONE_NUMBER", "21.130059"),  # false
             ("EMAIL_ADDRESS", "user=jane@example.org"),  # the key taken in: false
             ("URL", "example.org")]  # no planted URL: not scored
    s = score_values(found, PLANTED)
    assert (s.findings["PHONE_NUMBER"], s.true["PHONE_NUMBER"]) == (3, 2)
    assert s.precision("PHONE_NUMBER") == pytest.approx(2 / 3)
    assert s.recall("PHONE_NUMBER", PLANTED) == 0.5
    assert s.precision("EMAIL_ADDRESS") == 0.0 and s.recall("EMAIL_ADDRESS", PLANTED) == 0.0
    assert "URL" not in s.findings


def test_piiscout_scores_go_by_the_runs_keyed_hash() -> None:
    secret, other = b"s" * 32, b"o" * 32
    findings = [{"entity": "PHONE_NUMBER", "value_hash": value_hash(secret, "PHONE_NUMBER", v)}
                for v in ("212-555-0199", "+1 212 555 0199", "+1 212 555 0100")]
    findings.append({"entity": "EMAIL_ADDRESS",
                     "value_hash": value_hash(other, "EMAIL_ADDRESS", "jane@example.org")})
    s = score_hashes(findings, PLANTED, secret)
    assert (s.findings["PHONE_NUMBER"], s.true["PHONE_NUMBER"]) == (3, 2)
    assert s.recall("PHONE_NUMBER", PLANTED) == 0.5
    assert s.true["EMAIL_ADDRESS"] == 0  # hashed with another key: not comparable


def test_the_median_of_the_repeated_runs_is_shown(monkeypatch) -> None:
    from benchmarks import throughput

    times = iter([3.0, 1.0, 2.0])
    monkeypatch.setattr(throughput, "timed", lambda fn: (next(times), fn(), 7))
    throughput.set_repeat(3)
    assert throughput.median_timed(lambda: "found") == (2.0, "found", 7)
    made = iter([throughput.CliRun("x", s, rss, [], b"", 0) for s, rss in ((5.0, 10), (9.0, 30))])
    monkeypatch.setattr(throughput, "run_cli", lambda *a, **k: next(made))
    first = throughput.CliRun("x", 4.0, 20, [], b"", 0)
    mid = throughput.median_cli("DIR", [], None, "x", first)  # type: ignore[arg-type]
    assert (mid.seconds, mid.peak_rss) == (5.0, 30)  # the middle time, the highest peak
    throughput.set_repeat(throughput.REPEAT)
