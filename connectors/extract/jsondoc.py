"""JSON and NDJSON: one "value" unit per scalar leaf, its key path as the field.

Paths look like ``customer.email`` and ``items[0].phone``, relative to the record: each NDJSON line
is a record (``line:<n>``), each element of a top-level array is one (``item:<i>``, paths start
inside the element), and a single top-level object is one record (``object``). Line numbers of
leaves are found cheaply by searching forward in the source for the key (or value) in document
order; where that fails the unit takes the line of its record.

Documents over ``JSON_MAX_CHARS`` are not parsed as a whole: they are read as NDJSON when their
lines parse, else as plain text (streamed), so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.textio import open_text
from scanner.models import Item
from scanner.settings import Settings

JSON_MAX_CHARS = 32 * 1024 * 1024
MAX_BAD_LINES = 10


def extract_json(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as raw:
        text, _ = open_text(raw)
        source = text.read(JSON_MAX_CHARS + 1)
        if len(source) <= JSON_MAX_CHARS:
            try:
                doc = json.loads(source)
            except ValueError:
                doc = _INVALID
            if doc is not _INVALID:
                yield from _document(item, source, doc)
                return
    # Too large, or not one JSON document: NDJSON if its lines parse, else plain text.
    yield from extract_ndjson(item, settings)


_INVALID = object()


def extract_ndjson(item: Item, settings: Settings) -> Iterator[Extracted]:
    bad = 0
    with item.open() as raw:
        text, _ = open_text(raw)
        for n, line in enumerate(text, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                bad += 1
                if bad > MAX_BAD_LINES or n == bad:
                    break
                continue
            finder = _LineFinder(line, n)
            yield from _leaves(item, doc, "", f"line:{n}", finder)
        else:
            return
    # Not JSON lines after all: read it as text.
    from connectors.extract.text import extract_text

    yield from extract_text(item, settings)


def _document(item: Item, source: str, doc: Any) -> Iterator[Extracted]:
    finder = _LineFinder(source, 1)
    if isinstance(doc, list):
        for i, element in enumerate(doc):
            yield from _leaves(item, element, "", f"item:{i}", finder)
    else:
        yield from _leaves(item, doc, "", "object", finder)


def _leaves(item: Item, node: Any, path: str, record: str, finder: _LineFinder) -> Iterator[Extracted]:
    stack: list[tuple[str, Any, str | None]] = [(path, node, None)]
    while stack:
        path, node, key = stack.pop()
        if key is not None:
            finder.find_key(key)
        if isinstance(node, dict):
            children = [(f"{path}.{k}" if path else str(k), v, str(k)) for k, v in node.items()]
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{path}[{i}]", v, None) for i, v in enumerate(node)]))
        elif node is not None and not isinstance(node, bool):
            text = node if isinstance(node, str) else json.dumps(node)
            if text.strip():
                line = finder.find_value(node)
                yield value_unit(item, text, line, path or None, record)


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
        found = self.source.find(json.dumps(key, ensure_ascii=False) + ":", self.pos)
        if found < 0:
            found = self.source.find(json.dumps(key, ensure_ascii=False), self.pos)
        if found >= 0:
            self._advance(found)

    def find_value(self, value: object) -> int:
        if isinstance(value, str):
            needle = json.dumps(value, ensure_ascii=False)
        else:
            needle = json.dumps(value)
        found = self.source.find(needle, self.pos)
        if found >= 0:
            self._advance(found)
        return self.line
