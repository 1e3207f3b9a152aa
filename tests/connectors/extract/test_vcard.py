"""vCard and iCalendar files read as records of value units: unfolding, escapes, parameters,
quoted-printable, binary values skipped, field names the classifiers understand, malformed input."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from connectors.extract import extractor_ref, sniff
from connectors.extract.vcard import extract_vcard
from scanner.models import ScanError, TextUnit
from scanner.settings import Settings
from tests.helpers.extract import item_from_bytes, item_from_path, run


def _read(data: bytes, name: str = "x.vcf") -> tuple[list[TextUnit], list[ScanError]]:
    item = dataclasses.replace(item_from_bytes(data, name), media_type="text/vcard")
    out = list(extract_vcard(item, Settings()))
    units = [u for u in out if isinstance(u, TextUnit)]
    errors = [e for e in out if isinstance(e, ScanError)]
    assert len(units) + len(errors) == len(out)
    return units, errors


def _fields(data: bytes) -> list[tuple[str | None, str]]:
    units, errors = _read(data)
    assert errors == []
    return [(u.location.field, u.text) for u in units]


def _card(*lines: str, end: str = "\r\n") -> bytes:
    return end.join(["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD", ""]).encode()


# -- unfolding and line numbers -------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    (b"NOTE:one\r\n two\r\n", "onetwo"),  # CRLF, one space removed
    (b"NOTE:one\n two\n", "onetwo"),
    (b"NOTE:one\r\n\ttwo\r\n", "onetwo"),  # a tab
    (b"NOTE:one \r\n two\r\n", "one two"),  # the space before the fold is kept
    (b"NOTE:one\r\n  two\r\n", "one two"),  # only the first white space of the fold goes
    (b"NOTE:o\r\n n\r\n e\r\n", "one"),
    (b"NO\r\n TE:split name\r\n", "split name"),  # folded inside the name
    (b"NOTE:one\rtwo\r", "one"),  # old Mac line ends: two lines, "two" is not a property
])
def test_unfolding(raw: bytes, expected: str) -> None:
    units, _ = _read(b"BEGIN:VCARD\r\n" + raw + b"END:VCARD\r\n")
    assert [u.text for u in units if u.location.field == "note"] == [expected]


def test_line_numbers_are_those_of_the_first_line_of_a_folded_property() -> None:
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane\r\n  Roe\r\nNOTE:a\r\n b\r\n c\r\n"
            b"TEL:+31 20 794\r\n 6012\r\nEMAIL:jane@example.org\r\nEND:VCARD\r\n")
    units, _ = _read(data)
    assert [(u.location.line, u.location.field, u.text) for u in units] == [
        (3, "full name", "Jane Roe"),
        (5, "note", "abc"),
        (8, "telephone", "+31 20 7946012"),
        (10, "email", "jane@example.org"),
    ]


def test_a_bom_and_lower_case_names() -> None:
    data = "\ufeffbegin:vcard\nversion:3.0\nfn:Jane Roe\nend:vcard\n".encode()
    units, errors = _read(data)
    assert [(u.location.field, u.text, u.record) for u in units] == [
        ("full name", "Jane Roe", "vcard:1")]
    assert errors == []


# -- values ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("a\\,b", "a,b"),
    ("a\\;b", "a;b"),
    ("a\\nb", "a\nb"),
    ("a\\Nb", "a\nb"),
    ("a\\\\b", "a\\b"),
    ("a\\\\nb", "a\\nb"),  # an escaped backslash, then a plain n
    ("C:\\\\Users", "C:\\Users"),
    ("plain, text; here", "plain, text; here"),  # 2.1 writes them unescaped
    ("trailing\\", "trailing\\"),
])
def test_escapes(value: str, expected: str) -> None:
    assert _fields(_card("NOTE:" + value)) == [("note", expected)]


@pytest.mark.parametrize(("line", "expected"), [
    ("N:Roe;Jane;Mary;Dr.;Jr.", "Jane Mary Roe"),
    ("N:Roe;Jane;;;", "Jane Roe"),
    ("N:Roe;;;;", "Roe"),
    ("N:;Jane", "Jane"),
    ("N:Ferreira;Ana,Lúcia;;;", "Ana Lúcia Ferreira"),  # a list of given names
    ("N:van der Berg\\, Jr;Jan;;;", "Jan van der Berg, Jr"),  # an escaped comma stays
    ("N:Roe", "Roe"),
])
def test_n_is_given_additional_family(line: str, expected: str) -> None:
    assert _fields(_card(line)) == [("contact name", expected)]


@pytest.mark.parametrize(("line", "expected"), [
    ("ADR;TYPE=HOME:;;Keizersgracht 123;Amsterdam;;1015 CJ;Netherlands",
     "Keizersgracht 123, Amsterdam, 1015 CJ, Netherlands"),
    ("ADR:PO Box 7;Suite 4;1 Main St;Springfield;IL;62701;USA",
     "PO Box 7, Suite 4, 1 Main St, Springfield, IL, 62701, USA"),
    ("ADR:;;Rua A\\, 5\\nBloco B;Lisboa;;;", "Rua A, 5\nBloco B, Lisboa"),
    ('ADR;LABEL="Hauptstr. 5\\n10115 Berlin":;;;;;;', "Hauptstr. 5\n10115 Berlin"),
    ("ORG:Acme BV;Sales;EMEA", None),  # another field: see below
])
def test_adr_components_are_joined(line: str, expected: str | None) -> None:
    fields = _fields(_card(line))
    if expected is None:
        assert fields == [("organization", "Acme BV, Sales, EMEA")]
    else:
        assert fields == [("address", expected)]


@pytest.mark.parametrize(("line", "field"), [
    ("TEL:+31 20 794 6012", "telephone"),
    ("TEL;TYPE=CELL:0612345678", "mobile telephone"),
    ("TEL;type=cell;type=voice:0612345678", "mobile telephone"),
    ('TEL;TYPE="voice,cell":0612345678', "mobile telephone"),
    ("TEL;CELL;VOICE:0612345678", "mobile telephone"),  # 2.1 bare parameters
    ("TEL;TYPE=FAX,WORK:+31 20 794 6012", "fax"),
    ("TEL;TYPE=HOME:+31 20 794 6012", "home telephone"),
    ("TEL;TYPE=WORK:+31 20 794 6012", "work telephone"),
    ("TEL;TYPE=PAGER:+31 20 794 6012", "pager telephone"),
    ("item1.TEL:+31 20 794 6012", "telephone"),  # a group
    ("ITEM2.TEL;TYPE=CELL:+31 20 794 6012", "mobile telephone"),
])
def test_tel_fields(line: str, field: str) -> None:
    [(got, text)] = _fields(_card(line))
    assert got == field and text in ("0612345678", "+31 20 794 6012")


@pytest.mark.parametrize(("line", "expected"), [
    ("FN:Jane Roe", ("full name", "Jane Roe")),
    ("NICKNAME:Janie", ("nickname", "Janie")),
    ("EMAIL;TYPE=INTERNET:jane@example.org", ("email", "jane@example.org")),
    ("EMAIL:mailto:jane@example.org", ("email", "jane@example.org")),
    ("TEL;VALUE=uri;TYPE=cell:tel:+31-6-1234-5678;ext=12", ("mobile telephone", "+31-6-1234-5678")),
    ("BDAY:1985-04-12", ("birthday", "1985-04-12")),
    ("BDAY:--0412", ("birthday", "--0412")),
    ("ANNIVERSARY:20100612", ("anniversary", "20100612")),
    ("GENDER:F;female", ("gender", "F female")),
    ("TITLE:Sales Manager", ("job title", "Sales Manager")),
    ("ROLE:Manager", ("role", "Manager")),
    ("URL:https://example.org/jane", ("url", "https://example.org/jane")),
    ("IMPP;TYPE=personal:xmpp:jane@example.org", ("instant messaging", "xmpp:jane@example.org")),
    ("GEO:geo:52.37,4.89", ("geolocation", "geo:52.37,4.89")),
    ("GEO:52.37;4.89", ("geolocation", "52.37;4.89")),
    ("X-PHONETIC-FIRST-NAME:Jane", ("phonetic first name", "Jane")),
    ("X-SKYPE:jane.roe", ("skype", "jane.roe")),
    ("item1.X-ABLabel:_$!<Mobile>!$_", ("ablabel", "_$!<Mobile>!$_")),
    ("RELATED;TYPE=spouse;VALUE=text:John Roe", ("spouse", "John Roe")),
    ("RELATED:urn:uuid:03a0e51f", ("related", "urn:uuid:03a0e51f")),
    ("SORT-STRING:Roe", ("sort string", "Roe")),
])
def test_property_fields(line: str, expected: tuple[str, str]) -> None:
    assert _fields(_card(line)) == [expected]


@pytest.mark.parametrize("line", [
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
    "UID:20240301T100211Z-1234@example.com",
    "REV:20190825T082849Z",
    "PRODID:-//Apple Inc.//iOS 16.0//EN",
    "VERSION:4.0",
    "KIND:individual",
    "CLIENTPIDMAP:1;urn:uuid:3df403f4",
    "X-ABUID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE:ABPerson",
    "TZ:-05:00",
    "NOTE:",  # empty
    "NOTE:   ",
])
def test_bookkeeping_and_empty_values_make_no_units(line: str) -> None:
    assert _fields(_card(line)) == []


# -- quoted-printable and charsets ----------------------------------------------------------

def test_quoted_printable_21_card() -> None:
    data = (b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
            b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ferr=C3=A9ira;Jo=C3=A3o;;;\r\n"
            b"FN;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Jo=E3o Ferr=E9ira\r\n"
            b"NOTE;QUOTED-PRINTABLE;CHARSET=UTF-8:first line=0D=0Asecond =\r\n"
            b"line=3D continued=\r\n"
            b" with a space\r\n"
            b"LABEL;HOME;ENCODING=QUOTED-PRINTABLE:Rua 1=0D=0A=\r\n"
            b"Lisboa\r\n"
            b"TEL;CELL:0612345678\r\n"
            b"END:VCARD\r\n")
    units, errors = _read(data)
    assert errors == []
    assert [(u.location.line, u.location.field, u.text) for u in units] == [
        (3, "contact name", "João Ferréira"),
        (4, "full name", "João Ferréira"),
        (5, "note", "first line\nsecond line= continued with a space"),
        (8, "address", "Rua 1\nLisboa"),
        (10, "mobile telephone", "0612345678"),
    ]


def test_quoted_printable_does_not_swallow_end() -> None:
    data = (b"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:bad=\nEND:VCARD\n"
            b"BEGIN:VCARD\nFN:B\nEND:VCARD\n")
    units, errors = _read(data)
    assert [(u.text, u.record) for u in units] == [("bad", "vcard:1"), ("B", "vcard:4")]
    assert errors == []


def test_a_charset_parameter_rereads_a_value_of_a_file_read_in_another() -> None:
    # cp1252 text with one UTF-8 value: the file is read as cp1252, the value as its CHARSET says
    data = ("BEGIN:VCARD\nFN:Ren\u00e9 Roe\nNOTE;CHARSET=UTF-8:".encode("cp1252")
            + "caf\u00e9 \u00e0 Z\u00fcrich".encode() + b"\nEND:VCARD\n")
    assert _fields(data) == [("full name", "René Roe"), ("note", "café à Zürich")]


def test_a_utf8_file_is_trusted_over_a_wrong_charset_label() -> None:
    data = _card("FN;CHARSET=ISO-8859-1:Ana Lúcia Ferreira")
    assert _fields(data) == [("full name", "Ana Lúcia Ferreira")]


# -- parameters -----------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ('ORGANIZER;CN="Roe, Jane":mailto:jane@example.org',
     [("organizer full name", "Roe, Jane"), ("organizer email", "jane@example.org")]),
    ('ORGANIZER;CN="Jane: the boss";SENT-BY="mailto:bob@example.org":MAILTO:jane@example.org',
     [("organizer full name", "Jane: the boss"), ("organizer email", "jane@example.org"),
      ("sent by email", "bob@example.org")]),
    # a writer that escapes a parameter as text: the comma is the name's, not a list's
    ("ORGANIZER;CN=Jankauskas\\, Ariana:mailto:jonas@example.org",
     [("organizer full name", "Jankauskas, Ariana"), ("organizer email", "jonas@example.org")]),
    ("ATTENDEE;CN=Ana Ferreira;RSVP=TRUE:mailto:ana@example.org",
     [("attendee name", "Ana Ferreira"), ("attendee email", "ana@example.org")]),
    ("ATTENDEE;CN=^'Ana^' Ferreira:mailto:ana@example.org",  # RFC 6868 escapes
     [("attendee name", '"Ana" Ferreira'), ("attendee email", "ana@example.org")]),
    ("ATTENDEE:mailto:ana@example.org", [("attendee email", "ana@example.org")]),
    ("ATTENDEE;CN=ana@example.org:mailto:ana@example.org",
     [("attendee name", "ana@example.org"), ("attendee email", "ana@example.org")]),
    ("ATTENDEE;CUTYPE=ROOM;CN=Conference Room B:mailto:room-b@example.org",
     [("room", "Conference Room B"), ("attendee email", "room-b@example.org")]),
    ("ATTENDEE;CUTYPE=GROUP;CN=Sales:mailto:sales@example.org",
     [("attendee group", "Sales"), ("attendee email", "sales@example.org")]),
    ("ATTENDEE;CN=Ana:urn:uuid:1234",
     [("attendee name", "Ana"), ("attendee uri", "urn:uuid:1234")]),
    ("ATTENDEE;DELEGATED-TO=\"mailto:a@example.org\",\"mailto:b@example.org\":mailto:c@example.org",
     [("attendee email", "c@example.org"), ("delegated to email", "a@example.org"),
      ("delegated to email", "b@example.org")]),
])
def test_organizer_and_attendee(line: str, expected: list[tuple[str, str]]) -> None:
    data = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert _fields(data.encode()) == expected


def test_a_folded_attendee_with_its_parameters_split() -> None:
    data = (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"
            b"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=\r\n"
            b" TRUE;CN=Ana Ferreira;X-NUM-GUESTS=0:mailto:ana@exam\r\n ple.org\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    units, errors = _read(data, "x.ics")
    assert [(u.location.line, u.location.field, u.text) for u in units] == [
        (3, "attendee name", "Ana Ferreira"), (3, "attendee email", "ana@example.org")]
    assert errors == []


# -- binary values --------------------------------------------------------------------------

_B64 = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4R"


@pytest.mark.parametrize("lines", [
    [f"PHOTO;ENCODING=b;TYPE=JPEG:{_B64}", f" {_B64}", f" {_B64}"],
    [f"PHOTO;ENCODING=BASE64;TYPE=JPEG:{_B64}", f" {_B64}", ""],  # 2.1: a blank line ends it
    ["PHOTO;ENCODING=BASE64;JPEG:", _B64, _B64, ""],  # 2.1 written without the indent
    [f"PHOTO:data:image/jpeg;base64,{_B64}"],
    ["PHOTO;VALUE=uri:https://example.org/jane.jpg"],
    [f"LOGO;ENCODING=b;TYPE=PNG:{_B64}"],
    [f"SOUND;ENCODING=b:{_B64}"],
    ["KEY;TYPE=PGP:-----BEGIN PGP PUBLIC KEY BLOCK-----"],
    [f"ATTACH;FMTTYPE=image/png;ENCODING=BASE64;VALUE=BINARY:{_B64}", f" {_B64}"],
    [f"X-MS-CARDPICTURE;TYPE=JPEG;ENCODING=BASE64:{_B64}", f" {_B64}"],
    [f"NOTE:{_B64 * 8}"],  # no encoding said, but a long run of base64
    ["PHOTO;ENCODING=b:" + _B64 * 40000],  # 3.5 MB on one line
])
def test_binary_values_are_skipped(lines: list[str]) -> None:
    data = _card("FN:Jane Roe", *lines, "EMAIL:jane@example.org")
    assert _fields(data) == [("full name", "Jane Roe"), ("email", "jane@example.org")]


def test_an_attachment_by_uri_is_kept() -> None:
    data = _card("ATTACH;FMTTYPE=application/pdf:https://example.org/cv.pdf")
    assert _fields(data) == [("attachment", "https://example.org/cv.pdf")]


# -- records --------------------------------------------------------------------------------

def test_record_ids_differ_per_card() -> None:
    data = _card("FN:Jane Roe", "TEL:0612345678") + _card("FN:John Doe", "TEL:0612345679")
    units, _ = _read(data)
    assert [(u.text, u.record) for u in units] == [
        ("Jane Roe", "vcard:1"), ("0612345678", "vcard:1"),
        ("John Doe", "vcard:6"), ("0612345679", "vcard:6")]


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example Corp.//CalDAV Client//EN\r
X-WR-CALNAME:Jane's calendar\r
BEGIN:VTIMEZONE\r
TZID:Europe/Amsterdam\r
BEGIN:STANDARD\r
DTSTART:19701025T030000\r
TZOFFSETFROM:+0200\r
TZNAME:CET\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:20240301T100211Z-1234@example.com\r
DTSTAMP:20240301T100211Z\r
DTSTART;TZID=Europe/Amsterdam:20240301T100000\r
DTEND;TZID=Europe/Amsterdam:20240301T110000\r
SUMMARY:Lunch with Ana\r
DESCRIPTION:Bring the contract.\\nCall +31 20 794 6012 if late.\r
LOCATION:Keizersgracht 123\\, Amsterdam\r
ORGANIZER;CN="Roe, Jane":mailto:jane@example.org\r
ATTENDEE;CN=Ana Ferreira:mailto:ana@example.org\r
RRULE:FREQ=WEEKLY;BYDAY=FR\r
BEGIN:VALARM\r
ACTION:EMAIL\r
TRIGGER:-PT15M\r
ATTENDEE:mailto:jane@example.org\r
DESCRIPTION:Reminder\r
END:VALARM\r
END:VEVENT\r
BEGIN:VTODO\r
SUMMARY:Send the invoice\r
DUE:20240308\r
END:VTODO\r
BEGIN:VJOURNAL\r
DESCRIPTION:Notes of the day\r
END:VJOURNAL\r
END:VCALENDAR\r
"""


def test_calendar_records_per_component() -> None:
    units, errors = _read(ICS, "x.ics")
    assert errors == []
    assert [(u.location.line, u.location.field, u.text, u.record) for u in units] == [
        (4, "wr calname", "Jane's calendar", "vcalendar:1"),
        (16, "start", "20240301T100000", "vevent:13"),
        (17, "end", "20240301T110000", "vevent:13"),
        (18, "summary", "Lunch with Ana", "vevent:13"),
        (19, "description", "Bring the contract.\nCall +31 20 794 6012 if late.", "vevent:13"),
        (20, "location", "Keizersgracht 123, Amsterdam", "vevent:13"),
        (21, "organizer full name", "Roe, Jane", "vevent:13"),
        (21, "organizer email", "jane@example.org", "vevent:13"),
        (22, "attendee name", "Ana Ferreira", "vevent:13"),
        (22, "attendee email", "ana@example.org", "vevent:13"),
        (27, "attendee email", "jane@example.org", "valarm:24"),
        (28, "description", "Reminder", "valarm:24"),
        (32, "summary", "Send the invoice", "vtodo:31"),
        (33, "due", "20240308", "vtodo:31"),
        (36, "description", "Notes of the day", "vjournal:35"),
    ]


def test_a_long_description_is_prose() -> None:
    text = "We talked about the contract and the next steps for the project. " * 5
    units, _ = _read(_card("NOTE:" + text.strip(), "FN:Jane Roe"))
    assert [(u.location.field, u.kind) for u in units] == [("note", "prose"),
                                                          ("full name", "value")]


def test_an_agent_card_nested_in_a_21_card() -> None:
    data = (b"BEGIN:VCARD\nVERSION:2.1\nFN:Jane Roe\nAGENT:\nBEGIN:VCARD\nFN:Bob Kay\nEND:VCARD\n"
            b"TEL:0612345678\nEND:VCARD\n")
    units, errors = _read(data)
    assert [(u.text, u.record) for u in units] == [
        ("Jane Roe", "vcard:1"), ("Bob Kay", "vcard:5"), ("0612345678", "vcard:1")]
    assert errors == []


# -- malformed input ------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "texts", "problems"), [
    # a line without a colon: kept as text, the rest read
    (b"BEGIN:VCARD\nFN:Jane Roe\nJane Roe 0612345678\nEMAIL:jane@example.org\nEND:VCARD\n",
     ["Jane Roe", "Jane Roe 0612345678", "jane@example.org"],
     ["line 3: a line that is not a property (read as text)"]),
    # no END at all
    (b"BEGIN:VCARD\nFN:Jane Roe\nTEL:0612345678",
     ["Jane Roe", "0612345678"], ["line 1: BEGIN:VCARD without END"]),
    # a card without END before the next card
    (b"BEGIN:VCARD\nFN:Jane Roe\nBEGIN:VCARD\nFN:Bob Kay\nEND:VCARD\n",
     ["Jane Roe", "Bob Kay"], ["line 1: BEGIN:VCARD without END"]),
    # an event without END inside its calendar
    (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:a\nEND:VCALENDAR\n",
     ["a"], ["line 2: BEGIN:VEVENT without END"]),
    # END without BEGIN
    (b"FN:Jane Roe\nEND:VCARD\n", ["Jane Roe"], ["line 2: END:VCARD without BEGIN"]),
    # an unbalanced quote in a parameter: the line is text
    (b'BEGIN:VCARD\nATTENDEE;CN="Roe, Jane:mailto:jane@example.org\nEND:VCARD\n',
     ['ATTENDEE;CN="Roe, Jane:mailto:jane@example.org'],
     ["line 2: a line that is not a property (read as text)"]),
    # binary junk between two properties
    (b"BEGIN:VCARD\nFN:Jane Roe\n\x00\x01\x02\xff\xfe\x80garbage\x00\nTEL:0612345678\nEND:VCARD\n",
     None, ["line 3: a line that is not a property (read as text)"]),
    (b"", [], []),
    (b"\n\n\r\n", [], []),
    (b":no name\n;x:y\n", [":no name\n;x:y"],
     ["line 1: a line that is not a property (read as text) (1 more)"]),
])
def test_malformed_input_yields_what_it_can(data: bytes, texts: list[str] | None,
                                            problems: list[str]) -> None:
    units, errors = _read(data)
    if texts is not None:
        assert [u.text for u in units] == texts
    else:
        assert [u.text for u in units if u.kind == "value"] == ["Jane Roe", "0612345678"]
    assert [e.message for e in errors] == problems
    assert {e.kind for e in errors} <= {"corrupt"}


def test_consecutive_lines_that_are_not_properties_are_one_text_unit() -> None:
    units, errors = _read(b"BEGIN:VCARD\nFN:A\nfirst\nsecond\nEND:VCARD\n")
    assert [(u.location.line, u.text, u.kind) for u in units] == [
        (2, "A", "value"), (3, "first\nsecond", "prose")]
    assert errors[0].message == "line 3: a line that is not a property (read as text) (1 more)"


def test_a_long_line_that_is_not_a_property_is_cut_into_units() -> None:
    from connectors.extract.textio import UNIT_CHARS

    units, _ = _read(b"BEGIN:VCARD\n" + b"no colon " * 20_000 + b"\nFN:A\nEND:VCARD\n")
    prose = [u for u in units if u.kind == "prose"]
    assert len(prose) == 3 and all(len(u.text) <= UNIT_CHARS for u in prose)
    assert {u.location.line for u in prose} == {2}
    assert "".join(u.text for u in prose) == "no colon " * 20_000
    assert units[-1].text == "A"


def test_random_bytes_never_raise() -> None:
    rng = random.Random(6350)
    pieces = [b"BEGIN:VCARD\r\n", b"END:VCARD\r\n", b"BEGIN:VEVENT\n", b"END:VEVENT\n", b" ",
              b"\t", b"FN:", b"N:a;b;c", b";", b":", b"=", b"\\", b'"', b"=\r\n", b"\r", b"\n",
              b"ENCODING=QUOTED-PRINTABLE", b"ENCODING=b", b"PHOTO", b"CN=", b"ATTENDEE",
              b"^", b"item1.", b"\x00", b"\xff\xfe", b"\xc3", b"x" * 300]
    for _ in range(300):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        _read(data)
        _read(bytes(rng.randrange(256) for _ in range(rng.randint(0, 400))))


def test_an_overlong_line_is_cut_and_the_rest_read() -> None:
    data = _card("NOTE:" + "word " * 300_000, "FN:Jane Roe")
    units, errors = _read(data)
    assert [u.location.field for u in units] == ["note", "full name"]
    assert len(units[0].text) < 300_000
    assert [e.kind for e in errors] == ["corrupt"]
    assert "cut" in errors[0].message


# -- dispatch -------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "name", "expected"), [
    (_card("FN:Jane Roe"), "x.vcf", "text/vcard"),
    (_card("FN:Jane Roe"), "noname", "text/vcard"),  # libmagic knows it by content
    (ICS, "x.ics", "text/calendar"),
    (ICS, "download", "text/calendar"),
    ("\ufeff".encode() + _card("FN:Jane Roe"), "x.vcf", "text/vcard"),  # a BOM: by name
    ("\ufeff".encode() + _card("FN:Jane Roe"), "x.vcard", "text/vcard"),
    ("\ufeff".encode() + ICS, "x.ics", "text/calendar"),
    ("\ufeff".encode() + ICS, "x.ical", "text/calendar"),
    (_card("FN:Jane Roe").decode().encode("utf-16"), "x.vcf", "text/vcard"),
    (_card("FN:Jane Roe").decode().encode("utf-16-le"), "x.vcf", "text/vcard"),
    (b"Jane Roe, 0612345678\n", "x.vcf", "text/plain"),  # the name alone is not enough
    (b"Lunch on Friday\n", "x.ics", "text/plain"),
])
def test_sniffing(head: bytes, name: str, expected: str) -> None:
    assert sniff(head, name) == expected


@pytest.mark.parametrize("media_type", ["text/vcard", "text/x-vcard", "text/directory",
                                        "text/calendar"])
def test_registered_media_types(media_type: str) -> None:
    assert extractor_ref(media_type) == "connectors.extract.vcard:extract_vcard"


@pytest.mark.parametrize(("data", "name"), [
    (_card("FN:Jane Roe", "TEL;TYPE=CELL:0612345678"), "x.vcf"),
    ("\ufeff".encode() + _card("FN:Jane Roe", "TEL;TYPE=CELL:0612345678"), "x.vcf"),
    (_card("FN:Jane Roe", "TEL;TYPE=CELL:0612345678").decode().encode("utf-16"), "x.vcard"),
])
def test_a_file_goes_through_the_dispatch_to_the_vcard_extractor(tmp_path: Path, data: bytes,
                                                                  name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.field, u.text, u.kind, u.record) for u in units] == [
        ("full name", "Jane Roe", "value", "vcard:1"),
        ("mobile telephone", "0612345678", "value", "vcard:1")]
    assert units[0].location.uri == path.resolve().as_uri()


def test_a_calendar_attached_to_a_mail_is_read_as_one() -> None:
    mail = (b"From: jane@example.org\r\nTo: ana@example.org\r\nSubject: invite\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            b"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n"
            b"Content-Disposition: attachment; filename=invite.ics\r\n\r\n"
            + ICS + b"\r\n--b--\r\n")
    units, _ = run(item_from_bytes(mail, "m.eml"))
    attendees = [u for u in units if u.location.field == "attendee name"]
    assert [(u.text, u.record) for u in attendees] == [("Ana Ferreira", "vevent:13")]
    assert "attachment=invite.ics" in attendees[0].location.uri


# -- through the classifiers, without NER ---------------------------------------------------

def test_a_card_through_the_classifiers_without_ner() -> None:
    from scanner.stages.classify import Classifier

    data = _card("FN:Ana Lúcia Ferreira", "N:Ferreira;Ana;Lúcia;;", "TEL;TYPE=CELL:0612345678",
                 "EMAIL:ana@example.org", "REV:20190825T082849Z",
                 "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
                 "PRODID:-//Apple Inc.//iOS 16.0//EN")
    units, _ = run(item_from_bytes(data, "contacts.vcf"))
    classifier = Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32)
    found = [(f.location.field, f.entity) for f in classifier.flat(units)]
    assert found == [("full name", "PERSON"), ("contact name", "PERSON"),
                     ("mobile telephone", "PHONE_NUMBER"), ("email", "EMAIL_ADDRESS")]


def test_an_event_through_the_classifiers_without_ner() -> None:
    from scanner.stages.classify import Classifier

    units, _ = run(item_from_bytes(ICS, "x.ics"))
    classifier = Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32)
    found = {(f.location.field, f.entity) for f in classifier.flat(units)}
    assert {("organizer full name", "PERSON"), ("organizer email", "EMAIL_ADDRESS"),
            ("attendee name", "PERSON"), ("attendee email", "EMAIL_ADDRESS"),
            ("description", "PHONE_NUMBER")} <= found
    # the event's UID (an e-mail address in form) and its times are not reported
    assert not {f for f, _ in found} & {"uid", "start", "end", None}
