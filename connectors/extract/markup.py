"""HTML and XML: text content only (no tags, scripts or styles), with source line numbers; the
cells of an HTML table with a header row as values under their column's header.

The stdlib ``HTMLParser`` is fed the decoded stream piece by piece, so a large page is never held
whole, nothing is fetched and no entity is expanded beyond the standard HTML ones (safe for
hostile XML). Text nodes keep their source line: a unit's text has a newline wherever the source
had one between two text nodes, so a finding's line counted in the unit is the line in the file.
CDATA sections are text too.

Tables: a ``<table>`` whose first row is made only of ``<th>`` cells (in a ``<thead>`` or not)
is read as a CSV file is (:mod:`connectors.extract.tabular`): each later row's cells become
"value" units with ``field`` = the header text of their column (white space collapsed; a header
that is itself a value is masked by :class:`~connectors.extract.fields.FieldNamer`, and
``col<n>`` where a column has no header), ``line`` = the source line of the cell's text and
``record`` = ``row:<line>``, the line of the row's ``<tr>`` (``row:<line>.<k>`` for the k-th row
starting on a line already used, so that the rows of a table written on one line stay apart).
Consecutive all-``<th>`` rows at the top (in the ``<thead>`` when there is one) are header rows
too; a column is named by the lowest of them that names it. ``colspan`` and ``rowspan`` move
cells to their columns. A cell's text is its text nodes and inline tags' text, white space
collapsed, joined with a space across elements and lines; a table inside a cell is a table of its
own and not part of the cell. Text in such a table outside its cells (a caption) and the text
around it stay prose, in units of their own. A table without a header row is prose as before
(cells on one line joined with " | "): until its first row shows it, the table's events are held
(at most ``_PENDING_CHARS`` of text) and then replayed into the prose. Finished cells are handed
on as they end; a cell longer than ``UNIT_CHARS`` is cut at white space into several units.
Only the HTML names ``table``, ``thead``, ``tbody``, ``tfoot``, ``tr``, ``th`` and ``td`` count
(in any case), in XML too.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import TypeGuard

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.textio import READ_CHARS, UNIT_CHARS, line_chunks, open_text
from scanner.models import Item, Location, TextUnit
from scanner.settings import Settings

_SKIP = frozenset({"script", "style", "noscript", "template"})
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font",
                     "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                     "time", "u", "var", "wbr"})
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_TABLE_TAGS = frozenset({"table", "tr", "th", "td"}) | _SECTIONS

# Bounds for hostile markup: text held while a table's first row is read, header cells and
# row-spanning cells remembered per table, the largest colspan/rowspan honoured (HTML's own).
_PENDING_CHARS = 64 * 1024
_PENDING_EVENTS = 4096
_HEADER_CELLS = 4096
_SPANS = 256
_MAX_COLSPAN = 1000
_MAX_ROWSPAN = 65534
_DIGITS = re.compile(r"\s*(\d+)", re.ASCII)


def extract_markup(item: Item, settings: Settings) -> Iterator[Extracted]:
    parser = _TextParser(item, settings)
    with item.open() as raw:
        text, _ = open_text(raw)
        while True:
            data = text.read(READ_CHARS)
            if not data:
                break
            parser.feed(data)
            yield from parser.take()
        parser.close()
    parser.end()
    yield from parser.take()
    yield from parser.flush()


class _Cell:
    __slots__ = ("col", "end", "th", "parts", "chars", "line", "sep")

    def __init__(self, col: int, end: int, th: bool) -> None:
        self.col = col
        self.end = end  # the column after its last (colspan)
        self.th = th
        self.parts: list[str] = []
        self.chars = 0
        self.line: int | None = None  # source line of the cell's first text
        self.sep = False  # white space or an element boundary since the last text

    def add(self, line: int, data: str) -> None:
        words = data.split()
        if not words:
            self.sep = self.sep or bool(data)
            return
        if self.line is None:
            self.line = line + data[: len(data) - len(data.lstrip())].count("\n")
        elif self.sep or data[0].isspace():
            self.parts.append(" ")
            self.chars += 1
        text = " ".join(words)
        self.parts.append(text)
        self.chars += len(text)
        self.sep = data[-1].isspace()

    def text(self) -> str:
        return "".join(self.parts)


class _Table:
    """One open ``<table>``: ``mode`` is "pending" until its first row shows whether it has a
    header row, then "header" (cells become values) or "prose" (its text is prose)."""

    def __init__(self) -> None:
        self.mode = "pending"
        # Held while pending: (line, text, in a cell), or None for an element boundary.
        self.events: list[tuple[int, str, bool] | None] = []
        self.held = 0
        self.header: list[tuple[list[int], list[tuple[int, str]]]] = []  # per header row
        self.header_cells = 0
        self.heading = True  # rows may still be header rows
        self.thead = False  # inside <thead>
        self.had_thead = False
        self.row: list[_Cell] | None = None  # the cells of the open row (None: no open row)
        self.row_line = 0
        self.record = ""
        self.col = 0
        self.cell: _Cell | None = None
        self.spans: list[list[int]] = []  # [first column, end column, rows left]
        self.row_spans: list[list[int]] = []  # spans starting in the open row

    def field(self, col: int) -> str:
        for starts, names in reversed(self.header):
            k = bisect_right(starts, col) - 1
            if k >= 0 and col < names[k][0]:
                return names[k][1]
        return f"col{col + 1}"


class _TextParser(HTMLParser):
    def __init__(self, item: Item, settings: Settings) -> None:
        super().__init__(convert_charrefs=True)
        self.item = item
        self.settings = settings
        self._namer: FieldNamer | None = None
        self._skip = 0
        self._subset = False
        self._sep = False
        self._cell = False  # the pending separator is an element boundary, not white space
        self._parts: list[str] = []
        self._chars = 0
        self._start = 1
        self._line = 1  # source line at the end of the collected text
        self._ready: list[TextUnit] = []
        self._tables: list[_Table] = []
        self._row_line = 0  # the last row's line and how many rows started on it
        self._row_count = 0

    # -- parser callbacks --
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        if tag in _TABLE_TAGS and not self._skip:
            self._table_start(tag, attrs)
        elif tag not in _INLINE:
            self._boundary()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _TABLE_TAGS and not self._skip:
            self._table_start(tag, attrs)
            self._table_end(tag)
            return
        if tag not in _INLINE:
            self._boundary()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in _TABLE_TAGS and not self._skip:
            self._table_end(tag)
        elif tag not in _INLINE:
            self._boundary()

    def handle_decl(self, decl: str) -> None:
        # <!DOCTYPE x [ ... ]>: HTMLParser ends the declaration at the first ">", so the rest of
        # the internal subset arrives as data; drop it up to its closing "]>".
        if decl.lower().startswith("doctype") and "[" in decl and "]" not in decl:
            self._subset = True

    def handle_data(self, data: str) -> None:
        if self._subset:
            end = data.find("]>")
            if end < 0:
                return
            self._subset = False
            data = data[end + 2 :]
        if not self._skip:
            self._text(self.getpos()[0], data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA[") and not self._skip:
            self._text(self.getpos()[0], data[len("CDATA[") :])

    def end(self) -> None:
        """The document ended: close the tables left open."""
        while self._tables:
            self._table_end("table")

    # -- routing: a table's cell, a pending table's held events, or prose --
    def _table_takes(self, table: _Table | None) -> TypeGuard[_Table]:
        """Whether a table tag's event is the table's to handle: not outside a table nor in
        one read as prose (then it is a boundary of the prose). In a table not yet known to
        have a header row it is also held, to be replayed."""
        if table is None or table.mode == "prose":
            self._sep = self._cell = True
            return False
        if table.mode == "pending":
            self._hold(table, None)
            if table.mode == "prose":
                return False
        else:
            self._sep = self._cell = True
        return True

    def _boundary(self) -> None:
        table = self._tables[-1] if self._tables else None
        if table is None or table.mode == "prose":
            self._sep = self._cell = True
            return
        if table.cell is not None:
            table.cell.sep = True
        if table.mode == "pending":
            self._hold(table, None)
        else:
            self._sep = self._cell = True

    def _text(self, line: int, data: str) -> None:
        table = self._tables[-1] if self._tables else None
        if table is None or table.mode == "prose":
            self._add(line, data)
            return
        cell = table.cell
        if table.mode == "pending":
            self._hold(table, (line, data, cell is not None))
            if table.mode != "pending":  # held too much: replayed into the prose
                return
            if cell is not None:
                cell.add(line, data)
                if cell.chars > UNIT_CHARS:
                    self._replay(table)
            return
        if cell is None:
            self._add(line, data)  # a caption, stray text between cells
            return
        cell.add(line, data)
        if cell.chars > UNIT_CHARS:
            if table.heading:
                self._heading_over(table)
            if not table.heading:
                self._cut(table, cell)

    def _hold(self, table: _Table, event: tuple[int, str, bool] | None) -> None:
        table.events.append(event)
        if event is not None:
            table.held += len(event[1])
        if table.held > _PENDING_CHARS or len(table.events) > _PENDING_EVENTS:
            self._replay(table)

    def _replay(self, table: _Table) -> None:
        """A pending table has no header row: its text is prose, as it came."""
        events, table.events = table.events, []
        table.mode = "prose"
        table.row = table.cell = None
        for event in events:
            if event is None:
                self._sep = self._cell = True
            else:
                self._add(event[0], event[1])

    # -- tables --
    def _table_start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            outer = self._tables[-1] if self._tables else None
            if outer is not None and outer.mode == "pending":
                self._replay(outer)  # a table inside the first row: no plain header row
            if outer is not None and outer.cell is not None:
                outer.cell.sep = True
            self._sep = self._cell = True
            self._tables.append(_Table())
            return
        table = self._tables[-1] if self._tables else None
        if not self._table_takes(table):
            return
        line = self.getpos()[0]
        if tag in _SECTIONS:
            self._end_row(table)
            if table.mode == "prose":
                return
            table.spans = []
            table.thead = tag == "thead"
            if tag == "thead":
                table.had_thead = True
            elif table.header:
                table.heading = False
            return
        if tag == "tr":
            self._end_row(table)
            if table.mode != "prose":
                self._start_row(table, line)
            return
        # td, th
        if table.mode == "pending" and tag == "td":
            self._replay(table)  # the first row has a data cell: no header row
            return
        self._end_cell(table)
        if tag == "td" and table.heading and table.header:
            self._heading_over(table)  # a data row: its cells go on as they end
        if table.row is None:
            self._start_row(table, line)
        col = table.col
        moved = True
        while moved:
            moved = False
            for first, end, _ in table.spans:
                if first <= col < end:
                    col, moved = end, True
        colspan = _span(attrs, "colspan", _MAX_COLSPAN)
        rowspan = _span(attrs, "rowspan", _MAX_ROWSPAN, zero=_MAX_ROWSPAN)
        if rowspan > 1 and len(table.spans) + len(table.row_spans) < _SPANS:
            table.row_spans.append([col, col + colspan, rowspan - 1])
        table.cell = _Cell(col, col + colspan, tag == "th")
        table.col = col + colspan

    def _table_end(self, tag: str) -> None:
        table = self._tables[-1] if self._tables else None
        if tag == "table":
            if table is None:
                self._sep = self._cell = True
                return
            if table.mode == "pending":
                self._end_row(table)  # the first row may end here and decide
            if table.mode == "pending":
                self._replay(table)  # no header row
            elif table.mode == "header":
                self._end_row(table)
                self._ready.extend(self.flush())  # the text after it is prose of its own
            self._tables.pop()
            outer = self._tables[-1] if self._tables else None
            if outer is not None and outer.cell is not None:
                outer.cell.sep = True
            self._sep = self._cell = True
            return
        if not self._table_takes(table):
            return
        if tag in ("td", "th"):
            self._end_cell(table)
        elif tag == "tr":
            self._end_row(table)
        else:  # a section
            self._end_row(table)
            if table.mode != "prose":
                table.spans = []
                if tag == "thead":
                    table.thead = False
                    if table.header:
                        table.heading = False

    def _start_row(self, table: _Table, line: int) -> None:
        table.row = []
        table.col = 0
        table.row_line = line
        if line == self._row_line:
            self._row_count += 1
            table.record = f"row:{line}.{self._row_count}"
        else:
            self._row_line, self._row_count = line, 1
            table.record = f"row:{line}"
        if table.header and table.heading and table.had_thead and not table.thead:
            table.heading = False  # a thead's rows are the only header rows

    def _end_cell(self, table: _Table) -> None:
        cell = table.cell
        if cell is None:
            return
        table.cell = None
        assert table.row is not None
        if not table.heading:
            self._emit(table, cell)  # a data row's cells are not kept
            return
        table.row.append(cell)
        if table.header and len(table.row) > _HEADER_CELLS:
            self._heading_over(table)  # too wide for a header row

    def _end_row(self, table: _Table) -> None:
        """The open row ends: decide a pending table, take a header row, or hand cells on."""
        self._end_cell(table)
        row = table.row
        if row is None:
            return
        table.row = None
        table.spans = [s for s in table.spans if s[2] > 1]
        for s in table.spans:
            s[2] -= 1
        table.spans.extend(table.row_spans)
        table.row_spans = []
        if not row:
            return
        header_row = table.heading and all(c.th for c in row)
        if table.mode == "pending":
            if not header_row:
                self._replay(table)
                return
            # A header table: the prose so far ends here; text held outside the cells (a
            # caption) is prose of its own.
            table.mode = "header"
            self._ready.extend(self.flush())
            for event in table.events:
                if event is None:
                    self._sep = self._cell = True
                elif not event[2]:
                    self._add(event[0], event[1])
            table.events = []
            table.held = 0
        if header_row:
            self._take_header(table, row)
            return
        if table.heading:
            table.heading = False
            for cell in row:
                self._emit(table, cell)

    def _heading_over(self, table: _Table) -> None:
        """The open row of a header table is data (a <td>, a cell or row too long for a
        header): the cells held for it go on, and those after it as they end."""
        table.heading = False
        if table.row:
            for cell in table.row:
                self._emit(table, cell)
            table.row = []

    def _take_header(self, table: _Table, row: list[_Cell]) -> None:
        if self._namer is None:
            self._namer = FieldNamer(self.settings)
        starts: list[int] = []
        names: list[tuple[int, str]] = []
        for cell in row:
            text = cell.text()
            if not text or table.header_cells >= _HEADER_CELLS:
                continue
            table.header_cells += 1
            starts.append(cell.col)
            names.append((cell.end, self._namer.name(text)))
            self._ready.extend(self._namer.units(self.item, text, cell.line, table.record))
        if names:
            table.header.append((starts, names))

    def _emit(self, table: _Table, cell: _Cell) -> None:
        text = cell.text()
        if text:
            self._ready.append(value_unit(self.item, text, cell.line, table.field(cell.col),
                                          table.record))
        cell.parts, cell.chars = [], 0

    def _cut(self, table: _Table, cell: _Cell) -> None:
        """Hand on the first ``UNIT_CHARS`` of a long cell (cut at white space)."""
        text = cell.text()
        while len(text) > UNIT_CHARS:
            cut = text.rfind(" ", 0, UNIT_CHARS + 1)
            if cut <= 0:
                cut = UNIT_CHARS
            piece, text = text[:cut], text[cut:].lstrip(" ")
            self._ready.append(value_unit(self.item, piece, cell.line, table.field(cell.col),
                                          table.record))
        cell.parts, cell.chars = ([text], len(text)) if text else ([], 0)

    # -- units --
    def _add(self, line: int, data: str) -> None:
        stripped = data.lstrip()
        if not stripped:
            if data:  # white space between two inline elements: "<b>Jane</b> <b>Roe</b>"
                self._sep = True
            return
        leading = data[: len(data) - len(stripped)]
        line += leading.count("\n")
        self._sep = self._sep or bool(leading)
        data = stripped.rstrip()
        trailing = len(data) < len(stripped)
        if len(data) > UNIT_CHARS:
            self._ready.extend(self.flush())
            for offset, chunk in line_chunks(io.StringIO(data)):
                self._start, self._line = line + offset - 1, line + offset - 1
                self._parts, self._chars = [chunk], len(chunk)
                self._line += chunk.count("\n")
                self._ready.extend(self.flush())
            self._cell = False
            return
        if self._chars + len(data) > UNIT_CHARS:
            self._ready.extend(self.flush())
        if not self._parts:
            self._start = self._line = line
        elif line > self._line:
            self._parts.append("\n" * (line - self._line))
            self._line = line
        elif self._sep:
            # Two elements on one source line (table cells, XML fields): a bar between them, as
            # a reader sees them apart. A space let a phone pattern run on into the next cell
            # ("+34 746 41 91 46 | 06487": a number and a postcode read as one).
            self._parts.append(" | " if self._cell else " ")
        self._parts.append(data)
        self._chars += len(data) + 1
        self._line += data.count("\n")
        self._sep = trailing
        self._cell = False

    def take(self) -> list[TextUnit]:
        ready, self._ready = self._ready, []
        return ready

    def flush(self) -> Iterator[TextUnit]:
        if self._parts:
            yield TextUnit(
                location=Location(self.item.uri, self._start, None),
                text="".join(self._parts),
                kind="prose",
                source_kind=self.item.source_kind,
            )
        self._parts, self._chars = [], 0


def _span(attrs: list[tuple[str, str | None]], name: str, limit: int, zero: int = 1) -> int:
    """The ``colspan``/``rowspan`` attribute as a browser reads it (leading digits), at most
    ``limit``; 1 when absent or unreadable, ``zero`` for 0."""
    for key, value in attrs:
        if key == name and value is not None:
            m = _DIGITS.match(value)
            if m is None:
                return 1
            n = int(m.group(1).lstrip("0")[:7] or "0")
            return zero if n == 0 else min(n, limit)
    return 1
