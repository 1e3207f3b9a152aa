"""Media-type sniffing: content first, the name only as a tie-breaker."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from connectors.extract import EXTRACTORS, extract, sniff
from connectors.extract.mediatype import DOCX, EMLX, MSG, PST, XLSX
from scanner.settings import Settings
from tests.helpers.extract import item_from_bytes


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("a.txt")
        info.size = 2
        t.addfile(info, io.BytesIO(b"hi"))
    return buf.getvalue()


OLE_HEAD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

CASES = [
    # (content, name, expected media type)
    (b"hello world, plain words\n", "a.txt", "text/plain"),
    (b"name,email\nbob,b@x.org\n", "people.csv", "text/csv"),
    (b"name\temail\nbob\tb@x.org\n", "people.tsv", "text/tab-separated-values"),
    (b"name,email\nbob,b@x.org\n", "people.txt", "text/plain"),  # no name hint: stays text
    (b'{"a": {"b": 1}}', "x.json", "application/json"),
    (b'{"a": {"b": 1}}', "x.txt", "application/json"),  # content wins over the extension
    (b'{"a": 1}\n{"a": 2}\n', "x.jsonl", "application/x-ndjson"),
    (b"<html><body><p>hi</p></body></html>", "page.txt", "text/html"),
    (b"<?xml version='1.0'?><a><b>hi</b></a>", "a.xml", "text/xml"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "report.docx", "application/pdf"),
    (_zip({"a.txt": b"x"}), "a.pdf", "application/zip"),
    (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), "a.zip", DOCX),
    (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), "a.bin", XLSX),
    (_tar(), "a.dat", "application/x-tar"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "a.txt", "application/gzip"),
    (b"From: bob@example.org\nTo: ann@example.org\nSubject: hi\n\nbody\n", "a.msg",
     "message/rfc822"),  # a ".msg" that is really RFC 822 text
    (b"From bob@example.org Mon Jan  1 00:00:00 2024\nFrom: bob\nSubject: x\n\nhi\n", "x",
     "application/mbox"),
    (b"123      \nFrom: bob@example.org\nSubject: x\nDate: Mon, 1 Jan 2024\n\nhi\n", "1.emlx",
     EMLX),
    (b"!BDN" + b"\x00" * 100, "mail.pst", PST),
    (OLE_HEAD, "mail.msg", MSG),
    (OLE_HEAD, "old.doc", "application/x-ole-storage"),
    (b"", "empty.pdf", "application/x-empty"),
    ((b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
      b"\x90wS\xde"), "photo.txt", "image/png"),
]


@pytest.mark.parametrize(("content", "name", "expected"), CASES, ids=[f"{c[1]}->{c[2]}" for c in CASES])
def test_sniff(content: bytes, name: str, expected: str) -> None:
    assert sniff(content, name) == expected


def test_every_mail_type_has_its_module() -> None:
    assert EXTRACTORS["message/rfc822"] == "connectors.mail.message:extract_message"
    assert EXTRACTORS[EMLX] == "connectors.mail.message:extract_emlx"
    assert EXTRACTORS["application/mbox"] == "connectors.mail.mbox:extract_mbox"
    assert EXTRACTORS[MSG] == "connectors.mail.msg:extract_msg"
    assert EXTRACTORS[PST] == "connectors.mail.pst:extract_pst"


def test_missing_extractor_module_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXTRACTORS, "application/mbox", "connectors.mail.nowhere:extract_mbox")
    item = item_from_bytes(CASES[16][0], "box.mbox")
    out = list(extract(item, Settings()))
    assert [(e.kind, e.location) for e in out] == [("unsupported", "mem:///box.mbox")]


def test_binary_without_text_is_skipped_not_failed() -> None:
    out = list(extract(item_from_bytes(CASES[-1][0], "photo.txt"), Settings()))
    assert [e.kind for e in out] == ["skipped"]
