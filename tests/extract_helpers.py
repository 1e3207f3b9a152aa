"""Helpers for the extraction tests (no tests here): items from bytes or files, running the walk."""

from __future__ import annotations

import io
from pathlib import Path

from connectors.extract.walk import extract_all
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Limits, Settings


def item_from_bytes(data: bytes, name: str, uri: str | None = None) -> Item:
    return Item(uri=uri or f"mem:///{name}", source_kind="file",
                open=lambda: io.BytesIO(data), size=len(data), name=name)


def item_from_path(path: Path) -> Item:
    return Item(uri=path.resolve().as_uri(), source_kind="file",
                open=lambda: open(path, "rb"), size=path.stat().st_size, name=path.name)


def run(item: Item, **limits: object) -> tuple[list[TextUnit], list[ScanError]]:
    settings = Settings(limits=Limits(**limits)) if limits else Settings()
    units: list[TextUnit] = []
    errors: list[ScanError] = []
    for out in extract_all(item, settings):
        (units if isinstance(out, TextUnit) else errors).append(out)  # type: ignore[arg-type]
    return units, errors


def joined(units: list[TextUnit]) -> str:
    return "\n".join(u.text for u in units)
