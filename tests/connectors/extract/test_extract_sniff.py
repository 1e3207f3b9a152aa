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


# -- libmagic on the first KB of a text (mediatype._libmagic) against the whole head ---------------

def _filler(n: int) -> bytes:
    line = b"Quarterly figures were reviewed by the team and filed with the minutes.\n"
    return (line * (n // len(line) + 1))[:n]


_CSV_ROWS = b"".join(b"%d,Person %d,p%d@example.org,2024-01-%02d\n" % (i, i, i, i % 28 + 1)
                     for i in range(150))
_JSON_DOC = b"[" + b",".join(b'{"id": %d, "name": "Person %d"}' % (i, i) for i in range(200)) + b"]"
LONG_TEXTS = [
    # (content, name): heads longer than MAGIC_TEXT_BYTES, with no NUL byte
    (_filler(8192), "notes.md"),
    (_filler(3000), "a.log"),
    (b"<!-- " + _filler(2000) + b" -->\n<html><head><title>x</title></head><body>hi</body></html>",
     "page.txt"),
    (b"<?xml version='1.0'?>\n<!-- " + _filler(3000) + b" -->\n<root><a>1</a></root>", "a.xml"),
    (b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 600 + b"</svg>", "pic.svg"),
    (_JSON_DOC, "export.txt"),
    (_JSON_DOC, "export.json"),
    (b"".join(b'{"n": %d, "email": "p%d@example.org"}\n' % (i, i) for i in range(100)), "a.jsonl"),
    (b"id,name,email,date\n" + _CSV_ROWS, "people.txt"),
    (b"id,name,email,date\n" + _CSV_ROWS, "people.csv"),
    (b"From: bob@example.org\nTo: ann@example.org\nSubject: hi\n\n" + _filler(4000), "a.eml"),
    (b"{\\rtf1\\ansi " + _filler(3000) + b"}", "letter.doc"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _filler(3000), "report.pdf"),
    (b"#!/bin/sh\n# " + _filler(3000), "run"),
    (b"%!PS-Adobe-3.0\n" + _filler(2000), "print.ps"),
]


def _both(head: bytes, name: str, monkeypatch) -> tuple[str, str]:
    from connectors.extract import mediatype

    fast = sniff(head, name)
    with monkeypatch.context() as m:
        m.setattr(mediatype, "_libmagic", mediatype._libmagic_reference)
        return fast, sniff(head, name)


@pytest.mark.parametrize(("content", "name"), LONG_TEXTS, ids=[c[1] for c in LONG_TEXTS])
def test_a_long_text_head_is_typed_as_libmagic_types_it_whole(content, name, monkeypatch) -> None:
    from connectors.extract.mediatype import HEAD_BYTES, MAGIC_TEXT_BYTES

    head = content[:HEAD_BYTES]
    assert len(head) > MAGIC_TEXT_BYTES and b"\x00" not in head
    fast, whole = _both(head, name, monkeypatch)
    assert fast == whole


def _same_reading(fast: str, whole: str) -> bool:
    """The same media type, or two that are read alike: text subtypes (each read as plain text),
    or a text that libmagic calls JavaScript only from what it sees after the first KB (a README
    with code samples: read as text rather than skipped)."""
    from connectors.extract import extractor_ref

    if fast == whole:
        return True
    if whole == "application/javascript":
        return fast == "text/plain"
    return extractor_ref(fast) == extractor_ref(whole) and fast.startswith("text/")


def _test_files() -> list:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    dirs = [root / "tests", root / "examples", root.parent / "shared" / "corpus"]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*") if p.is_file())


def test_every_test_and_corpus_file_is_read_alike(monkeypatch) -> None:
    from connectors.extract.mediatype import HEAD_BYTES

    files = _test_files()
    assert len(files) > 100
    differ = []
    for path in files:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        fast, whole = _both(head, path.name, monkeypatch)
        if not _same_reading(fast, whole):
            differ.append((str(path), whole, fast))
    assert differ == []
