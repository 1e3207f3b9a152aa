"""National identifiers: tables of generated valid IDs (found, in their usual sentences) and near
misses (one digit off, an unallocated prefix, no context word) that must be rejected."""

from __future__ import annotations

import pytest

from classifiers import national_id_samples as samples
from classifiers import national_ids as n
from classifiers.engine import Engine
from classifiers.national_ids import NationalIdClassifier
from scanner.settings import ClassifySettings
from tests.helpers.classify import BACKENDS, analyze

ENTITIES = sorted(samples.SCHEMES)
PER_ENTITY = 25


def _engine(backend: str, full: bool = False) -> Engine:
    settings = ClassifySettings(ner=False)
    classifiers = None if full else [NationalIdClassifier()]
    return Engine(settings, classifiers, use_hyperscan=backend == "hyperscan")


def _found(engine: Engine, text: str, field: str | None = None) -> list[tuple[str, str]]:
    kind = "value" if field else "prose"
    return [(d.entity, text[d.start : d.end]) for d in analyze(engine, text, kind, field)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("entity", ENTITIES)
def test_generated_valid_ids_are_found(entity: str, backend: str) -> None:
    engine = _engine(backend)
    for value, sentence in samples.samples(entity, PER_ENTITY):
        assert (entity, value) in _found(engine, sentence), sentence


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("entity", ENTITIES)
def test_near_misses_are_rejected(entity: str, backend: str) -> None:
    engine = _engine(backend)
    for value, sentence in samples.invalid_samples(entity, PER_ENTITY):
        hits = [e for e, v in _found(engine, sentence) if v == value]
        assert entity not in hits, sentence


@pytest.mark.parametrize("entity", samples.CHECKSUMMED)
def test_every_single_digit_change_breaks_the_checksum(entity: str) -> None:
    validate = {**n._VALIDATORS, "DE_ID_CARD": lambda v: n.de_id_card_valid(v, True)}[entity]
    for value, _ in samples.samples(entity, 10):
        assert validate(value), value
        for i, c in enumerate(value):
            if not c.isdigit():
                continue
            for k in "0123456789":
                if k != c:
                    changed = value[:i] + k + value[i + 1 :]
                    if entity == "BE_NATIONAL_NUMBER" and i < 2 and int(changed[:2]) <= 26:
                        continue  # a year both centuries allow: the check digits then differ
                    assert not validate(changed), (value, changed)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # published specimens and worked examples (valid by their scheme's rules)
        ("NI number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
        ("Steuer-ID 86095742719", "DE_TAX_ID", "86095742719"),
        ("DNI 12345678Z", "ES_NIF", "12345678Z"),
        ("NIE X1234567L", "ES_NIE", "X1234567L"),
        ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
        ("PESEL 44051401359", "PL_PESEL", "44051401359"),
        ("personnummer 811218-9876", "SE_PERSONNUMMER", "811218-9876"),
        ("BSN 111222333", "NL_BSN", "111222333"),
        ("Rijksregisternummer 85.07.30-033.28", "BE_NATIONAL_NUMBER", "85.07.30-033.28"),
        ("NIR 2 55 08 14 168 025 38", "FR_NIR", "2 55 08 14 168 025 38"),
        ("driving licence MORGA753116SM9IJ", "UK_DRIVING_LICENCE", "MORGA753116SM9IJ"),
        ("nino hh 01 02 03 d", "UK_NINO", "hh 01 02 03 d"),  # lower case
        ("DNI 1111111-G", "ES_NIF", "1111111-G"),  # old DNI without its leading zero
        ("personnummer 189004119807", "SE_PERSONNUMMER", "189004119807"),  # born in the 1890s
        ("a pesel column", "PL_PESEL", None),
    ],
)
def test_worked_examples(text: str, entity: str, value: str | None) -> None:
    hits = _found(_engine("re"), text)
    if value is None:
        assert not [h for h in hits if h[0] == entity]
    else:
        assert (entity, value) in hits


@pytest.mark.parametrize(
    "text",
    [
        "QQ 12 34 56 C is the example HMRC prints on its forms",  # specimen prefix
        "ticket GB123456A",  # GB is never allocated
        "Invoice 12345678901 paid on time",  # 11 digits, no context: not a PESEL/BSN/Steuer-ID
        "call 0612345678 tomorrow",  # 10 digits without a personnummer word
        "order 111222333 shipped",  # 11-proof, but no BSN word
        "Part number ABCDEF85T10A562X",  # codice fiscale shape, wrong check letter
        "Ticket E-1002 closed",
        "version 12345678Z-beta",
        "release 2024.10.12-001.55",
    ],
)
def test_prose_without_ids_stays_clean(text: str) -> None:
    assert not [h for h in _found(_engine("re", full=True), text) if h[0] in n.ENTITIES]


# Each of these is the ID's shape with its context word, but inside a longer token: the scheme's
# boundaries hold for every alternative of its pattern.
INSIDE_LONGER = [
    ("BSN 1112223334", "NL_BSN"),  # the first nine digits are 11-proof
    ("BSN 01112223330", "NL_BSN"),  # a digit either side
    ("personnummer 98112189876", "SE_PERSONNUMMER"),  # ten digits at the end of eleven
    ("personnummer 811218987612", "SE_PERSONNUMMER"),
    ("passport number X12AB12345", "PASSPORT"),  # the 2-letters-5-digits shape after a prefix
    ("passport number 12AB123456", "PASSPORT"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "entity"), INSIDE_LONGER)
def test_an_id_inside_a_longer_token_is_not_found(text: str, entity: str, backend: str) -> None:
    assert not [h for h in _found(_engine(backend), text) if h[0] == entity]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "entity", "value"), [
    ("BSN 111222333", "NL_BSN", "111222333"),
    ("BSN 1112.22.333", "NL_BSN", "1112.22.333"),
    ("BSN 111 222 333", "NL_BSN", "111 222 333"),
    ("personnummer 8112189876", "SE_PERSONNUMMER", "8112189876"),
    ("personnummer 198112189876", "SE_PERSONNUMMER", "198112189876"),
    ("passport number 12AB12345", "PASSPORT", "12AB12345"),
])
def test_every_alternative_still_matches_on_its_own(text: str, entity: str, value: str,
                                                    backend: str) -> None:
    assert (entity, value) in _found(_engine(backend), text)


def test_a_field_named_for_the_id_is_context() -> None:
    value = next(samples.samples("PL_PESEL", 1))[0]
    assert ("PL_PESEL", value) in _found(_engine("re"), value, field="pesel")
    assert not _found(_engine("re"), value, field="order_total")


def test_every_entity_has_a_government_id_category() -> None:
    from classifiers.engine import taxonomy

    for entity in n.ENTITIES:
        assert taxonomy()[entity]["category"].startswith("user.government_id."), entity


def test_a_nir_that_passes_luhn_is_a_nir_not_a_card() -> None:
    text = "NIR 152086579373064"  # 15 digits starting with 1: also a Luhn-valid UATP shape
    assert [e for e, _ in _found(_engine("re", full=True), text) if e in ("FR_NIR", "CREDIT_CARD")] \
        == ["FR_NIR"]
    assert ("CREDIT_CARD", "122000000000003") in _found(_engine("re", full=True),
                                                        "UATP card 122000000000003")
