"""Text extraction: one module per format, dispatched on the sniffed media type.

``extract(item, settings)`` yields :class:`~scanner.models.TextUnit` (text with its location),
child :class:`~scanner.models.Item` (archive members, attachments, messages in a mail archive:
:func:`connectors.extract.walk.extract_all` types and extracts them in turn, one level deeper) and
:class:`~scanner.models.ScanError` (a problem with one location; extraction of the rest goes on).

Extractors are referenced by "module:function" and imported on first use. Each is
``fn(item, settings) -> Iterator[Extracted]``; it may raise :class:`~scanner.models.ItemError` for
a problem with the whole item.

Error kinds used by extractors: ``corrupt``, ``encrypted``, ``bomb`` (compression ratio or total
size over the limits), ``too_large``, ``too_many_members``, ``too_deep``, ``traversal`` (a member
path leaving its container), ``link`` (a symlink or hardlink member), ``truncated`` (text over
``max_text_chars``), ``unsupported`` (a format we know but cannot read), ``skipped`` (no text:
images, executables, unknown binary data).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterator
from importlib import import_module

from connectors.extract.mediatype import (
    DOCX,
    EMLX,
    ENCRYPTED,
    HEAD_BYTES,
    MSG,
    ODS,
    ODT,
    OLE,
    PPTX,
    PST,
    XLSX,
)
from connectors.extract.mediatype import sniff as _sniff
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings

Extracted = TextUnit | Item | ScanError
Extractor = Callable[[Item, Settings], Iterator[Extracted]]

_P = "connectors.extract."
EXTRACTORS: dict[str, str] = {
    "text/plain": _P + "text:extract_text",
    "text/csv": _P + "tabular:extract_csv",
    "text/tab-separated-values": _P + "tabular:extract_csv",
    "application/csv": _P + "tabular:extract_csv",
    "application/json": _P + "jsondoc:extract_json",
    "application/x-ndjson": _P + "jsondoc:extract_ndjson",
    "text/vcard": _P + "vcard:extract_vcard",
    "text/x-vcard": _P + "vcard:extract_vcard",
    "text/directory": _P + "vcard:extract_vcard",
    "text/calendar": _P + "vcard:extract_vcard",
    "text/html": _P + "markup:extract_markup",
    "application/xhtml+xml": _P + "markup:extract_markup",
    "text/xml": _P + "markup:extract_markup",
    "application/xml": _P + "markup:extract_markup",
    "image/svg+xml": _P + "markup:extract_markup",
    "application/pdf": _P + "pdf:extract_pdf",
    DOCX: _P + "office:extract_docx",
    PPTX: _P + "office:extract_pptx",
    XLSX: _P + "sheets:extract_xlsx",
    ODT: _P + "odf:extract_odt",
    ODS: _P + "odf:extract_ods",
    "application/zip": _P + "archives:extract_zip",
    "application/x-tar": _P + "archives:extract_tar",
    "application/gzip": _P + "archives:extract_compressed",
    "application/x-gzip": _P + "archives:extract_compressed",
    "application/x-bzip2": _P + "archives:extract_compressed",
    "application/x-xz": _P + "archives:extract_compressed",
    # Mail: written in connectors/mail/.
    "message/rfc822": "connectors.mail.message:extract_message",
    EMLX: "connectors.mail.message:extract_emlx",
    "application/mbox": "connectors.mail.mbox:extract_mbox",
    MSG: "connectors.mail.msg:extract_msg",
    PST: "connectors.mail.pst:extract_pst",
}

# OCR (connectors/extract/ocr.py): images, and PDF pages without a text layer after the text pass.
EXTRACTORS.update(dict.fromkeys(("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp",
                                 "image/x-ms-bmp", "image/webp"), _P + "ocr:extract_image"))
EXTRACTORS["application/pdf"] = _P + "ocr:extract_pdf"
# libmagic calls any text that starts with "PA" (PASSPORT, PAYSLIP) HP-GL plotter commands, which
# are ASCII text anyway: read it as text rather than skip it.
EXTRACTORS["application/vnd.hp-HPGL"] = _P + "text:extract_text"

# Types we recognise but cannot read, with the error kind to record.
NOT_READ: dict[str, tuple[str, str]] = {
    "application/x-empty": ("", ""),
    "inode/x-empty": ("", ""),
    ENCRYPTED: ("encrypted", "encrypted Office document"),
    OLE: ("unsupported", "OLE compound file (legacy Office format)"),
    "application/x-7z-compressed": ("unsupported", "7-Zip archives are not read"),
    "application/x-rar": ("unsupported", "RAR archives are not read"),
    "application/vnd.rar": ("unsupported", "RAR archives are not read"),
}


def sniff(head: bytes, name: str = "") -> str:
    """Media type from content with python-magic, refined; ``name`` only breaks ties."""
    return _sniff(head, name)


def extractor_ref(media_type: str) -> str | None:
    """The "module:function" for a media type (``text/*`` falls back to plain text)."""
    ref = EXTRACTORS.get(media_type)
    if ref is None and media_type.startswith("text/"):
        ref = EXTRACTORS["text/plain"]
    if ref is None and media_type.endswith("+xml"):
        ref = EXTRACTORS["application/xml"]
    return ref


_LOADED: dict[str, Extractor] = {}


def load_extractor(ref: str) -> Extractor:
    """Import ``module:function`` on first use."""
    fn = _LOADED.get(ref)
    if fn is None:
        module, _, name = ref.partition(":")
        fn = getattr(import_module(module), name)
        _LOADED[ref] = fn
    return fn


def extract(item: Item, settings: Settings) -> Generator[Extracted, None, None]:
    """Dispatch on ``item.media_type`` (sniffed from the first bytes when ``None``)."""
    if item.media_type is None:
        with item.open() as stream:
            head = stream.read(HEAD_BYTES)
        item = dataclasses.replace(item, media_type=sniff(head, item.name))
    media_type = item.media_type or "application/octet-stream"
    if media_type in NOT_READ:
        kind, message = NOT_READ[media_type]
        if kind:
            yield ScanError(item.uri, kind, message)
        return
    ref = extractor_ref(media_type)
    if ref is None:
        yield ScanError(item.uri, "skipped", f"no text extractor for {media_type}")
        return
    try:
        fn = load_extractor(ref)
    except (ImportError, AttributeError) as exc:
        yield ScanError(item.uri, "unsupported", f"{media_type}: extractor unavailable ({exc})")
        return
    yield from fn(item, settings)
