"""A hostile-input suite (issue 18.4, 18.5, 18.9): every file is generated here; each case asserts
that the scan completes, the bad item has a clear recorded error of the right kind, and the good
items are still found. Peak memory is measured by ``benchmarks/hostile.py``, not here.

Covered elsewhere and not repeated (grep for the test names):
zip ratio bombs, gzip and tar.gz bombs, max_total_bytes, max_members
(tests/connectors/extract/test_extract_archives.py: test_zip_bomb_by_ratio_is_refused_and_the_rest_read,
test_gzip_bomb_caught_while_reading, test_tar_gz_bomb_member_caught_while_reading, ...);
traversal names, tar links, zip symlinks, encrypted members, truncated and garbage zips, CRC errors,
max_depth (same file); FIFOs, symlink loops, unreadable files, the size limit
(tests/connectors/test_files_connector.py); XML entities not expanded (tests/connectors/extract/test_extract_structured.py:
test_xml_text_cdata_and_no_entity_expansion); a line longer than a unit, huge text streamed,
max_text_chars (tests/connectors/extract/test_extract_text.py); truncated PDF (tests/connectors/extract/test_extract_documents.py);
broken PST (tests/connectors/mail/test_mail_archives.py).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from benchmarks.hostile import (
    MB,
    docx_bomb,
    inline_row,
    odt_bomb,
    xlsx_package,
    xlsx_shared_strings_bomb,
    xlsx_stale_dimension,
)
from scanner.models import ScanError
from scanner.settings import Limits, Settings
from tests.helpers.extract import item_from_path, minimal_pdf, run

SECRET = b"k" * 32


def kinds(errors: list[ScanError]) -> list[tuple[str, str]]:
    return [(e.location.rsplit("!/", 1)[-1] if "!/" in e.location else "", e.kind)
            for e in errors]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "docx": docx_bomb(d / "bomb.docx", 600 * MB),  # the case of the issue: ~2 MB -> 600 MB
        "xlsx": xlsx_shared_strings_bomb(d / "strings.xlsx", 200 * MB),
        "odt": odt_bomb(d / "bomb.odt", 200 * MB),
    }


# -- office bombs ---------------------------------------------------------------------------------
def test_docx_bomb_is_refused_and_the_header_still_read(bombs: dict[str, Path]) -> None:
    assert bombs["docx"].stat().st_size < 3 * MB
    units, errors = run(item_from_path(bombs["docx"]))
    assert kinds(errors) == [("word/document.xml", "too_large")]
    assert [u.text for u in units] == ["Header: header.person@example.org"]
    # Under a larger size limit the same part is refused by its compression ratio.
    units, errors = run(item_from_path(bombs["docx"]), max_item_bytes=2**31,
                        max_total_bytes=2**33)
    assert kinds(errors) == [("word/document.xml", "bomb")]
    assert [u.text for u in units] == ["Header: header.person@example.org"]


def test_xlsx_shared_strings_bomb_refused_other_sheet_read(bombs: dict[str, Path]) -> None:
    units, errors = run(item_from_path(bombs["xlsx"]), max_item_bytes=2**31,
                        max_total_bytes=2**33)
    assert ("xl/sharedStrings.xml", "bomb") in kinds(errors)
    assert [(u.location.field, u.text) for u in units] == [
        ("Good!A", "good.person@example.org"), ("Good!B", "kept")]


def test_odt_bomb_is_refused(bombs: dict[str, Path]) -> None:
    units, errors = run(item_from_path(bombs["odt"]))
    assert kinds(errors) == [("content.xml", "too_large")]
    units, errors = run(item_from_path(bombs["odt"]), max_item_bytes=2**31)
    assert kinds(errors) == [("content.xml", "bomb")]
    assert units == []


def test_shared_strings_over_the_bound_are_recorded(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.extract import sheets

    monkeypatch.setattr(sheets, "SHARED_STRINGS_MAX", 10)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    shared = f'<sst xmlns="{ns}">' + "".join(
        f"<si><t>person{i}@example.org</t></si>" for i in range(50)) + "</sst>"
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c></row>'
                   for r in range(1, 51))
    path = xlsx_package(tmp_path / "many.xlsx", rows, inline_row(1, {"A": "x"}), shared)
    units, errors = run(item_from_path(path))
    assert [u.text for u in units if u.location.field == "Bomb!A"] == [
        f"person{i}@example.org" for i in range(10)]
    assert kinds(errors) == [("xl/sharedStrings.xml", "too_large"),
                             ("xl/worksheets/sheet1.xml", "too_large")]
    assert "40 cells" in errors[1].message


def test_package_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.extract import package

    path = xlsx_stale_dimension(tmp_path / "t.xlsx")
    monkeypatch.setattr(package, "PACKAGE_SECONDS", -1.0)
    units, errors = run(item_from_path(path))
    assert units == [] and kinds(errors) == [("", "timeout")]


def test_lying_declared_size_reads_no_more_than_declared(tmp_path: Path) -> None:
    """A central directory that declares a part smaller than it is: zipfile stops at the declared
    size, the part fails its CRC and is recorded; the other parts are read."""
    import docx

    document = docx.Document()
    document.add_paragraph("body body.person@example.org " * 50)
    document.sections[0].header.paragraphs[0].text = "Header: h.person@example.org"
    path = tmp_path / "lie.docx"
    document.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("word/document.xml")
    pos = 0
    while True:  # find the central directory entry of word/document.xml
        pos = data.find(b"PK\x01\x02", pos)
        name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + name_len] == b"word/document.xml":
            break
        pos += 4
    data[pos + 24:pos + 28] = (info.file_size // 3).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    units, errors = run(item_from_path(path))
    assert kinds(errors) == [("word/document.xml", "corrupt")]
    assert "Header: h.person@example.org" in [u.text for u in units]


def test_stale_dimension_does_not_hide_cells(tmp_path: Path) -> None:
    units, errors = run(item_from_path(xlsx_stale_dimension(tmp_path / "stale.xlsx")))
    assert errors == []
    assert ("Bomb!D", 10, "hidden.person@example.org") in [
        (u.location.field, u.location.line, u.text) for u in units]


def test_xxe_and_billion_laughs_in_an_office_part(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("xxe.leak@example.org")
    dtd = ('<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "' + secret.as_uri() + '">'
           '<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, 10))
           + "]>")
    body = ("<w:body><w:p><w:r><w:t>a &xxe; b &lol9; c ok.person@example.org</w:t></w:r></w:p>"
            "</w:body>")
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    path = tmp_path / "xxe.docx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                xml = data.decode()
                decl, _, rest = xml.partition("?>")
                head, _, _ = rest.partition("<w:body>")
                data = (decl + "?>" + dtd + head + body + "</w:document>").encode()
            z.writestr(info, data)
    units, errors = run(item_from_path(path))
    text = " ".join(u.text for u in units)
    assert "xxe.leak" not in text and "lollollol" not in text
    assert "ok.person@example.org" in text or errors  # read without entities, or refused


# -- the streamed readers give what the libraries give -------------------------------------------
def _reference(path: Path) -> list[tuple[object, ...]]:
    """The same document read with python-docx / python-pptx / openpyxl / odfpy (the slow path,
    as the extractors did before they were streamed)."""
    from openpyxl.utils import get_column_letter

    from connectors.extract.sheets import _text
    from connectors.extract.tabular import _is_header

    out: list[tuple[object, ...]] = []
    suffix = path.suffix
    if suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                for r, row in enumerate(block.rows, 1):
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen and cell.text.strip():
                            seen.add(id(cell._tc))
                            out.append(("cell", r, cell.text.strip()))
            elif block.text:
                out.append(("line", block.text))
        return out
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            ws.reset_dimensions()
            for r, row in enumerate(ws.iter_rows(values_only=True), 1):
                cells = [_text(v) for v in row]
                for c, text in enumerate(cells):
                    if text.strip():
                        out.append((ws.title, r, get_column_letter(c + 1), text))
        wb.close()
        del _is_header
        return out
    if suffix == ".pptx":
        from pptx import Presentation

        for n, slide in enumerate(Presentation(str(path)).slides, 1):
            for shape in slide.shapes:
                if shape.has_text_frame and shape.text_frame.text.strip():
                    out.append((n, shape.text_frame.text))
        return out
    raise AssertionError(suffix)


def _streamed(path: Path) -> list[tuple[object, ...]]:
    units, errors = run(item_from_path(path))
    assert errors == []
    out: list[tuple[object, ...]] = []
    if path.suffix == ".docx":
        for u in units:
            if u.kind == "prose":
                out += [("line", line) for line in u.text.split("\n") if line]
            else:
                out.append(("cell", int(u.record.rsplit("row", 1)[1]), u.text))
        return out
    if path.suffix == ".xlsx":
        return [(u.location.field.split("!")[0], u.location.line, u.location.field.split("!")[1],
                 u.text) for u in units]
    return [(u.location.field, u.text) for u in units]


def test_streamed_docx_equals_python_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Ann Example lives in Leeds.")
    p = document.add_paragraph("Run one ")
    p.add_run("and two").bold = True
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c} p{r}{c}@example.org"
    table.cell(2, 0).merge(table.cell(2, 1))
    document.add_paragraph("End bob@example.com")
    path = tmp_path / "eq.docx"
    document.save(path)
    ref = [x for x in _reference(path) if x[0] == "line"]
    got = [x for x in _streamed(path) if x[0] == "line"]
    assert got == ref
    ref_cells = sorted(x[2] for x in _reference(path) if x[0] == "cell")
    got_cells = sorted(x[2] for x in _streamed(path) if x[0] == "cell")
    # row 1 is the header; its cells hold e-mails, so they are also read as values
    assert got_cells == ref_cells


def test_streamed_xlsx_equals_openpyxl(tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append([1, "a@example.org", dt.date(1984, 3, 12), 3.5, True, None, "x"])
    ws.append(["Ann", dt.datetime(1990, 1, 2, 10, 30), -7, 1e20, False])
    ws["H20"] = "far@example.org"
    wb.create_sheet("Second").append(["y", 42])
    path = tmp_path / "eq.xlsx"
    wb.save(path)
    assert _streamed(path) == _reference(path)


def test_streamed_pptx_equals_python_pptx(tmp_path: Path) -> None:
    from pptx import Presentation

    prs = Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[1])
    s.shapes.title.text = "Title one"
    s.placeholders[1].text = "Call Bob on +44 20 7946 0958\nsecond line"
    prs.slides.add_slide(prs.slide_layouts[5]).shapes.title.text = "Thanks"
    path = tmp_path / "eq.pptx"
    prs.save(path)
    ref = [(f"slide:{n}", text) for n, text in _reference(path)]
    got = _streamed(path)
    assert "\n".join(t for _, t in got) == "\n".join(t for _, t in ref)


# -- a folder of hostile files, scanned end to end -------------------------------------------------
def _pdf_with_page_loop() -> bytes:
    """A page tree whose /Kids points back at itself."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from scanner.pipeline import Classifier, scan

    root = tmp_path_factory.mktemp("hostile")
    src = root / "src"
    src.mkdir()
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside.person@example.org\n")
    (src / "good.txt").write_text("Write to good.person@example.org today.\n")
    # XML: billion laughs and XXE
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">'
                     for i in range(1, 10))
           + ']><lolz>&lol9; laughs.person@example.org</lolz>')
    (src / "laughs.xml").write_text(lol)
    (src / "xxe.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{(outside / "secret.txt").as_uri()}">]>'
        "<r>&x; xxe.person@example.org</r>")
    # JSON 100k deep, CSV with 100k columns
    (src / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (src / "wide.csv").write_text(",".join(f"c{i}" for i in range(100_000)) + "\n"
                                  + ",".join("x" for _ in range(99_999)) + ",wide.person@example.org\n")
    (src / "loop.pdf").write_bytes(_pdf_with_page_loop())
    (src / "ok.pdf").write_bytes(minimal_pdf(["Contact pdf.person@example.org"]))
    # A truncated Outlook .msg (an OLE header cut short)
    (src / "cut.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    # tar with a device, a FIFO member and an absolute symlink
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind in (("dev/null", tarfile.CHRTYPE), ("fifo", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            tar.addfile(info)
        link = tarfile.TarInfo("etc-passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        data = b"tar.person@example.org\n"
        info = tarfile.TarInfo("inner.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (src / "devices.tar").write_bytes(buf.getvalue())
    # odd bytes and terminal escapes in a name
    (src / os.fsdecode(b"odd-\xff\x1b[2J-name.txt")).write_text("odd.person@example.org\n")
    os.symlink(outside / "secret.txt", src / "link-out.txt")
    os.symlink(outside, src / "dir-out")
    with open(src / "sparse.bin", "wb") as fh:
        fh.truncate(100 * 1024**3)  # 100 GB, no block written
    os.mkfifo(src / "pipe")
    # a 30-deep zip
    inner = b"deep.person@example.org\n"
    name = "x.txt"
    for depth in range(30):
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w") as z:
            z.writestr(name, inner)
        inner, name = zbuf.getvalue(), f"level{depth}.zip"
    (src / "deep.zip").write_bytes(inner)
    xlsx_stale_dimension(src / "stale.xlsx")
    (src / "a.7z").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + os.urandom(200))
    (src / "a.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + os.urandom(200))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:  # an office bomb among the rest
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document xmlns:w='x'>" + "A" * (120 * MB) + "</w:document>")
    (src / "bomb.docx").write_bytes(bomb.getvalue())
    settings = Settings(limits=Limits(max_item_bytes=50 * MB), workers=1).with_overrides(
        **{"classify.ner": False})
    result = scan([str(src)], settings, secret=SECRET, classifier=Classifier(settings, SECRET))
    return src, result


def _errors_for(result: object, name: str) -> set[str]:
    return {e.kind for e in result.errors if name in e.location}  # type: ignore[attr-defined]


def _found(result: object, needle: str) -> bool:
    return any(needle in f.location.uri for f in result.findings)  # type: ignore[attr-defined]


def test_hostile_folder_good_items_found(hostile_scan: tuple[Path, object]) -> None:
    _src, result = hostile_scan
    for name in ("good.txt", "ok.pdf", "devices.tar!/inner.txt", "stale.xlsx", "laughs.xml",
                 "xxe.xml", "wide.csv", "odd-"):
        assert _found(result, name), name
    assert not _found(result, "link-out") and not _found(result, "dir-out")
    assert not _found(result, "outside")
    from scanner.redact import value_hash

    # the file outside the root was never read (through a link or an XXE entity)
    outside = value_hash(SECRET, "EMAIL_ADDRESS", "outside.person@example.org")
    assert outside not in {f.value_hash for f in result.findings}  # type: ignore[attr-defined]
    assert "outside.person" not in json.dumps([f.to_dict() for f in result.findings])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "want"), [
    ("sparse.bin", {"too_large"}),
    ("pipe", {"skipped"}),
    ("devices.tar!/etc-passwd", {"link"}),
    ("cut.msg", {"corrupt"}),
    ("level", {"too_deep"}),
    ("a.7z", {"unsupported"}),
    ("a.rar", {"unsupported"}),
    ("bomb.docx!/word/document.xml", {"bomb", "too_large"}),
])
def test_hostile_folder_errors(hostile_scan: tuple[Path, object], name: str,
                               want: set[str]) -> None:
    _src, result = hostile_scan
    assert _errors_for(result, name) & want, [e for e in result.errors]  # type: ignore[attr-defined]


def test_hostile_folder_pdf_loop_and_deep_json_do_not_stop_the_scan(
        hostile_scan: tuple[Path, object]) -> None:
    _src, result = hostile_scan
    # Read (nothing to find) or recorded: never an exception out of the scan.
    for name in ("loop.pdf", "deep.json"):
        assert _errors_for(result, name) <= {"corrupt", "unsupported", "too_deep"}
    assert result.info.scanned >= 8  # type: ignore[attr-defined]


def test_hostile_folder_finds_the_row_past_the_dimension(
        hostile_scan: tuple[Path, object]) -> None:
    _src, result = hostile_scan
    rows = [f for f in result.findings  # type: ignore[attr-defined]
            if "stale.xlsx" in f.location.uri and f.entity == "EMAIL_ADDRESS"]
    assert [(f.location.line, f.location.field) for f in rows] == [(10, "Bomb!D")]


def test_hostile_findings_are_all_inside_the_tree(hostile_scan: tuple[Path, object]) -> None:
    src, result = hostile_scan
    root = src.resolve().as_uri()
    assert all(f.location.uri.startswith(root) for f in result.findings)  # type: ignore[attr-defined]


def test_docx_comments_and_footnotes_are_read(tmp_path: Path) -> None:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    parts = {
        "word/comments.xml": f'<w:comments xmlns:w="{w}"><w:comment w:id="0"><w:p><w:r><w:t>'
                             "ask comment.person@example.org</w:t></w:r></w:p></w:comment>"
                             "</w:comments>",
        "word/footnotes.xml": f'<w:footnotes xmlns:w="{w}"><w:footnote w:id="1"><w:p><w:r><w:t>'
                              "see foot.person@example.org</w:t></w:r></w:p></w:footnote>"
                              "</w:footnotes>",
    }
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        for name, xml in parts.items():
            z.writestr(name, xml)
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.field, u.text) for u in units] == [
        ("footnotes", "see foot.person@example.org"),
        ("comments", "ask comment.person@example.org")]


def test_embedded_workbook_in_a_docx_is_read_and_a_bomb_refused(tmp_path: Path) -> None:
    import docx
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["embedded.person@example.org"])
    sheet = io.BytesIO()
    wb.save(sheet)
    buf = io.BytesIO()
    docx.Document().save(buf)
    path = tmp_path / "letter.docx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", sheet.getvalue())
        z.writestr("word/embeddings/oleObject1.bin", b"\0" * (4 * MB))  # ratio ~1000: a bomb
    units, errors = run(item_from_path(path))
    assert [(u.location.uri.split("!/", 1)[1], u.text) for u in units] == [
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "embedded.person@example.org")]
    assert kinds(errors) == [("word/embeddings/oleObject1.bin", "bomb")]


def test_xlsx_cell_comments_are_read(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "x"
    ws["B3"] = "y"
    ws["B3"].comment = Comment("call note.person@example.org", "Author")
    path = tmp_path / "c.xlsx"
    wb.save(path)
    units, errors = run(item_from_path(path))
    assert errors == []
    assert [(u.location.field, u.location.line, u.text) for u in units
            if "comment" in (u.location.field or "")] == [
        ("S!comment:B3", 3, "call note.person@example.org")]
