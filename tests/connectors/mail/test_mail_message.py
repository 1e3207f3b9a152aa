"""RFC 822 / MIME extraction: units with exact locations, attachments, malformed input."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.extract.walk import extract_all
from connectors.mail.message import extract_emlx, extract_message, looks_like_rfc822
from connectors.mail.text import decode_bytes, html_to_text, rtf_to_text, split_uuencoded
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings

SETTINGS = Settings()
URI = "file:///data/a.eml"


def _item(data: bytes, uri: str = URI, name: str = "a.eml") -> Item:
    return Item(uri=uri, source_kind="file", open=lambda: io.BytesIO(data), size=len(data),
                name=name)  # fmt: skip


def _run(data: bytes, uri: str = URI) -> list[object]:
    return list(extract_message(_item(data, uri), SETTINGS))


def _units(out: list[object]) -> list[TextUnit]:
    return [u for u in out if isinstance(u, TextUnit)]


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def _multipart() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jane Roe <jane.roe@example.org>"
    msg["To"] = "Bob Smith <bob@example.com>, carol@example.net"
    msg["Cc"] = "=?utf-8?q?Ren=C3=A9e_M=C3=BCller?= <renee@example.de>"
    msg["Subject"] = "Sick note for Jane"
    msg["Message-ID"] = "<1234@example.org>"
    msg.set_content("Hello Bob,\nplease call me on +44 20 7946 0018.\nJane\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("people.csv", "name,email\nJohn Doe,john@example.com\n")
    msg.add_attachment(b"%PDF-1.4\n%fake\n", maintype="application", subtype="pdf",
                       filename="cv.pdf")  # fmt: skip
    msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip",
                       filename="people.zip")  # fmt: skip
    msg.add_attachment("name,email\nAnn Lee,ann@example.com\n", subtype="csv",
                       filename="list.csv")  # fmt: skip
    return msg.as_bytes()


def test_headers_are_value_units_with_field_line_and_record() -> None:
    data = _multipart()
    units = _units(_run(data))
    by_field = {u.location.field: u for u in units if u.location.field}
    assert by_field["From"].text == "Jane Roe <jane.roe@example.org>"
    assert by_field["From"].kind == "value"
    assert by_field["From"].location.line == _line_of(data, b"From:")
    assert by_field["To"].text == "Bob Smith <bob@example.com>, carol@example.net"
    assert by_field["Cc"].text == "Renée Müller <renee@example.de>"  # RFC 2047 decoded
    assert by_field["Subject"].kind == "prose"
    assert by_field["Subject"].location.line == _line_of(data, b"Subject:")
    assert {u.record for u in units} == {"msg:1"}
    assert "Message-ID" not in by_field  # not personal data, not a unit


def test_body_keeps_its_line_in_the_message_source() -> None:
    data = _multipart()
    body = [u for u in _units(_run(data)) if u.location.field is None]
    assert len(body) == 1
    assert body[0].kind == "prose"
    assert body[0].text.startswith("Hello Bob,\nplease call me")
    assert body[0].location.line == _line_of(data, b"Hello Bob")
    assert body[0].location.uri == URI


def test_attachments_are_child_items_with_names_in_the_uri() -> None:
    out = _run(_multipart())
    items = {i.name: i for i in out if isinstance(i, Item)}
    assert set(items) == {"cv.pdf", "people.zip", "list.csv"}
    assert items["cv.pdf"].uri == URI + "#attachment=cv.pdf"
    assert items["cv.pdf"].open().read() == b"%PDF-1.4\n%fake\n"
    assert items["cv.pdf"].depth == 1
    with zipfile.ZipFile(items["people.zip"].open()) as zf:
        assert zf.namelist() == ["people.csv"]


def test_attachments_go_through_the_file_extractors() -> None:
    units = [u for u in extract_all(_item(_multipart()), SETTINGS) if isinstance(u, TextUnit)]
    csv = [u for u in units if u.location.uri == URI + "#attachment=list.csv"]
    assert any("ann@example.com" in u.text for u in csv)


def test_message_in_an_mbox_uri_gets_attachment_segment_and_record() -> None:
    out = _run(_multipart(), uri="mbox:///abs/archive.mbox#msg=12")
    uris = sorted(i.uri for i in out if isinstance(i, Item))
    assert "mbox:///abs/archive.mbox#msg=12/attachment=cv.pdf" in uris
    assert {u.record for u in _units(out)} == {"msg:12"}


def test_quoted_printable_base64_and_latin1_bodies() -> None:
    qp = (
        b"From: a@example.org\nSubject: qp\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"Gr=C3=BC=C3=9Fe from J=C3=BCrgen, juergen@exa=\nmple.de\n"
    )
    body = next(u for u in _units(_run(qp)) if u.location.field is None)
    assert body.text == "Grüße from Jürgen, juergen@example.de\n"
    assert body.location.line == 7

    latin = EmailMessage()
    latin["From"] = "x@example.org"
    latin.set_content("Señora Núñez, calle Mayor 5\n", charset="iso-8859-1", cte="8bit")
    data = latin.as_bytes()
    assert "Señora Núñez".encode("latin-1") in data
    body = next(u for u in _units(_run(data)) if u.location.field is None)
    assert body.text == "Señora Núñez, calle Mayor 5\n"

    b64 = EmailMessage()
    b64["From"] = "x@example.org"
    b64.set_content("Patient: Ann Lee\nDOB 1980-02-03\n", cte="base64")
    data = b64.as_bytes()
    assert b"Ann Lee" not in data
    body = next(u for u in _units(_run(data)) if u.location.field is None)
    assert body.text == "Patient: Ann Lee\nDOB 1980-02-03\n"


def test_unknown_and_lying_charsets_fall_back() -> None:
    data = (
        b"From: a@example.org\nContent-Type: text/plain; charset=x-no-such-charset\n\n"
        b"caf\xc3\xa9 au lait\n"
    )
    assert _units(_run(data))[-1].text == "café au lait\n"
    data = b"From: a@example.org\nContent-Type: text/plain; charset=utf-8\n\ncaf\xe9 noir\n"
    assert _units(_run(data))[-1].text == "café noir\n"


def test_html_body_becomes_text_on_its_source_lines() -> None:
    data = (
        b"From: a@example.org\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p {color: red}</style></head>\n<body><p>Call <b>Ann</b>\n"
        b'on 555-0100</p><a href="mailto:ann@example.com">write</a></body></html>\n'
    )
    body = _units(_run(data))[-1]
    assert body.location.line == 5
    lines = body.text.split("\n")
    assert "Call Ann" in lines[1]
    assert "555-0100" in lines[2] and "ann@example.com" in lines[2]
    assert "color" not in body.text


def test_missing_boundary_is_read_as_text_and_recorded() -> None:
    data = (
        b"From: Ann <ann@example.com>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="NOPE"\n\n'
        b"--OTHER\nContent-Type: text/plain\n\nMy SSN is 078-05-1120\n--OTHER--\n"
    )
    out = _run(data)
    errors = [e for e in out if isinstance(e, ScanError)]
    assert [(e.location, e.kind) for e in errors] == [(URI, "corrupt")]
    assert "boundary" in errors[0].message
    assert any("078-05-1120" in u.text for u in _units(out))
    assert [u.text for u in _units(out) if u.location.field == "From"] == ["Ann <ann@example.com>"]


def test_nul_bytes_and_no_header_body_separator() -> None:
    data = b"From: ann@example.com\nSubject: hi\nthis line is no header\x00 bob@example.com\n"
    units = _units(_run(data))
    assert [u.location.field for u in units][:2] == ["From", "Subject"]
    assert all("\x00" not in u.text for u in units)
    assert any("bob@example.com" in u.text for u in units)


def test_one_broken_part_does_not_stop_the_message() -> None:
    data = (
        b'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        b"!!!not base64!!!\n--B\nContent-Type: text/plain\n\nsecond part jane@example.org\n--B--\n"
    )
    out = _run(data)
    assert any("jane@example.org" in u.text for u in _units(out))


def test_bounce_delivery_status_and_returned_message() -> None:
    data = (
        b"From: MAILER-DAEMON@example.net\nTo: sender@example.org\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\n\n'
        b"--R\nContent-Type: text/plain\n\nDelivery to lost.user@example.com failed.\n"
        b"--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
        b"Final-Recipient: rfc822; lost.user@example.com\nAction: failed\n"
        b"--R\nContent-Type: message/rfc822\n\nFrom: sender@example.org\nTo: lost.user@example.com\n"
        b"Subject: hello\n\nHi there\n--R--\n"
    )
    out = _run(data)
    status = [u for u in _units(out) if u.location.field == "delivery-status"]
    assert len(status) == 1 and status[0].kind == "log"
    assert "Final-Recipient: rfc822; lost.user@example.com" in status[0].text
    assert status[0].location.line == _line_of(data, b"Reporting-MTA")
    returned = [i for i in out if isinstance(i, Item)]
    assert [i.uri for i in returned] == [URI + "#attachment=hello.eml"]
    assert returned[0].media_type == "message/rfc822"
    inner = _units(list(extract_message(returned[0], SETTINGS)))
    assert [u.text for u in inner if u.location.field == "To"] == ["lost.user@example.com"]


def test_uuencoded_block_becomes_an_attachment() -> None:
    import binascii

    payload = b"name,phone\nAnn,555-0100\n"
    uu = b"begin 644 phones.csv\n" + binascii.b2a_uu(payload) + b"`\nend\n"
    data = b"From: a@example.org\nSubject: uu\n\nsee attached\n" + uu + b"bye\n"
    out = _run(data)
    items = [i for i in out if isinstance(i, Item)]
    assert [(i.name, i.open().read()) for i in items] == [("phones.csv", payload)]
    body = next(u for u in _units(out) if u.location.field is None)
    assert "begin 644" not in body.text
    assert body.text.split("\n")[5] == "bye"  # later lines keep their place


def test_emlx() -> None:
    msg = b"From: Ann <ann@example.com>\nSubject: x\n\nbody text\n"
    data = str(len(msg)).encode() + b"\n" + msg + b"<?xml version='1.0'?><plist/>"
    out = list(extract_emlx(_item(data, "file:///m/1.emlx", "1.emlx"), SETTINGS))
    units = _units(out)
    assert [(u.location.field, u.location.line) for u in units] == [
        ("From", 2), ("Subject", 3), (None, 5)
    ]  # fmt: skip
    assert "plist" not in units[-1].text


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"From: a@b.c\nTo: d@e.f\nSubject: x\n\nbody", True),
        (b"Return-Path: <a@b.c>\nReceived: from x\n\tby y\n", True),
        (b"From MAILER-DAEMON Fri Apr 06 16:46:09 2001\nReceived: x\nFrom: y\n", True),
        (b"Content-Type: multipart/mixed; boundary=X\n\n--X\n", True),
        (b"MIME-Version: 1.0\nX-Foo: bar\n", True),
        (b"name: piiscout\nversion: 1\n", False),  # YAML, no mail header
        (b"Subject line of an essay\nwithout colon\n", False),
        (b"Date: today\n", False),  # one header alone is not enough
        (b"Hello Bob,\nFrom: here\n", False),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", False),
        (b"", False),
    ],
)
def test_looks_like_rfc822(head: bytes, expected: bool) -> None:
    assert looks_like_rfc822(head) is expected


def test_text_helpers() -> None:
    assert (
        decode_bytes("中文 €".encode("gb18030"), "gb2312") == "中文 €"
    )  # gb2312 is read as gb18030
    assert decode_bytes(b"caf\xe9", "bogus") == "café"
    assert html_to_text("<p>a</p>\n<p>b &amp; c</p>").split("\n") == [" a", " b & c"]
    # cells and blocks on one source line are kept apart by a bar, inline elements by a space
    assert html_to_text("<table><tr><td>Ana</td><td>+34 746 41 91 46</td><td>06487</td></tr>"
                        "</table>") == " Ana | +34 746 41 91 46 | 06487"
    assert html_to_text("<p>Call <b>Jane</b> <b>Roe</b></p><div>x<br>y</div>") == (
        " Call Jane Roe | x | y")
    assert "Dear Ann" in rtf_to_text(r"{\rtf1{\fonttbl{\f0 Arial;}}\f0 Dear Ann\par bye}")
    text, blocks = split_uuencoded("no blocks here")
    assert (text, blocks) == ("no blocks here", [])


def test_corpus_bounces_are_found(shared_corpus: Path) -> None:
    """CPython's bounce messages: the failed recipients are in the extracted text."""
    folder = shared_corpus / "mail" / "cpython_email"
    cases = {
        "msg_16.txt": "jangel1@cougar.noc.ucla.edu",
        "msg_43.txt": "xxxxxxxxxxxxx@dot.ca.gov",
        "msg_25.txt": "scoffman@wellpartner.com",
    }
    for name, address in cases.items():
        path = folder / name
        item = Item(uri=path.as_uri(), source_kind="file", open=lambda p=path: p.open("rb"),
                    name=name)  # fmt: skip
        texts = [u.text for u in extract_all(item, SETTINGS) if isinstance(u, TextUnit)]
        assert any(address in t for t in texts), name
