"""Smoke version of the accuracy benchmark: the first 100 labelled sentences of presidio-research's
synthetic dataset (skipped when ../shared is absent). The full run is ``make accuracy``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.paths import BENCHMARKS

BENCH = BENCHMARKS / "accuracy.py"

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def accuracy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("piiscout_accuracy", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_token_scoring_counts(accuracy: ModuleType) -> None:
    text = "Mail jane@example.org now"
    gold = [("EMAIL_ADDRESS", 5, 21, False)]
    pred = [("EMAIL_ADDRESS", 5, 21, False), ("PERSON", 0, 4, True)]
    scores = accuracy.token_scores([(text, gold)], [pred], {"EMAIL_ADDRESS", "PERSON"})
    assert scores["EMAIL_ADDRESS"] == (5, 0, 0)  # jane @ example . org
    assert scores["PERSON"] == (0, 1, 0)


def test_pattern_recall_on_first_100_sentences(
    accuracy: ModuleType, shared_corpus: Path
) -> None:
    data = accuracy.load_labelled(shared_corpus, 100)
    predict, _ = accuracy.piiscout_predictor()
    predicted = predict([t for t, _ in data], "prose")
    entities = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"}
    scores = accuracy.token_scores(data, predicted, entities)
    for entity in entities:
        tp, fp, fn = scores[entity]
        assert tp + fn > 0, f"no gold {entity} in the sample"
        precision, recall, _ = accuracy.prf(tp, fp, fn)
        assert recall >= (0.5 if entity == "PHONE_NUMBER" else 0.9), (entity, recall)
        assert precision >= 0.9, (entity, precision)
