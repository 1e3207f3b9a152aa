"""Shapes found on data the classifiers were not written against (a Faker corpus with seed 4242,
eight locales: YAML and JSON inventories, syslog and access-log lines, an HTML staff table, a TSV
of payments; docs/accuracy.md, "Unseen data"): what they took for a phone, a card or a criminal
record, and the numbers they must still find."""

from __future__ import annotations

import pytest

from classifiers.engine import Engine
from classifiers.phones import PhoneClassifier, compound_key
from classifiers.pii import CreditCardClassifier
from connectors.extract.markup import extract_markup
from scanner.models import Item, TextUnit
from scanner.settings import ClassifySettings, Settings
from tests.helpers.classify import BACKENDS, analyze, pattern_engine


def _values(cls: type, text: str, kind: str, backend: str, field: str | None = None) -> list[str]:
    return [text[d.start:d.end] for d in analyze(pattern_engine(cls, backend), text, kind, field)]


@pytest.mark.parametrize(("before", "expected"), [
    ("memory_bytes: ", True),
    ('"rxBytes": ', True),
    ("orderTotal=", True),
    ("ts_ms\t", True),
    ('"lastSeen": ', True),
    ("createdAt: ", True),
    ("ORDER_BYTES: ", True),
    # not a compound key, or one with a phone word in it
    ("bytes=", False),  # one word: _names_identifier's rule
    ("Call ", False),
    ("at ", False),
    ("phone_bytes: ", False),
    ("mobileNumber: ", False),
    ("contact_ref: ", False),
    ("body_bytes_sent ", False),
    ("cell_seen: ", False),
    ("user=", False),
])
def test_compound_key(before: str, expected: bool) -> None:
    assert compound_key(before) is expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field"), [
    ("  limits: {cpu: 8813.5249, memory_bytes: 4139898660, timeout: 86098ms}\n", "prose", None),
    ('{"iface": "eth0", "rxBytes": 2790225373, "txBytes": 1348954314}', "prose", None),
    ("4139898660", "value", "memory_bytes"),
    ("1589446026", "value", "lastSeen"),
    ('Dec 12 11:43:29 web2 nginx[3051918]: 12.116.87.160 - - "GET /api/v1/items HTTP/1.1" 200 '
     '4196084169 "-" "curl/8.0"\n', "log", None),
    ("1589446026 sshd[1540329]: Accepted publickey for jdoe from 10.0.0.7 port 59028 ssh2\n",
     "log", None),
    ("Mar 27 23:45:52 crm[2280118]: contact updated\n", "log", None),
    ("- New ISBN for the handbook: 978-0-14-849477-0, old SBN 03-109679-2.\n", "prose", None),
])
def test_counts_times_and_ids_are_no_phones(text: str, kind: str, field: str | None,
                                            backend: str) -> None:
    assert _values(PhoneClassifier, text, kind, backend, field) == []


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field", "expected"), [
    ("    oncall: 4155552671\n", "prose", None, ["4155552671"]),
    ('{"mobile": 4155552671, "rxBytes": 2790225373}', "prose", None, ["4155552671"]),
    ("4155552671", "value", "phone", ["4155552671"]),
    ("4155552671", "value", "mobile_no", ["4155552671"]),
    ("Mar 27 23:45:52 crm[2280118]: contact updated phone=4155552671\n", "log", None,
     ["4155552671"]),
    # a line that opens with a number and no program's tag after it: a caller, not a time
    ("4155552671,4155550123,2024-03-01T10:02:11,62\n", "log", None,
     ["4155552671", "4155550123"]),
    ("4155552671 called 4155550123 at 2024-03-01T10:02:11\n", "log", None,
     ["4155552671", "4155550123"]),
])
def test_phones_beside_them_are_found(text: str, kind: str, field: str | None,
                                      expected: list[str], backend: str) -> None:
    assert _values(PhoneClassifier, text, kind, backend, field) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field", "expected"), [
    ("572231659507 dhcpd: DHCPACK on 172.42.94.219 via eth0\n", "log", None, []),
    ("625671722431", "value", "ts_ms", []),
    ("625671722431", "value", "createdAt", []),
    ("2010/09/13 05:14:15,820 INFO [billing] charged card 4545438108385945 amount=28.65\n", "log",
     None, ["4545438108385945"]),
    ("4545438108385945", "value", "card_no", ["4545438108385945"]),
])
def test_cards_and_log_timestamps(text: str, kind: str, field: str | None, expected: list[str],
                                  backend: str) -> None:
    assert _values(CreditCardClassifier, text, kind, backend, field) == expected


@pytest.fixture(scope="module")
def engine() -> Engine:
    from scanner.stages.classify import Classifier

    return Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32).engine


@pytest.mark.parametrize(("text", "kind", "criminal"), [
    ("2010/09/13 05:14:15,820 INFO [billing] charged card 4545438108385945 amount=28.65\n",
     "log", False),
    ("Customer Jane Roe was charged twice for the March invoice.", "prose", False),
    ("We charged EUR 40 to Jane Roe's account on 3 March.", "prose", False),
    ("Jane Roe was charged with assault in 2019.", "prose", True),
    ("Jane Roe was charged for shoplifting in 2020.", "prose", True),
    ("Jane Roe was arrested last year, HR was told.", "prose", True),
])
def test_charged_is_a_payment_word_unless_with_an_offence(engine: Engine, text: str, kind: str,
                                                          criminal: bool) -> None:
    found = {d.entity for d in analyze(engine, text, kind)}
    assert ("CRIMINAL_RECORD" in found) is criminal, found


@pytest.mark.parametrize(("field", "value", "person"), [
    ("payer", "Victor-Gilles Valette", True),
    ("payee", "Alicia van Houteveen", True),
    ("recipient", "Jane Roe", True),
    ("cardholder", "Jane Roe", True),
    ("payer", "ACME-PAYMENTS-01", False),  # a role column holds a name only when it looks like one
    ("payer", "7743153876", False),
])
def test_person_role_columns(engine: Engine, field: str, value: str, person: bool) -> None:
    found = {d.entity for d in analyze(engine, value, "value", field)}
    assert ("PERSON" in found) is person, found


def _html_units(html: bytes) -> list[TextUnit]:
    import io

    item = Item(uri="mem://staff.html", source_kind="file", open=lambda: io.BytesIO(html),
                size=len(html), media_type="text/html")
    return [u for u in extract_markup(item, Settings()) if isinstance(u, TextUnit)]


def test_table_cells_stay_apart() -> None:
    html = (b"<table><tr><th>Name</th><th>Telephone</th><th>Post code</th></tr>\n"
            b"<tr><td>Ana Toledo</td><td>+34 746 41 91 46</td><td>06487</td></tr>\n"
            b"<tr><td>Birgit Oberg</td><td>08-244 356 14</td><td>98216</td></tr></table>\n")
    units = _html_units(html)
    # a table with a header row is read as a table: each cell a value under its column
    cells = {(u.location.field, u.text) for u in units if u.kind == "value"}
    assert ("Telephone", "+34 746 41 91 46") in cells and ("Post code", "06487") in cells
    engine = Engine(ClassifySettings(ner=False), [PhoneClassifier()])
    phones = [u.text[d.start:d.end] for u in units for d in engine.analyze([u])[0]]
    assert phones == ["+34 746 41 91 46", "08-244 356 14"]


def test_words_in_one_paragraph_are_joined_by_a_space() -> None:
    units = _html_units(b"<p>Call <b>Jane</b> Roe on 020 7946 0958</p><p>Thanks</p>")
    assert [u.text for u in units] == ["Call Jane Roe on 020 7946 0958 | Thanks"]
    # white space between two inline elements is a space too
    units = _html_units(b"<p>Call <b>Jane</b> <b>Roe</b> on <i>020</i>\t<i>7946 0958</i></p>")
    assert [u.text for u in units] == ["Call Jane Roe on 020 7946 0958"]


# -- a second corpus (seed 777, 16 locales: Apache error log, Kubernetes JSON lines, an SQL dump,
# a Windows event export, CRM notes): addresses with their ports, versions, thread ids, SQL rows

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field", "expected"), [
    ("[client 99fa:6917:6b37:23e:2910:fd33:9430:5618:49013] AH00124: Request exceeded", "log",
     None, ["99fa:6917:6b37:23e:2910:fd33:9430:5618"]),
    ("[client 43.3.247.217:14861] AH00124: Request exceeded", "log", None, ["43.3.247.217"]),
    ("fe80::1:8080 is up", "prose", None, ["fe80::1:8080"]),  # "::": no port to split off
    ("2001:db8:0:0:0:0:0:1:99999 x", "prose", None, []),  # no port is above 65535
    ("Faulting application name: app.exe, version: 3.36.247.0, time stamp: 0xbc853f73", "prose",
     None, []),
    ("build=10.0.19041.1 on host 10.0.0.7", "prose", None, ["10.0.0.7"]),
    ("login from dev 10.0.0.1", "prose", None, ["10.0.0.1"]),  # "dev" does not end in "v"
])
def test_addresses_ports_and_versions(text: str, kind: str, field: str | None,
                                      expected: list[str], backend: str) -> None:
    from classifiers.devices.network import IpAddressClassifier

    assert _values(IpAddressClassifier, text, kind, backend, field) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("135.241.94.33:7208", ["135.241.94.33"]),  # the address, not the cell with its port
    ("135.241.94.33", ["135.241.94.33"]),
])
def test_an_address_column_reports_the_address(engine: Engine, value: str,
                                               expected: list[str]) -> None:
    ds = analyze(engine, value, "value", "remote_addr")
    assert [value[d.start:d.end] for d in ds if d.entity == "IP_ADDRESS"] == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_thread_ids_are_no_cards(backend: str) -> None:
    text = ("[Wed Jul 03 01:20:10.142706 2024] [core:error] [pid 2000934:tid 139074374279163] "
            "[client 38.143.102.125:26483] AH01114: failed")
    assert _values(CreditCardClassifier, text, "log", backend) == []
    assert _values(CreditCardClassifier, "card 4545438108385945 on file", "prose",
                   backend) == ["4545438108385945"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    ("INSERT INTO `order_line` VALUES (787011727,'2834504793445',8),(052277499,'3903712266177',8);",
     []),
    ("INSERT INTO `customer` VALUES (100222,'Juhani Nieminen','0713680282');", ["0713680282"]),
    ("Call (0522) 77499 after six.", ["(0522) 77499"]),
])
def test_sql_rows(text: str, expected: list[str], backend: str) -> None:
    assert _values(PhoneClassifier, text, "prose", backend) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("browser string was Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.1 (KHTML, like Gecko) "
     "Chrome/62.0.881.0 Safari/535.1. Build 6.7.197 of the portal",
     "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.1 (KHTML, like Gecko) Chrome/62.0.881.0 "
     "Safari/535.1"),
    ("ua=Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0.1 next",
     "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0.1"),
])
def test_user_agent_ends_before_the_full_stop(text: str, expected: str) -> None:
    from classifiers.devices.web import UserAgentClassifier

    assert _values(UserAgentClassifier, text, "prose", "re") == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("dhcpd: DHCPACK on 10.0.0.7 via eth0 lease=9233020s", []),
    ("cache ttl 12345678s", []),
    ("DNI 12345678Z", ["12345678Z"]),
    ("dni: 12345678z", ["12345678z"]),  # a context word: a DNI however written
    ("NIF 9233020S del cliente", ["9233020S"]),
])
def test_durations_are_no_dni(text: str, expected: list[str]) -> None:
    from classifiers.national_ids import NationalIdClassifier

    found = [text[d.start:d.end] for d in analyze(pattern_engine(NationalIdClassifier), text)
             if d.entity == "ES_NIF"]
    assert found == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "field", "expected"), [
    ("22 454 92 01", "Telefon", ["22 454 92 01"]),  # Poland's national format, a phone column
    ("10 35 21 71", "tel", ["10 35 21 71"]),  # Denmark's
    ("22 454 92 01", "Betrag", []),  # the same digits in another column: no region reads them
    ("22 454 92 01 ext", "Telefon", []),  # not the whole value
])
def test_a_phone_column_takes_any_national_format(text: str, field: str, expected: list[str],
                                                  backend: str) -> None:
    assert _values(PhoneClassifier, text, "value", backend, field) == expected


@pytest.mark.parametrize(("label", "text", "keep"), [
    ("PERSON", "PHP Warning", False),
    ("PERSON", "Sat Mar", False),
    ("PERSON", "Fri Jun", False),
    ("PERSON", "May Smith", True),
    ("PERSON", "June Carter", True),
    ("PERSON", "Jane Roe", True),
    ("NORP", "French", True),
])
def test_log_words_are_no_names(label: str, text: str, keep: bool) -> None:
    from classifiers.ner import keep_entity

    assert keep_entity(label, text) is keep


@pytest.mark.parametrize(("text", "before", "keep"), [
    ("May", "call me Mr. ", True),  # a surname that is a month's, after a title
    ("March", "Dr ", True),
    ("May", "in ", False),
    ("Sat Mar", "", False),
])
def test_a_month_after_a_title_is_a_name(text: str, before: str, keep: bool) -> None:
    from classifiers.ner import keep_entity

    assert keep_entity("PERSON", text, before) is keep


@pytest.mark.parametrize(("field", "value", "person"), [
    ("Empfänger", "Jana Nováková", True),
    ("Kontoinhaber", "Jürgen Weiß", True),
    ("Destinataire", "Amélie Poulain", True),
    ("Odbiorca", "Borys Kowalski", True),
    ("Empfänger", "Stadtwerke München GmbH", False),
])
def test_person_roles_in_other_languages(engine: Engine, field: str, value: str,
                                         person: bool) -> None:
    found = {d.entity for d in analyze(engine, value, "value", field)}
    assert ("PERSON" in found) is person, found


def test_mail_trace_headers_are_read() -> None:
    import io

    from connectors.mail.message import extract_message

    raw = (b"Received: from mail29.example.org ([146.152.142.41]) by mx.example.com\n"
           b"  with ESMTP; Tue, 3 Dec 2026 10:00:00 +0000\n"
           b"From: Jane Roe <jane@example.org>\nTo: bob@example.com\nSubject: hello\n"
           b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5\n"
           b"\nHi Bob\n")
    item = Item(uri="mem://m.eml", source_kind="file", open=lambda: io.BytesIO(raw),
                size=len(raw), media_type="message/rfc822")
    units = {u.location.field: u for u in extract_message(item, Settings()) if isinstance(u, TextUnit)}
    assert units["Received"].kind == "log" and "146.152.142.41" in units["Received"].text
    assert units["Received"].location.line == 1
    assert units["User-Agent"].kind == "log" and "Thunderbird" in units["User-Agent"].text


@pytest.mark.parametrize(("text", "ids"), [
    ("[Mon Sep 15 21:31:52 2025] [core:error] [pid 1227356:tid 139013818074995] [client x]", []),
    ("thread=139013818074995 done", []),
    ("NIR 1 84 12 76 451 089 46", ["FR_NIR"]),
])
def test_thread_ids_are_no_national_ids(text: str, ids: list[str]) -> None:
    from classifiers.national_ids import NationalIdClassifier

    assert [d.entity for d in analyze(pattern_engine(NationalIdClassifier), text)] == ids
