"""Small helpers shared by the format extractors: unit kinds and a prose unit builder."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.extract.textio import UNIT_CHARS
from scanner.models import Item, Location, TextUnit, UnitKind

# A structured cell this long, with this many spaces, is free text rather than one value.
PROSE_CELL_CHARS = 200
PROSE_CELL_SPACES = 20


def cell_kind(text: str) -> UnitKind:
    """"value" for a structured cell, "prose" for a long free-text cell (a comment, a note)."""
    if len(text) >= PROSE_CELL_CHARS and text.count(" ") >= PROSE_CELL_SPACES:
        return "prose"
    return "value"


def value_unit(
    item: Item, text: str, line: int | None, field: str | None, record: str | None
) -> TextUnit:
    return TextUnit(
        location=Location(item.uri, line, field),
        text=text,
        kind=cell_kind(text),
        record=record,
        source_kind=item.source_kind,
    )


class ProseBuilder:
    """Collects the lines of an extracted document into units of at most ``UNIT_CHARS``.

    Lines are numbered in the extracted text (1-based), across pages or slides; ``field`` names
    the part a unit comes from (``page:3``, ``slide:2``) and a new part starts a new unit.
    """

    def __init__(self, item: Item, limit: int = UNIT_CHARS) -> None:
        self.item = item
        self.limit = limit
        self.line = 1  # number of the next line to be added
        self._lines: list[str] = []
        self._chars = 0
        self._start = 1
        self._field: str | None = None

    def add(self, text: str, field: str | None = None) -> Iterator[TextUnit]:
        """Add one or more lines (``text`` may contain newlines); yield the units now full."""
        if field != self._field:
            yield from self.flush()
            self._field = field
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            if self._chars + len(line) + 1 > self.limit and self._lines:
                yield from self.flush()
            if not self._lines:
                self._start = self.line
            self._lines.append(line)
            self._chars += len(line) + 1
            self.line += 1

    def flush(self) -> Iterator[TextUnit]:
        if self._lines:
            text = "\n".join(self._lines)
            if text.strip():
                yield TextUnit(
                    location=Location(self.item.uri, self._start, self._field),
                    text=text,
                    kind="prose",
                    source_kind=self.item.source_kind,
                )
        self._lines, self._chars = [], 0
