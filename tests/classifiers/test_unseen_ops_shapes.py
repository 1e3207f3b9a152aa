"""Shapes found on corpus 3 of benchmarks/unseen.py (benchmarks/unseen_ops.py: vCards, iCalendar
events, sshd and postfix logs, a Spring Boot log, JSON profiles, an INI file, a French CSV, a chat
export; sixteen locales): what was taken for a phone, a card or a URL, and what was missed."""

from __future__ import annotations

import pytest

from classifiers.engine import Engine
from classifiers.phones import PhoneClassifier
from classifiers.pii import CreditCardClassifier, EmailClassifier, UrlClassifier
from scanner.settings import Settings
from tests.helpers.classify import BACKENDS, analyze, pattern_engine


def _values(cls: type, text: str, kind: str, backend: str, field: str | None = None) -> list[str]:
    return [text[d.start:d.end] for d in analyze(pattern_engine(cls, backend), text, kind, field)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field", "expected"), [
    # postfix's "250 2.0.0 OK <epoch>": a bare run that only Brazil (area code 11) or India
    # (Delhi's 11, without its trunk prefix) would read as a landline
    ("Jul 22 20:37:16 mx1 postfix/smtp[1518293]: 3C3D23EC27: to=<a@example.net>, dsn=2.0.0, "
     "status=sent (250 2.0.0 OK 1139419885 0c9d9983a74b - gsmtp)\n", "log", None, []),
    ("done after 1339419885 retries", "prose", None, []),
    # an Indian mobile written bare (6-9 first) still is one
    ("Contact Ravi on 9876543210 after six.", "prose", None, ["9876543210"]),
    # a customer number under a column named "number of ..." in French, German, Spanish
    ("4163871082", "value", "N° client", []),
    ("4163871082", "value", "Nº de cliente", []),
    ("4163871082", "value", "Kundennummer", []),
    ("4163871082", "value", "Bestellnr.", []),
    ("4163871082", "value", "numéro de commande", []),
    # ... unless the column names a phone number
    ("030 1234567", "value", "Telefonnummer", ["030 1234567"]),
    ("06 12 34 56 78", "value", "numéro de téléphone", ["06 12 34 56 78"]),
    ("612 345 678", "value", "Número de teléfono", ["612 345 678"]),
    ("(599)671-8659", "value", "Téléphone portable", ["(599)671-8659"]),
    # vCard's TEL property with parameters, any national format; "+(370)" kept whole
    ("TEL;TYPE=CELL:3965278959\n", "prose", None, ["3965278959"]),
    ("item1.TEL;TYPE=WORK,VOICE:+(370) 81829987\n", "prose", None, ["+(370) 81829987"]),
    # a key ending in _phone, a dial-in number
    ("oncall_phone = 1-028-303-1182x413\n", "prose", None, ["1-028-303-1182x413"]),
    ("DESCRIPTION:Dial-in 01087066190 Meeting ID: 414 6412 8069 Passcode: 482913\n", "prose",
     None, ["01087066190"]),
    # a possible number with no phone word before it stays out
    ("REV:3965278959\n", "prose", None, []),
    # the header fields of a log line: postfix's queue id, Spring Boot's process id
    ("Oct  1 10:13:33 mx1 postfix/smtpd[3917667]: 8166391935: client=mx.example.com[1.2.3.4]\n",
     "log", None, []),
    ("2016-03-15T07:01:12.435+00:00 DEBUG 3101099 --- [nio-8080-exec-4] o.s.w.f.Req : GET /\n",
     "log", None, []),
    ("2016-03-15T07:01:12.435+00:00  INFO 3101099 --- [main] c.a.Crm : phone=4155552671\n",
     "log", None, ["4155552671"]),
    ("Oct  1 10:13:33 crm[3917]: contact updated phone=4155552671: ok\n", "log", None,
     ["4155552671"]),
    # a time under a key named for one
    ("3185552553", "value", "lastLogin.at", []),
    ("3185552553", "value", "event.time", []),
])
def test_phones(text: str, kind: str, field: str | None, expected: list[str],
                backend: str) -> None:
    assert _values(PhoneClassifier, text, kind, backend, field) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "kind", "field", "expected"), [
    # GTIN-14 and loyalty numbers pass Luhn one time in ten: 14 digits are Diners Club's only
    ("59376934361712", "value", "loyaltyId", []),
    ("NOTE:Customer since 1999-01-04. Account 3656468886\\, loyalty 69431367650863.\n", "prose",
     None, []),
    ("pallet 58864541604641 shipped\n", "prose", None, []),
    ("card 36653829238462", "prose", None, ["36653829238462"]),
    ("30569309025904", "value", "card_number", ["30569309025904"]),
    # a time in milliseconds under "at", after "since"
    ("651066303256", "value", "lastLogin.at", []),
    ("order ORD-DH-42897-6311 locked since 637909421074\n", "log", None, []),
    # Faker's 12-digit Maestro "0604..." under a card column, not only after a card word
    ("060433294844", "value", "Card number", ["060433294844"]),
    ("060433294844", "value", "Account no.", []),
])
def test_cards(text: str, kind: str, field: str | None, expected: list[str],
               backend: str) -> None:
    assert _values(CreditCardClassifier, text, kind, backend, field) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    ("EMAIL;TYPE=INTERNET:sviksna@example.org\n", ["sviksna@example.org"]),
    ("item2.EMAIL:ana@example.org\n", ["ana@example.org"]),
    ("Email:jane@example.org", ["jane@example.org"]),
    ("ORGANIZER;CN=Jonas Butkus:mailto:jonas@example.org\n", ["jonas@example.org"]),
    # a URL's user and password are no address, with or without the scheme
    ("ftp user:secret@example.org", []),
    ("see https://bob:pw@example.org/x", []),
])
def test_addresses_after_a_label_and_colon(text: str, expected: list[str], backend: str) -> None:
    assert _values(EmailClassifier, text, "prose", backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    ("\tat com.acme.orders.OrderService.lock(OrderService.java:1228)\n", []),
    ("loaded app.properties and rules.mk", []),
    ("download from www.example.java/x", ["www.example.java/x"]),
    ("see example.com/about", ["example.com/about"]),
    # a mail log's peer: its host name and address
    ("postfix/smtpd[39]: 3C3D23EC27: client=brown-frost.com[192.11.57.58], sasl_method=PLAIN",
     []),
    ("relay=mx.example.org[IPv6:2001:db8::1]:25, delay=0.5", []),
    ("see brown-frost.com [1] for details", ["brown-frost.com"]),
])
def test_source_files_are_no_urls(text: str, expected: list[str], backend: str) -> None:
    assert _values(UrlClassifier, text, "prose", backend) == expected


@pytest.fixture(scope="module")
def engine() -> Engine:
    from scanner.stages.classify import Classifier

    return Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32).engine


@pytest.mark.parametrize(("field", "value", "person"), [
    ("Nom complet", "Myriam Cornet", True),
    ("Nachname", "Müller", True),
    ("Vorname", "Hans", True),
    ("Nombre completo", "Carla Itzel Calderón Aranda", True),
    ("Cognome", "Gagliardi", True),
    ("Voornaam", "Wilfried", True),
    ("Nazwisko", "Majtczak", True),
    ("Příjmení", "Kubíčková", True),
    ("Nom complet", "12345", False),
    ("Nom du produit", "Widget Pro", False),
])
def test_person_columns_in_other_languages(engine: Engine, field: str, value: str,
                                           person: bool) -> None:
    found = {d.entity for d in analyze(engine, value, "value", field)}
    assert ("PERSON" in found) is person, found


@pytest.mark.parametrize(("text", "kind", "expected"), [
    # a quoted value under a key naming a person's name, in a log or text line
    ('2000-11-15T05:32:48.880+00:00  INFO 3631 --- [exec-0] c.a.Crm : Updated customer id=255 '
     'name="Zdravko Lavrič" phone=08 5107 693\n', "log", ["Zdravko Lavrič"]),
    ('payload {"fullName": "Ana Ruiz", "x": 1}\n', "log", ["Ana Ruiz"]),
    ("saved contact_name='Jane Roe'\n", "log", ["Jane Roe"]),
    ('deploy product name="Widget Pro" ok\n', "log", []),  # a thing's name
    ('service=billing name="Billing API"\n', "log", []),
    ("customer_name='Acme Holdings Ltd'\n", "log", []),  # a company
    ('name="jdoe"\n', "log", []),  # not capitalised words
    ('filename="Annual Report"\n', "log", []),  # not a name key
    # a chat export's sender (WhatsApp's two layouts)
    ("[19/12/2025, 08:17:13] Papp István Ferenc: paid the invoice\n", "prose",
     ["Papp István Ferenc"]),
    ("12/19/25, 8:17 PM - Jane Roe: see you\n", "prose", ["Jane Roe"]),
    ("[19/12/2025, 08:17:13] +44 7700 900123: hi\n", "prose", []),  # a number, not a name
    ("[19/12/2025, 08:17:13] Messages and calls are end-to-end encrypted: no one\n", "prose", []),
])
def test_keyed_names_and_chat_senders(engine: Engine, text: str, kind: str,
                                      expected: list[str]) -> None:
    found = [d.value for d in analyze(engine, text, kind) if d.entity == "PERSON"]
    assert found == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Source Network Address: fe80::1c2a:9023\nSource Port: 51234", []),
    ("Client Address: 2001:db8::9023 Source Port 51234", []),
    ("Ship to 9023\nSource Port Road", []),
    ("She lives at 24 Clarke Avenue, Apt. 5", ["24 Clarke Avenue, Apt. 5"]),
    ("Ship to 74 Diakou Street\n Suite 680, Athens", ["74 Diakou Street\n Suite 680"]),
    ("## Whiteboard 24/365 Interfaces\n\nHear financial close situation", []),
    ("Address: 9023 Harbour Port, Dover", ["9023 Harbour Port"]),
])
def test_no_street_in_an_ipv6_tail_or_across_lines(engine: Engine, text: str,
                                                   expected: list[str]) -> None:
    assert [d.value for d in analyze(engine, text, "prose") if d.entity == "LOCATION"] == expected


@pytest.mark.parametrize(("text", "kind", "field", "found"), [
    # a host name's label, an address's words: no religion there
    ("postfix/smtpd[1957446]: D0FE591317: client=christian.com[217.175.178.206], sasl_method=PLAIN",
     "log", None, False),
    ("relay=mx.bishop.co.uk[116.129.145.89]:25", "log", None, False),
    ("Bishop Cliff 525, Glennville, 9062", "value", "address", False),
    ("Church Street 4", "value", "street", False),
    # ... but the words themselves still are
    ("She is a practising Christian.", "prose", None, True),
    ("Christian", "value", "religion", True),
])
def test_hosts_and_addresses_hold_no_religion(engine: Engine, text: str, kind: str,
                                              field: str | None, found: bool) -> None:
    got = {d.entity for d in analyze(engine, text, kind, field)}
    assert ("RELIGION" in got) is found, got
