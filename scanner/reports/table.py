"""The human summary: findings counted by location and entity, then errors, then totals."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.table import Table

from scanner.models import ScanResult, Severity
from scanner.pipeline import SKIP_KINDS

MAX_ROWS = 200


def write(result: ScanResult, stream: TextIO, *, color: bool = False) -> None:
    console = Console(file=stream, force_terminal=color, no_color=not color, width=_width(stream))
    counts: Counter[tuple[str, str, str, str]] = Counter()
    worst: dict[tuple[str, str, str, str], Severity] = {}
    for f in result.findings:
        key = (f.location.uri, f.location.field or "", f.entity, f.category)
        counts[key] += 1
        if key not in worst or f.severity.rank > worst[key].rank:
            worst[key] = f.severity
    table = Table(title="Personal data found", show_lines=False, expand=False)
    for col in ("location", "field", "entity", "category", "severity", "count"):
        table.add_column(col, justify="right" if col == "count" else "left", overflow="fold")
    for i, (key, n) in enumerate(sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1]))):
        if i == MAX_ROWS:
            table.add_row(f"… {len(counts) - MAX_ROWS} more rows (use --format json)", "", "", "",
                          "", "")
            break
        uri, field, entity, category = key
        sev = worst[key].value
        style = {"high": "bold red", "medium": "yellow", "low": ""}[sev]
        table.add_row(_short(uri), field, entity, category, f"[{style}]{sev}[/]" if style else sev,
                      str(n))
    if counts:
        console.print(table)
    else:
        console.print("No personal data found.")
    problems = [e for e in result.errors if e.kind not in SKIP_KINDS]
    skips = Counter(e.kind for e in result.errors if e.kind in SKIP_KINDS)
    if problems:
        errors = Table(title="Locations that could not be read (the scan went on)")
        for col in ("location", "kind", "message"):
            errors.add_column(col, overflow="fold")
        for e in problems[:MAX_ROWS]:
            errors.add_row(_short(e.location), e.kind, e.message)
        if len(problems) > MAX_ROWS:
            errors.add_row(f"… {len(problems) - MAX_ROWS} more (use --format json)", "", "")
        console.print(errors)
    if skips:
        detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(skips.items()))
        console.print(f"{sum(skips.values())} locations skipped on purpose ({detail}); "
                      "--format json lists each one.")
    i = result.info
    by_sev = Counter(f.severity.value for f in result.findings)
    console.print(
        f"{len(result.findings)} findings "
        f"(high {by_sev['high']}, medium {by_sev['medium']}, low {by_sev['low']}) in "
        f"{i.scanned} items scanned, {i.skipped} skipped, {i.failed} failed."
    )


def _short(uri: str) -> str:
    return uri.removeprefix("file://")


def _width(stream: TextIO) -> int | None:
    return None if getattr(stream, "isatty", lambda: False)() else 160
