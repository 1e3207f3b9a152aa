"""Card numbers by scheme rules: a Luhn-valid run of digits is a card only if a scheme issues its
head at its length, not when it carries a sign or a decimal part, and (13 digits of a Maestro
head, also an EAN-13's or a 13-digit phone's) only with a card word or a card field. Found by
scanning Faker's non-personal providers (``ean13``, ``msisdn``, ``pyfloat``): 21 false cards
(high severity) in 600 values each."""

from __future__ import annotations

import pytest

from classifiers.pii import CreditCardClassifier, luhn
from tests.helpers.classify import BACKENDS, analyze, pattern_engine

# Faker ean13() codes (seed 5) with a valid Luhn digit and a card-like head
EAN_LUHN = ["4056086569074", "5159045847448", "5762205190119", "3370781497809", "6420606259772"]
VISA13 = "4746998766525"  # Faker credit_card_number("visa13")


def test_the_numbers_pass_luhn() -> None:
    assert all(luhn(n) for n in [*EAN_LUHN, VISA13, "4111111111111111", "166048100430288",
                                 "273034900718882", "135412345678911"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "field", "card"), [
    # no scheme issues the head at this length
    (f"The ean13 is {EAN_LUHN[1]}.", None, False),  # 51-55: Mastercard, 16 digits only
    (f"value={EAN_LUHN[3]} took 12ms", None, False),  # 33: no scheme
    (EAN_LUHN[4], "value", False),  # 64: Discover 644-649, 16-19 digits
    # 13 digits of a Maestro head but no card word: an EAN-13 or a phone as likely as a card
    (f"The msisdn is {EAN_LUHN[2]}.", None, False),
    (EAN_LUHN[2], "value", False),
    (f"card {EAN_LUHN[2]}", None, True),
    # 13 digits of Visa's head (Faker's visa13): a card, unless a key names a product code
    (f"Record for Jane: {VISA13}. Thanks.", None, True),
    (EAN_LUHN[0], "value", True),
    (f"The ean13 is {EAN_LUHN[0]}.", None, False),
    (f"EAN: {EAN_LUHN[0]}", None, False),
    (f"card {VISA13}", None, True),
    (VISA13, "card_number", True),
    (f"Please charge {VISA13} for the order.", None, True),
    # a sign or a decimal part: a number, not a card
    ("The pyfloat is -4111111111111111.9.", None, False),
    ("balance: -4111111111111111", None, False),
    ("ratio 4111111111111111.25", None, False),
    ("ratio 0.4111111111111111", None, False),
    # ... which an ending full stop, a key's dash or a CSV comma is not
    ("Pay with 4111111111111111.", None, True),
    ("card-4111111111111111", None, True),
    ("2962,4111111111111111,GB22HPSE00923775292623", None, True),
    ("4111111111111111", "value", True),  # 16 digits of a Visa head: a card without a word
    # a French social security number (Faker's fr_FR ssn()) that passes Luhn: its own key
    # decides, with or without a word for it
    ("Record for Anne: 166048100430288. Thanks.", None, False),
    ("273034900718882", "value", False),
    ("UATP 135412345678911", None, True),  # Luhn-valid, no valid NIR
    # ... unless the field or the word right before names a card (Faker's JCB "1800..." of 15
    # digits that is also a valid NIR, planted in the dense benchmark's `card` field)
    ("166048100430288", "card", True),
    ("166048100430288", "cc_number", True),
    ("Paid with JCB 166048100430288 today.", None, True),
    ("card number: 166048100430288", None, True),
])
def test_card_shapes(text: str, field: str | None, card: bool, backend: str) -> None:
    found = analyze(pattern_engine(CreditCardClassifier, backend), text, "value" if field else
                    "prose", field=field)
    assert bool([d for d in found if d.entity == "CREDIT_CARD"]) is card
