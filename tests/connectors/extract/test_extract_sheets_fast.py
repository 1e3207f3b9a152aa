"""The xlsx sheet reader's fast path (:func:`connectors.extract.sheets._sheet_rows`: lxml's tag
filter, cached local names, no missing-string count when every shared string was kept) against
its reference (:func:`_sheet_rows_reference`, every event of every element): the same units and
errors on ordinary, odd, hostile and truncated worksheets."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from connectors.extract import sheets
from tests.helpers.extract import item_from_bytes, item_from_path, run
from tests.helpers.paths import SHARED

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(sheet: str, ns: str = MAIN, shared: list[str] | None = None) -> bytes:
    """A workbook of one sheet whose XML is ``sheet`` (with ``{ns}`` filled in)."""
    strings = shared if shared is not None else ["name", "email", "Jane Roe", "jane@example.org"]
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    files = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="xml" ContentType="application/'
                               'xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/'
                       'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{ns}" xmlns:r="{REL}"><sheets><sheet name="S" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{sst}</sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{ns}"><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/>'
                         '</cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": sheet.replace("{ns}", ns),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


ORDINARY = (
    '<worksheet xmlns="{ns}"><dimension ref="A1:C3"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c>'
    '<c r="C2" s="1"><v>45000</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c>'
    '<c r="F2" t="str"><f>A2&amp;B2</f><v>Jane Roejane@example.org</v></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><t>Ann</t></is></c>'
    '<c r="B3" t="inlineStr"><is><r><rPr><b/></rPr><t>ann@</t></r><r><t>example.org</t></r>'
    '<rPh><t>phonetic</t></rPh></is></c><c t="n"><v>12.5</v></c><c><v>-7</v></c>'
    '<c r="H3" t="s"><v>99</v></c><c r="I3" t="s"><v>x</v></c></row>'
    '<row><c><v>1e3</v></c><c r="XFE4"><v>5</v></c></row>'
    '<row r="zz"><c r="B9" t="inlineStr"><is><t> </t></is></c><c r="C9" t="d"><v>2024-01-02</v></c></row>'
    '</sheetData><pageMargins left="0.7"/></worksheet>'
)

ODD = [
    ORDINARY,
    # cells and values outside rows, t and v in odd places, two values in a cell
    '<worksheet xmlns="{ns}"><sheetData><c r="A1" t="s"><v>2</v></c><v>9</v>'
    '<row r="1"><t>stray</t><c r="A1"><v>1</v><v>2</v></c><c r="B1" t="inlineStr"><t>not in is</t>'
    '<is><t>in is</t></is></c></row><t>after</t></sheetData></worksheet>',
    # a row inside a row, a cell inside a cell
    '<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="s"><v>2</v></c><row r="2">'
    '<c r="A2" t="s"><v>3</v></c></row><c r="B1" t="inlineStr"><is><t>x</t></is>'
    '<c r="C1"><v>4</v></c></c></row></sheetData></worksheet>',
    # no sheetData, empty rows, an empty cell, a huge row number, a long digit ref
    '<worksheet xmlns="{ns}"><row r="99999999999999999999"><c r="A1"/></row><row/><row r="2">'
    '<c r="A2" t="s"><v/></c><c r="A' + "9" * 40 + '"><v>3</v></c></row></worksheet>',
    # an undefined entity (a parse error after some rows)
    '<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="s"><v>2</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a &undefined; b</t></is></c></row></sheetData>'
    '</worksheet>',
    # another namespace's elements of the same names, and none
    '<worksheet xmlns="{ns}" xmlns:x="urn:other"><sheetData><x:row r="1"><x:c r="A1" t="s">'
    '<x:v>2</x:v></x:c></x:row><row xmlns="" r="2"><c r="A2" t="s"><v>3</v></c></row>'
    '</sheetData></worksheet>',
    "<worksheet",
    "",
]


def _outputs(data: bytes) -> tuple[list, list]:
    units, errors = run(item_from_bytes(data, "book.xlsx"))
    return ([(u.location, u.text, u.kind, u.record) for u in units],
            [(e.location, e.kind, e.message) for e in errors])


def _compare(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    fast = _outputs(data)
    with monkeypatch.context() as m:
        m.setattr(sheets, "_sheet_rows", sheets._sheet_rows_reference)
        slow = _outputs(data)
    assert fast == slow
    return fast


@pytest.mark.parametrize("ns", [MAIN, STRICT, ""])
@pytest.mark.parametrize("index", range(len(ODD)))
def test_odd_sheets_read_like_the_reference(
    monkeypatch: pytest.MonkeyPatch, ns: str, index: int
) -> None:
    _compare(workbook(ODD[index], ns), monkeypatch)


def test_ordinary_sheet_is_read_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    units, errors = _compare(workbook(ORDINARY), monkeypatch)
    texts = [u[1] for u in units]
    assert texts[:2] == ["Jane Roe", "jane@example.org"]
    assert "2023-03-15" in texts and "TRUE" not in texts and "ann@example.org" in texts
    assert errors == []


@pytest.mark.parametrize("cut", range(40, len(ORDINARY), 29))
def test_truncated_sheets_read_like_the_reference(monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    _compare(workbook(ORDINARY[:cut]), monkeypatch)


def test_shared_strings_over_the_bound_are_counted_like_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheets, "SHARED_STRINGS_MAX", 2)
    units, errors = _compare(workbook(ORDINARY), monkeypatch)
    assert any(kind == "too_large" and "cells use shared strings" in msg for _, kind, msg in errors)


def test_generated_workbooks_read_like_the_reference(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.comments import Comment

    wb = Workbook()
    ws = wb.active
    ws.append(["name", "email", "born", "score", "member"])
    for i in range(200):
        ws.append([f"Person {i}", f"p{i}@example.org", dt.date(1980, 1, 1 + i % 28), i * 1.5,
                   i % 2 == 0])
    ws["B5"].comment = Comment("call Jane back", "HR")
    wb.create_sheet("Empty")
    path = tmp_path / "gen.xlsx"
    wb.save(path)
    units, errors = _compare(path.read_bytes(), monkeypatch)
    assert len(units) == 200 * 5 + 1 and errors == []  # the cells and the comment


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared/corpus is absent")
def test_corpus_workbooks_read_like_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted((SHARED / "corpus").rglob("*.xlsx"))
    assert paths
    for path in paths:
        fast = run(item_from_path(path))
        with monkeypatch.context() as m:
            m.setattr(sheets, "_sheet_rows", sheets._sheet_rows_reference)
            slow = run(item_from_path(path))
        assert fast == slow, path
