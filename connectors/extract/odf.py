"""OpenDocument text (.odt) and spreadsheets (.ods), streamed from ``content.xml``.

ODT: every paragraph and heading, in document order, as prose lines. ODS: every non-empty cell
as a "value" unit, exactly like an XLSX sheet (``<sheet>!<header or column>``, row numbers as
lines, one record per row); repeated rows and columns are expanded only where they hold text.
A package whose manifest declares encryption is recorded as ``encrypted``.

``content.xml`` goes through :class:`~connectors.extract.package.Package` (bytes, ratio, time;
XML streamed, no DTD or entities): a bomb is recorded as ``bomb`` against ``<uri>!/content.xml``.
Text is taken as odfpy's ``teletype.extractText`` does: ``<text:s c="n"/>`` is n spaces,
``<text:tab/>`` a tab, ``<text:line-break/>`` a newline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder
from connectors.extract.fields import FieldNamer
from connectors.extract.package import Package, clear, local
from connectors.extract.sheets import sheet_units
from scanner.models import Item, ItemError
from scanner.settings import Settings

MAX_REPEAT = 1000  # a non-empty cell or row repeated more than this is kept this many times
MAX_SPACES = 1000  # <text:s c="..."/> expanded at most this far
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
Element = Any  # an lxml element from Package.iterparse (lxml ships no type information here)


def _ns(tag: object) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _open(item: Item, settings: Settings) -> Package:
    package = Package(item, settings)
    manifest = package.read("META-INF/manifest.xml")
    if manifest is not None and b"encryption-data" in manifest:
        package.close()
        raise ItemError("encrypted", "password-protected OpenDocument", item.uri)
    if not package.has("content.xml"):
        package.close()
        raise ItemError("corrupt", "not a valid OpenDocument package: no content.xml", item.uri)
    return package


def _spaces(elem: Element) -> str:
    count = elem.get(f"{{{_TEXT_NS}}}c") or "1"
    try:
        return " " * min(max(int(count), 1), MAX_SPACES)
    except ValueError:
        return " "


def paragraph_text(elem: Element) -> str:
    """The text of a complete paragraph element, as odfpy's ``teletype.extractText``."""
    out: list[str] = []
    stack: list[tuple[Element, bool]] = [(elem, False)]
    while stack:
        node, done = stack.pop()
        if done:  # after the children: the tail belongs to the parent
            tail = getattr(node, "tail", None)
            if tail and node is not elem:
                out.append(tail)
            continue
        ns, tag = _ns(node.tag), local(node.tag)
        if ns == _TEXT_NS and tag == "s":
            out.append(_spaces(node))
        elif ns == _TEXT_NS and tag == "tab":
            out.append("\t")
        elif ns == _TEXT_NS and tag == "line-break":
            out.append("\n")
        elif node.text:
            out.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    return "".join(out)


def _is(elem: object, ns: str, *tags: str) -> bool:
    tag = getattr(elem, "tag", "")
    return _ns(tag) == ns and local(tag) in tags


def extract_odt(item: Item, settings: Settings) -> Iterator[Extracted]:
    with _open(item, settings) as package:
        builder = ProseBuilder(item)
        depth = 0  # open text:p / text:h elements
        in_body = False
        for event, elem in package.iterparse("content.xml"):
            if local(elem.tag) == "text" and _ns(elem.tag).endswith(":office:1.0"):
                in_body = event == "start"
                continue
            if not _is(elem, _TEXT_NS, "p", "h"):
                continue
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth == 0:
                if in_body:
                    yield from builder.add(paragraph_text(elem))
                clear(elem)
        yield from package.errors()
        yield from builder.flush()


def extract_ods(item: Item, settings: Settings) -> Iterator[Extracted]:
    with _open(item, settings) as package:
        namer = FieldNamer(settings)
        for title, rows in _tables(package):
            yield from sheet_units(item, title, rows, namer)
            yield from package.errors()
        yield from package.errors()


def _tables(package: Package) -> Iterator[tuple[str, Iterator[tuple[int, list[str]]]]]:
    """One ``(name, rows)`` per table; the rows iterator must be used before the next table."""
    events = package.iterparse("content.xml")
    for event, elem in events:
        if event == "start" and _is(elem, _TABLE_NS, "table"):
            title = elem.get(f"{{{_TABLE_NS}}}name") or "Sheet"
            yield title, _rows(events)


def _int(elem: Element, name: str) -> int:
    try:
        return max(1, int(elem.get(f"{{{_TABLE_NS}}}{name}") or 1))
    except ValueError:
        return 1


def _rows(events: Iterator[tuple[str, Element]]) -> Iterator[tuple[int, list[str]]]:
    r = 0
    cells: list[str] = []
    depth = 0  # tables nested in a cell are part of that cell's text
    for event, elem in events:
        if _is(elem, _TABLE_NS, "table"):
            if event == "start":
                depth += 1
                continue
            if depth:
                depth -= 1
                continue
            clear(elem)
            return
        if depth or event == "start":
            if event == "start" and _is(elem, _TABLE_NS, "table-row"):
                cells = []
            continue
        if _is(elem, _TABLE_NS, "table-cell", "covered-table-cell"):
            n = _int(elem, "number-columns-repeated")
            value = "\n".join(paragraph_text(p) for p in elem
                               if isinstance(getattr(p, "tag", None), str))
            cells.extend([value] * (min(n, MAX_REPEAT) if value.strip() else min(n, 16384)))
            clear(elem)
        elif _is(elem, _TABLE_NS, "table-row"):
            repeat = _int(elem, "number-rows-repeated")
            clear(elem)
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                r += repeat
                continue
            for _ in range(min(repeat, MAX_REPEAT)):
                r += 1
                yield r, cells
            r += max(0, repeat - MAX_REPEAT)
