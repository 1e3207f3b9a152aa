"""HTML and XML: text content only (no tags, scripts or styles), with source line numbers.

The stdlib ``HTMLParser`` is fed the decoded stream piece by piece, so a large page is never held
whole, nothing is fetched and no entity is expanded beyond the standard HTML ones (safe for
hostile XML). Text nodes keep their source line: a unit's text has a newline wherever the source
had one between two text nodes, so a finding's line counted in the unit is the line in the file.
CDATA sections are text too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from html.parser import HTMLParser

from connectors.extract import Extracted
from connectors.extract.textio import READ_CHARS, UNIT_CHARS, line_chunks, open_text
from scanner.models import Item, Location, TextUnit
from scanner.settings import Settings

_SKIP = frozenset({"script", "style", "noscript", "template"})
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font",
                     "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                     "time", "u", "var", "wbr"})


def extract_markup(item: Item, settings: Settings) -> Iterator[Extracted]:
    parser = _TextParser(item)
    with item.open() as raw:
        text, _ = open_text(raw)
        while True:
            data = text.read(READ_CHARS)
            if not data:
                break
            parser.feed(data)
            yield from parser.take()
        parser.close()
    yield from parser.take()
    yield from parser.flush()


class _TextParser(HTMLParser):
    def __init__(self, item: Item) -> None:
        super().__init__(convert_charrefs=True)
        self.item = item
        self._skip = 0
        self._subset = False
        self._sep = False
        self._cell = False  # the pending separator is an element boundary, not white space
        self._parts: list[str] = []
        self._chars = 0
        self._start = 1
        self._line = 1  # source line at the end of the collected text
        self._ready: list[TextUnit] = []

    # -- parser callbacks --
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        if tag not in _INLINE:
            self._sep = self._cell = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self._sep = self._cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag not in _INLINE:
            self._sep = self._cell = True

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
            self._add(self.getpos()[0], data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA[") and not self._skip:
            self._add(self.getpos()[0], data[len("CDATA[") :])

    # -- units --
    def _add(self, line: int, data: str) -> None:
        stripped = data.lstrip()
        if not stripped:
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
