"""Extraction shortcuts against their slow paths.

* A PDF whose every page gave text is not opened a second time for the OCR pass
  (:func:`connectors.extract.ocr._every_page_read`); the slow path always runs that pass.
* The JSON line finder quotes keys and values with ``json.encoder.encode_basestring`` instead
  of ``json.dumps(..., ensure_ascii=False)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.extract import jsondoc, ocr
from tests.helpers.extract import item_from_bytes, item_from_path, minimal_pdf, run
from tests.helpers.paths import SHARED


def _both(item_fn, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    fast = run(item_fn())
    with monkeypatch.context() as m:
        m.setattr(ocr, "_every_page_read", lambda done, counted: False)
        slow = run(item_fn())
    assert fast == slow
    return fast


def test_pdf_with_text_on_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    data = minimal_pdf(["Jane Roe", "jane@example.org"])
    units, errors = _both(lambda: item_from_bytes(data, "a.pdf"), monkeypatch)
    assert [u.text.strip() for u in units] == ["Jane Roe\njane@example.org"] and errors == []


def test_pdf_page_without_text_still_goes_to_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    data = minimal_pdf([])  # one page, no text: the OCR pass must still look at it
    calls: list[set[str]] = []
    original = ocr._ocr_pdf_pages

    def spy(item, settings, done):  # type: ignore[no-untyped-def]
        calls.append(set(done))
        return original(item, settings, done)

    monkeypatch.setattr(ocr, "_ocr_pdf_pages", spy)
    _both(lambda: item_from_bytes(data, "blank.pdf"), monkeypatch)
    assert calls == [set(), set()]  # fast and slow both ran the OCR pass


@pytest.mark.parametrize(
    ("done", "counted", "every"),
    [({"page:1", "page:2"}, {"pages": 2}, True), ({"page:1"}, {"pages": 2}, False),
     (set(), {"pages": 0}, True), (set(), {}, False), ({"page:1"}, {}, False)],
)
def test_every_page_read_table(done: set[str], counted: dict[str, int], every: bool) -> None:
    assert ocr._every_page_read(done, counted) is every


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared/corpus is absent")
def test_corpus_pdfs_like_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted((SHARED / "corpus" / "documents").rglob("*.pdf"))
    assert len(paths) >= 5  # encrypted, broken, empty, ordinary
    for path in paths:
        _both(lambda path=path: item_from_path(path), monkeypatch)


@pytest.mark.parametrize(
    "text",
    ["a", "name", "", "é", "\u2028", 'quote " and \\ back', "\x00\x1f\x7f", "\ud800", "日本語",
     "emoji \U0001f600", "tab\there\nnewline", "</script>"],
)
def test_quote_is_json_dumps_without_ascii(text: str) -> None:
    assert jsondoc._quote(text) == json.dumps(text, ensure_ascii=False)


def test_json_line_numbers(tmp_path: Path) -> None:
    doc = '{\n  "people": [\n    {"name": "Jane Roe",\n     "email": "jane@example.org"},\n' \
          '    {"name": "Zoë", "n\\u00e4me": "x", "age": 41}\n  ]\n}\n'
    path = tmp_path / "p.json"
    path.write_text(doc, "utf-8")
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.line, u.text) for u in units] == [
        (3, "Jane Roe"), (4, "jane@example.org"), (5, "Zoë"), (5, "x"), (5, "41")]
