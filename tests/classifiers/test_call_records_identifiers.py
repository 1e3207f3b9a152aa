"""A number after an identifier key (Order, Invoice, job=, ticket #) is not one of a call
record's phone numbers, as it is not a phone number for the phone classifier: business prose
with order numbers, a date and the word "voice" made high-severity CALL_RECORD findings on the
department share. Real call records, also with identifiers beside their numbers, stay."""

from __future__ import annotations

import pytest

from classifiers.call_records import CallRecordClassifier
from tests.helpers.classify import BACKENDS, analyze, pattern_engine


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "record"), [
    # identifiers: no call record
    ("Order 6758466016 was packed in 38 boxes. Order 1525835009 was packed on 16/03/2025; "
     "the voice of the customer matters.", False),
    ("2024-03-01 10:17:11 job=7608852944 task=32672 order=1971567833 voice pipeline done",
     False),
    ("Invoice 5210933570 and invoice 1971567833 are due on 16/03/2025, call us.", False),
    ("Ticket #4155552671 merged into ticket #4155550199 at 10:17:11 after the call.", False),
    # call records: two phone numbers and a time, identifiers or not
    ("2024-03-01 10:17:11 call from +44 7700 900123 to +33 6 12 34 56 78 duration 00:03:12",
     True),
    ("2024-03-01 10:17:11 job=7608852944 call from +44 7700 900123 to +33 6 12 34 56 78 "
     "duration 00:03:12", True),
    ("voice 2024-03-01T10:17:11 +14155552671 -> +14155550199 62s", True),
])
def test_identifiers_are_not_call_numbers(text: str, record: bool, backend: str) -> None:
    found = analyze(pattern_engine(CallRecordClassifier, backend), text)
    assert any(d.entity == "CALL_RECORD" for d in found) is record


PROSE = ("Call (464)280-4593 to confirm order 8097512725. Interesting itself fund. Call "
         "819-969-5890 to confirm order 3251948384. Diana Garcia logged in from 106.1.167.214 at "
         "2005-09-14T20:42:45.825955.")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "record"), [
    # prose: the numbers and the time of a record are in one sentence
    (PROSE, "prose", False),  # two phones and a time, each in a sentence of its own
    ("On 2024-03-01 at 10:17:11 Jane called +44 7700 900123 from +33 6 12 34 56 78 for 3 "
     "minutes. Nothing else happened.", "prose", True),
    ("Nothing else. On 2024-03-01 at 10:17:11 Jane called +44 7700 900123 from "
     "+33 6 12 34 56 78 for 3 minutes.", "prose", True),
    # a log line is one record whatever its full stops
    ("2024-03-01 10:17:11 INFO Call set up. From +44 7700 900123. To +33 6 12 34 56 78. "
     "Duration 00:03:12.", "log", True),
])
def test_prose_records_are_one_sentence(text: str, kind: str, record: bool, backend: str) -> None:
    found = analyze(pattern_engine(CallRecordClassifier, backend), text, kind)
    assert any(d.entity == "CALL_RECORD" for d in found) is record
