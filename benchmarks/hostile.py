"""Peak memory of extracting hostile office files (issue 18.4): one subprocess per case.

    .venv/bin/python benchmarks/hostile.py [--out DIR] [--case NAME ...] [--src TREE]

Each case is generated into ``--out`` (a temporary folder by default), then extracted by a fresh
``python`` process (``connectors.extract.walk.extract_all`` with the default limits, as a scan
does) which prints its own peak resident memory (``ru_maxrss``), the error kinds it recorded and
how many text units it produced. ``--src`` runs another source tree (e.g. an export of an older
commit) for a before/after comparison. Figures only: nothing here is a pass/fail test; the
behaviour is tested in ``tests/e2e/test_hostile.py``, which uses the same generators.

The generators are also imported by the tests:

* :func:`docx_bomb` -- a ~2 MB .docx whose ``word/document.xml`` inflates to 600 MB, with a
  header holding an e-mail;
* :func:`xlsx_shared_strings_bomb` -- a small .xlsx whose ``sharedStrings.xml`` inflates to
  hundreds of MB, with a second sheet of inline strings;
* :func:`odt_bomb` -- an .odt whose ``content.xml`` inflates to 600 MB;
* :func:`xlsx_stale_dimension` -- an .xlsx declaring ``A1:A2`` with an e-mail in D10;
* :func:`docx_large` -- a .docx inside every limit (80 MB of varied text), to show that memory
  does not grow with the size of a part that is read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MB = 1024 * 1024
CHUNK = 4 * MB

_CT_XLSX = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Bomb" sheetId="1" r:id="rId1"/><sheet name="Good" sheetId="2" r:id="rId2"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '{dimension}<sheetData>{rows}</sheetData></worksheet>')


def _stream_part(z: zipfile.ZipFile, name: str, head: bytes, unit: bytes, size: int,
                 tail: bytes) -> None:
    """Write part ``name``: ``head``, ``unit`` repeated to about ``size`` bytes, ``tail``."""
    block = unit * max(1, CHUNK // len(unit))
    info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9  # type: ignore[attr-defined]
    with z.open(info, "w", force_zip64=True) as out:
        out.write(head)
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
        out.write(tail)


def _deflated(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9)


def xlsx_package(path: Path, sheet1_rows: str, sheet2_rows: str, shared: str = "",
                 dimension: str = "") -> Path:
    """A hand-made two-sheet workbook (``Bomb`` and ``Good``) from row XML."""
    with _deflated(path) as z:
        z.writestr("[Content_Types].xml", _CT_XLSX)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", _SHEET.format(dimension=dimension,
                                                             rows=sheet1_rows))
        z.writestr("xl/worksheets/sheet2.xml", _SHEET.format(dimension="", rows=sheet2_rows))
        z.writestr("xl/sharedStrings.xml", shared or (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'))
    return path


def inline_row(r: int, cells: dict[str, str]) -> str:
    return f'<row r="{r}">' + "".join(
        f'<c r="{ref}{r}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cells.items()
    ) + "</row>"


def docx_bomb(path: Path, inflated: int = 600 * MB) -> Path:
    """A .docx whose document.xml inflates to ``inflated`` bytes; its header has an e-mail."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("body text")
    document.sections[0].header.paragraphs[0].text = "Header: header.person@example.org"
    buf = io.BytesIO()
    document.save(buf)
    with zipfile.ZipFile(buf) as src, _deflated(path) as z:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                xml = src.read(info).decode()
                head, _, tail = xml.partition("<w:body>")
                _stream_part(z, info.filename, (head + "<w:body>").encode(),
                             b"<w:p><w:r><w:t>" + b"A" * 200 + b"</w:t></w:r></w:p>",
                             inflated, tail.encode())
            else:
                z.writestr(info, src.read(info))
    return path


def xlsx_shared_strings_bomb(path: Path, inflated: int = 600 * MB) -> Path:
    """Shared strings that inflate to ``inflated`` bytes; sheet ``Good`` holds inline strings."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c></row>' for r in range(1, 50))
    good = inline_row(1, {"A": "good.person@example.org", "B": "kept"})
    xlsx_package(path, rows, good)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()
                 if i.filename != "xl/sharedStrings.xml"}
    with _deflated(path) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        _stream_part(z, "xl/sharedStrings.xml", f'<sst xmlns="{ns}">'.encode(),
                     b"<si><t>x</t></si>", inflated, b"</sst>")
    return path


def odt_bomb(path: Path, inflated: int = 600 * MB) -> Path:
    """An .odt (made by odfpy) whose content.xml inflates to ``inflated`` bytes."""
    import io

    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    doc.text.addElement(P(text="first paragraph"))
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf) as src, _deflated(path) as z:
        for info in src.infolist():
            if info.filename != "content.xml":
                z.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode()
            cut = xml.index("<text:p")
            end = xml.index("</office:text>")
            _stream_part(z, "content.xml", xml[:cut].encode(),
                         b"<text:p>" + b"A" * 200 + b"</text:p>", inflated, xml[end:].encode())
    return path


def docx_large(path: Path, inflated: int = 80 * MB) -> Path:
    """A .docx within the limits but large: ``inflated`` bytes of varied paragraphs (it
    compresses about 4:1, under max_ratio), one e-mail per 1,000 paragraphs."""
    import io
    import random

    import docx

    rng = random.Random(18)
    words = [f"w{rng.randrange(10**6):06d}" for _ in range(20000)]
    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(buf) as src, _deflated(path) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
                continue
            head, _, tail = src.read(info).decode().partition("<w:body>")
            zi = zipfile.ZipInfo(info.filename, (2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            with z.open(zi, "w", force_zip64=True) as out:
                out.write((head + "<w:body>").encode())
                written, n = 0, 0
                while written < inflated:
                    n += 1
                    text = " ".join(rng.choices(words, k=40))
                    if n % 1000 == 0:
                        text += f" person{n}@example.org"
                    chunk = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
                    out.write(chunk)
                    written += len(chunk)
                out.write(tail.encode())
    return path


def xlsx_stale_dimension(path: Path) -> Path:
    """Declares ``A1:A2`` but has a cell in D10 holding an e-mail."""
    rows = (inline_row(1, {"A": "note"}) + inline_row(2, {"A": "x"})
            + inline_row(10, {"D": "hidden.person@example.org"}))
    return xlsx_package(path, rows, inline_row(1, {"A": "other"}),
                        dimension='<dimension ref="A1:A2"/>')


CASES: dict[str, Callable[[Path], Path]] = {
    "docx-600MB-document": lambda d: docx_bomb(d / "bomb.docx"),
    "xlsx-shared-strings": lambda d: xlsx_shared_strings_bomb(d / "strings.xlsx"),
    "odt-600MB-content": lambda d: odt_bomb(d / "bomb.odt"),
    "xlsx-stale-dimension": lambda d: xlsx_stale_dimension(d / "stale.xlsx"),
    "docx-80MB-within-limits": lambda d: docx_large(d / "large.docx"),
}

_CHILD = r"""
import json, resource, sys
from pathlib import Path
from connectors.extract.walk import extract_all
from scanner.models import Item, TextUnit
from scanner.settings import load_settings
path = Path(sys.argv[1])
item = Item(uri=path.as_uri(), source_kind="file", open=lambda: open(path, "rb"),
            size=path.stat().st_size, name=path.name)
units, errors = 0, []
for out in extract_all(item, load_settings()):
    if isinstance(out, TextUnit):
        units += 1
    else:
        errors.append([out.location.rsplit("/", 1)[-1], out.kind])
print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "units": units, "errors": errors}))
"""


def run_case(path: Path, src: Path) -> dict[str, Any]:  # the child's JSON line
    env = {**os.environ, "PYTHONPATH": str(src), "PIISCOUT_HOME": str(path.parent / "home")}
    res = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, env=env, cwd=str(src), check=False)
    if res.returncode != 0:
        return {"failed": res.returncode, "stderr": res.stderr.strip().splitlines()[-1:]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="piiscout-hostile-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"source tree {args.src}; files in {out}")
    print(f"{'case':24} {'file MB':>8} {'peak RSS MB':>12} {'units':>6}  errors")
    for name in args.case or list(CASES):
        path = CASES[name](out)
        result = run_case(path, args.src.resolve())
        size = path.stat().st_size / MB
        if "failed" in result:
            print(f"{name:24} {size:8.2f} {'FAILED':>12} {'':>6}  {result}")
            continue
        errors = ", ".join(f"{loc}:{kind}" for loc, kind in result["errors"]) or "-"
        print(f"{name:24} {size:8.2f} {result['peak_rss_mb']:12.0f} {result['units']:6}  {errors}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
