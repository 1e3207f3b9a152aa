"""OpenDocument text (.odt) and spreadsheets (.ods) with odfpy.

ODT: every paragraph and heading, in document order, as prose lines. ODS: every non-empty cell
as a "value" unit, exactly like an XLSX sheet (``<sheet>!<header or column>``, row numbers as
lines, one record per row); repeated rows and columns are expanded only where they hold text.
A package whose manifest declares encryption is recorded as ``encrypted``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder
from connectors.extract.sheets import sheet_units
from connectors.extract.streams import seekable_stream
from scanner.models import Item, ItemError
from scanner.settings import Settings

MAX_REPEAT = 1000  # a non-empty cell or row repeated more than this is kept this many times


def _load(item: Item, settings: Settings) -> Any:
    from odf.opendocument import load

    stream = seekable_stream(item, settings.limits)
    try:
        with zipfile.ZipFile(stream) as package:
            if "META-INF/manifest.xml" in package.namelist():
                manifest = package.read("META-INF/manifest.xml")
                if b"encryption-data" in manifest:
                    raise ItemError("encrypted", "password-protected OpenDocument", item.uri)
    except zipfile.BadZipFile as exc:
        raise ItemError("corrupt", f"not a valid OpenDocument package: {exc}", item.uri) from exc
    stream.seek(0)
    return load(stream)


def extract_odt(item: Item, settings: Settings) -> Iterator[Extracted]:
    from odf import teletype

    document = _load(item, settings)
    builder = ProseBuilder(item)
    stack = [document.text]
    while stack:
        node = stack.pop()
        if node.qname[1] in ("p", "h") and node.qname[0].endswith(":text:1.0"):
            yield from builder.add(teletype.extractText(node))
            continue
        stack.extend(reversed([c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE]))
    yield from builder.flush()


def extract_ods(item: Item, settings: Settings) -> Iterator[Extracted]:
    from odf.table import Table

    document = _load(item, settings)
    for table in document.spreadsheet.getElementsByType(Table):
        title = table.getAttribute("name") or "Sheet"
        yield from sheet_units(item, title, _rows(table))


def _rows(table: Any) -> Iterator[tuple[int, list[str]]]:
    from odf import teletype
    from odf.table import TableCell, TableRow

    r = 0
    for row in table.getElementsByType(TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            n = int(cell.getAttribute("numbercolumnsrepeated") or 1) if cell.isInstanceOf(
                TableCell
            ) else 1
            text = "\n".join(teletype.extractText(p) for p in cell.childNodes
                             if p.nodeType == p.ELEMENT_NODE)
            cells.extend([text] * (min(n, MAX_REPEAT) if text.strip() else min(n, 16384)))
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            r += repeat
            continue
        for _ in range(min(repeat, MAX_REPEAT)):
            r += 1
            yield r, cells
        r += max(0, repeat - MAX_REPEAT)
