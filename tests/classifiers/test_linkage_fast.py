"""Linkage's fast paths against their slow paths.

* :func:`classifiers.linkage.id_tokens` runs the ID-token patterns only where a digit and a
  letter (numbered tokens) or an ASCII capital (names) is: the slow path runs them all.
* :func:`scanner.column_vocab.is_identifier_column` and the name tokens are cached per name.
"""

from __future__ import annotations

import json

import pytest

from classifiers import linkage
from classifiers.linkage import Linkage, id_tokens
from scanner import column_vocab
from scanner.models import Detection, Location, TextUnit
from tests.helpers.paths import DATA


def _slow_id_tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    stop = len(text) if end is None else end
    return [*linkage._numbered(text, start, stop), *linkage._named(text, start, stop)]


TEXTS = [
    # positive: numbers, MRNs, titles, capitalised names
    "patient 4471", "Employee ID E-1043", "MRN 00123", "NHS number 943 476 5919",
    "customer no. 88", "Dr Patel", "Rabbi Cohen said", "from Nina Petrova about", "Dear Ann,",
    "Sofia Marin's fit note", "Tenzin Dorje is", "member #12", "staff 2024 number 55",
    # characters that case-insensitive matching folds to ASCII letters
    "\u017ftaff 12", "\u212aase 77", "case 77", "pat\u0131ent 12", "\u0130NMATE 42",
    # Unicode digits
    "patient \u0664\u0665\u0666", "employee \uff11\uff12",
    # negative: no digit, no letter, no capital, years, organisation words
    "2024-03-01", "1200.50", "+44 20 7946 0958", "active", "staff 2024 survey",
    "Cancer Research UK", "the Labour Party", "", " ", "n/a", "x", "12", "patient",
    "patient number", "\u0664\u0665 \u0666", "ÉLODIE 12", "émile dupont 12",
]


@pytest.mark.parametrize("text", TEXTS)
def test_id_tokens_like_the_slow_path(text: str) -> None:
    assert list(id_tokens(text)) == _slow_id_tokens(text)
    for a, b in ((0, len(text) // 2), (len(text) // 3, len(text)), (1, max(1, len(text) - 1))):
        assert list(id_tokens(text, a, b)) == _slow_id_tokens(text, a, b)


def test_id_tokens_table_is_not_vacuous() -> None:
    found = [t for t in TEXTS if _slow_id_tokens(t)]
    assert len(found) >= 18
    assert _slow_id_tokens("\u017ftaff 12")  # LONG S folds to s: the letter test must know it


def test_id_tokens_on_the_labelled_set_like_the_slow_path() -> None:
    texts = [u["text"] for f in sorted((DATA / "special_categories").glob("*.jsonl"))
             for line in f.read_text("utf-8").splitlines() if line.strip()
             for u in json.loads(line)["units"]]
    assert len(texts) > 100
    for text in texts:
        assert list(id_tokens(text)) == _slow_id_tokens(text)
        for word in text.split():  # table-cell-sized pieces
            assert list(id_tokens(word)) == _slow_id_tokens(word)


FIELDS = ["patient_id", "PatientID", "customer_id", "username", "userid", "CustomerNumber",
          "employee_no", "orders[3].customer.id", "id", "order_id", "address_id", "email",
          "patient_name", "Sheet1!patient_id", "", "x", "staff.ref", "Member Nr"]


@pytest.mark.parametrize("field", FIELDS)
def test_cached_column_answers_like_uncached(field: str) -> None:
    assert column_vocab.is_identifier_column(field) is column_vocab.is_identifier_column.__wrapped__(field)
    assert column_vocab.is_identifier_column(field) is column_vocab.is_identifier_column(field)
    assert column_vocab.name_tokens(field) == list(column_vocab._name_tokens.__wrapped__(field))


def test_name_tokens_are_fresh_lists() -> None:
    toks = column_vocab.name_tokens("BillingPostalCode")
    toks.append("mutated")
    assert column_vocab.name_tokens("BillingPostalCode") == ["billing", "postal", "code"]


def _health(value: str) -> Detection:
    return Detection("HEALTH", 0, len(value), 0.75, "SPECIAL-CAT", "x", value, False)


@pytest.mark.parametrize(
    ("cells", "linked"),
    [
        ({"patient_id": "4471", "notes": "diabetes"}, True),
        ({"patient_id": "n/a", "notes": "diabetes"}, False),
        ({"order_id": "4471", "notes": "diabetes"}, False),
        ({"ref": "patient 4471", "notes": "diabetes"}, True),
        ({"date": "2024-03-01", "amount": "12.50", "notes": "diabetes"}, False),
        ({"who": "Dr Patel", "notes": "diabetes"}, True),
    ],
)
def test_row_linkage_with_and_without_fast_paths(
    monkeypatch: pytest.MonkeyPatch, cells: dict[str, str], linked: bool
) -> None:
    def run() -> list[list[Detection]]:
        units = [TextUnit(Location("file:///t.csv", 2, k), v, "value", "row:2") for k, v in cells.items()]
        found = [[_health(v)] if k == "notes" else [] for k, v in cells.items()]
        Linkage().classify_record(units, found)
        return found

    fast = run()
    monkeypatch.setattr(linkage, "id_tokens", _slow_id_tokens)
    monkeypatch.setattr(linkage, "is_identifier_column", column_vocab.is_identifier_column.__wrapped__)
    assert run() == fast
    assert [d.linked for ds in fast for d in ds] == [linked]
