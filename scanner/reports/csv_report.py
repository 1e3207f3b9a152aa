"""One CSV row per finding (errors are not part of the CSV; use json for them).

Cells are neutralised against formula injection as OWASP recommends: a text cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms, which some
spreadsheets also evaluate) gets a leading ``'``, so ``=HYPERLINK(...)`` in a file name, a
member name or a header is shown as text, never run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from scanner.models import Finding, ScanResult

FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise(cell: object) -> object:
    """``cell`` made safe to open in a spreadsheet: text starting with a formula character gets
    a leading ``'`` (numbers are left alone)."""
    if isinstance(cell, str) and cell and cell[0] in FORMULA_START:
        return "'" + cell
    return cell


def safe_row(cells: Iterable[object]) -> list[object]:
    return [neutralise(c) for c in cells]


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
        self.out.writerow(safe_row(
            (
                f.location.uri, f.location.line if f.location.line is not None else "",
                f.location.field or "", f.entity, f.category, f"{f.score:.2f}",
                f.severity.value, f.detector, f.preview, f.value_hash,
                "" if f.linked is None else str(f.linked).lower(), ";".join(f.clauses),
                f.explanation,
            )
        ))

    def end(self, result: ScanResult) -> None:
        return None
