"""Media types from content (python-magic), refined where libmagic is vague or wrong.

Content always wins; the file name is used only as a tie-breaker where the content is ambiguous
(``text/plain`` that may be CSV or JSON, an OLE compound file that may be an Outlook message, a
generic ``application/zip``, ``application/octet-stream``). A few types are ours, not IANA's:

* ``application/vnd.ms-outlook-pst`` -- PST/OST (magic ``!BDN``);
* ``message/x-emlx`` -- Apple Mail ``.emlx`` (a byte count line, then RFC 822);
* ``application/x-ndjson`` -- newline-delimited JSON (libmagic uses it too).
"""

from __future__ import annotations

import re
from functools import lru_cache

HEAD_BYTES = 8192

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
MSG = "application/vnd.ms-outlook"
PST = "application/vnd.ms-outlook-pst"
EMLX = "message/x-emlx"
OLE = "application/x-ole-storage"
ENCRYPTED = "application/encrypted"

_OOXML_PREFIX = {b"word/": DOCX, b"xl/": XLSX, b"ppt/": PPTX}
_OOXML_EXT = {".docx": DOCX, ".docm": DOCX, ".xlsx": XLSX, ".xlsm": XLSX, ".pptx": PPTX,
              ".pptm": PPTX}
_TEXT_EXT = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".tab":
             "text/tab-separated-values", ".json": "application/json", ".jsonl":
             "application/x-ndjson", ".ndjson": "application/x-ndjson", ".eml": "message/rfc822",
             ".mbox": "application/mbox", ".htm": "text/html", ".html": "text/html",
             ".xml": "text/xml", ".vcf": "text/vcard", ".vcard": "text/vcard", ".ics":
             "text/calendar", ".ical": "text/calendar"}
_MAIL_HEADERS = (b"from", b"to", b"cc", b"subject", b"date", b"received", b"return-path",
                 b"message-id", b"mime-version", b"reply-to", b"sender", b"delivered-to",
                 b"x-mailer", b"content-type", b"in-reply-to", b"references")
_HEADER_LINE = re.compile(rb"([A-Za-z][A-Za-z0-9-]{0,60}):[ \t]?[^\r\n]*\r?\n")
_MBOX_FROM = re.compile(rb"From \S+ +\S")
_EMLX_HEAD = re.compile(rb"\s*\d+\s*\r?\n")
# A vCard or iCalendar that libmagic did not type (a BOM, UTF-16): it opens with BEGIN:.
_BEGIN_CARD = re.compile(rb"(?i)[\s\xef\xbb\xbf\xff\xfe]*begin:v(?:card|calendar)\b")
_TEXTLIKE = frozenset({"application/octet-stream", "application/x-dosexec", "text/plain"})


# libmagic's flags (magic.h of file 5.x; python-magic names only some of them, after older
# versions): skip soft magic (its entries), the JSON, CSV and tar tests.
_NO_SOFT, _NO_JSON, _NO_CSV, _NO_TAR = 0x004000, 0x400000, 0x080000, 0x002000
# libmagic's own tests that come before soft magic and answer for the whole head.
_EARLY = frozenset({"application/json", "application/x-ndjson", "text/csv"})
MAGIC_TEXT_BYTES = 1024


@lru_cache(maxsize=4)
def _magic(flags: int = 0):
    import magic

    m = magic.Magic(mime=True)
    if flags:
        m.flags |= flags
        magic.magic_setflags(m.cookie, m.flags)
    return m


def _libmagic(head: bytes) -> str:
    """libmagic's media type of ``head`` in less time for a text: what
    :func:`_libmagic_reference` finds, but for a text that only what follows its first KB would
    type (a README that libmagic calls JavaScript from code further down is read as text).

    Soft magic runs its text entries (regular expressions, searches) over the whole buffer: on
    an 8 KB text head 1.9 ms, on its first 1 KB 0.6 ms. A head without NUL bytes (every text,
    few binary formats: those name themselves in their first bytes) gets its JSON and CSV tests
    on the whole head (with soft magic off they take microseconds, and when they answer libmagic
    answers with them before soft magic runs), then the rest on its first
    :data:`MAGIC_TEXT_BYTES`; a text that is still plain with markup further on (an HTML page
    after a long preamble) is asked about whole. tests/connectors/extract/test_extract_sniff.py
    compares the two on every file of the test data and the shared corpus."""
    if len(head) <= MAGIC_TEXT_BYTES or b"\x00" in head:
        return _libmagic_reference(head)
    early = _magic(_NO_SOFT).from_buffer(head)
    if early in _EARLY:
        return early
    mime = _magic(_NO_JSON | _NO_CSV | _NO_TAR).from_buffer(head[:MAGIC_TEXT_BYTES])
    if mime == "text/plain" and b"<" in head[MAGIC_TEXT_BYTES:]:
        return _libmagic_reference(head)
    return mime


def _libmagic_reference(head: bytes) -> str:
    """libmagic's media type of the whole head, with its default tests."""
    return _magic().from_buffer(head)


def _suffix(name: str) -> str:
    name = name.lower().rsplit("/", 1)[-1]
    return name[name.rfind(".") :] if "." in name else ""


def sniff(head: bytes, name: str = "") -> str:
    """Media type of ``head`` (the first bytes of an item); ``name`` only breaks ties."""
    if not head:
        return "application/x-empty"
    ext = _suffix(name)
    if head.startswith(b"!BDN"):
        return PST
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole(head, ext)
    try:
        mime = _libmagic(head)
    except Exception:
        mime = "application/octet-stream"
    if mime == "application/zip":
        return _zip(head, ext)
    if mime in ("text/plain", "text/html", "message/rfc822", "message/news"):
        mail = _mail(head)
        if mail:
            return mail
        if mime in ("message/rfc822", "message/news"):
            return "message/rfc822"
    if mime == "application/x-dosexec" and head.startswith(b"MZ"):
        return mime
    if mime in _TEXTLIKE:
        if mime != "text/plain" and not _looks_textual(head):
            from connectors.extract.textio import utf16_without_bom

            return _text_tiebreak(head, ext) if utf16_without_bom(head) else mime
        if head.startswith(b"\x1f\x8b"):
            return "application/gzip"
        return _text_tiebreak(head, ext)
    if mime in ("text/xml", "application/xml") and ext in (".html", ".htm", ".xhtml"):
        return "text/html"
    return mime


def _text_tiebreak(head: bytes, ext: str) -> str:
    by_name = _TEXT_EXT.get(ext)
    if by_name in ("text/csv", "text/tab-separated-values"):
        return by_name
    if by_name in ("application/json", "application/x-ndjson"):
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if stripped[:1] in (b"{", b"["):
            return by_name
    if by_name == "text/html" and b"<" in head:
        return by_name
    if by_name in ("text/vcard", "text/calendar") and _BEGIN_CARD.match(
            head[:512].replace(b"\x00", b"")):
        return by_name
    return "text/plain"


def _ole(head: bytes, ext: str) -> str:
    """OLE2 compound file: an Outlook message, an encrypted OOXML package, or something else."""
    if "__substg1.0_".encode("utf-16-le") in head or ext == ".msg":
        return MSG
    if "EncryptedPackage".encode("utf-16-le") in head:
        return ENCRYPTED
    return OLE


def _zip(head: bytes, ext: str) -> str:
    """A zip: an OOXML/ODF package when its members say so (name only if the head cannot)."""
    names = _zip_member_names(head)
    for name in names:
        for prefix, media_type in _OOXML_PREFIX.items():
            if name.startswith(prefix):
                return media_type
    if b"mimetype" in names and b"application/vnd.oasis.opendocument." in head[:200]:
        match = re.search(rb"application/vnd\.oasis\.opendocument\.[a-z.-]+", head[:200])
        if match:
            return match.group(0).decode()
    if b"[Content_Types].xml" in names and ext in _OOXML_EXT:
        return _OOXML_EXT[ext]
    return "application/zip"


def _zip_member_names(head: bytes) -> list[bytes]:
    """Names from the local file headers found in ``head`` (a full zip is not needed)."""
    names = []
    for m in re.finditer(rb"PK\x03\x04", head):
        start = m.start()
        if start + 30 > len(head):
            break
        name_len = int.from_bytes(head[start + 26 : start + 28], "little")
        names.append(head[start + 30 : start + 30 + name_len])
    return names


def _mail(head: bytes) -> str | None:
    """RFC 822, mbox or emlx text that libmagic called text/plain (or something close)."""
    body = head.lstrip(b"\xef\xbb\xbf")
    if _MBOX_FROM.match(body):
        return "application/mbox"
    emlx = _EMLX_HEAD.match(body)
    if emlx and _mail_headers(body[emlx.end() :]) >= 2:
        return EMLX
    if _mail_headers(body) >= 2:
        return "message/rfc822"
    return None


def _mail_headers(text: bytes) -> int:
    """How many well-known mail headers open ``text`` (0 when it does not start with headers)."""
    known, pos = 0, 0
    for _ in range(40):
        m = _HEADER_LINE.match(text, pos)
        if not m:
            break
        if m.group(1).lower() in _MAIL_HEADERS:
            known += 1
        pos = m.end()
        while pos < len(text) and text[pos : pos + 1] in (b" ", b"\t"):  # folded header line
            nl = text.find(b"\n", pos)
            pos = len(text) if nl < 0 else nl + 1
    return known


def _looks_textual(head: bytes) -> bool:
    """No NUL bytes and few C0 controls: text in some (maybe legacy) encoding."""
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 14, 15, 27))
    return controls <= len(head) // 100
