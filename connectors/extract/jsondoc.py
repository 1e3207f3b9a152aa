"""JSON and NDJSON: one "value" unit per scalar leaf, its key path as the field.

Paths look like ``customer.email`` and ``items[0].phone``, relative to the record: each NDJSON line
is a record (``line:<n>``), each element of a top-level array is one (``item:<i>``, paths start
inside the element), and a single top-level object is one record (``object``). Line numbers of
leaves are found cheaply by searching forward in the source for the key (or value) in document
order; where that fails the unit takes the line of its record.

Documents over ``JSON_MAX_CHARS`` (or that are not one JSON value) are read as NDJSON when their
first line parses, else as plain text (streamed), so memory stays bounded; the item is opened once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.textio import line_chunks, looks_like_log, open_text
from scanner.models import Item, Location, TextUnit, UnitKind
from scanner.settings import Settings

JSON_MAX_CHARS = 32 * 1024 * 1024


def extract_json(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as raw:  # opened once: a member of a streamed archive can be read once
        text, _ = open_text(raw)
        source = text.read(JSON_MAX_CHARS + 1)
        if len(source) <= JSON_MAX_CHARS:
            try:
                doc = json.loads(source)
            except ValueError:
                pass
            else:
                yield from _document(item, source, doc, FieldNamer(settings))
                return
        # Too large, or not one JSON document: NDJSON if its lines parse, else plain text.
        yield from _lines(item, _Replay(source, text), FieldNamer(settings))


def extract_ndjson(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as raw:
        text, _ = open_text(raw)
        yield from _lines(item, text, FieldNamer(settings))


def _lines(item: Item, text: TextIO | _Replay, namer: FieldNamer) -> Iterator[Extracted]:
    """One record per JSON line; a line that is not JSON is kept as a text unit. If the first
    line is not JSON, the whole stream is read as plain text."""
    first = True
    n = 0
    while True:
        line = text.readline()
        if not line:
            return
        n += 1
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            if first:
                yield from _as_text(item, _Replay(line, text))
                return
            yield TextUnit(Location(item.uri, n, None), line.rstrip("\n"), "prose",
                           source_kind=item.source_kind)
            continue
        first = False
        yield from _leaves(item, doc, "", f"line:{n}", _OneLine(n), namer)


def _as_text(item: Item, text: _Replay) -> Iterator[Extracted]:
    kind: UnitKind | None = None
    for line, chunk in line_chunks(text):  # type: ignore[arg-type]
        if kind is None:
            kind = "log" if looks_like_log(chunk) else "prose"
        if chunk.strip():
            yield TextUnit(Location(item.uri, line, None), chunk, kind, source_kind=item.source_kind)


class _Replay:
    """Text already read, then the rest of the stream (``read`` and ``readline``)."""

    def __init__(self, head: str, rest: TextIO | _Replay) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> str:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            head, self._head = self._head, ""
            return head + self._rest.read()
        head, self._head = self._head[:size], self._head[size:]
        return head  # may be short; callers read until an empty string

    def readline(self) -> str:
        if self._head:
            cut = self._head.find("\n") + 1 or len(self._head)
            line, self._head = self._head[:cut], self._head[cut:]
            if line.endswith("\n"):
                return line
            return line + self._rest.readline()
        return self._rest.readline()


def _document(item: Item, source: str, doc: Any, namer: FieldNamer) -> Iterator[Extracted]:
    finder = _LineFinder(source, 1)
    if isinstance(doc, list):
        for i, element in enumerate(doc):
            yield from _leaves(item, element, "", f"item:{i}", finder, namer)
    else:
        yield from _leaves(item, doc, "", "object", finder, namer)


def _leaves(
    item: Item, node: Any, path: str, record: str, finder: _LineFinder | _OneLine,
    namer: FieldNamer,
) -> Iterator[Extracted]:
    """Leaves in document order; a key that is itself a value is masked in the path and
    yielded as a value of its own (:mod:`connectors.extract.fields`)."""
    stack: list[tuple[str, Any, str | None]] = [(path, node, None)]
    name = namer.name
    while stack:
        path, node, key = stack.pop()
        if key is not None:
            finder.find_key(key)
            if not path.endswith(key):  # the key was masked: it is a value too
                parent = path[: len(path) - len(name(key))].removesuffix(".") or None
                yield from namer.units(item, key, finder.line, record, parent)
        if isinstance(node, dict):
            children = []
            for k, v in node.items():
                k = str(k)
                safe = name(k)
                children.append((f"{path}.{safe}" if path else safe, v, k))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{path}[{i}]", v, None) for i, v in enumerate(node)]))
        elif node is not None and not isinstance(node, bool):
            text = node if isinstance(node, str) else json.dumps(node)
            if text.strip():
                line = finder.find_value(node)
                yield value_unit(item, text, line, path or None, record)


class _OneLine:
    """An NDJSON record is one line (JSON strings hold no raw newline): nothing to search."""

    def __init__(self, line: int) -> None:
        self.line = line

    def find_key(self, key: str) -> None:
        pass

    def find_value(self, value: object) -> int:
        return self.line


# ``json.dumps(text, ensure_ascii=False)`` of a str is this function's answer (JSONEncoder.encode
# returns it), without building an encoder for each key and value.
_quote = json.encoder.encode_basestring


class _LineFinder:
    """Line numbers of keys and values, searching forward from the last match (linear time)."""

    def __init__(self, source: str, first_line: int) -> None:
        self.source = source
        self.pos = 0
        self.line = first_line
        self._counted = 0  # source position up to which newlines were counted into ``line``

    def _advance(self, pos: int) -> None:
        self.line += self.source.count("\n", self._counted, pos)
        self._counted = self.pos = pos

    def find_key(self, key: str) -> None:
        quoted = _quote(key)
        found = self.source.find(quoted + ":", self.pos)
        if found < 0:
            found = self.source.find(quoted, self.pos)
        if found >= 0:
            self._advance(found)

    def find_value(self, value: object) -> int:
        needle = _quote(value) if isinstance(value, str) else json.dumps(value)
        found = self.source.find(needle, self.pos)
        if found >= 0:
            self._advance(found)
        return self.line
