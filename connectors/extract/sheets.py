"""Excel workbooks (.xlsx) with openpyxl in read-only mode: one "value" unit per non-empty cell.

The field is ``<sheet>!<header>`` when the sheet's first row looks like a header (every cell
text, unique, not data-like), else ``<sheet>!<column letter>``; the line is the row number and
each row is one record (``<sheet>!row:<n>``). Formulas give their cached values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.streams import seekable_stream
from connectors.extract.tabular import _is_header
from scanner.models import Item
from scanner.settings import Settings


def extract_xlsx(item: Item, settings: Settings) -> Iterator[Extracted]:
    from openpyxl import load_workbook

    stream = seekable_stream(item, settings.limits)
    workbook = load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):  # a chart sheet
                continue
            yield from sheet_units(item, sheet.title, enumerate(sheet.iter_rows(values_only=True), 1))
    finally:
        workbook.close()
        stream.close()


def sheet_units(
    item: Item, title: str, rows: Iterable[tuple[int, Sequence[object]]]
) -> Iterator[Extracted]:
    """Units of one sheet from ``(row number, values)`` pairs (shared with the ODS extractor)."""
    from openpyxl.utils import get_column_letter

    header: list[str] | None = None
    for r, row in rows:
        cells = [_text(v) for v in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if (r == 1 and len(cells) > 1 and all(isinstance(v, str) for v in row[: len(cells)])
                and _is_header(cells)):
            header = [c.strip() for c in cells]
            continue
        record = f"{title}!row:{r}"
        for c, text in enumerate(cells):
            if not text.strip():
                continue
            name = header[c] if header and c < len(header) else get_column_letter(c + 1)
            yield value_unit(item, text, r, f"{title}!{name}", record)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
