"""Card numbers against product codes, orders and serials: an EAN-13, UPC or tracking number
passes the Luhn check one time in ten, like any digits. In a column or key that names such codes,
or right after such a key in text, it is not a card; in a card column, or after a card word, the
same digits still are (the department share's ``orders[n].sku`` EAN-13 codes were 540 false
cards before)."""

from __future__ import annotations

import pytest

from classifiers.pii import CreditCardClassifier, _not_card_field, luhn
from tests.helpers.classify import BACKENDS, analyze, pattern_engine

# EAN-13 codes made by Faker's ean13() that pass the Luhn check
EANS = ["6281948219936", "6516761222024", "3954862057986", "6751361341250"]


def test_the_codes_pass_luhn() -> None:
    assert all(luhn(e) for e in EANS)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "field", "card"), [
    # product codes, orders, serials: not cards
    (EANS[0], "orders[24].sku", False),
    (EANS[1], "sku", False),
    (EANS[2], "EAN13", False),
    (EANS[3], "items[2].productCode", False),
    (EANS[0], "TrackingNumber", False),
    (EANS[1], "barcode", False),
    (f"EAN {EANS[2]} ships today", None, False),
    (f"SKU: {EANS[3]}", None, False),
    (f"tracking # {EANS[0]}", None, False),
    (f"Order no. {EANS[1]} was packed", None, False),
    ("sku=4111111111111111", None, False),
    # cards: a card column or word decides, wherever the digits came from
    (EANS[0], "card_number", True),
    (EANS[1], "customer.card", True),
    (EANS[3], "payment", True),
    # ... if a scheme issues its head at its length: 39 is Diners Club, 14-19 digits
    (EANS[2], "card_number", False),
    (EANS[3], "card_sku", True),  # a card word in the key wins
    (f"charge card {EANS[0]} for the order", None, True),
    ("card 4111 1111 1111 1111", None, True),
    ("4111111111111111", "amount", True),  # a column naming no product code: still a card
    (f"Please charge {EANS[1]} for the order of Jane Roe.", None, True),
])
def test_card_or_product_code(text: str, field: str | None, card: bool, backend: str) -> None:
    found = analyze(pattern_engine(CreditCardClassifier, backend), text, "value" if field else
                    "prose", field=field)
    assert bool([d for d in found if d.entity == "CREDIT_CARD"]) is card


@pytest.mark.parametrize(("field", "named"), [
    ("sku", True), ("orders[3].ean", True), ("TrackingNumber", True), ("imei", True),
    ("order_id", True), ("card_sku", False), ("cc", False), ("name", False), (None, False),
    ("amount", False), ("inventory", False),
])
def test_not_card_field(field: str | None, named: bool) -> None:
    assert _not_card_field(field) is named
