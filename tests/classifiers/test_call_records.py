"""Call-detail / SMS records (classifiers/call_records.py): lines, record groups, negatives."""

from __future__ import annotations

import pytest

from classifiers.call_records import CallRecordClassifier, normalise_number
from classifiers.engine import Engine
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings

CDR = CallRecordClassifier()


def on_lines(text: str, kind: str = "log") -> tuple[TextUnit, list[Detection]]:
    u = TextUnit(Location("mem://cdr", 1), text, kind)  # type: ignore[arg-type]
    found: list[list[Detection]] = [[]]
    CDR.classify_record([u], found)
    return u, found[0]


def on_group(fields: list[tuple[str, str]]) -> list[list[Detection]]:
    units = [TextUnit(Location("mem://cdr.csv", 2, k), v, "value", record="row-2") for k, v in fields]
    found: list[list[Detection]] = [[] for _ in units]
    CDR.classify_record(units, found)
    return found


LINES = [
    # positives: CSV, key=value, syslog, national formats with context, 00 prefix, SMS via SMSC
    ("2024-03-01 10:02:11,+447700900123,+33612345678,00:03:12", True),
    ("2024-03-01T10:02:11Z caller=447700900123 callee=33612345678 duration=192", True),
    ("Mar  1 10:02:11 sbc1 CALL from +44 20 7946 0958 to +33 6 12 34 56 78 dur 00:03:12", True),
    ("01/03/2024 10:02 SMS 020 7946 0958 -> 06 12 34 56 78 via smsc +447785016005", True),
    ("2024-03-01 10:02:11|0044 20 7946 0958|0033 6 12 34 56 78|forwarded", True),
    ("a_number=4915112345678;b_number=12025550143;billsec=42", True),
    ("[2024-03-01 10:02:11] +14155552671 -> +12025550143", True),
    # negatives
    ("Jane Roe, +44 20 7946 0958, +44 7700 900123", False),  # contact list: no time, no duration
    ("Office hours 09:00-17:00, call +44 20 7946 0958 or +44 7700 900123", False),
    ("2024-03-01 10:02:11 call from +447700900123", False),  # one number
    ("2024-03-01 10:02:11 INFO upgraded 10.0.19045.4170 to 10.0.19045.4291 on 10.1.2.3", False),
    ("Widget 447700900 £12.99; Gadget 33612345678 £8.50; Bundle 2 x 12.99", False),  # price list
    ("2024-03-01 10:02:11 order 1234567 shipped, invoice 7654321, total 1234.56", False),
    ("2024-03-01 10:02:11 call +447700900123 and +447700900123 again", False),  # same number
]


@pytest.mark.parametrize(("text", "is_cdr"), LINES)
def test_call_record_lines(text: str, is_cdr: bool) -> None:
    _, dets = on_lines(text)
    cdrs = [d for d in dets if d.entity == "CALL_RECORD"]
    assert len(cdrs) == (1 if is_cdr else 0)
    if is_cdr:
        (d,) = cdrs
        assert (d.start, d.end) == (0, len(text))
        assert d.detector == "CDR-1" and d.score >= 0.6
        assert "numbers" in d.explanation
        for number in d.value.split("|")[:-1]:  # never a number in the explanation
            assert number.lstrip("+")[-6:] not in d.explanation


GROUPS = [
    ([("caller", "447700900123"), ("callee", "+33 6 12 34 56 78"),
      ("start_time", "2024-03-01 10:02:11"), ("duration", "192"), ("call_type", "voice")], True),
    ([("a_number", "07700900123"), ("b_number", "0612345678"), ("timestamp", "1709287331")], True),
    ([("msisdn", "+447700900123"), ("forwarded_to", "+442079460958"), ("dur", "00:01:05")], True),
    ([("from", "+14155552671"), ("to", "+12025550143"), ("smsc", "+447785016005"),
      ("date", "2024-03-01T10:02:11Z"), ("type", "sms")], True),
    # a contact table row: two numbers and updated_at, but nothing says "call"
    ([("name", "Jane Roe"), ("phone", "+44 20 7946 0958"), ("mobile", "+44 7700 900123"),
      ("updated_at", "2024-03-01 10:02:11")], False),
    ([("caller", "447700900123"), ("start_time", "2024-03-01 10:02:11"), ("duration", "12")], False),
    ([("caller", "447700900123"), ("callee", "33612345678"), ("note", "ok")], False),
    ([("sku", "447700900123"), ("price", "12.99"), ("qty", "33612345678")], False),
]


@pytest.mark.parametrize(("fields", "is_cdr"), GROUPS)
def test_call_record_groups(fields: list[tuple[str, str]], is_cdr: bool) -> None:
    found = on_group(fields)
    cdrs = [(i, d) for i, ds in enumerate(found) for d in ds if d.entity == "CALL_RECORD"]
    assert len(cdrs) == (1 if is_cdr else 0)
    if is_cdr:
        (i, d), = cdrs
        assert i == 0 and (d.start, d.end) == (0, len(fields[0][1]))
        assert "fields" in d.explanation or "context" in d.explanation


def test_value_is_stable_across_formats() -> None:
    _, a = on_lines("2024-03-01 10:02:11 call +44 7700 900123 -> +33 6 12 34 56 78")
    _, b = on_lines("2024-03-01 10:02:11 call 0033612345678 -> 447700900123")
    assert a[0].value == b[0].value == "+33612345678|+447700900123|2024-03-01 10:02:11"


def test_each_line_of_a_log_unit_is_a_record() -> None:
    text = ("caller,callee,start,duration\n"
            "447700900123,33612345678,2024-03-01 10:02:11,192\n"
            "Jane Roe,+44 20 7946 0958,+44 7700 900123\n"
            "447700900124,33612345679,2024-03-01 10:05:00,12\r\n")
    _, dets = on_lines(text)
    spans = [(d.start, d.end) for d in dets]
    lines = text.split("\n")
    second = len(lines[0]) + 1
    fourth = second + len(lines[1]) + 1 + len(lines[2]) + 1
    assert spans == [(second, second + len(lines[1])), (fourth, fourth + len(lines[3]) - 1)]


def test_existing_phone_detections_are_used_but_not_dates() -> None:
    text = "2024-03-01 10:02:11 voice 0800 1234 5678 to +447700900123"
    u = TextUnit(Location("mem://cdr", 1), text, "log")
    phone = Detection("PHONE_NUMBER", 26, 40, 0.7, "PII-PHONE", "x", text[26:40])
    assert u.text[26:40] == "0800 1234 5678"
    found = [[phone]]
    CDR.classify_record([u], found)
    assert [d.entity for d in found[0]] == ["PHONE_NUMBER", "CALL_RECORD"]
    # a "phone" that is really the timestamp adds no second number
    text2 = "2024-03-01 10:02:11 voice to +447700900123"
    date_phone = Detection("PHONE_NUMBER", 0, 13, 0.4, "PII-PHONE", "x", text2[0:13])
    found2 = [[date_phone]]
    CDR.classify_record([TextUnit(Location("mem://cdr", 1), text2, "log")], found2)
    assert [d.entity for d in found2[0]] == ["PHONE_NUMBER"]


@pytest.mark.parametrize(
    ("raw", "context", "expected"),
    [
        ("+44 20 7946 0958", False, "+442079460958"),
        ("0044 7700 900123", False, "+447700900123"),
        ("447700900123", True, "+447700900123"),
        ("447700900123", False, None),  # bare and not a valid number: needs CDR context
        ("14155552671", False, "+14155552671"),  # bare but valid E.164
        ("06 12 34 56 78", True, "+33612345678"),
        ("06 12 34 56 78", False, None),  # national format needs context
        ("10.0.19045.4170", True, None),
        ("12.99", True, None),
        ("123456", True, None),
    ],
)
def test_normalise_number(raw: str, context: bool, expected: str | None) -> None:
    assert normalise_number(raw, context) == expected


def test_category_is_the_taxonomy_extension() -> None:
    assert CDR.entities == {"CALL_RECORD": "user.behavior.telephony_log"}


@pytest.mark.parametrize("hyperscan", [False, True])
def test_end_to_end(hyperscan: bool) -> None:
    from classifiers.patterns import hyperscan_available

    if hyperscan and not hyperscan_available():
        pytest.skip("hyperscan not installed")
    engine = Engine(ClassifySettings(ner=False), use_hyperscan=hyperscan)
    units = [
        TextUnit(Location("mem://cdr.log", 1), LINES[0][0] + "\n" + LINES[7][0] + "\n", "log"),
        *[TextUnit(Location("mem://cdr.csv", 2, k), v, "value", record="r2") for k, v in GROUPS[0][0]],
        *[TextUnit(Location("mem://people.csv", 2, k), v, "value", record="p2")
          for k, v in GROUPS[4][0]],
    ]
    found = engine.analyze(units)
    cdr_units = [i for i, ds in enumerate(found) for d in ds if d.entity == "CALL_RECORD"]
    assert cdr_units == [0, 1]
    (line_cdr,) = [d for d in found[0] if d.entity == "CALL_RECORD"]
    assert (line_cdr.start, line_cdr.end) == (0, len(LINES[0][0]))
