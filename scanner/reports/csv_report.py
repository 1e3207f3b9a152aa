"""One CSV row per finding (errors are not part of the CSV; use json for them)."""

from __future__ import annotations

import csv
from typing import TextIO

from scanner.models import Finding, ScanResult

COLUMNS = (
    "uri", "line", "field", "entity", "category", "score", "severity", "detector", "preview",
    "value_hash", "linked", "clauses", "explanation",
)


def write(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    writer = CsvStream(stream)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


class CsvStream:
    """CSV rows written as findings arrive."""

    def __init__(self, stream: TextIO) -> None:
        self.out = csv.writer(stream, lineterminator="\n")
        self.out.writerow(COLUMNS)

    def finding(self, f: Finding) -> None:
        self.out.writerow(
            (
                f.location.uri, f.location.line if f.location.line is not None else "",
                f.location.field or "", f.entity, f.category, f"{f.score:.2f}",
                f.severity.value, f.detector, f.preview, f.value_hash,
                "" if f.linked is None else str(f.linked).lower(), ";".join(f.clauses),
                f.explanation,
            )
        )

    def end(self, result: ScanResult) -> None:
        return None
