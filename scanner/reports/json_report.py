"""JSON (``piiscout.scan/1``, documented in docs/json-schema.md) and JSON Lines, both written
as the findings arrive: memory does not grow with their number, and the file is flushed every
:data:`FLUSH_EVERY` findings so that what a killed scan leaves is valid up to its last line.

The JSON document is the same object as :meth:`ScanResult.to_dict` (same keys and values, the same
two-space layout) with its keys in the order they can be known: ``schema``, the ``findings``
array, then ``errors`` and the ``scan`` summary (its end time and counts come last)."""

from __future__ import annotations

import json
from typing import TextIO

from scanner.models import SCHEMA_VERSION, Finding, ScanResult

FLUSH_EVERY = 500


def write_json(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    writer = JsonStream(stream)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


def _nested(value: object, indent: int) -> str:
    """``value`` as ``json.dump(..., indent=2)`` writes it at nesting depth ``indent`` / 2."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * indent)


class JsonStream:
    """The JSON report written incrementally: header, each finding, then errors and totals."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0
        stream.write('{\n  "schema": ' + json.dumps(SCHEMA_VERSION) + ',\n  "findings": [')

    def finding(self, f: Finding) -> None:
        self.stream.write(("\n    " if self.count == 0 else ",\n    ")
                          + _nested(f.to_dict(), 4))
        self.count += 1
        if self.count % FLUSH_EVERY == 0:
            self.stream.flush()

    def end(self, result: ScanResult) -> None:
        self.stream.write(("\n  ]" if self.count else "]")
                          + ',\n  "errors": ' + _nested([e.to_dict() for e in result.errors], 2)
                          + ',\n  "scan": ' + _nested(result.scan_dict(), 2) + "\n}\n")
        self.stream.flush()


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
        self.count = 0

    def finding(self, f: Finding) -> None:
        self.stream.write(json.dumps({"type": "finding", **f.to_dict()}, ensure_ascii=False) + "\n")
        self.count += 1
        if self.count % FLUSH_EVERY == 0:
            self.stream.flush()

    def end(self, result: ScanResult) -> None:
        self.stream.writelines(
            json.dumps({"type": "error", **e.to_dict()}, ensure_ascii=False) + "\n"
            for e in result.errors
        )
        summary = {"type": "scan", "schema": SCHEMA_VERSION, **result.scan_dict()}
        self.stream.write(json.dumps(summary, ensure_ascii=False) + "\n")
        self.stream.flush()
