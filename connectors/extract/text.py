"""Plain text and logs: streamed, decoded with a detected encoding, cut at line boundaries.

Units hold at most ``UNIT_CHARS`` characters and carry the line number of their first character,
so a 1 GB log never has to fit in memory. Text whose first lines mostly start with a timestamp or
carry ``key=value`` pairs is "log" (patterns only downstream); anything else is "prose". An SQL
dump is read by :mod:`connectors.extract.sqldump`.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.extract import Extracted
from connectors.extract.sqldump import extract_sql, looks_like_sql_dump
from connectors.extract.textio import line_chunks, looks_like_log, open_text
from scanner.models import Item, Location, TextUnit, UnitKind
from scanner.settings import Settings


def extract_text(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as raw:
        text, _encoding = open_text(raw)
        kind: UnitKind | None = None
        dump = False
        for line, chunk in line_chunks(text):
            if kind is None:
                if looks_like_sql_dump(chunk):
                    dump = True  # a dump's rows, read as a table's cells (below)
                    break
                kind = "log" if looks_like_log(chunk[:65536]) else "prose"
            if not chunk.strip():
                continue
            yield TextUnit(
                location=Location(item.uri, line, None),
                text=chunk,
                kind=kind,
                source_kind=item.source_kind,
            )
    if dump:
        yield from extract_sql(item, settings)
