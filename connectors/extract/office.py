"""Word (.docx) and PowerPoint (.pptx) documents, streamed part by part within the limits.

DOCX: body paragraphs in document order (text boxes included), then headers and footers, then
footnotes, endnotes and comments, as prose (one line per paragraph, lines numbered in the
extracted text; the field names the part for all but the body). Tables become "value" units, one per non-empty
cell, the first row's text as field names and one record per row (``table<t>:row<r>``).
PPTX: the text of each slide's shapes, tables and notes; each slide starts a unit whose field is
``slide:<n>``.

The XML parts are parsed as streams by :class:`~connectors.extract.package.Package` (bounded in
bytes, compression ratio and time; no DTD or entities), never loaded whole: a part over a limit is
recorded as ``bomb``/``too_large`` for ``<uri>!/<part>`` and the other parts are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder, value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.package import Package, clear, local
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings

_NUMBERED = re.compile(r"(\d+)")
NOTE_PARTS = (("word/footnotes.xml", "footnotes"), ("word/endnotes.xml", "endnotes"),
              ("word/comments.xml", "comments"))



def _content(package: Package, name: str) -> Iterator[tuple[str, Any, str]]:
    """(event, element, local tag) of a part's XML, leaving out what is inside <mc:Fallback>:
    a copy of the <mc:Choice> content, which is not read twice."""
    fallback = 0
    for event, elem in package.iterparse(name):
        tag = local(elem.tag)
        if tag == "Fallback":
            fallback += 1 if event == "start" else -1
        elif not fallback:
            yield event, elem, tag

def _natural(name: str) -> list[object]:
    return [int(p) if p.isdigit() else p for p in _NUMBERED.split(name)]


def _open(item: Item, settings: Settings) -> Package:
    package = Package(item, settings)
    if not package.has("[Content_Types].xml"):
        package.close()
        raise ItemError("corrupt", "not a valid package: missing [Content_Types].xml", item.uri)
    return package


# -- DOCX ---------------------------------------------------------------------------------------
def extract_docx(item: Item, settings: Settings) -> Iterator[Extracted]:
    with _open(item, settings) as package:
        namer = FieldNamer(settings)
        builder = ProseBuilder(item)
        main = package.main_part("word/document.xml")
        if not package.has(main):
            raise ItemError("corrupt", f"not a valid package: missing {main}", item.uri)
        yield from _docx_part(item, package, main, builder, None, namer)
        yield from package.errors()
        others = sorted((n for n in package.names
                         if re.fullmatch(r"word/(header|footer)\d*\.xml", n)),
                        key=lambda n: (_natural(n.replace("header", "").replace("footer", "")),
                                       "footer" in n))
        for name in others:
            yield from _docx_part(item, package, name, builder, "header/footer", namer)
            yield from package.errors()
        for name, field in NOTE_PARTS:  # text a reader sees too: nothing is missed in silence
            if package.has(name):
                yield from _docx_part(item, package, name, builder, field, namer)
                yield from package.errors()
        yield from builder.flush()
        yield from package.embedded()


class _Row:
    def __init__(self) -> None:
        self.cells: list[tuple[int, str]] = []  # (grid column, text)
        self.col = 0


def _docx_part(item: Item, package: Package, name: str, builder: ProseBuilder,
               field: str | None, namer: FieldNamer) -> Iterator[Extracted]:
    """Paragraphs (prose) and tables (values) of one WordprocessingML part, streamed."""
    paragraphs: list[list[str]] = []  # text of the open paragraphs (text boxes nest them)
    cells: list[list[str]] = []  # paragraphs of the open table cells
    rows: list[_Row] = []
    tables = 0 if field is None else 1000  # header/footer tables numbered apart
    depth = 0  # table nesting
    header: list[tuple[int, str]] | None = None
    row_number = 0
    for event, elem, tag in _content(package, name):
        if event == "start":
            if tag == "p":
                paragraphs.append([])
            elif tag == "tbl":
                depth += 1
                if depth == 1:
                    tables += 1
                    header, row_number = None, 0
                    yield from builder.flush()
            elif tag == "tr" and depth == 1:
                rows.append(_Row())
            elif tag == "tc" and depth == 1:
                cells.append([])
            continue
        # end events
        if tag == "t" and paragraphs:
            paragraphs[-1].append(elem.text or "")
        elif tag == "tab" and paragraphs and local(elem.getparent().tag) == "r":
            paragraphs[-1].append("\t")
        elif tag in ("br", "cr") and paragraphs:
            paragraphs[-1].append("\n")
        elif tag == "p" and paragraphs:
            text = "".join(paragraphs.pop())
            if cells:
                cells[-1].append(text)
                elem.clear()  # its siblings (the cell's properties) are still needed
            else:  # a paragraph, or a text box inside one: a line of its own
                yield from builder.add(text, field=field)
                clear(elem)
        elif tag == "tc" and depth == 1 and cells and rows:
            span = 1
            for child in elem:
                if local(child.tag) == "tcPr":
                    for prop in child:
                        if local(prop.tag) == "gridSpan":
                            try:
                                span = max(1, int(prop.get(_attr(prop, "val")) or 1))
                            except ValueError:
                                span = 1
            text = "\n".join(cells.pop()).strip()
            row = rows[-1]
            row.cells.append((row.col, text))
            row.col += span
            clear(elem)
        elif tag == "tr" and depth == 1 and rows:
            row = rows.pop()
            row_number += 1
            line = builder.line
            builder.line += 1  # a table row takes one line of the extracted text
            texts = [t for _, t in row.cells]
            if (row_number == 1 and len(texts) > 1 and all(texts)
                    and len(set(texts)) == len(texts)):
                header = [(c, namer.name(t)) for c, t in row.cells]
                for _c, t in row.cells:
                    yield from namer.units(item, t, line, f"table{tables}:row1")
                clear(elem)
                continue
            names = dict(header or [])
            for c, text in row.cells:
                if text:
                    yield value_unit(item, text, line, names.get(c) or f"table{tables}:col{c + 1}",
                                     f"table{tables}:row{row_number}")
            clear(elem)
        elif tag == "tbl":
            depth -= 1
            if depth == 0:
                clear(elem)
        elif tag in ("body", "hdr", "ftr"):
            clear(elem)


def _attr(elem: object, name: str) -> str:
    """The qualified attribute ``name`` in the element's namespace (``w:val``)."""
    tag = getattr(elem, "tag", "")
    ns = tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""
    return f"{{{ns}}}{name}" if ns else name


# -- PPTX ---------------------------------------------------------------------------------------
def extract_pptx(item: Item, settings: Settings) -> Iterator[Extracted]:
    with _open(item, settings) as package:
        main = package.main_part("ppt/presentation.xml")
        rels = package.rels(main)
        root = package.root(main)
        yield from package.errors()
        slides: list[str] = []
        if root is not None:
            for elem in root.iter():
                if local(elem.tag) == "sldId":
                    rid = next((v for k, v in elem.attrib.items() if local(k) == "id"
                                and k.startswith("{")), None)
                    if rid in rels and package.has(rels[rid][1]):
                        slides.append(rels[rid][1])
                    else:
                        yield ScanError(item.uri, "corrupt", f"slide {rid} is listed but missing")
        if not slides:  # no usable presentation.xml: the slide parts in name order
            slides = sorted((n for n in package.names
                             if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)), key=_natural)
        builder = ProseBuilder(item)
        for n, slide in enumerate(slides, 1):
            field = f"slide:{n}"
            yield from _pptx_part(package, slide, builder, field, notes=False)
            yield from package.errors()
            notes = [target for kind, target in package.rels(slide).values()
                     if kind.endswith("/notesSlide") and package.has(target)]
            for part in notes[:1]:
                yield from _pptx_part(package, part, builder, f"{field}:notes", notes=True)
                yield from package.errors()
        yield from builder.flush()
        yield from package.embedded()


def _pptx_part(package: Package, name: str, builder: ProseBuilder, field: str,
               *, notes: bool) -> Iterator[Extracted]:
    """The text frames (one ``add`` per shape) and table rows of a slide or notes part."""
    paragraphs: list[str] = []  # paragraphs of the text body being read
    runs: list[str] = []
    cells: list[str] | None = None  # cells of the table row being read
    body_placeholder = False  # notes: only the notes text (the body placeholder) counts
    in_cell = 0
    cell_start = 0
    for event, elem, tag in _content(package, name):
        if event == "start":
            if tag == "sp":
                body_placeholder = False
            elif tag == "tr":
                cells = []
            elif tag == "tc":
                in_cell += 1
                cell_start = len(cells) if cells is not None else 0
            elif tag == "txBody":
                paragraphs = []
            elif tag == "p":
                runs = []
            continue
        if tag == "ph":
            body_placeholder = body_placeholder or elem.get("type") == "body"
        elif tag == "t":
            runs.append(elem.text or "")
        elif tag == "br":
            runs.append("\v")
        elif tag == "p":
            paragraphs.append("".join(runs))
            runs = []
        elif tag == "txBody":
            text = "\n".join(paragraphs)
            if in_cell and cells is not None:
                cells.append(text.replace("\n", " ").strip())
            elif text.strip() and (body_placeholder or not notes):
                yield from builder.add(text, field=field)
            paragraphs = []
        elif tag == "tc":
            in_cell -= 1
            if cells is not None and len(cells) == cell_start:
                cells.append("")  # a cell without a text body still takes its place
        elif tag == "tr":
            if cells and any(cells):
                yield from builder.add("\t".join(cells), field=field)
            cells = None
            clear(elem)
        elif tag in ("sp", "graphicFrame"):
            clear(elem)
