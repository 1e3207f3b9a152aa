"""SQL dumps (mysqldump, pg_dump, SQLite's ``.dump``): the rows of their INSERT statements and
COPY blocks as table cells, read as a table's cells are.

A dump is a table export written as text; read as prose, one line of an extended INSERT holds the
rows of many people, so a phone and a timestamp of different customers made a "call record",
and the column names that say what a value is (``tel``, ``full_name``, ``pan``) were lost.

* ``CREATE TABLE t (...)``: the column names of ``t``, for its INSERTs without a column list;
* ``INSERT INTO t [(cols)] VALUES (...), (...);``: a ``value`` unit per non-NULL value, ``field``
  = its column (``col<n>`` when unknown), ``record`` = ``<table>:<row>``, ``line`` = the line
  the row starts on;
* ``COPY t (cols) FROM stdin;`` then tab-separated lines up to ``\\.`` (pg_dump): the same;
* everything else (comments, other statements, a row the reader cannot take apart, a statement
  longer than :data:`MAX_STATEMENT`) as ``prose``, so nothing in the file goes unread.

The file is streamed: at most one statement (bounded) is held at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.textio import READ_CHARS, UNIT_CHARS, open_text
from scanner.models import Item, Location, TextUnit
from scanner.settings import Settings

MAX_STATEMENT = 8 * 1024 * 1024  # longer: read as prose (mysqldump's rows come in ~1 MB lines)

_DUMP_HINT = re.compile(r"^\s*(?:INSERT\s+INTO|CREATE\s+TABLE|COPY\s+\S+.*FROM\s+stdin)",
                        re.IGNORECASE | re.MULTILINE)
_NAME = r"(?:[`\"\[]?[\w$]+[`\"\]]?\.)?[`\"\[]?([\w$]+)[`\"\]]?"
_INSERT = re.compile(r"\s*(?:INSERT|REPLACE)\s+(?:IGNORE\s+)?INTO\s+" + _NAME
                     + r"\s*(?:\(([^)]*)\))?\s*VALUES\s*", re.IGNORECASE)
_CREATE = re.compile(r"\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME
                     + r"\s*\(", re.IGNORECASE)
_COPY = re.compile(r"\s*COPY\s+" + _NAME + r"\s*(?:\(([^)]*)\))?\s+FROM\s+stdin", re.IGNORECASE)
_NOT_COLUMNS = frozenset(("primary", "key", "unique", "constraint", "index", "foreign", "check",
                          "fulltext", "spatial", "exclude", "period"))
# One value of a row, or the punctuation between them.
_TOKEN = re.compile(
    r"\s*(?:'((?:[^'\\]|\\.|'')*)'|(NULL)\b|([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(\()|(\))|(,)|(;))",
    re.IGNORECASE | re.DOTALL,
)
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_BACKSLASH = re.compile(r"\\(.)", re.DOTALL)
_COPY_ESCAPE = re.compile(r"\\(.)")


def looks_like_sql_dump(sample: str) -> bool:
    """Two or more lines of the first ``sample`` characters open an INSERT, a CREATE TABLE or a
    COPY ... FROM stdin."""
    return len(_DUMP_HINT.findall(sample, 0, 64 * 1024)) >= 2


def _unquote(ident: str) -> str:
    return ident.strip().strip("`\"[]")


def _split_top(body: str) -> list[str]:
    """``body`` split at its commas outside brackets and quotes."""
    parts, depth, start, quote = [], 0, 0, ""
    for i, c in enumerate(body):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def _create_columns(statement: str, head_end: int) -> list[str]:
    body = statement[head_end:statement.rfind(")")]
    cols = []
    for part in _split_top(body):
        words = part.split()
        if words and words[0].lower() not in _NOT_COLUMNS:
            cols.append(_unquote(words[0]))
    return cols


def _unescape(raw: str) -> str:
    if "\\" not in raw and "''" not in raw:
        return raw
    raw = raw.replace("''", "'")
    return _BACKSLASH.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), raw)


class _Reader:
    def __init__(self, item: Item) -> None:
        self.item = item
        self.tables: dict[str, list[str]] = {}

    def prose(self, text: str, line: int) -> Iterator[TextUnit]:
        for k in range(0, len(text), UNIT_CHARS):
            chunk = text[k : k + UNIT_CHARS]
            if chunk.strip():
                yield TextUnit(Location(self.item.uri, line, None), chunk, "prose",
                               source_kind=self.item.source_kind)
            line += chunk.count("\n")

    def statement(self, text: str, line: int) -> Iterator[Extracted]:
        m = _INSERT.match(text)
        if m is not None:
            rows = self._rows(text, m.end(), line, m.group(1), m.group(2))
            if rows is not None:
                yield from rows
                return
        else:
            c = _CREATE.match(text)
            if c is not None:
                self.tables[c.group(1).lower()] = _create_columns(text, c.end())
        yield from self.prose(text, line)

    def _columns(self, table: str, listed: str | None) -> list[str]:
        if listed:
            return [_unquote(c) for c in listed.split(",")]
        return self.tables.get(table.lower(), [])

    def _rows(self, text: str, pos: int, line: int, table: str,
              listed: str | None) -> list[TextUnit] | None:
        """The units of an INSERT's rows, or ``None`` when a value is not a literal (a function
        call, a hex string): the statement is then read as prose."""
        cols = self._columns(table, listed)
        units: list[TextUnit] = []
        row: list[str | None] = []
        depth, index, counted, row_line = 0, 0, 0, line
        while True:
            t = _TOKEN.match(text, pos)
            if t is None:
                return None if text[pos:].strip() else units
            pos = t.end()
            s, null, number, opening, closing, comma, end = t.groups()
            if opening is not None:
                if depth:
                    return None
                depth, row = 1, []
                line += text.count("\n", counted, t.start(4))
                counted, row_line = t.start(4), line
            elif closing is not None:
                if not depth:
                    return None
                depth = 0
                index += 1
                record = f"{table}:{index}"
                for i, value in enumerate(row):
                    if value is not None and value.strip():
                        field = cols[i] if i < len(cols) else f"col{i + 1}"
                        units.append(value_unit(self.item, value, row_line, field, record))
            elif comma is not None:
                if depth and len(row) == 0:
                    return None
            elif end is not None:
                return units if not depth and not text[pos:].strip() else None
            elif depth:
                row.append(None if null is not None else (_unescape(s) if s is not None
                                                          else number))
            else:
                return None

    def copy_row(self, data: str, line: int, table: str, cols: list[str],
                 index: int) -> Iterator[TextUnit]:
        record = f"{table}:{index}"
        for i, cell in enumerate(data.split("\t")):
            if cell == "\\N" or not cell.strip():
                continue
            value = _COPY_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), cell)
            field = cols[i] if i < len(cols) else f"col{i + 1}"
            yield value_unit(self.item, value, line, field, record)


def extract_sql(item: Item, settings: Settings) -> Iterator[Extracted]:
    reader = _Reader(item)
    with item.open() as raw:
        text, _ = open_text(raw)
        buf, line, eof = "", 1, False
        copying: tuple[str, list[str]] | None = None
        copied = 0
        while True:
            if not eof and len(buf) < READ_CHARS:
                data = text.read(READ_CHARS)
                eof = not data
                buf += data
            if copying is not None:
                nl = buf.find("\n")
                if nl < 0 and not eof:
                    if len(buf) > MAX_STATEMENT:
                        yield from reader.prose(buf, line)
                        line += buf.count("\n")
                        buf, copying = "", None
                    else:  # the row goes on: read more of it
                        data = text.read(READ_CHARS)
                        eof = not data
                        buf += data
                    continue
                row, buf = (buf, "") if nl < 0 else (buf[:nl], buf[nl + 1 :])
                if row.rstrip("\r") == "\\.":
                    copying = None
                elif row.strip():
                    copied += 1
                    yield from reader.copy_row(row.rstrip("\r"), line, *copying, copied)
                line += 1
                if eof and not buf:
                    return
                continue
            end = _statement_end(buf)
            if end < 0:
                if eof:
                    if buf.strip():
                        yield from reader.prose(buf, line)
                    return
                if len(buf) > MAX_STATEMENT:
                    yield from reader.prose(buf, line)
                    line += buf.count("\n")
                    buf = ""
                    continue
                data = text.read(READ_CHARS)  # the statement goes on: read more of it
                eof = not data
                buf += data
                continue
            statement, buf = buf[: end + 1], buf[end + 1 :]
            body, comments, line = _lead(reader, statement, line)
            yield from comments
            c = _COPY.match(body)
            if c is not None:
                cols = [_unquote(x) for x in c.group(2).split(",")] if c.group(2) else \
                    reader.tables.get(c.group(1).lower(), [])
                copying, copied = (c.group(1), cols), 0
                line += body.count("\n")
                nl = buf.find("\n")  # the rest of the COPY line
                if nl >= 0:
                    buf = buf[nl + 1 :]
                    line += 1
                continue
            yield from reader.statement(body, line)
            line += body.count("\n")


def _lead(reader: _Reader, statement: str, line: int) -> tuple[str, list[TextUnit], int]:
    """``statement`` without the white space and ``--`` comment lines before it, the prose units
    of those comments, and the line the statement proper starts on."""
    units: list[TextUnit] = []
    i = 0
    while True:
        j = i
        while j < len(statement) and statement[j].isspace():
            j += 1
        line += statement.count("\n", i, j)
        i = j
        if not statement.startswith("--", i):
            break
        nl = statement.find("\n", i)
        nl = len(statement) if nl < 0 else nl
        units.extend(reader.prose(statement[i:nl], line))
        i = nl
    return statement[i:], units, line


def _statement_end(buf: str) -> int:
    """Index of the ``;`` that ends the statement in ``buf`` (outside quotes and ``--``
    comments), or -1 when it is not in ``buf`` yet."""
    i, n = 0, len(buf)
    while i < n:
        m = _SIGNIFICANT.search(buf, i)
        if m is None:
            return -1
        c = m.group(0)
        if c == ";":
            return m.start()
        if c == "--":
            nl = buf.find("\n", m.end())
            if nl < 0:
                return -1
            i = nl + 1
            continue
        close = _STRING_REST[c].match(buf, m.end())
        if close is None:
            return -1
        i = close.end()
    return -1


_SIGNIFICANT = re.compile(r"--|[;'\"`]")
_STRING_REST = {
    "'": re.compile(r"(?:[^'\\]|\\.|'')*'", re.DOTALL),
    '"': re.compile(r'(?:[^"\\]|\\.|"")*"', re.DOTALL),
    "`": re.compile(r"[^`]*`"),
}
