"""What the NER model reads (issue 12): only the sentences that can hold a name, short pieces
batched together, no values the column classifier already claims. Tables of positive and
negative examples, and the fast path against the slow one (the whole text, as before) on the
real spaCy pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers import ner
from classifiers.ner import (
    SpacyNer,
    batch_for,
    claimed_by_column,
    model_reads,
    name_part_field,
    wants_ner,
)
from classifiers.ner_text import PIECE_CHARS, can_hold_name, name_pieces, pieces
from scanner.models import Location, TextUnit


def unit(text: str, kind: str = "prose", field: str | None = None,
         uri: str = "mem://t") -> TextUnit:
    return TextUnit(Location(uri, field=field), text, kind=kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sentence", "can"),
    [
        ("Please charge card 2283000597972128 for the order of Jennifer Bruce. ", True),
        ("Joseph Hawkins can be reached at timothy54@example.org. ", True),
        ("Scott is a very sympathetic person. ", True),  # one word, then a person's verb
        ("John: You saved my life! ", True),
        ("Mr. Smith arrived late. ", True),
        ("The French delegation met at noon. ", True),
        ("What's your last name? ", False),
        ("Magnusson\n", True),
        ("Kimberly Reese\n", True),
        ("- Gutierrez and Sons agreed to it by 2023-10-30.\n", True),  # the model reads; checks drop
        ("Order 4795420006 was packed in 32 boxes (477.53 kg). ", False),
        ("Call 6383154719 to confirm order 8253483191. ", False),
        ("Budget line 3713-21-6788 is 65% spent. ", False),
        ("Account treat vote old. ", False),
        ("Invoice INV-96529 for 5114.95 EUR is due on 24/02/2025. ", False),  # acronyms only
        ("Gutierrez PLC agreed to visualize B2C infrastructures. ", False),  # a firm
        ("The USA and the UK signed. ", False),
        ("2022-02-20T04:30:33.435066 INFO worker job=55\n", False),
        ("I bought my car in 1972", True),  # a year: the model tags it as a date
        ("1972", True),
        ("May 1st, 1977", True),
        ("Order 1975 was packed in 3 boxes. ", True),
        ("", False),
        ("   \n", False),
    ],
)
def test_can_hold_name(sentence: str, can: bool) -> None:
    assert can_hold_name(sentence) is can


PROSE = (
    "Account treat vote old. Please charge card 2283000597972128 for the order of Jennifer "
    "Bruce. Ask must letter own become. Joseph Hawkins can be reached at timothy54@example.org "
    "or +1-237-380-8105x2762. Away Democrat agree get.\n\n"
    "Call 6383154719 to confirm order 8253483191. Budget line 3713-21-6788 is 65% spent.\n"
    "Kimberly Reese\nRanger/warden, Jones, Faulkner and Leach\nTel. 001-852-826-8109x226\n"
)


def test_name_pieces_are_parts_of_the_text_with_their_offsets() -> None:
    got = list(name_pieces(PROSE))
    assert got
    for off, piece in got:
        assert PROSE[off:off + len(piece)] == piece
        assert 0 < len(piece) <= PIECE_CHARS
    read = "".join(p for _, p in got)
    for name in ("Jennifer Bruce", "Joseph Hawkins", "Kimberly Reese"):
        assert name in read
    for skipped in ("Account treat", "Call 6383154719", "3713-21-6788"):
        assert skipped not in read
    assert sum(map(len, (p for _, p in got))) < len(PROSE)
    offsets = [o for o, _ in got]
    assert offsets == sorted(offsets)


@pytest.mark.parametrize(
    "text",
    ["", "no capitals here at all. none.\n", "x" * 5000, ("Jane Roe met Sam Lee. " * 400)],
)
def test_name_pieces_stay_small_and_in_order(text: str) -> None:
    got = list(name_pieces(text))
    assert all(text[o:o + len(p)] == p and len(p) <= PIECE_CHARS for o, p in got)
    assert all(a[0] + len(a[1]) <= b[0] for a, b in zip(got, got[1:], strict=False))
    if text.startswith("Jane"):
        assert "".join(p for _, p in got) == text  # every sentence can hold a name: all read


@pytest.mark.parametrize(
    ("lengths", "expect"),
    [
        ([], 16),
        ([2000] * 20, 16),  # full pieces: the configured batch
        ([100] * 500, 256),  # short sentences: more per batch, at most MAX_BATCH
        ([500] * 100, 64),  # about BATCH_CHARS characters per batch
    ],
)
def test_batch_for(lengths: list[int], expect: int) -> None:
    assert batch_for(["x" * n for n in lengths], 16) == expect


@pytest.mark.parametrize(
    ("field", "value", "reads"),
    [
        ("owner", "Jane Roe", True),  # a person's role: the model reads it
        ("customer", "Jane Roe", False),  # a person's role, and name-shaped: COL-NAME's
        ("customer", "Jane Roe (VIP)", True),
        ("customer.email", "jane.roe@example.org", False),  # an e-mail address alone
        ("contact", "jroe@example.org", False),
        ("contact", "Jane Roe <jroe@example.org>", True),
        ("first_name", "Jane", False),  # the column classifier reports it without the model
        ("full_name", "Jane Roe", False),
        ("name", "Jane Roe", False),  # a bare name column, a name-shaped value
        ("name", "acme widget 3000", True),  # not claimed: the model decides
        ("product_name", "Jane Roe", False),  # a catalogue field: never read
        ("notes_id", "Jane Roe", False),
    ],
)
def test_values_the_model_reads(field: str, value: str, reads: bool) -> None:
    u = unit(value, "value", field, "file:///staff.csv")
    assert model_reads(u) is reads
    if reads:
        assert wants_ner(u)  # the field gate lets through what the model reads


@pytest.mark.parametrize(
    ("field", "value", "claimed"),
    [
        ("first_name", "Jane", True),
        ("surname", "Roe", True),
        ("name", "Jane Roe", True),
        ("name", "acme widget 3000", False),
        ("owner", "Jane Roe", False),
        ("email", "jane@example.org", False),
    ],
)
def test_claimed_by_column(field: str, value: str, claimed: bool) -> None:
    assert claimed_by_column(unit(value, "value", field, "file:///staff.csv")) is claimed


@pytest.mark.parametrize(
    ("field", "name_part"),
    [("surname", True), ("first_name", True), ("orders[3].customer.name", True),
     ("Sheet!owner", False), ("contact", False), (None, False), ("user", False)],
)
def test_name_part_field(field: str | None, name_part: bool) -> None:
    assert name_part_field(field) is name_part


def test_claimed_values_still_reported_by_the_column_classifier() -> None:
    """The value the model no longer reads is reported as PERSON all the same (COL-NAME)."""
    from classifiers.engine import Engine
    from scanner.settings import ClassifySettings

    u = TextUnit(Location("file:///staff.csv", 2, "name"), "Jane Roe", "value", "row:2")
    found = Engine(ClassifySettings()).analyze([u])[0]
    assert [(d.entity, u.text[d.start:d.end]) for d in found] == [("PERSON", "Jane Roe")]


# -- the fast path against the slow one ------------------------------------------------------------
def _people(sner: SpacyNer, texts: list[str]) -> set[tuple[int, int, int]]:
    out = sner.analyze([unit(t) for t in texts])
    return {(i, d.start, d.end) for i, ds in enumerate(out) for d in ds if d.entity == "PERSON"}


def _agree(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[float, int, int]:
    sner = SpacyNer()
    fast = _people(sner, texts)
    monkeypatch.setattr(ner, "name_pieces", pieces)  # the slow path: every sentence read
    slow = _people(sner, texts)
    monkeypatch.undo()
    return len(fast & slow) / max(1, len(slow)), len(fast), len(slow)


def test_fast_path_finds_the_names_the_whole_text_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    paragraphs = [
        "Please charge card 2283000597972128 for the order of Jennifer Bruce. Ask must letter "
        "own become. Joseph Hawkins can be reached at timothy54@example.org or 555-0100.",
        "Call 6383154719 to confirm order 8253483191. Salary for Megan Jones goes to IBAN "
        "GB79KFAV01230665364846 from next month. Craig Lee logged in from 151.30.203.59.",
        "Order 7731 shipped in 4 boxes. Refunds go to Maria Garcia, IBAN on file. Budget line "
        "3713-21-6788 is 65% spent.",
        "The French delegation met Angela Merkel at the White House. Scott is a kind person.",
    ] * 10
    ratio, fast, slow = _agree(["\n\n".join(paragraphs) + "\n"], monkeypatch)
    assert slow >= 40
    assert ratio >= 0.97 and fast >= 0.97 * slow, (ratio, fast, slow)


def test_fast_path_on_labelled_sentences(shared_corpus: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """presidio-research's synthetic sentences (../shared/corpus): the PERSON spans of the
    fast path are those of the slow path (measured: 136 of the 137 PERSON spans of the first
    300 sentences, and one more)."""
    data = json.loads((shared_corpus / "labeled" / "presidio_research_synth_dataset_v2.json")
                      .read_text(encoding="utf-8"))
    texts = [d["full_text"] for d in data[:300]]
    ratio, fast, slow = _agree(texts, monkeypatch)
    assert slow >= 100
    assert ratio >= 0.97 and fast >= 0.97 * slow, (ratio, fast, slow)
