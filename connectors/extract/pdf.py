"""PDF with pypdf: the text of each page, lines numbered across the whole extracted text.

Each page starts a new unit whose ``field`` is ``page:<n>``. An encrypted PDF is read only when
the empty password opens it; otherwise the item is recorded as ``encrypted``. A page whose text
cannot be extracted is recorded as ``corrupt`` for that page and the next page is tried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder
from connectors.extract.streams import seekable_stream
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings

MAX_PAGE_ERRORS = 20


def extract_pdf(
    item: Item, settings: Settings, counted: dict[str, int] | None = None
) -> Iterator[Extracted]:
    """The text layer, page by page. ``counted["pages"]``: the number of pages, once known (the
    OCR pass reads no page that already gave text)."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files are the norm
    with seekable_stream(item, settings.limits) as stream:
        try:
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ItemError("encrypted", "PDF needs a password", item.uri)
            pages = reader.pages
            count = len(pages)
        except FileNotDecryptedError as exc:
            raise ItemError("encrypted", "PDF needs a password", item.uri) from exc
        except PdfReadError as exc:
            raise ItemError("corrupt", f"unreadable PDF: {exc}", item.uri) from exc
        except NotImplementedError as exc:  # an encryption algorithm pypdf does not know
            raise ItemError("encrypted", f"PDF encryption not supported: {exc}", item.uri) from exc
        if counted is not None:
            counted["pages"] = count
        builder = ProseBuilder(item)
        errors = 0
        for n in range(count):
            try:
                text = pages[n].extract_text() or ""
            except Exception as exc:
                errors += 1
                yield ScanError(f"{item.uri}#page={n + 1}", "corrupt", f"{type(exc).__name__}")
                if errors >= MAX_PAGE_ERRORS:
                    raise ItemError("corrupt", "too many unreadable pages", item.uri) from exc
                continue
            yield from builder.add(text, field=f"page:{n + 1}")
        yield from builder.flush()
