"""Outlook .msg files (OLE compound documents) through extract-msg.

The units are those of an RFC 822 message (see :mod:`connectors.mail.message`): address headers
from the transport headers the .msg kept, or else from its sender/recipient properties; the
subject; the body (plain text, else HTML turned into text); attachments as child items
(``<uri>#attachment=<name>``; an embedded .msg is exported as a .msg). Body lines count from the
body's first line (a .msg has no message source to count lines in). A ``.msg`` that is really
RFC 822 text (a lying extension) is read as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.mail.message import (
    Extracted,
    MessageReader,
    decode_header_value,
    looks_like_rfc822,
    message_units,
    read_limited,
)
from connectors.mail.text import clean, decode_bytes, html_to_text
from scanner.models import Item, ScanError
from scanner.settings import Settings

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PROPERTY_HEADERS = (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"))


def extract_msg(item: Item, settings: Settings) -> Iterator[Extracted]:
    """Extractor for Outlook .msg files (and RFC 822 text named .msg)."""
    data = read_limited(item, settings)
    if not data.startswith(OLE_MAGIC):
        if looks_like_rfc822(data[:8192]):
            yield from message_units(data, item, settings)
        else:
            yield ScanError(item.uri, "corrupt", "not an OLE compound file nor an RFC 822 message")
        return
    import extract_msg as xmsg

    try:
        msg = xmsg.openMsg(data, strict=False)
    except Exception as exc:
        yield ScanError(item.uri, "corrupt", f"unreadable .msg ({type(exc).__name__}: {exc})")
        return
    try:
        yield from _units(msg, item, settings)
    finally:
        msg.close()


def _get(msg: Any, attr: str) -> Any:
    try:
        return getattr(msg, attr, None)
    except Exception:
        return None


def _units(msg: Any, item: Item, settings: Settings) -> Iterator[Extracted]:
    reader = MessageReader(item, settings, "", 0)
    header_text = _get(msg, "headerText") or ""
    if header_text.strip():
        from email.parser import HeaderParser
        from email.policy import compat32

        headers = HeaderParser(policy=compat32).parsestr(header_text)
        yield from reader.headers(headers)
        have = {k.lower() for k in headers}
    else:
        have = set()
    for header, attr in _PROPERTY_HEADERS:
        value = _get(msg, attr)
        if header.lower() not in have and isinstance(value, str) and value.strip():
            yield reader.unit(clean(decode_header_value(value)), None, header, "value")
    subject = _get(msg, "subject")
    if "subject" not in have and isinstance(subject, str) and subject.strip():
        yield reader.unit(clean(subject), None, "Subject", "prose")
    body = _get(msg, "body")
    if not (isinstance(body, str) and body.strip()):
        html = _get(msg, "htmlBody")
        body = html_to_text(decode_bytes(html)) if isinstance(html, bytes) else ""
    if body.strip():
        yield reader.unit(clean(body.replace("\r\n", "\n")), 1, None, "prose")
    for i, att in enumerate(_get(msg, "attachments") or [], 1):
        try:
            name = _get(att, "longFilename") or _get(att, "shortFilename") or ""
            data = att.data
            if isinstance(data, bytes):
                yield from reader.child(name, data, "application/octet-stream")
            elif hasattr(data, "exportBytes"):  # an embedded .msg
                yield from reader.child(name or f"embedded-{i}.msg", data.exportBytes(),
                                        "application/vnd.ms-outlook")  # fmt: skip
            else:
                yield ScanError(item.uri, "unreadable", f"attachment {i}: no readable data")
        except Exception as exc:
            yield ScanError(item.uri, "corrupt", f"attachment {i}: {type(exc).__name__}: {exc}")
