"""CSV/TSV, JSON/NDJSON and HTML/XML: text, fields, records and line numbers."""

from __future__ import annotations

import json

import pytest

from tests.helpers.extract import item_from_bytes, run


def _cells(units: list) -> list[tuple[int | None, str | None, str, str | None]]:
    return [(u.location.line, u.location.field, u.text, u.record) for u in units]


def test_csv_header_fields_and_row_lines() -> None:
    data = b'name,email,note\nBob,bob@x.org,"two\nlines"\n\nAnn,ann@y.org,\n'
    units, errors = run(item_from_bytes(data, "people.csv"))
    assert errors == []
    assert _cells(units) == [
        (2, "name", "Bob", "row:2"),
        (2, "email", "bob@x.org", "row:2"),
        (2, "note", "two\nlines", "row:2"),
        (5, "name", "Ann", "row:5"),  # after a quoted newline and a blank line
        (5, "email", "ann@y.org", "row:5"),
    ]
    assert {u.kind for u in units} == {"value"}
    assert units[0].location.uri == "mem:///people.csv"


def test_csv_without_header_uses_column_numbers() -> None:
    data = b"Bob,bob@x.org\nAnn,ann@y.org\n"
    units, _ = run(item_from_bytes(data, "list.csv"))
    assert _cells(units)[:2] == [(1, "col1", "Bob", "row:1"), (1, "col2", "bob@x.org", "row:1")]


def test_tsv_and_semicolon_dialects() -> None:
    tsv, _ = run(item_from_bytes(b"name\tphone\nBob\t+44 20 7946 0958\n", "p.tsv"))
    assert _cells(tsv) == [(2, "name", "Bob", "row:2"), (2, "phone", "+44 20 7946 0958", "row:2")]
    semi, _ = run(item_from_bytes(b"name;city\nBob;Paris\nAnn;Rome\n", "p.csv"))
    assert [(u.location.field, u.text) for u in semi] == [
        ("name", "Bob"), ("city", "Paris"), ("name", "Ann"), ("city", "Rome")]


def test_long_free_text_cell_is_prose() -> None:
    note = "The patient said that " + "she was feeling much better today and " * 8
    data = f'id,note\n1,"{note}"\n'.encode()
    units, _ = run(item_from_bytes(data, "notes.csv"))
    assert [(u.location.field, u.kind) for u in units] == [("id", "value"), ("note", "prose")]


def test_json_key_paths_and_lines() -> None:
    doc = {"customer": {"name": "Bob", "email": "bob@x.org"},
           "items": [{"phone": "+1 555 0100"}, {"phone": "+1 555 0199"}], "ok": True, "n": 7}
    data = json.dumps(doc, indent=2).encode()
    units, errors = run(item_from_bytes(data, "order.json"))
    assert errors == []
    lines = data.decode().splitlines()
    got = {u.location.field: (u.text, u.location.line, u.record) for u in units}
    assert set(got) == {"customer.name", "customer.email", "items[0].phone", "items[1].phone", "n"}
    for field, (text, line, record) in got.items():
        assert json.dumps(text) in lines[line - 1] or text in lines[line - 1], field
        assert record == "object"


def test_json_top_level_array_one_record_per_element() -> None:
    data = b'[{"email": "a@x.org"}, {"email": "b@x.org", "tags": ["x"]}]'
    units, _ = run(item_from_bytes(data, "list.json"))
    assert _cells(units) == [(1, "email", "a@x.org", "item:0"), (1, "email", "b@x.org", "item:1"),
                             (1, "tags[0]", "x", "item:1")]


def test_ndjson_records_per_line_and_non_json_lines_kept() -> None:
    data = b'{"user": {"email": "a@x.org"}}\n\n{"user": {"email": "b@x.org"}}\noops not json\n'
    units, errors = run(item_from_bytes(data, "events.ndjson"))
    assert errors == []
    assert _cells(units) == [
        (1, "user.email", "a@x.org", "line:1"),
        (3, "user.email", "b@x.org", "line:3"),
        (4, None, "oops not json", None),
    ]


def test_json_named_file_that_is_not_json_is_read_as_text() -> None:
    data = b"just some notes\nbob@x.org\n"
    units, errors = run(item_from_bytes(data, "notes.json"))
    assert errors == []
    assert [(u.location.line, u.text) for u in units] == [(1, "just some notes\nbob@x.org\n")]


HTML = b"""<html><head><title>Staff</title>
<script>var secret = "hidden@x.org";</script><style>p { color: red }</style></head>
<body>
<p>Contact <b>Bob</b> Smith</p>
<div>
   email: bob@x.org
</div>
</body></html>"""


def test_html_text_without_tags_or_scripts_and_source_lines() -> None:
    units, errors = run(item_from_bytes(HTML, "staff.html"))
    assert errors == []
    text = "\n".join(u.text for u in units)
    assert "hidden@x.org" not in text and "color" not in text and "<" not in text
    assert "Contact Bob Smith" in text
    unit = units[0]
    offset = unit.text.index("bob@x.org")
    line = unit.location.line + unit.text.count("\n", 0, offset)
    assert HTML.decode().splitlines()[line - 1].strip() == "email: bob@x.org"


def test_xml_text_cdata_and_no_entity_expansion() -> None:
    data = (b"<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY big 'EXPANDED'>]>\n<r>\n"
            b"  <p><mail>a@x.org</mail>&big;</p>\n  <p><![CDATA[b@x.org]]></p>\n</r>\n")
    units, errors = run(item_from_bytes(data, "r.xml"))
    assert errors == []
    assert len(units) == 1
    assert units[0].location.line == 4
    assert units[0].text.splitlines() == ["a@x.org | &big;", "b@x.org"]  # two elements: a bar
    assert "EXPANDED" not in units[0].text


@pytest.mark.parametrize("name", ["page.html", "page.txt", "page"])
def test_html_is_recognised_by_content(name: str) -> None:
    units, _ = run(item_from_bytes(b"<!DOCTYPE html><html><body><p>Hi Ann</p></body></html>",
                                   name))
    assert [u.text for u in units] == ["Hi Ann"]
