"""The human summary: findings counted by location and entity, then by entity, then errors, then a
one-paragraph summary.

It streams (:class:`TableStream`): findings arrive one by one and only bounded aggregates are
kept — the first :data:`MAX_ROWS` (location, field, entity) rows with their counts, totals per
entity and per severity — so memory does not grow with the number of findings. Everything printed
from a source (uris, field names, error messages) is cleaned of control characters and never
parsed as markup (:mod:`scanner.textsafe`). The table fits the terminal's width (fewer columns,
never broken names); piped output without ``COLUMNS`` gets plain tab-separated rows.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from typing import TextIO

from rich.console import Console
from rich.text import Text

from scanner import textsafe
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, ScanResult, Severity
from scanner.textsafe import Col

MAX_ROWS = 200
SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": ""}

ROW_COLS = [
    Col("location", kind="path", priority=0, min=30),
    Col("field", kind="text", priority=3, min=8, max=40),
    Col("entity", kind="fixed", priority=1),
    Col("category", kind="dotted", priority=5, min=16),
    Col("severity", kind="fixed", priority=4),
    Col("count", kind="fixed", priority=2, justify="right"),
]
ENTITY_COLS = [
    Col("entity", kind="fixed", priority=0),
    Col("category", kind="dotted", priority=3, min=16),
    Col("severity", kind="fixed", priority=2),
    Col("findings", kind="fixed", priority=1, justify="right"),
    Col("locations", kind="fixed", priority=4, justify="right"),
]
ERROR_COLS = [
    Col("location", kind="path", priority=0, min=24),
    Col("kind", kind="fixed", priority=1),
    Col("message", kind="text", priority=2, min=16),
]


class TableStream:
    """The table report written at the end of a scan from aggregates kept while it runs."""

    def __init__(self, stream: TextIO, *, color: bool | None = None, wide: bool = False,
                 width: int | None = 0) -> None:
        self.stream = stream
        self.color = (getattr(stream, "isatty", lambda: False)() if color is None else color)
        self.wide = wide
        self.width = width  # 0: from the stream / COLUMNS; None: plain rows
        # (uri, field, entity) -> [count, worst severity rank, category]; first MAX_ROWS only
        self.rows: dict[tuple[str, str, str], list] = {}
        self.more_findings = 0  # findings in rows beyond MAX_ROWS
        self.more_rows_seen = 0  # new rows beyond MAX_ROWS (counted each time one starts)
        self.entities: dict[str, list] = {}  # entity -> [findings, locations, rank, category, last uri]
        self.by_severity: Counter[str] = Counter()
        self.total = 0
        self.locations = 0
        self._last_uri: str | None = None

    def finding(self, f: Finding) -> None:
        uri = f.location.uri
        self.total += 1
        self.by_severity[f.severity.value] += 1
        if uri != self._last_uri:
            self.locations += 1  # findings of one location arrive together
            self._last_uri = uri
        rank = f.severity.rank
        e = self.entities.get(f.entity)
        if e is None:
            self.entities[f.entity] = [1, 1, rank, f.category, uri]
        else:
            e[0] += 1
            if e[4] != uri:
                e[1] += 1
                e[4] = uri
            e[2] = max(e[2], rank)
        key = (uri, f.location.field or "", f.entity)
        row = self.rows.get(key)
        if row is not None:
            row[0] += 1
            row[1] = max(row[1], rank)
        elif len(self.rows) < MAX_ROWS:
            self.rows[key] = [1, rank, f.category]
        else:
            self.more_findings += 1
            if key != getattr(self, "_last_more", None):
                self.more_rows_seen += 1
                self._last_more = key

    def end(self, result: ScanResult) -> None:
        width = None if self.wide else (
            textsafe.terminal_width(self.stream) if self.width == 0 else self.width)
        plain = width is None and not self.wide
        console = Console(file=self.stream, force_terminal=self.color, no_color=not self.color,
                          width=10_000 if width is None else width, highlight=False,
                          soft_wrap=False)
        if not self.rows:
            console.print("No personal data found.")
        else:
            self._rows_table(console, width, plain)
            if not plain:
                console.print()
            self._entity_table(console, width, plain)
        self._errors_table(console, result, width, plain)
        if not plain:
            console.print()
        console.print(Text(summary_paragraph(result, self.total, self.by_severity,
                                             self.locations)))

    # -- the tables ------------------------------------------------------------------------------
    def _rows_table(self, console: Console, width: int | None, plain: bool) -> None:
        rows, styles = [], []
        ordered = sorted(self.rows.items(), key=lambda kv: (kv[0][0], -kv[1][0], kv[0][2],
                                                             kv[0][1]))
        for (uri, field, entity), (n, rank, category) in ordered:
            sev = _severity_name(rank)
            rows.append([textsafe.clean(_short(uri)), textsafe.clean(field), textsafe.clean(entity),
                         category, sev, str(n)])
            styles.append(["", "", "", "", SEVERITY_STYLE[sev], ""])
        note = ""
        if self.more_findings:
            note = (f"… {self.more_findings} more findings in further rows "
                    "(use --format json or jsonl)")
        if plain:
            textsafe.plain_rows(self.stream, ROW_COLS, rows)
            if note:
                self.stream.write(note + "\n")
            return
        # paths relative to the folder they all lie under (named in the title), and one
        # location's rows together: its name once, on the first of them
        root = _common_root([r[0] for r in rows])
        shown = [[r[0][len(root):], *r[1:]] for r in rows]
        for k in range(len(shown) - 1, 0, -1):
            if shown[k][0] == shown[k - 1][0]:
                shown[k][0] = ""
        title = f"Personal data found under {root}" if root else "Personal data found"
        textsafe.render_table(console, title, ROW_COLS, shown, width,
                              styles=styles if self.color else None, note=note)

    def _entity_table(self, console: Console, width: int | None, plain: bool) -> None:
        rows, styles = [], []
        for entity, (n, locs, rank, category, _) in sorted(
                self.entities.items(), key=lambda kv: (-kv[1][2], -kv[1][0], kv[0])):
            sev = _severity_name(rank)
            rows.append([textsafe.clean(entity), category, sev, str(n), str(locs)])
            styles.append(["", "", SEVERITY_STYLE[sev], "", ""])
        if plain:
            self.stream.write("\n")
            textsafe.plain_rows(self.stream, ENTITY_COLS, rows)
            return
        textsafe.render_table(console, "By entity", ENTITY_COLS, rows, width,
                              styles=styles if self.color else None)

    def _errors_table(self, console: Console, result: ScanResult, width: int | None,
                      plain: bool) -> None:
        problems = [e for e in result.errors if e.kind not in SKIP_KINDS]
        if not problems:
            return
        rows = [[textsafe.clean(_short(e.location)), textsafe.clean(e.kind),
                 textsafe.clean(e.message)] for e in problems[:MAX_ROWS]]
        note = (f"… {len(problems) - MAX_ROWS} more (use --format json)"
                if len(problems) > MAX_ROWS else "")
        if plain:
            self.stream.write("\n")
            textsafe.plain_rows(self.stream, ERROR_COLS, rows)
            if note:
                self.stream.write(note + "\n")
            return
        console.print()
        textsafe.render_table(console, "Locations that could not be read (the scan went on)",
                              ERROR_COLS, rows, width, note=note)


def write(result: ScanResult, stream: TextIO, *, color: bool = False, wide: bool = False,
          width: int | None = 0) -> None:
    """The same report for a result collected in memory (the non-streaming path)."""
    writer = TableStream(stream, color=color, wide=wide, width=width)
    for f in result.findings:
        writer.finding(f)
    writer.end(result)


def summary_paragraph(result: ScanResult, findings: int, by_severity: Counter[str],
                      locations: int | None = None) -> str:
    """One paragraph: findings, items, what was recorded against locations, allow-listed values,
    duration. Item counts (top-level files, objects, tables) and location counts (members,
    attachments, parts inside them) are named as such, so they never seem to contradict."""
    i = result.info
    where = f" in {locations} location{'s' if locations != 1 else ''}" if locations else ""
    parts = [
        (f"{findings} finding{'s' if findings != 1 else ''} "
        f"(high {by_severity['high']}, medium {by_severity['medium']}, "
        f"low {by_severity['low']}){where}."),
        f"Items: {i.scanned} scanned, {i.skipped} skipped, {i.failed} failed.",
    ]
    skips = Counter(e.kind for e in result.errors if e.kind in SKIP_KINDS)
    problems = Counter(e.kind for e in result.errors if e.kind not in SKIP_KINDS)
    recorded = []
    if skips:
        recorded.append(f"{sum(skips.values())} skipped on purpose ({_kinds(skips)})")
    if problems:
        recorded.append(f"{sum(problems.values())} not readable ({_kinds(problems)})")
    if recorded:
        parts.append("Recorded against their location: " + ", ".join(recorded)
                     + "; --format json lists each.")
    allowed = getattr(i, "allowed", 0)
    if allowed:
        parts.append(f"{allowed} allow-listed value{'s' if allowed != 1 else ''} not reported.")
    took = _duration(i.started_at, i.finished_at)
    if took:
        parts.append(f"Took {took}.")
    return " ".join(parts)


def _kinds(c: Counter[str]) -> str:
    return ", ".join(f"{textsafe.clean(k)}: {n}" for k, n in sorted(c.items()))


def _duration(start: str, end: str) -> str:
    try:
        s = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        return ""
    if s < 1:
        return "under a second"
    if s < 120:
        return f"{s:.0f} s"
    return f"{s / 60:.0f} min"


def _common_root(paths: list[str]) -> str:
    """The longest ``…/`` prefix every path shares (``""`` when there is none worth naming)."""
    if not paths:
        return ""
    prefix = os.path.commonprefix(paths)
    cut = prefix.rfind("/")
    return prefix[: cut + 1] if cut > 0 else ""


def _severity_name(rank: int) -> str:
    return {3: Severity.HIGH, 2: Severity.MEDIUM, 1: Severity.LOW}[rank].value


def _short(uri: str) -> str:
    return uri.removeprefix("file://")

