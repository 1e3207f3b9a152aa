"""Word (.docx) and PowerPoint (.pptx) documents.

DOCX: body paragraphs in document order, then headers and footers, as prose (one line per
paragraph, lines numbered in the extracted text). Tables become "value" units, one per non-empty
cell, the first row's text as field names and one record per row (``table<t>:row<r>``).
PPTX: the text of each slide's shapes, tables and notes; each slide starts a unit whose field is
``slide:<n>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder, value_unit
from connectors.extract.streams import seekable_stream
from scanner.models import Item, ItemError
from scanner.settings import Settings


def _open_package(item: Item, settings: Settings, loader: Any) -> Any:
    stream = seekable_stream(item, settings.limits)
    try:
        return loader(stream)
    except KeyError as exc:  # a zip without the expected parts
        raise ItemError("corrupt", f"not a valid package: missing {exc}", item.uri) from exc


def extract_docx(item: Item, settings: Settings) -> Iterator[Extracted]:
    import docx

    document = _open_package(item, settings, docx.Document)
    builder = ProseBuilder(item)
    tables = 0
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table
            tables += 1
            yield from builder.flush()
            yield from _docx_table(item, block, tables, builder)
        else:
            yield from builder.add(block.text)
    for section in document.sections:
        for part in (section.header, section.footer):
            if part.is_linked_to_previous:
                continue
            for paragraph in part.paragraphs:
                yield from builder.add(paragraph.text, field="header/footer")
    yield from builder.flush()


def _docx_table(item: Item, table: Any, t: int, builder: ProseBuilder) -> Iterator[Extracted]:
    header: list[str] | None = None
    for r, row in enumerate(table.rows, 1):
        cells = [cell.text.strip() for cell in row.cells]
        line = builder.line
        builder.line += 1  # a table row takes one line of the extracted text
        if r == 1 and all(cells) and len(set(cells)) == len(cells) and len(cells) > 1:
            header = cells
            continue
        seen: set[int] = set()
        for c, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            if not text or id(cell._tc) in seen:  # merged cells repeat the same element
                continue
            seen.add(id(cell._tc))
            field = header[c] if header and c < len(header) else f"table{t}:col{c + 1}"
            yield value_unit(item, text, line, field, f"table{t}:row{r}")


def extract_pptx(item: Item, settings: Settings) -> Iterator[Extracted]:
    from pptx import Presentation

    presentation = _open_package(item, settings, Presentation)
    builder = ProseBuilder(item)
    for n, slide in enumerate(presentation.slides, 1):
        field = f"slide:{n}"
        for shape in slide.shapes:
            yield from _shape_text(shape, field, builder)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                yield from builder.add(notes.text, field=f"{field}:notes")
    yield from builder.flush()


def _shape_text(shape: Any, field: str, builder: ProseBuilder) -> Iterator[Extracted]:
    if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):  # a group
        for child in shape.shapes:
            yield from _shape_text(child, field, builder)
        return
    if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():
        yield from builder.add(shape.text_frame.text, field=field)
    if getattr(shape, "has_table", False):
        for row in shape.table.rows:
            cells = [cell.text.replace("\n", " ").strip() for cell in row.cells]
            if any(cells):
                yield from builder.add("\t".join(cells), field=field)
