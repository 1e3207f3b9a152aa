"""RFC 822 / MIME messages (.eml, a message of an mbox/Maildir/PST) and Apple .emlx.

What one message yields (``record = "msg:<index>"`` for all its units, so the linkage classifier
treats the message as one record):

* a ``value`` unit per address header (From, To, Cc, Bcc, Reply-To, Sender, Return-Path, ...),
  ``field`` = the header name, ``line`` = the header's line, text = the decoded names and addresses;
* a ``log`` unit per trace header (Received, X-Forwarded-For, User-Agent, ...: the sender's
  address and mail client), ``field`` = the header name;
* a ``prose`` unit for the Subject (``field="Subject"``) and for each text body (text/plain, or
  text/html turned into text on the same lines; in multipart/alternative only the plain part);
  ``line`` is the line of the message source where the body starts (in an mbox: the line of the
  mbox file). Lines inside a quoted-printable body drift by one per soft line break; inside a
  base64 body they count decoded lines;
* a ``log`` unit for delivery-status reports (bounces: Final-Recipient, Original-Recipient);
* a child :class:`~scanner.models.Item` per attachment, uuencoded block and attached message
  (``<uri>#attachment=<name>``, see :mod:`connectors.mail.uris`), extracted by the same
  extractors as files;
* a :class:`~scanner.models.ScanError` for what cannot be read (a lost multipart boundary, a part
  that fails to decode); the rest of the message is still read.

Parsing is :class:`email.parser.BytesParser` with ``policy.compat32``, the most lenient one.
"""

from __future__ import annotations

import io
import mimetypes
import re
from collections.abc import Iterator
from email import errors as email_errors
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from connectors.mail.text import clean, decode_bytes, html_to_text, split_uuencoded
from connectors.mail.uris import child_uri, record_for
from scanner.models import Item, ItemError, Location, ScanError, TextUnit, UnitKind
from scanner.settings import Settings

Extracted = TextUnit | Item | ScanError

ADDRESS_HEADERS = (
    "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Return-Path", "Delivered-To",
    "X-Original-To", "Resent-From", "Resent-To", "Resent-Cc", "Resent-Sender",
    "Disposition-Notification-To", "Errors-To", "X-Sender", "X-Originating-IP",
)  # fmt: skip
# Trace headers: where the message came from (the sender's address in a Received line, a
# webmail's X-Forwarded-For) and the sender's mail client (User-Agent), read as log lines (their
# dates are the trace's, not findings).
TRACE_HEADERS = ("Received", "X-Forwarded-For", "X-Real-IP", "X-Client-IP", "User-Agent")
_CANON = {h.lower(): h for h in ADDRESS_HEADERS}
_TRACE = {h.lower(): h for h in TRACE_HEADERS}
_BODY_TEXT = ("text/plain", "text/html", "text/enriched", "text/rfc822-headers")
_HEADER_LINE = re.compile(r"^[!-9;-~]+[ \t]*:")
_KNOWN = (
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "mime-version", "delivered-to", "reply-to", "sender", "content-type", "x-mailer",
    "in-reply-to", "references", "x-original-to", "content-transfer-encoding",
)  # fmt: skip


def looks_like_rfc822(head: bytes) -> bool:
    """True when ``head`` (the first KB of a file) starts like a mail message.

    The first line must be a header (or an mbox ``From `` line followed by headers), at least one
    header must be one mail uses, and two unless it is a Content-Type/MIME header.
    """
    text = head[:8192].decode("latin-1")
    lines = text.lstrip("\r\n").splitlines()
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    names: list[str] = []
    for line in lines[:40]:
        if not line.strip():
            break
        if line[0] in " \t":
            if not names:
                return False
            continue
        if not _HEADER_LINE.match(line):
            break
        names.append(line.split(":", 1)[0].strip().lower())
    if not names:
        return False
    known = [n for n in names if n in _KNOWN]
    if not known:
        return False
    return len(names) >= 2 or names[0] in ("content-type", "mime-version", "received")


def read_limited(item: Item, settings: Settings) -> bytes:
    limit = settings.limits.max_item_bytes
    with item.open() as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ItemError("too_large", f"over the {limit}-byte limit", item.uri)
    return data


def extract_message(item: Item, settings: Settings) -> Iterator[Extracted]:
    """Extractor for RFC 822 messages (``.eml``, ``message/rfc822``)."""
    data = read_limited(item, settings)
    offset = item.metadata.get("line_offset", 0)
    yield from message_units(data, item, settings, int(offset) if isinstance(offset, int) else 0)


def extract_emlx(item: Item, settings: Settings) -> Iterator[Extracted]:
    """Apple Mail .emlx: a byte count line, the RFC 822 message, then an XML plist."""
    data = read_limited(item, settings)
    first, sep, rest = data.partition(b"\n")
    try:
        length = int(first.strip())
    except ValueError:
        yield ScanError(item.uri, "corrupt", "emlx without a byte count; read as a message")
        yield from message_units(data, item, settings)
        return
    yield from message_units(rest[:length], item, settings, line_offset=1 if sep else 0)


def decode_header_value(raw: str) -> str:
    """Unfold and decode RFC 2047 words; 8-bit bytes are decoded with fallbacks."""
    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    try:
        chunks = decode_header(raw)
    except (email_errors.HeaderParseError, ValueError, LookupError):
        chunks = [(raw, None)]
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        elif any("\udc80" <= c <= "\udcff" for c in chunk):
            out.append(decode_bytes(chunk.encode("ascii", "surrogateescape"), charset))
        else:
            out.append(chunk)
    # decode_header drops the spaces between an encoded word and plain text; they matter little.
    return clean(" ".join(s.strip() for s in out if s.strip()) if len(out) > 1 else "".join(out))


def _header_lines(raw: str) -> list[tuple[str, int]]:
    """(lower-cased name, 1-based line) of each header in the header block of ``raw``."""
    found: list[tuple[str, int]] = []
    for lineno, line in enumerate(raw.split("\n"), 1):
        line = line.rstrip("\r")
        if not line:
            break
        if lineno == 1 and line.startswith("From "):
            continue
        if line[0] in " \t":
            continue
        if not _HEADER_LINE.match(line):
            break
        found.append((line.split(":", 1)[0].strip().lower(), lineno))
    return found


class MessageReader:
    """Walks one parsed message and turns it into units, child items and errors."""

    def __init__(self, item: Item, settings: Settings, raw: str, line_offset: int) -> None:
        self.item = item
        self.settings = settings
        self.raw = raw
        self.offset = line_offset
        self.cursor = 0
        self.record = record_for(item.uri)
        self.names: set[str] = set()
        self.attachments = 0

    def unit(self, text: str, line: int | None, field: str | None, kind: UnitKind) -> TextUnit:
        return TextUnit(
            location=Location(self.item.uri, line, field),
            text=text,
            kind=kind,
            record=self.record,
            source_kind=self.item.source_kind,
        )

    def headers(self, msg: Message) -> Iterator[Extracted]:
        lines = _header_lines(self.raw)
        pos = 0
        for name, value in msg.items():
            low = name.strip().lower()
            line = None
            for k in range(pos, len(lines)):
                if lines[k][0] == low:
                    line, pos = lines[k][1] + self.offset, k + 1
                    break
            if low != "subject" and low not in _CANON and low not in _TRACE:
                continue
            try:
                text = decode_header_value(str(value))
            except Exception as exc:
                yield ScanError(self.item.uri, "corrupt", f"header {name}: {exc}")
                continue
            if not text.strip():
                continue
            if low == "subject":
                yield self.unit(text, line, "Subject", "prose")
            elif low in _TRACE:
                yield self.unit(text, line, _TRACE[low], "log")
            else:
                yield self.unit(text, line, _CANON[low], "value")

    def body_line(self, payload: str) -> int | None:
        """Line of the message source where ``payload`` (the raw part body) starts."""
        head = payload.lstrip("\r\n")[:200]
        if not head:
            return None
        pos = self.raw.find(head, self.cursor)
        if pos < 0:
            pos = self.raw.find(head)
            if pos < 0:
                return None
        else:
            self.cursor = pos + len(head)
        lead = payload[: len(payload) - len(payload.lstrip("\r\n"))].count("\n")
        return self.raw.count("\n", 0, pos) + 1 - lead + self.offset

    def walk(self, part: Message, path: str) -> Iterator[Extracted]:
        try:
            yield from self._part(part, path)
        except Exception as exc:
            where = child_uri(self.item.uri, "part", path) if path else self.item.uri
            yield ScanError(where, "corrupt", f"{type(exc).__name__}: {exc}")

    def _part(self, part: Message, path: str) -> Iterator[Extracted]:
        ctype = part.get_content_type()
        payload = part.get_payload()
        if ctype == "message/delivery-status" and isinstance(payload, list):
            text = "\n".join(str(block).strip() for block in payload)
            first = str(payload[0]) if payload else ""  # str(Message) is its as_string()
            line = self.body_line(first.split("\n", 1)[0]) if first else None
            yield self.unit(clean(text), line, "delivery-status", "log")
            return
        if part.is_multipart() and ctype.startswith("message/"):
            yield from self.attached_message(part, path)
            return
        if part.is_multipart():
            children = list(payload) if isinstance(payload, list) else []
            if ctype == "multipart/alternative":
                children = _prefer_plain(children)
            for i, sub in enumerate(children, 1):
                yield from self.walk(sub, f"{path}.{i}" if path else str(i))
            return
        if ctype.startswith("multipart/") or any(
            isinstance(d, email_errors.StartBoundaryNotFoundDefect) for d in part.defects
        ):
            where = child_uri(self.item.uri, "part", path) if path else self.item.uri
            yield ScanError(where, "corrupt", "multipart boundary not found; body read as text")
            yield from self.text_body(part, "text/plain")
            return
        if _is_attachment(part, ctype):
            yield from self.attachment(part, ctype)
        else:
            yield from self.text_body(part, ctype)

    def text_body(self, part: Message, ctype: str) -> Iterator[Extracted]:
        raw = part.get_payload()
        if not isinstance(raw, str) or not raw.strip():
            return
        line = self.body_line(raw)
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = raw.encode("ascii", "surrogateescape")
        text = decode_bytes(data, part.get_content_charset())
        if ctype == "text/html" or (ctype != "text/plain" and "<html" in text[:2000].lower()):
            text = html_to_text(text)
        text, blocks = split_uuencoded(text)
        text = clean(text)
        if text.strip():
            yield self.unit(text, line, None, "prose")
        for name, blob in blocks:
            yield from self.child(name, blob, "application/octet-stream")

    def attachment(self, part: Message, ctype: str) -> Iterator[Extracted]:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            raw = part.get_payload()
            data = raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
        yield from self.child(_filename(part), data, ctype)

    def attached_message(self, part: Message, path: str) -> Iterator[Extracted]:
        payload = part.get_payload()
        sub = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(sub, Message):
            return
        try:
            data = sub.as_bytes(policy=compat32)
        except Exception:
            data = sub.as_string(policy=compat32).encode("utf-8", "surrogateescape")
        name = part.get_filename() or ""
        if not name:
            subject = decode_header_value(str(sub.get("Subject", ""))).strip()
            name = (subject[:60] or f"message-{path or 1}") + ".eml"
        yield from self.child(name, data, "message/rfc822")

    def child(self, name: str, data: bytes, ctype: str) -> Iterator[Extracted]:
        self.attachments += 1
        name = _unique(_safe_name(name, ctype, self.attachments), self.names)
        uri = child_uri(self.item.uri, "attachment", name)
        limit = self.settings.limits.max_item_bytes
        if len(data) > limit:
            yield ScanError(uri, "too_large", f"{len(data)} bytes is over the {limit}-byte limit")
            return
        yield Item(
            uri=uri,
            source_kind=self.item.source_kind,
            open=lambda: io.BytesIO(data),
            size=len(data),
            name=name,
            media_type="message/rfc822" if ctype == "message/rfc822" else None,
            depth=self.item.depth + 1,
            metadata={"content_type": ctype},
        )


def message_units(
    data: bytes, item: Item, settings: Settings, line_offset: int = 0
) -> Iterator[Extracted]:
    """Units, attachments and errors of the message ``data``, located at ``item.uri``."""
    raw = data.decode("ascii", "surrogateescape")
    try:
        msg = BytesParser(policy=compat32).parsebytes(data)
    except Exception as exc:
        yield ScanError(item.uri, "corrupt", f"unparseable message ({type(exc).__name__})")
        text = clean(decode_bytes(data))
        if text.strip():
            yield TextUnit(Location(item.uri, 1 + line_offset), text, "prose",
                           record_for(item.uri), item.source_kind)  # fmt: skip
        return
    reader = MessageReader(item, settings, raw, line_offset)
    try:
        yield from reader.headers(msg)
    except Exception as exc:
        yield ScanError(item.uri, "corrupt", f"headers: {type(exc).__name__}: {exc}")
    yield from reader.walk(msg, "")


def _prefer_plain(children: list[Message]) -> list[Message]:
    """In multipart/alternative, keep text/plain and drop the HTML rendering of the same text."""
    plain = [
        c for c in children
        if c.get_content_type() == "text/plain" and str(c.get_payload()).strip()
    ]  # fmt: skip
    if not plain:
        return children
    return [c for c in children if c.get_content_type() != "text/html"]


def _is_attachment(part: Message, ctype: str) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()
    if disposition == "attachment" or part.get_param("name") or part.get_filename():
        return True
    return ctype not in _BODY_TEXT


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        name = ""
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = name[2]
    return decode_header_value(str(name)) if name else ""


def _safe_name(name: str, ctype: str, n: int) -> str:
    name = clean(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name and name not in (".", ".."):
        return name[:200]
    ext = ".eml" if ctype == "message/rfc822" else (mimetypes.guess_extension(ctype) or ".bin")
    return f"part-{n}{ext}"


def _unique(name: str, seen: set[str]) -> str:
    candidate, k = name, 2
    while candidate in seen:
        candidate = f"{name}[{k}]"
        k += 1
    seen.add(candidate)
    return candidate
