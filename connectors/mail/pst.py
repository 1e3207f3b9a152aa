"""Outlook PST/OST files through libpff (``import pypff``).

Each message becomes a child item ``<uri>#folder=<a>/<b>/msg=<n>`` (``n`` 1-based within its
folder) holding an RFC 822 rendering of the message: the original transport headers when the
PST kept them (otherwise From/To/Cc/Bcc/Subject built from the sender and recipient properties),
the plain, HTML or RTF body, and the attachments. :mod:`connectors.mail.message` extracts it like
any other message, so a PST holds no special cases downstream. A message or folder that libpff
cannot read is recorded and the walk goes on.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import HeaderParser
from email.policy import compat32
from typing import Any, BinaryIO

from connectors.mail.message import read_limited
from connectors.mail.text import decode_bytes, rtf_to_text
from connectors.mail.uris import child_uri, folder_uri
from scanner.models import Item, ScanError
from scanner.settings import Settings

# MAPI property tags
PR_DISPLAY_NAME = 0x3001
PR_EMAIL_ADDRESS = 0x3003
PR_SMTP_ADDRESS = 0x39FE
PR_RECIPIENT_TYPE = 0x0C15
PR_SENDER_EMAIL_ADDRESS = 0x0C1F
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_LONG_FILENAME = 0x3707
_RECIPIENT_HEADERS = {1: "To", 2: "Cc", 3: "Bcc"}
_DROP = {"content-type", "content-transfer-encoding", "mime-version"}


def looks_like_pst(head: bytes) -> bool:
    return head[:4] == b"!BDN"


def _prop(obj: Any, tag: int) -> Any:
    """A property of a pypff object: str for string types, int for integers, else bytes."""
    try:
        sets = [obj.get_record_set(i) for i in range(obj.number_of_record_sets)]
    except Exception:
        return None
    for rs in sets:
        for entry in rs.entries:
            if entry.entry_type != tag:
                continue
            data = entry.data or b""
            if entry.value_type == 0x1F:  # PT_UNICODE
                return data.decode("utf-16-le", "replace").rstrip("\x00")
            if entry.value_type == 0x1E:  # PT_STRING8
                return decode_bytes(data).rstrip("\x00")
            if entry.value_type == 0x03:
                return int.from_bytes(data[:4], "little")
            return data
    return None


def _recipients(message: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    try:
        recipients = message.recipients
        count = recipients.number_of_sub_items if recipients is not None else 0
    except Exception:
        return out
    for i in range(count):
        rec = recipients.get_sub_item(i)
        name = _prop(rec, PR_DISPLAY_NAME) or ""
        addr = _prop(rec, PR_SMTP_ADDRESS) or _prop(rec, PR_EMAIL_ADDRESS) or ""
        header = _RECIPIENT_HEADERS.get(_prop(rec, PR_RECIPIENT_TYPE) or 1, "To")
        value = f'"{name}" <{addr}>' if name and addr else (addr or name)
        if value:
            out.setdefault(header, []).append(value)
    return out


def message_bytes(message: Any, settings: Settings, errors: list[str]) -> bytes:
    """An RFC 822 rendering of one PST message (attachments included)."""
    root: Message = MIMEMultipart("mixed")
    headers = message.transport_headers or ""
    kept: set[str] = set()
    if headers.strip():
        for name, value in HeaderParser(policy=compat32).parsestr(headers).items():
            if name.lower() not in _DROP:
                root[name] = value
                kept.add(name.lower())
    if "from" not in kept:
        sender = message.sender_name or ""
        addr = _prop(message, PR_SENDER_SMTP_ADDRESS) or _prop(message, PR_SENDER_EMAIL_ADDRESS)
        if sender or addr:
            root["From"] = f'"{sender}" <{addr}>' if sender and addr else (addr or sender)
    if "to" not in kept and "cc" not in kept:
        for header, values in _recipients(message).items():
            root[header] = ", ".join(values)
    if "subject" not in kept and message.subject:
        root["Subject"] = message.subject
    plain, html, rtf = message.plain_text_body, message.html_body, None
    if plain:
        root.attach(MIMEText(decode_bytes(plain), "plain", "utf-8"))
    elif html:
        root.attach(MIMEText(decode_bytes(html), "html", "utf-8"))
    else:
        try:
            rtf = message.rtf_body
        except Exception:
            rtf = None
        if rtf:
            root.attach(MIMEText(rtf_to_text(decode_bytes(rtf, "cp1252")), "plain", "utf-8"))
    limit = settings.limits.max_item_bytes
    for i in range(message.number_of_attachments):
        try:
            att = message.get_attachment(i)
            name = (
                _prop(att, PR_ATTACH_LONG_FILENAME)
                or _prop(att, PR_ATTACH_FILENAME)
                or f"attachment-{i + 1}"
            )
            size = att.size or 0
            if size > limit:
                errors.append(f"attachment {name}: {size} bytes is over the {limit}-byte limit")
                continue
            data = att.read_buffer(size) if size else b""
        except Exception as exc:
            errors.append(f"attachment {i + 1}: {type(exc).__name__}: {exc}")
            continue
        part = MIMEApplication(data, Name=name)
        part["Content-Disposition"] = f'attachment; filename="{name}"'
        root.attach(part)
    return root.as_bytes(policy=compat32)


def pst_items(stream: BinaryIO, base_uri: str, item: Item | None, settings: Settings,
              source_kind: str = "mail") -> Iterator[Item | ScanError]:  # fmt: skip
    import pypff

    pst = pypff.file()
    try:
        pst.open_file_object(stream)
    except Exception as exc:
        yield ScanError(base_uri, "corrupt", f"not a readable PST/OST file: {exc}")
        return
    depth = item.depth + 1 if item is not None else 0
    kind = item.source_kind if item is not None else source_kind
    count = 0
    try:
        stack: list[tuple[Any, list[str]]] = [(pst.get_root_folder(), [])]
        while stack:
            folder, path = stack.pop()
            furi = folder_uri(base_uri, path)
            try:
                n_messages, n_folders = folder.number_of_sub_messages, folder.number_of_sub_folders
            except Exception as exc:
                yield ScanError(furi, "corrupt", f"folder: {exc}")
                continue
            for i in range(n_messages):
                count += 1
                uri = child_uri(furi, "msg", str(i + 1))
                if count > settings.limits.max_members:
                    yield ScanError(
                        base_uri,
                        "too_many",
                        f"more than {settings.limits.max_members} messages; rest not read",
                    )
                    return
                errors: list[str] = []
                try:
                    data = message_bytes(folder.get_sub_message(i), settings, errors)
                except Exception as exc:
                    yield ScanError(uri, "corrupt", f"message: {type(exc).__name__}: {exc}")
                    continue
                for err in errors:
                    yield ScanError(uri, "unreadable", err)
                yield Item(
                    uri=uri,
                    source_kind=kind,
                    open=functools.partial(io.BytesIO, data),
                    size=len(data),
                    name=f"msg-{i + 1}.eml",
                    media_type="message/rfc822",
                    depth=depth,
                    metadata={"folder": "/".join(path), "index": i + 1},
                )
            subs = []
            for j in range(n_folders):
                try:
                    sub = folder.get_sub_folder(j)
                    subs.append((sub, [*path, sub.name or f"folder-{j + 1}"]))
                except Exception as exc:
                    yield ScanError(furi, "corrupt", f"sub-folder {j + 1}: {exc}")
            stack.extend(reversed(subs))
    finally:
        pst.close()


def extract_pst(item: Item, settings: Settings) -> Iterator[Item | ScanError]:
    """Extractor for PST/OST files: one ``message/rfc822`` child item per message."""
    stream = item.open()
    try:
        if not stream.seekable():
            stream.close()
            stream = io.BytesIO(read_limited(item, settings))
        yield from pst_items(stream, item.uri, item, settings)
    finally:
        stream.close()
