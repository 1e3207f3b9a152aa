"""PII-VIN, the classifier added as one file plus one pyproject line: a table of vehicle
identification numbers that must be found and of look-alikes that must not, on both pattern
back ends and through the whole default engine (so no other classifier's overlap hides it)."""

from __future__ import annotations

import random

import pytest

from classifiers import registry
from classifiers.engine import Engine
from classifiers.patterns import hyperscan_available
from classifiers.vin import ALPHABET, VinClassifier, check_digit, check_digit_ok
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings

BACKENDS = ["re"] + (["hyperscan"] if hyperscan_available() else [])

# (text, field, the VIN expected): published examples with their check digit (49 CFR 565's
# 1M8GDM9AXKP042788, whose check digit is X; Wikipedia's 1HGCM82633A004352), and VINs without a
# valid North-American check digit that a context word makes count.
POSITIVES = [
    ("Vehicle 1M8GDM9AXKP042788 was sold to the customer.", None, "1M8GDM9AXKP042788"),
    ("1HGCM82633A004352", None, "1HGCM82633A004352"),
    ("claim 4471; car 1HGCM82633A004352; driver Jane Roe", None, "1HGCM82633A004352"),
    ("JH4KA7561PC008269,2019-03-01,Jane Roe", None, "JH4KA7561PC008269"),
    ("Fahrgestellnummer: WVWZZZ3CZWE123456", None, "WVWZZZ3CZWE123456"),
    ("VIN WBA3A5C51CF256651 (dealer stock)", None, "WBA3A5C51CF256651"),
    ("WVWZZZ3CZWE123456", "vehicle_vin", "WVWZZZ3CZWE123456"),
    ("numéro de série VF1RFB00X12345678", None, "VF1RFB00X12345678"),
]

# (text, field): look-alikes. None may be reported as a VIN.
NEGATIVES = [
    ("1HGCM82643A004352", None),  # one digit off: check digit wrong, no context
    ("WVWZZZ3CZWE123456", None),  # no check digit and no context word
    ("having WVWZZZ3CZWE123456 in the provinces", None),  # "vin" inside words is no context
    ("1hgcm82633a004352", None),  # lower case
    ("1HGCM82633AO04352", None),  # O is not in ISO 3779's alphabet
    ("VIN 1HGCM82633AQ04352", None),  # nor Q, even with context
    ("VIN 1HGCM82633A0043521", None),  # 18 characters
    ("VIN X1HGCM82633A004352", None),  # part of a longer token
    ("VIN 11111111111111111", None),  # digits only (its check digit is right)
    ("VIN 1HGCM82633A00435A", None),  # the serial's last four are not digits
    ("tracking 1Z999AA10123456784", None),  # a UPS number, 18 characters
    ("sha1 3F786850E387550FDAB836ED7E6DC881DE23001B", None),  # a hash
    ("id 9F86D081884C7D659A2FEAA0C55AD015", None),  # 32 hex digits
    ("order ORD-2024-000123-ABCDE", None),
    ("ABCDEFGHJKLMNPRST", None),  # letters only
    ("serial 12345678901234567", None),  # a 17-digit number
]


def _engine(backend: str, full: bool = False) -> Engine:
    return Engine(ClassifySettings(ner=False), None if full else [VinClassifier()],
                  use_hyperscan=backend == "hyperscan")


def _vins(engine: Engine, text: str, field: str | None) -> list[str]:
    unit = TextUnit(Location("mem://t", field=field), text, kind="value" if field else "prose")
    return [text[d.start : d.end] for d in engine.analyze([unit])[0] if d.entity == "VIN"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("full", [False, True], ids=["alone", "default-engine"])
@pytest.mark.parametrize(("text", "field", "vin"), POSITIVES)
def test_vins_are_found(text: str, field: str | None, vin: str, backend: str, full: bool) -> None:
    assert _vins(_engine(backend, full), text, field) == [vin]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "field"), NEGATIVES)
def test_look_alikes_are_not(text: str, field: str | None, backend: str) -> None:
    assert _vins(_engine(backend, full=True), text, field) == []


def test_check_digit_of_the_published_examples() -> None:
    assert check_digit("1M8GDM9AXKP042788") == "X"
    assert check_digit("1HGCM82633A004352") == "3"
    assert not check_digit_ok("1HGCM82643A004352")


def test_context_raises_the_score_of_a_valid_vin() -> None:
    engine = _engine("re")
    plain = engine.analyze([TextUnit(Location("mem://t"), "1HGCM82633A004352")])[0]
    near = engine.analyze([TextUnit(Location("mem://t"), "VIN: 1HGCM82633A004352")])[0]
    assert plain[0].score < near[0].score


def test_random_tokens_of_the_right_shape_pass_about_one_in_33() -> None:
    """Precision without context: a token with the VIN shape is reported only when its check
    digit holds: position 9 must be the one right character of 33, so chance gives about 1 in
    33 (seeded: the figure, 98 of 3,000, is reproducible)."""
    rng = random.Random(3779)
    letters = [c for c in ALPHABET if c.isalpha()]
    engine = _engine("re")
    tokens = []
    for _ in range(3000):
        head = [rng.choice(letters)] + [rng.choice(ALPHABET) for _ in range(12)]
        tokens.append("".join(head) + "".join(rng.choice("0123456789") for _ in range(4)))
    units = [TextUnit(Location(f"mem://{i}"), t) for i, t in enumerate(tokens)]
    reported = [t for t, ds in zip(tokens, engine.analyze(units), strict=True) if ds]
    assert all(check_digit_ok(t) for t in reported)
    assert sum(check_digit_ok(t) for t in tokens) == len(reported)
    assert 0.02 < len(reported) / len(tokens) < 0.045


def test_registered_by_its_entry_point_in_its_place() -> None:
    ids = [cls.id for cls in registry.classifier_classes()]
    assert ids.index("PII-VIN") == ids.index("PII-NATIONAL-ID") + 1
