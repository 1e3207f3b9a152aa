"""JSON (``piiscout.scan/1``, documented in docs/json-schema.md) and JSON Lines."""

from __future__ import annotations

import json
from typing import TextIO

from scanner.models import SCHEMA_VERSION, Finding, ScanResult


def write_json(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    json.dump(result.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_jsonl(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    """One object per line: each finding, then each error, then the scan summary."""
    writer = JsonlStream(stream)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


class JsonlStream:
    """JSON Lines written as findings arrive; the scan summary line comes last."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def finding(self, f: Finding) -> None:
        self.stream.write(json.dumps({"type": "finding", **f.to_dict()}, ensure_ascii=False) + "\n")

    def end(self, result: ScanResult) -> None:
        doc = result.to_dict()
        self.stream.writelines(
            json.dumps({"type": "error", **e}, ensure_ascii=False) + "\n"
            for e in doc["errors"]  # type: ignore[union-attr]
        )
        summary = {"type": "scan", "schema": SCHEMA_VERSION, **doc["scan"]}  # type: ignore[dict-item]
        self.stream.write(json.dumps(summary, ensure_ascii=False) + "\n")
