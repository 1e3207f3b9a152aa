"""The labelled special-category set (tests/data/special_categories/*.jsonl) and its scorer.

Each line is a record: ``units`` (text, optional ``field`` and ``kind``; several units form one
record, like a table row or a message with its headers), ``gold`` (the special-category entities
that are stated *about an identified person* in the record; empty for policies, news and generic
talk), optionally ``also`` (entities that are acceptable but not required: a genetic carrier
status is health data too) and ``kind`` (sentence, pronoun, row, message, negative). ``dev.jsonl`` was looked at while
improving the vocabularies and linkage; ``heldout.jsonl`` is only scored.

Scoring, per record and entity: a prediction is an entity with a *linked* detection at or above
the score threshold. TP = predicted and in gold; FP = predicted, not in gold; FN = in gold, not
predicted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scanner.models import Location, TextUnit

# One line of the set as json.loads gives it: id, units, gold (and optionally also).
Record = dict[str, Any]

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "special_categories"


def load(part: str) -> list[Record]:
    return [json.loads(line) for line in (DATA / f"{part}.jsonl").read_text("utf-8").splitlines()
            if line.strip()]


def units_of(rec: Record, n: int) -> list[TextUnit]:
    raw = rec["units"]
    assert isinstance(raw, list)
    record = f"r{n}" if len(raw) > 1 else None
    out = []
    for u in raw:
        out.append(TextUnit(Location(f"set://{rec['id']}", field=u.get("field")), u["text"],
                            kind=u.get("kind", "prose"), record=record))
    return out


# (record, units) -> set of linked entities predicted
Linked = Callable[[Sequence[TextUnit]], set[str]]


def score(records: Sequence[Record], predict: Linked) -> dict[str, object]:
    tp = fp = fn = 0
    misses: list[str] = []
    false: list[str] = []
    for n, rec in enumerate(records):
        gold = set(rec["gold"])
        got = predict(units_of(rec, n)) - (set(rec.get("also") or ()) - gold)
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
        if gold - got:
            misses.append(str(rec["id"]))
        if got - gold:
            false.append(str(rec["id"]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall,
            "records": len(records), "misses": misses, "false": false}


def engine_predictor(engine: object) -> Linked:
    from classifiers.special_categories import SPECIAL_ENTITIES

    def predict(units: Sequence[TextUnit]) -> set[str]:
        found = engine.analyze(list(units))  # type: ignore[attr-defined]
        return {d.entity for ds in found for d in ds
                if d.entity in SPECIAL_ENTITIES and d.linked}
    return predict
