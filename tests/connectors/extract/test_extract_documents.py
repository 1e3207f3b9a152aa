"""PDF, DOCX, XLSX, PPTX, ODT and ODS, made in the test, extracted with their locations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.helpers.extract import item_from_bytes, item_from_path, minimal_pdf, run


def test_pdf_page_text_and_location() -> None:
    data = minimal_pdf(["Customer record", "Contact Bob at bob@example.org"])
    units, errors = run(item_from_bytes(data, "record.pdf"))
    assert errors == []
    assert len(units) == 1
    assert units[0].location.field == "page:1" and units[0].location.line == 1
    assert units[0].text.strip().split("\n") == ["Customer record", "Contact Bob at bob@example.org"]
    assert units[0].kind == "prose"


def _encrypted_pdf(user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf(["secret bob@x.org"]))))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_with_user_password_is_encrypted_error() -> None:
    units, errors = run(item_from_bytes(_encrypted_pdf("hunter2", "owner"), "locked.pdf"))
    assert units == []
    assert [(e.kind, e.location) for e in errors] == [("encrypted", "mem:///locked.pdf")]


def test_pdf_with_empty_user_password_is_read() -> None:
    units, errors = run(item_from_bytes(_encrypted_pdf("", "owner"), "open.pdf"))
    assert errors == []
    assert "secret bob@x.org" in units[0].text


def test_truncated_pdf_is_an_error_not_an_exception() -> None:
    data = minimal_pdf(["hello"])[:60]
    units, errors = run(item_from_bytes(data, "cut.pdf"))
    assert units == [] or all(u.text.strip() for u in units)
    assert errors and errors[0].kind in ("corrupt", "encrypted")


def test_docx_paragraphs_and_table_cells(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Employee file")
    document.add_paragraph("Ann Example lives in Leeds.")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "name", (0, 1): "email", (1, 0): "Bob",
                         (1, 1): "bob@x.org"}.items():
        table.cell(r, c).text = text
    document.add_paragraph("End of file")
    path = tmp_path / "staff.docx"
    document.save(path)
    units, errors = run(item_from_path(path))
    assert errors == []
    got = [(u.location.line, u.location.field, u.text, u.kind, u.record) for u in units]
    assert got == [
        (1, None, "Employee file\nAnn Example lives in Leeds.", "prose", None),
        (4, "name", "Bob", "value", "table1:row2"),
        (4, "email", "bob@x.org", "value", "table1:row2"),
        (5, None, "End of file", "prose", None),
    ]


def test_xlsx_header_fields_rows_and_letters(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "People"
    ws.append(["name", "email"])
    ws.append(["Bob", "bob@x.org"])
    raw = wb.create_sheet("Raw")
    raw.append(["Ann", 42])
    path = tmp_path / "people.xlsx"
    wb.save(path)
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.line, u.location.field, u.text, u.record) for u in units] == [
        (2, "People!name", "Bob", "People!row:2"),
        (2, "People!email", "bob@x.org", "People!row:2"),
        (1, "Raw!A", "Ann", "Raw!row:1"),  # row 1 is data here: not a header
        (1, "Raw!B", "42", "Raw!row:1"),
    ]


def test_pptx_slides_and_notes(tmp_path: Path) -> None:
    from pptx import Presentation

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Quarterly review"
    slide.placeholders[1].text = "Call Bob on +44 20 7946 0958"
    slide.notes_slide.notes_text_frame.text = "Ann's notes"
    second = prs.slides.add_slide(prs.slide_layouts[1])
    second.shapes.title.text = "Thanks"
    path = tmp_path / "deck.pptx"
    prs.save(path)
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.field, u.text) for u in units] == [
        ("slide:1", "Quarterly review\nCall Bob on +44 20 7946 0958"),
        ("slide:1:notes", "Ann's notes"),
        ("slide:2", "Thanks"),
    ]


def test_odt_paragraphs(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Letter"))
    doc.text.addElement(P(text="Dear Ann, write to ann@x.org"))
    path = tmp_path / "letter.odt"
    doc.save(str(path))
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.line, u.text) for u in units] == [(1, "Letter\nDear Ann, write to ann@x.org")]


def test_ods_cells_with_header(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Staff")
    for values in (["name", "email"], ["Bob", "bob@x.org"]):
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    table.addElement(TableRow(numberrowsrepeated=1000))  # empty rows cost nothing
    doc.spreadsheet.addElement(table)
    path = tmp_path / "staff.ods"
    doc.save(str(path))
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.line, u.location.field, u.text) for u in units] == [
        (2, "Staff!name", "Bob"), (2, "Staff!email", "bob@x.org")]


@pytest.mark.parametrize("name", ["report.docx", "report.zip", "report"])
def test_docx_found_by_content_whatever_the_name(tmp_path: Path, name: str) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("hello Ann")
    buf = io.BytesIO()
    document.save(buf)
    units, errors = run(item_from_bytes(buf.getvalue(), name))
    assert errors == []
    assert [u.text for u in units] == ["hello Ann"]
