"""JSON (``piiscout.scan/1``, documented in docs/json-schema.md) and JSON Lines."""

from __future__ import annotations

import json
from typing import TextIO

from scanner.models import SCHEMA_VERSION, ScanResult


def write_json(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    json.dump(result.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_jsonl(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    """One object per line: the scan header, then each finding, then each error."""
    doc = result.to_dict()
    header = {"type": "scan", "schema": SCHEMA_VERSION, **doc["scan"]}  # type: ignore[dict-item]
    stream.write(json.dumps(header, ensure_ascii=False) + "\n")
    stream.writelines(
        json.dumps({"type": "finding", **f}, ensure_ascii=False) + "\n"
        for f in doc["findings"]  # type: ignore[union-attr]
    )
    stream.writelines(
        json.dumps({"type": "error", **e}, ensure_ascii=False) + "\n"
        for e in doc["errors"]  # type: ignore[union-attr]
    )
