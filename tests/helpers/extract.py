"""Helpers for the extraction tests (no tests here): items from bytes or files, running the walk."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from connectors.extract.walk import extract_all
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Limits, Settings


def item_from_bytes(data: bytes, name: str, uri: str | None = None) -> Item:
    return Item(uri=uri or f"mem:///{name}", source_kind="file",
                open=lambda: io.BytesIO(data), size=len(data), name=name)


def item_from_path(path: Path) -> Item:
    return Item(uri=path.resolve().as_uri(), source_kind="file",
                open=lambda: open(path, "rb"), size=path.stat().st_size, name=path.name)


def run(item: Item, **limits: Any) -> tuple[list[TextUnit], list[ScanError]]:
    settings = Settings(limits=Limits(**limits)) if limits else Settings()
    units: list[TextUnit] = []
    errors: list[ScanError] = []
    for out in extract_all(item, settings):
        (units if isinstance(out, TextUnit) else errors).append(out)  # type: ignore[arg-type]
    return units, errors


def joined(units: list[TextUnit]) -> str:
    return "\n".join(u.text for u in units)


def minimal_pdf(lines: list[str]) -> bytes:
    """A hand-written one-page PDF with a Helvetica text stream (correct xref offsets)."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        ops.append(f"({line}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                           xref)
    return bytes(out)
