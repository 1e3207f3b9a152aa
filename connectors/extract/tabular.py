"""CSV and TSV: one "value" unit per non-empty cell, streamed row by row.

Header names become field names when the first row looks like a header (every cell non-empty,
unique, and none looking like data: no digits-only, no ``@``); otherwise fields are ``col1``,
``col2``... Each row is one record, ``row:<line>``, where ``<line>`` is the 1-based source line the
row starts on (a quoted cell may span lines; later rows keep their true line numbers).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.textio import open_text
from scanner.models import Item, ScanError
from scanner.settings import Settings

_DATA_LIKE = re.compile(r"^[\d\s.,:/+()-]*$|@")
FIELD_LIMIT = 16 * 1024 * 1024


def extract_csv(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as raw:
        text, _ = open_text(raw)
        sample = text.read(64 * 1024)
        dialect = _dialect(sample, item)
        lines = _Lines(sample, text)
        reader = csv.reader(lines, dialect)
        header: list[str] | None = None
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
        prev_end = 0
        first = True
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield ScanError(item.uri, "corrupt", f"line {reader.line_num}: {exc}")
                return
            start, prev_end = prev_end + 1, reader.line_num
            if first:
                first = False
                if _is_header(row):
                    # A header cell that is itself a value (a person's name) is masked in the
                    # field names and classified as a value.
                    namer = FieldNamer(settings)
                    header = [namer.name(h.strip()) for h in row]
                    for h in row:
                        yield from namer.units(item, h.strip(), start, f"row:{start}")
                    continue
            record = f"row:{start}"
            for i, cell in enumerate(row):
                if not cell.strip():
                    continue
                yield value_unit(item, cell, start, _field(header, i), record)


def _field(header: list[str] | None, i: int) -> str:
    if header is not None and i < len(header) and header[i]:
        return header[i]
    return f"col{i + 1}"


def _is_header(row: list[str]) -> bool:
    cells = [c.strip() for c in row]
    if not cells or any(not c for c in cells) or len(set(cells)) != len(cells):
        return False
    return not any(_DATA_LIKE.search(c) or len(c) > 64 for c in cells)


def _dialect(sample: str, item: Item) -> type[csv.Dialect] | csv.Dialect:
    name = item.name.lower()
    if item.media_type == "text/tab-separated-values" or name.endswith((".tsv", ".tab")):
        return csv.excel_tab
    try:
        return csv.Sniffer().sniff(sample[:16384], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


class _Lines:
    """Lines of the sample already read, then of the rest of the stream."""

    def __init__(self, sample: str, text: object) -> None:
        self._head = sample
        self._text = text

    def __iter__(self) -> Iterator[str]:
        if self._head:
            rest = self._text.readline()  # type: ignore[attr-defined]
            head = self._head + rest
            self._head = ""
            yield from head.splitlines(keepends=True)
        yield from self._text  # type: ignore[misc]
