"""The throughput benchmark's ground truth: what the corpus plants, and how findings are judged.

No Presidio, spaCy or timing here: only the corpus generator and the true/other rules.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from benchmarks.corpus import CARDS, FAMILIES, IBANS, Truth, build, slice_chars, slice_text
from benchmarks.throughput import Judge, family_of, truth_table
from scanner.redact import value_hash

SECRET = b"s" * 32

# sha256 over (name, bytes) of the four files of build(dest, 0.05) with seed 1234, as written
# before the ground truth was added: docs/benchmark.md compares rounds on this corpus.
CORPUS_005 = "f1d23ceded8db0fffc414a18634966da1e510081f650019059559f1bd715ab01"


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _written(value: str, text: str) -> bool:
    """Whether ``value`` is in ``text`` as written: as is, or escaped by json.dumps (NDJSON)."""
    return value in text or json.dumps(value)[1:-1] in text


def _cards_and_ibans_in(text: str) -> tuple[int, int]:
    """Card and IBAN occurrences in ``text``, found by substring: nothing else writes them."""
    return sum(text.count(c) for c in CARDS), sum(text.count(i) for i in IBANS)


def _cards_and_ibans(truth: Truth) -> tuple[int, int]:
    return truth.occurrences["CREDIT_CARD"], truth.occurrences["IBAN_CODE"]


def test_corpus_is_byte_identical_with_or_without_truth(tmp_path: Path) -> None:
    plain = build(tmp_path / "plain", 0.05)
    recorded = build(tmp_path / "truth", 0.05, truth=Truth())
    assert [p.name for p in plain] == [p.name for p in recorded]
    assert _digest(plain) == _digest(recorded) == CORPUS_005


def test_every_family_is_planted_and_every_planted_value_is_written(tmp_path: Path) -> None:
    truth = Truth()
    text = "".join(p.read_text(encoding="utf-8") for p in build(tmp_path, 0.05, truth=truth))
    for family in FAMILIES:
        assert truth.values[family], family
        assert truth.occurrences[family] >= len(truth.values[family])
        missing = [v for v in truth.values[family] if not _written(v, text)]
        assert not missing, (family, missing[:5])


def test_only_written_values_count(tmp_path: Path) -> None:
    """Every sentence template draws a card and an IBAN, but few sentences write one: the
    occurrences must be those in the text, not those drawn."""
    truth = Truth()
    text = "".join(p.read_text(encoding="utf-8") for p in build(tmp_path, 0.05, truth=truth))
    assert _cards_and_ibans(truth) == _cards_and_ibans_in(text)


def test_truth_of_a_slice_is_what_the_slice_holds(tmp_path: Path) -> None:
    whole, part = Truth(), Truth(chars=slice_chars(0.05))
    paths = build(tmp_path / "a", 0.2, truth=whole)
    build(tmp_path / "b", 0.2, truth=part)
    text = slice_text(paths, 0.05)
    assert _cards_and_ibans(part) == _cards_and_ibans_in(text)
    for family in FAMILIES:
        assert 0 < part.occurrences[family] < whole.occurrences[family], family
        missing = [v for v in part.values[family] if not _written(v, text)]
        assert not missing, (family, missing[:5])


PLANTED = {
    "PHONE_NUMBER": {"+44 20 7946 0123"},
    "EMAIL_ADDRESS": {"jane.doe12@example.com"},
    "DATE": {"1980-05-17"},
}


def test_families_of_entities() -> None:
    assert family_of("DATE_TIME") == family_of("DATE_OF_BIRTH") == "DATE"
    assert family_of("PHONE_NUMBER") == "PHONE_NUMBER"
    assert family_of("URL") == "URL"


def test_piiscout_finding_is_true_when_its_hash_is_of_a_planted_value() -> None:
    judge = Judge(PLANTED, SECRET)
    # Another spelling of the planted number hashes alike (E.164 normal form).
    assert judge.piiscout("PHONE_NUMBER", value_hash(SECRET, "PHONE_NUMBER", "+442079460123"))
    assert not judge.piiscout("PHONE_NUMBER", value_hash(SECRET, "PHONE_NUMBER", "203.0.113.190"))
    # Same value, other key: not comparable, so not true.
    assert not judge.piiscout("PHONE_NUMBER",
                              value_hash(b"x" * 32, "PHONE_NUMBER", "+44 20 7946 0123"))


def test_presidio_finding_is_true_when_its_normal_form_is_planted() -> None:
    judge = Judge(PLANTED, SECRET)
    assert judge.presidio("EMAIL_ADDRESS", "Jane.Doe12@Example.com")
    assert not judge.presidio("EMAIL_ADDRESS", "jane.doe13@example.com")
    assert judge.presidio("PHONE_NUMBER", "+44 20 7946 0123")
    assert not judge.presidio("PHONE_NUMBER", "203.0.113.190")


def test_date_entities_are_judged_against_the_birth_dates() -> None:
    judge = Judge(PLANTED, SECRET)
    assert judge.presidio("DATE_TIME", "1980-05-17")
    assert not judge.presidio("DATE_TIME", "2024-03-05T10:12:00Z")
    assert judge.piiscout("DATE_OF_BIRTH", value_hash(SECRET, "DATE_OF_BIRTH", "1980-05-17"))
    assert not judge.piiscout("DATE_OF_BIRTH", value_hash(SECRET, "DATE_OF_BIRTH", "1980-05-18"))


def test_entities_no_family_covers_are_never_true() -> None:
    judge = Judge(PLANTED, SECRET)
    assert not judge.presidio("URL", "example.com")
    assert not judge.piiscout("US_DRIVER_LICENSE", value_hash(SECRET, "US_DRIVER_LICENSE", "1980"))


def test_truth_table_rows_and_the_families_where_piiscout_finds_fewer() -> None:
    planted = Counter({"PHONE_NUMBER": 6, "PERSON": 3})
    ours = Counter({("PHONE_NUMBER", True): 5, ("PHONE_NUMBER", False): 1, ("PERSON", True): 2})
    theirs = Counter({("PHONE_NUMBER", True): 4, ("PHONE_NUMBER", False): 783,
                      ("PERSON", True): 3, ("URL", False): 10})
    lines = truth_table(planted, ours, theirs).splitlines()
    assert "| PHONE_NUMBER | 6 | 5 | 4 | 1 | 783 |" in lines
    assert "| URL | 0 | 0 | 0 | 0 | 10 |" in lines
    assert "| IBAN_CODE | 0 | 0 | 0 | 0 | 0 |" in lines
    assert lines[-1].endswith(": PERSON")
    assert truth_table(planted, ours, Counter()).splitlines()[-1].endswith(": none")
