"""HTML tables with a header row read as tables: one "value" unit per cell, its column's header
as the field, the cell's source line and the row as the record (as a CSV file is read); tables
without a header row and the text around tables stay prose."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import connectors.extract.markup as markup
from connectors.extract.markup import extract_markup
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings
from tests.helpers.extract import item_from_path, run

Cell = tuple[str | None, str, int | None, str | None]


def _units(html: str, name: str = "page.html") -> list[TextUnit]:
    data = html.encode()
    item = Item(uri=f"mem:///{name}", source_kind="file", open=lambda: io.BytesIO(data),
                size=len(data), name=name, media_type="text/html")
    out = list(extract_markup(item, Settings()))
    assert not [e for e in out if isinstance(e, ScanError)]
    return [u for u in out if isinstance(u, TextUnit)]


def _cells(units: list[TextUnit]) -> list[Cell]:
    return [(u.location.field, u.text, u.location.line, u.record) for u in units
            if u.kind == "value"]


def _prose(units: list[TextUnit]) -> list[tuple[int | None, str]]:
    return [(u.location.line, u.text) for u in units if u.kind == "prose"]


STAFF = """<html><body>
<h1>Staff</h1>
<table>
<thead><tr><th>Name</th><th> E-mail
  address</th><th>Telephone</th></tr></thead>
<tbody>
<tr><td>Jane Roe</td><td>jane@example.org</td><td>030 901820</td></tr>
<tr>
  <td>John Doe</td>
  <td></td>
  <td>089 2180</td>
</tr>
</tbody>
</table>
<p>Last updated by HR.</p>
</body></html>
"""


def test_a_header_table_gives_one_value_per_cell() -> None:
    units = _units(STAFF)
    assert _cells(units) == [
        ("Name", "Jane Roe", 7, "row:7"),
        ("E-mail address", "jane@example.org", 7, "row:7"),  # white space collapsed
        ("Telephone", "030 901820", 7, "row:7"),
        ("Name", "John Doe", 9, "row:8"),  # each cell on its own line; the row from its <tr>
        ("Telephone", "089 2180", 11, "row:8"),  # an empty cell gives nothing
    ]
    assert {u.kind for u in units if u.record} == {"value"}
    # the text around the table is prose with its own lines, the header is not
    assert _prose(units) == [(2, "Staff"), (15, "Last updated by HR.")]


@pytest.mark.parametrize(("html", "expected"), [
    # a first row of <th> without a <thead>
    ("<table><tr><th>Name</th><th>Phone</th></tr><tr><td>Ann Lee</td><td>0201</td></tr></table>",
     [("Name", "Ann Lee", 1, "row:1.2"), ("Phone", "0201", 1, "row:1.2")]),
    # upper case tags, no end tags for cells and rows
    ("<TABLE><TR><TH>Name<TH>Phone\n<TR><TD>Ann Lee<TD>0201\n<TR><TD>Bo Kay<TD>0202\n</TABLE>",
     [("Name", "Ann Lee", 2, "row:2"), ("Phone", "0201", 2, "row:2"),
      ("Name", "Bo Kay", 3, "row:3"), ("Phone", "0202", 3, "row:3")]),
    # colspan on a header cell: both columns are under it
    ("<table><tr><th colspan=2>Name</th><th>Phone</th></tr>\n"
     "<tr><td>Ann</td><td>Lee</td><td>0201</td></tr></table>",
     [("Name", "Ann", 2, "row:2"), ("Name", "Lee", 2, "row:2"), ("Phone", "0201", 2, "row:2")]),
    # colspan on a data cell moves the next cell on by its span
    ("<table><tr><th>First</th><th>Last</th><th>Phone</th></tr>\n"
     "<tr><td colspan=\"2\">Ann Lee</td><td>0201</td></tr></table>",
     [("First", "Ann Lee", 2, "row:2"), ("Phone", "0201", 2, "row:2")]),
    # rowspan: the cell below is in the next column
    ("<table><tr><th>Team</th><th>Name</th></tr>\n"
     "<tr><td rowspan=2>Sales</td><td>Ann Lee</td></tr>\n<tr><td>Bo Kay</td></tr></table>",
     [("Team", "Sales", 2, "row:2"), ("Name", "Ann Lee", 2, "row:2"),
      ("Name", "Bo Kay", 3, "row:3")]),
    # two header rows: a column is named by the lowest one that names it
    ("<table><thead><tr><th rowspan=2>Name</th><th colspan=2>Contact</th></tr>\n"
     "<tr><th>Phone</th><th>E-mail</th></tr></thead>\n"
     "<tr><td>Ann Lee</td><td>0201</td><td>ann@x.org</td></tr></table>",
     [("Name", "Ann Lee", 3, "row:3"), ("Phone", "0201", 3, "row:3"),
      ("E-mail", "ann@x.org", 3, "row:3")]),
    # more cells than headers, an empty header: column numbers, as for a CSV file
    ("<table><tr><th>Name</th><th></th></tr>\n"
     "<tr><td>Ann Lee</td><td>x</td><td>0201</td></tr></table>",
     [("Name", "Ann Lee", 2, "row:2"), ("col2", "x", 2, "row:2"), ("col3", "0201", 2, "row:2")]),
    # a <th> in a body row (a row header) is a cell too
    ("<table><thead><tr><th>Name</th><th>Phone</th></tr></thead>\n"
     "<tbody><tr><th>Ann Lee</th><td>0201</td></tr></tbody></table>",
     [("Name", "Ann Lee", 2, "row:2"), ("Phone", "0201", 2, "row:2")]),
    # inline tags inside a cell, entity references
    ("<table><tr><th>E-mail</th><th>Name</th></tr>\n"
     "<tr><td><a href=\"mailto:ann@x.org\">ann@x.org</a></td>"
     "<td><b>Ann</b> <i>Lee</i>-Sm<span>ith</span> &amp; Co&#46;</td></tr></table>",
     [("E-mail", "ann@x.org", 2, "row:2"), ("Name", "Ann Lee-Smith & Co.", 2, "row:2")]),
    # a cell over several source lines, and with elements inside: joined with a space
    ("<table><tr><th>Address</th></tr>\n<tr><td>\n  1 Main St<br>Springfield\n  <p>IL</p>\n"
     "</td></tr></table>",
     [("Address", "1 Main St Springfield IL", 3, "row:2")]),
    # a script inside a cell is not its text
    ("<table><tr><th>Name</th></tr><tr><td>Ann<script>x = 'bob@x.org'</script> Lee</td></tr>"
     "</table>",
     [("Name", "Ann Lee", 1, "row:1.2")]),
])
def test_header_tables(html: str, expected: list[Cell]) -> None:
    assert _cells(_units(html)) == expected


@pytest.mark.parametrize(("html", "prose"), [
    # no <th> at all: prose, cells on one line apart
    ("<table><tr><td>Ann Lee</td><td>+34 746 41 91 46</td><td>06487</td></tr>\n"
     "<tr><td>Bo Kay</td><td>0201</td></tr></table>",
     [(1, "Ann Lee | +34 746 41 91 46 | 06487\nBo Kay | 0201")]),
    # a first row with a <td>: no header row (a key/value table), even with <th> in it
    ("<table><tr><th>Name</th><td>Ann Lee</td></tr>\n<tr><th>Phone</th><td>0201</td></tr></table>",
     [(1, "Name | Ann Lee\nPhone | 0201")]),
    # <thead> of <td> cells: no <th>, prose
    ("<table><thead><tr><td>Name</td></tr></thead><tbody><tr><td>Ann Lee</td></tr></tbody>"
     "</table>",
     [(1, "Name | Ann Lee")]),
    # a table that never has a row, with text before and after
    ("<p>Hello</p><table>just text</table><p>Bye</p>", [(1, "Hello | just text | Bye")]),
    # a table left open at the end of the page
    ("<table><tr><td>Ann Lee</td><td>0201", [(1, "Ann Lee | 0201")]),
])
def test_tables_without_a_header_row_stay_prose(html: str,
                                                prose: list[tuple[int, str]]) -> None:
    units = _units(html)
    assert _cells(units) == []
    assert _prose(units) == prose


def test_text_around_a_table_keeps_its_lines() -> None:
    html = ("<p>Call Jane Roe\non 020 7946 0958</p>\n<table><caption>Directory</caption>\n"
            "<tr><th>Name</th></tr>\n<tr><td>Ann Lee</td></tr>\n</table>\nBye, <b>Bo</b>\n")
    units = _units(html)
    assert _cells(units) == [("Name", "Ann Lee", 5, "row:5")]
    assert _prose(units) == [(1, "Call Jane Roe\non 020 7946 0958"), (3, "Directory"),
                             (7, "Bye, Bo")]
    for u in units:  # every prose line is the source line
        for k, line in enumerate(u.text.split("\n")):
            if u.kind == "prose" and line:
                assert line.split()[0] in html.split("\n")[u.location.line + k - 1]


def test_a_nested_table_is_a_table_of_its_own() -> None:
    html = ("<table><tr><th>Name</th><th>Contacts</th></tr>\n"
            "<tr><td>Ann Lee</td><td>see:\n"
            "  <table><tr><th>Phone</th><th>Kind</th></tr>\n"
            "  <tr><td>0201</td><td>home</td></tr></table>\n"
            "  and more</td></tr>\n"
            "<tr><td>Bo Kay</td><td><table><tr><td>no</td><td>header</td></tr></table></td></tr>\n"
            "</table>")
    units = _units(html)
    assert _cells(units) == [
        ("Name", "Ann Lee", 2, "row:2"),
        ("Phone", "0201", 4, "row:4"),
        ("Kind", "home", 4, "row:4"),
        ("Contacts", "see: and more", 2, "row:2"),  # without the inner table's text
        ("Name", "Bo Kay", 6, "row:6"),
    ]
    assert _prose(units) == [(6, "no | header")]  # an inner table without a header row


def test_rows_on_one_line_are_records_of_their_own() -> None:
    html = ("<table><tr><th>Name</th><th>Phone</th></tr><tr><td>Ann Lee</td><td>0201</td></tr>"
            "<tr><td>Bo Kay</td><td>0202</td></tr></table>")
    records = [u.record for u in _units(html)]
    assert records == ["row:1.2", "row:1.2", "row:1.3", "row:1.3"]


def test_a_header_that_is_a_value_is_masked() -> None:
    units = _units("<table><tr><th>Jane Roe</th><th>Phone</th></tr>\n"
                   "<tr><td>yes</td><td>0201</td></tr></table>")
    (key,) = [u for u in units if u.location.field == "(field name)"]
    assert (key.text, key.kind, key.location.line, key.record) == ("Jane Roe", "value", 1,
                                                                   "row:1")
    fields = [u.location.field for u in units if u.text in ("yes", "0201")]
    assert "Jane Roe" not in fields[0] and fields[0].startswith("<") and fields[1] == "Phone"


def test_a_long_cell_is_cut_into_units() -> None:
    words = " ".join(f"word{i}" for i in range(30_000))  # longer than one unit
    units = _units(f"<table><tr><th>Notes</th></tr><tr><td>{words}</td></tr></table>")
    cells = [u for u in units if u.location.field == "Notes"]
    assert len(cells) > 1 and all(len(u.text) <= markup.UNIT_CHARS for u in cells)
    assert " ".join(u.text for u in cells) == words
    assert {u.kind for u in cells} == {"prose"}  # long free text, as for a CSV cell


def _page(rows: int) -> str:
    body = "".join(
        f"<tr>\n  <td>Person &amp; {i}</td><td colspan=2><a href='mailto:p{i}@x.org'>p{i}@x.org"
        f"</a></td>\n  <td>030 {i:06d}\n  (home)</td></tr>\n" for i in range(rows))
    return ("<!DOCTYPE html><html><body><p>Intro with 020 7946 0958</p>\n"
            "<table><thead><tr><th>Name</th><th colspan=2>E-mail</th><th>Telephone</th></tr>"
            "</thead>\n<tbody>\n" + body + "</tbody></table>\n"
            "<table><tr><td>plain</td><td>cells</td></tr></table><p>Bye</p>\n</body></html>\n")


@pytest.mark.parametrize("read_chars", [1, 7, 64, 1000])
def test_a_page_read_in_small_pieces_gives_the_same_units(monkeypatch: pytest.MonkeyPatch,
                                                          read_chars: int) -> None:
    html = _page(40)
    whole = _units(html)
    assert len(_cells(whole)) == 120
    assert _cells(whole)[:3] == [("Name", "Person & 0", 5, "row:4"),
                                 ("E-mail", "p0@x.org", 5, "row:4"),
                                 ("Telephone", "030 000000 (home)", 6, "row:4")]
    monkeypatch.setattr(markup, "READ_CHARS", read_chars)
    assert _cells(_units(html)) == _cells(whole)
    if read_chars >= 64:  # pieces this small split prose text nodes too (as before tables)
        assert _units(html) == whole


def test_a_large_page_is_read_as_it_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser hands rows on as they end: no more held than one read's worth."""
    html = _page(3000)
    monkeypatch.setattr(markup, "READ_CHARS", 4096)
    data = html.encode()
    item = Item(uri="mem:///big.html", source_kind="file", open=lambda: io.BytesIO(data),
                size=len(data), name="big.html", media_type="text/html")
    seen = 0
    for n, _ in enumerate(extract_markup(item, Settings()), 1):
        seen = n
        if n == 30:  # the first rows come out long before the end of the page
            break
    assert seen == 30


def test_xml_is_read_by_the_same_rules() -> None:
    """Only the HTML table names count (an XML file that uses them is read as a table); rows
    outside a <table> are not a table."""
    data = (b"<?xml version='1.0'?>\n<r>\n  <row><name>Ann Lee</name><tel>0201</tel></row>\n"
            b"  <tr><th>Name</th></tr><tr><td>Cy Ode</td></tr>\n"
            b"  <TABLE><TR><TH>Name</TH></TR><TR><TD>Bo Kay</TD></TR></TABLE>\n</r>\n")
    units, errors = run(_item(data, "r.xml"))
    assert errors == []
    assert [(u.location.field, u.text, u.kind) for u in units] == [
        (None, "Ann Lee | 0201\nName | Cy Ode", "prose"), ("Name", "Bo Kay", "value")]


def _item(data: bytes, name: str) -> Item:
    return Item(uri=f"mem:///{name}", source_kind="file", open=lambda: io.BytesIO(data),
                size=len(data), name=name)


# -- end to end: the header as a column name for the classifiers, patterns only (no NER) --

TEAM = """<!DOCTYPE html>
<html><head><title>Berlin office</title></head><body>
<table>
<thead><tr><th>Name</th><th>Telephone</th><th>Post code</th></tr></thead>
<tbody>
<tr><td>Jana Schmidt</td><td>030 901820</td><td>10115</td></tr>
<tr><td>Lukas Weber</td><td>030 2254810</td><td>10437</td></tr>
</tbody>
</table>
</body></html>
"""


def _findings(tmp_path: Path, name: str, html: str) -> list[tuple[str, str | None, int | None]]:
    from scanner.stages.classify import Classifier

    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    units, errors = run(item_from_path(path))
    assert errors == []
    classifier = Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32)
    return [(f.entity, f.location.field, f.location.line) for f in classifier.flat(units)]


def test_a_telephone_column_makes_a_national_number_a_phone(tmp_path: Path) -> None:
    found = _findings(tmp_path, "staff.html", TEAM)
    assert ("PHONE_NUMBER", "Telephone", 6) in found
    assert ("PHONE_NUMBER", "Telephone", 7) in found
    assert ("PERSON", "Name", 6) in found and ("PERSON", "Name", 7) in found
    assert not [f for f in found if f[0] == "PHONE_NUMBER" and f[1] != "Telephone"]
    assert {f[0] for f in found if f[1] == "Post code"} <= {"LOCATION"}


def test_a_post_code_column_of_five_digits_is_no_phone(tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>Office {i}</td><td>{10115 + 37 * i}</td></tr>\n" for i in range(20))
    html = f"<table><tr><th>Site</th><th>Post code</th></tr>\n{rows}</table>\n"
    found = _findings(tmp_path, "sites.html", html)
    assert "PHONE_NUMBER" not in {f[0] for f in found}


def test_cells_of_a_header_table_no_longer_run_into_each_other() -> None:
    """What ``test_table_cells_stay_apart`` (tests/classifiers/test_unseen_shapes.py) checked
    in the prose form, in the value form: a phone and the post code beside it are two cells."""
    from classifiers.engine import Engine
    from classifiers.phones import PhoneClassifier
    from scanner.settings import ClassifySettings

    units = _units("<table><tr><th>Name</th><th>Telephone</th><th>Post code</th></tr>\n"
                   "<tr><td>Ana Toledo</td><td>+34 746 41 91 46</td><td>06487</td></tr>\n"
                   "<tr><td>Birgit Oberg</td><td>08-244 356 14</td><td>98216</td></tr></table>\n",
                   "staff.html")
    assert [(f, t) for f, t, _, _ in _cells(units)][1:3] == [("Telephone", "+34 746 41 91 46"),
                                                             ("Post code", "06487")]
    engine = Engine(ClassifySettings(ner=False), [PhoneClassifier()])
    phones = [u.text[d.start:d.end] for u in units for d in engine.analyze([u])[0]]
    assert phones == ["+34 746 41 91 46", "08-244 356 14"]
