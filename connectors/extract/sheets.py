"""Excel workbooks (.xlsx), streamed part by part: one "value" unit per non-empty cell.

The field is ``<sheet>!<header>`` when the sheet's first row looks like a header (every cell
text, unique, not data-like), else ``<sheet>!<column letter>``; the line is the row number and
each row is one record (``<sheet>!row:<n>``). Formulas give their cached values; numbers in a date
format become ISO dates. Cell comments are values too (``<sheet>!comment:<cell>``).

Cells are read where they are (each ``<c r="D10">``), never from the declared ``<dimension>``,
which may be stale. The parts go through :class:`~connectors.extract.package.Package` (bytes,
ratio, time; XML streamed); the shared strings are kept compactly (UTF-8 in one buffer) and
bounded by :data:`SHARED_STRINGS_MAX` and :data:`SHARED_CHARS_MAX`: past them, the cells that use
later strings are not read and that is recorded (``too_large``) against the shared-strings part.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.package import Package, clear, local
from connectors.extract.sheet_values import (
    MAC_EPOCH,
    WINDOWS_EPOCH,
    column_letter,
    from_excel,
    is_date_format,
)
from connectors.extract.tabular import _is_header
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings

SHARED_STRINGS_MAX = 4_000_000
SHARED_CHARS_MAX = 64 * 1024 * 1024
MAX_COLUMN = 16384  # XFD, the last column Excel has
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")
_INT = re.compile(r"-?\d{1,15}")
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57})


class SharedStrings:
    """The workbook's shared strings in one UTF-8 buffer plus a 4-byte offset each."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("I")  # offsets stay under SHARED_CHARS_MAX + one string
        self.complete = True

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, text: str) -> bool:
        if len(self._ends) >= SHARED_STRINGS_MAX or len(self._data) > SHARED_CHARS_MAX:
            self.complete = False
            return False
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))
        return True

    def get(self, i: int) -> str | None:
        if not 0 <= i < len(self._ends):
            return None
        start = self._ends[i - 1] if i else 0
        return self._data[start : self._ends[i]].decode("utf-8", "replace")


def _shared_strings(package: Package, name: str) -> SharedStrings:
    strings = SharedStrings()
    parts: list[str] = []
    depth = 0  # inside <si>; <rPh> (phonetic runs) are not part of the text
    phonetic = 0
    for event, elem in package.iterparse(name):
        tag = local(elem.tag)
        if event == "start":
            if tag == "si":
                depth, parts = 1, []
            elif tag == "rPh":
                phonetic += 1
            continue
        if tag == "t" and depth and not phonetic:
            parts.append(elem.text or "")
        elif tag == "rPh":
            phonetic -= 1
        elif tag == "si":
            depth = 0
            if not strings.add("".join(parts)):
                package.record(ScanError(
                    package.uri(name), "too_large",
                    f"more than {SHARED_STRINGS_MAX} shared strings or {SHARED_CHARS_MAX} bytes; "
                    "cells using the rest are not read"))
                clear(elem)
                break
            clear(elem)
    return strings


def _date_styles(package: Package, name: str | None) -> set[int]:
    """Indexes of the cell formats (``s=`` of a cell) that show a number as a date or time."""
    if name is None:
        return set()
    root = package.root(name)
    if root is None:
        return set()
    custom: dict[int, str] = {}
    out: set[int] = set()
    for elem in root.iter():
        if local(elem.tag) == "numFmt":
            try:
                custom[int(elem.get("numFmtId") or -1)] = elem.get("formatCode") or ""
            except ValueError:
                continue
    for child in root:
        if local(child.tag) != "cellXfs":
            continue
        for i, xf in enumerate(x for x in child if local(x.tag) == "xf"):
            try:
                fmt = int(xf.get("numFmtId") or 0)
            except ValueError:
                continue
            if fmt in _BUILTIN_DATES or (fmt in custom and is_date_format(custom[fmt])):
                out.add(i)
    return out


def _column(ref: str | None, fallback: int) -> tuple[int, int | None]:
    """0-based column and 1-based row of ``D10``; ``fallback`` column when there is no ref."""
    if ref:
        m = _REF.fullmatch(ref)
        if m:
            col = 0
            for ch in m.group(1).upper():
                col = col * 26 + (ord(ch) - 64)
            return col - 1, int(m.group(2))
    return fallback, None


def _number(text: str) -> int | float | str:
    try:
        if _INT.fullmatch(text):
            return int(text)
        return float(text)
    except ValueError:
        return text


def extract_xlsx(item: Item, settings: Settings) -> Iterator[Extracted]:
    with Package(item, settings) as package:
        main = package.main_part("xl/workbook.xml")
        root = package.root(main)
        if root is None:
            yield from package.errors()
            raise ItemError("corrupt", f"not a valid workbook: cannot read {main}", item.uri)
        rels = package.rels(main)
        epoch_1904 = any(local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true")
                         for e in root.iter())
        shared_name = styles_name = None
        for kind, target in rels.values():
            if kind.endswith("/sharedStrings") and package.has(target):
                shared_name = target
            elif kind.endswith("/styles") and package.has(target):
                styles_name = target
        strings = _shared_strings(package, shared_name) if shared_name else SharedStrings()
        yield from package.errors()
        dates = _date_styles(package, styles_name)
        yield from package.errors()
        namer = FieldNamer(settings)
        for sheet in (e for e in root.iter() if local(e.tag) == "sheet"):
            rid = next((v for k, v in sheet.attrib.items() if local(k) == "id" and k.startswith("{")),
                       None)
            kind, target = rels.get(rid or "", ("", ""))
            if not kind.endswith("/worksheet"):
                continue  # a chart sheet or a dialog sheet: no cells
            title = sheet.get("name") or target
            if not package.has(target):
                yield ScanError(package.uri(target), "corrupt", f"sheet {title!r} is missing")
                continue
            rows = _sheet_rows(package, target, strings, dates, epoch_1904)
            missing = _Missing()
            # every shared string kept: no cell can be _LOST, nothing to count or replace
            yield from sheet_units(item, title, rows if strings.complete else missing.count(rows),
                                   namer)
            yield from package.errors()
            if missing.cells:
                yield ScanError(package.uri(target), "too_large",
                                f"{missing.cells} cells use shared strings that were not kept")
            for kind, part in package.rels(target).values():
                if kind.endswith("/comments") and package.has(part):
                    yield from _comments(item, package, part, title)
                    yield from package.errors()
        yield from package.embedded()


def _comments(item: Item, package: Package, name: str, title: str) -> Iterator[Extracted]:
    """Cell comments (notes) as values: field ``<sheet>!comment:<cell>``, the cell's row."""
    texts: list[str] = []
    for event, elem in package.iterparse(name):
        tag = local(elem.tag)
        if event == "start":
            if tag == "comment":
                texts = []
            continue
        if tag == "t":
            texts.append(elem.text or "")
        elif tag == "comment":
            ref = elem.get("ref") or ""
            _col, row = _column(ref, 0)
            text = "".join(texts)
            if text.strip():
                yield value_unit(item, text, row, f"{title}!comment:{ref}",
                                 f"{title}!row:{row}" if row else None)
            clear(elem)


class _Missing:
    """Counts cells whose shared string was not kept (over the bounds)."""

    def __init__(self) -> None:
        self.cells = 0

    def count(self, rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
        for r, values in rows:
            self.cells += sum(1 for v in values if v is _LOST)
            yield r, [None if v is _LOST else v for v in values]


_LOST = object()


# The elements whose events _sheet_rows acts on (lxml filters the others out in C: <is>, <f>,
# <r>, <rPr>, <pageMargins>, ... do nothing there) and their local names by full tag.
_SHEET_TAGS = ("{*}row", "{*}c", "{*}v", "{*}t", "{*}sheetData")
_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: object) -> str:
    """:func:`local`, remembered per tag (a sheet has few distinct tags and many elements)."""
    if isinstance(tag, str):
        name = _LOCAL_NAMES.get(tag)
        if name is None:
            name = local(tag)
            if len(_LOCAL_NAMES) < 1024:
                _LOCAL_NAMES[tag] = name
        return name
    return local(tag)


def _sheet_rows(package: Package, name: str, strings: SharedStrings, dates: set[int],
                epoch_1904: bool) -> Iterator[tuple[int, list[object]]]:
    """``(row number, values by column)`` of one worksheet, from its cells.

    The same steps as :func:`_sheet_rows_reference` on the events of the only elements they act
    on (``<row>``, ``<c>``, ``<v>``, ``<t>``, ``<sheetData>``)."""
    epoch = MAC_EPOCH if epoch_1904 else WINDOWS_EPOCH
    row: dict[int, object] = {}
    row_number = 0
    next_col = 0
    value: str | None = None
    inline: list[str] = []
    get_string, complete = strings.get, strings.complete
    for event, elem in package.iterparse(name, tags=_SHEET_TAGS):
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                row, next_col = {}, 0
                try:
                    row_number = int(elem.get("r") or row_number + 1)
                except ValueError:
                    row_number += 1
            elif tag == "c":
                value, inline = None, []
            continue
        if tag == "v":
            value = elem.text
        elif tag == "t":
            if _local(elem.getparent().tag) in ("is", "r"):
                inline.append(elem.text or "")
        elif tag == "c":
            col, _r = _column(elem.get("r"), next_col)
            next_col = col + 1
            kind = elem.get("t") or "n"
            cell: object = None
            if kind == "s" and value is not None:
                try:
                    cell = get_string(int(value))
                except ValueError:
                    cell = None
                if cell is None and not complete:
                    cell = _LOST
            elif kind == "inlineStr":
                cell = "".join(inline)
            elif kind == "b" and value is not None:
                cell = value.strip() in ("1", "true")
            elif kind in ("str", "e", "d") and value is not None:
                cell = value
            elif value is not None:
                number = _number(value)
                style = elem.get("s")
                if style is not None and style.isdigit() and int(style) in dates and isinstance(
                        number, int | float):
                    try:
                        cell = from_excel(number, epoch)
                    except (ValueError, OverflowError):
                        cell = number
                else:
                    cell = number
            if cell is not None and 0 <= col < MAX_COLUMN:
                row[col] = cell
            clear(elem)
        elif tag == "row":
            if row:
                width = max(row) + 1
                yield row_number, [row.get(c) for c in range(width)]
            clear(elem)
        elif tag == "sheetData":
            clear(elem)


def _sheet_rows_reference(package: Package, name: str, strings: SharedStrings, dates: set[int],
                epoch_1904: bool) -> Iterator[tuple[int, list[object]]]:
    """:func:`_sheet_rows` as it was first written: every event of every element, each tag
    through :func:`local` (tests/connectors/extract/test_extract_sheets_fast.py compares them)."""
    epoch = MAC_EPOCH if epoch_1904 else WINDOWS_EPOCH
    row: dict[int, object] = {}
    row_number = 0
    next_col = 0
    value: str | None = None
    inline: list[str] = []
    for event, elem in package.iterparse(name):
        tag = local(elem.tag)
        if event == "start":
            if tag == "row":
                row, next_col = {}, 0
                try:
                    row_number = int(elem.get("r") or row_number + 1)
                except ValueError:
                    row_number += 1
            elif tag == "c":
                value, inline = None, []
            continue
        if tag == "v":
            value = elem.text
        elif tag == "t" and local(elem.getparent().tag) in ("is", "r"):
            inline.append(elem.text or "")
        elif tag == "c":
            col, _r = _column(elem.get("r"), next_col)
            next_col = col + 1
            kind = elem.get("t") or "n"
            cell: object = None
            if kind == "s" and value is not None:
                try:
                    cell = strings.get(int(value))
                except ValueError:
                    cell = None
                if cell is None and not strings.complete:
                    cell = _LOST
            elif kind == "inlineStr":
                cell = "".join(inline)
            elif kind == "b" and value is not None:
                cell = value.strip() in ("1", "true")
            elif kind in ("str", "e", "d") and value is not None:
                cell = value
            elif value is not None:
                number = _number(value)
                style = elem.get("s")
                if style is not None and style.isdigit() and int(style) in dates and isinstance(
                        number, int | float):
                    try:
                        cell = from_excel(number, epoch)
                    except (ValueError, OverflowError):
                        cell = number
                else:
                    cell = number
            if cell is not None and 0 <= col < MAX_COLUMN:
                row[col] = cell
            clear(elem)
        elif tag == "row":
            if row:
                width = max(row) + 1
                yield row_number, [row.get(c) for c in range(width)]
            clear(elem)
        elif tag == "sheetData":
            clear(elem)


def sheet_units(
    item: Item, title: str, rows: Iterable[tuple[int, Sequence[object]]],
    namer: FieldNamer | None = None,
) -> Iterator[Extracted]:
    """Units of one sheet from ``(row number, values)`` pairs (shared with the ODS extractor)."""
    header: list[str] | None = None
    for r, row in rows:
        cells = [_text(v) for v in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if (r == 1 and len(cells) > 1 and all(isinstance(v, str) for v in row[: len(cells)])
                and _is_header(cells)):
            header = [c.strip() for c in cells]
            if namer is not None:
                header = [namer.name(h) for h in header]
                for h in cells:
                    yield from namer.units(item, h.strip(), r, f"{title}!row:{r}", title)
            continue
        record = f"{title}!row:{r}"
        for c, text in enumerate(cells):
            if not text.strip():
                continue
            name = header[c] if header and c < len(header) else column_letter(c + 1)
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
