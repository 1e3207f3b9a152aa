"""Scan report formats. Every formatter has the same signature::

    write(result: ScanResult, stream: TextIO, *, color: bool) -> None

so adding a format is one small module and one line in :data:`FORMATS`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol, TextIO

from scanner.models import Finding, ScanResult

FORMATS: dict[str, str] = {
    "table": "scanner.reports.table:write",
    "json": "scanner.reports.json_report:write_json",
    "jsonl": "scanner.reports.json_report:write_jsonl",
    "csv": "scanner.reports.csv_report:write",
    "sarif": "scanner.reports.sarif:write",
}


# Formats that can be written while the scan runs (memory does not grow with the findings).
STREAMING: dict[str, str] = {
    "json": "scanner.reports.json_report:JsonStream",
    "jsonl": "scanner.reports.json_report:JsonlStream",
    "csv": "scanner.reports.csv_report:CsvStream",
    "table": "scanner.reports.table:TableStream",
}


class StreamWriter(Protocol):
    def finding(self, f: Finding) -> None: ...

    def end(self, result: ScanResult) -> None: ...


def stream_writer(name: str, stream: TextIO) -> StreamWriter:
    module, _, cls = STREAMING[name].partition(":")
    return getattr(import_module(module), cls)(stream)  # type: ignore[no-any-return]


class Formatter(Protocol):
    def __call__(self, result: ScanResult, stream: TextIO, *, color: bool) -> None: ...


def formatter(name: str) -> Formatter:
    module, _, func = FORMATS[name].partition(":")
    return getattr(import_module(module), func)  # type: ignore[no-any-return]
