"""Inventory report as tables for the terminal.

The tables fit the terminal's width (or ``COLUMNS``): fewer columns rather than narrower ones,
source paths shortened in the middle, clause ids and entity names never broken; piped output
without ``COLUMNS`` is plain tab-separated rows. Every name from a source is cleaned of control
characters and never parsed as markup (:mod:`scanner.textsafe`).
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from scanner import textsafe
from scanner.inventory.views import InventoryReport
from scanner.textsafe import Col, clean

MAX_LIST = 4


def _short_list(items: set[str] | tuple[str, ...], *, path: bool = False) -> str:
    values = sorted(clean(v.removeprefix("file://") if path else v) for v in items)
    more = len(values) - MAX_LIST
    return "\n".join(values[:MAX_LIST]) + (f"\n… {more} more" if more > 0 else "")


def write(report: InventoryReport, stream: TextIO, *, color: bool = False, wide: bool = False,
          width: int | None = 0) -> None:
    if not wide and width == 0:
        width = textsafe.terminal_width(stream)
    elif wide:
        width = None
    plain = width is None and not wide
    console = Console(file=stream, force_terminal=color, no_color=not color,
                      width=10_000 if width is None else width, highlight=False, soft_wrap=False)
    packs = ", ".join(clean(i) for i, _ in report.packs) or "none"
    console.print(Text(f"Inventory {clean(report.database)}: {report.findings} findings; "
                       f"packs: {packs}"))
    out = _Out(console, stream, width, plain)
    if report.show == "inventory":
        _groups(out, report)
    _gaps(out, report)


class _Out:
    def __init__(self, console: Console, stream: TextIO, width: int | None, plain: bool) -> None:
        self.console, self.stream, self.width, self.plain = console, stream, width, plain

    def table(self, title: str, cols: list[Col], rows: list[list[str]]) -> None:
        if self.plain:
            self.stream.write("\n" + title + "\n")
            textsafe.plain_rows(self.stream, cols, rows)
        else:
            self.console.print()
            textsafe.render_table(self.console, title, cols, rows, self.width)

    def line(self, message: str) -> None:
        self.console.print(Text(message))


def _groups(out: _Out, report: InventoryReport) -> None:
    first = {"clause": "clause", "category": "category", "source": "source"}[report.by]
    other = "categories" if report.by != "category" else "clauses"
    third_name = "sources" if report.by != "source" else "clauses"
    cols = [
        Col(first, kind="path" if report.by == "source" else "text", priority=0, min=24),
        Col(other, kind="dotted" if other == "categories" else "text", priority=2,
            min=16),
        Col(third_name, kind="path" if third_name == "sources" else "text", priority=4, min=20),
        Col("locations", kind="fixed", priority=3, justify="right"),
        Col("findings", kind="fixed", priority=1, justify="right"),
        Col("last seen", kind="fixed", priority=5),
    ]
    rows = []
    keys = [clean(g.key.removeprefix("file://") if report.by == "source" else g.key)
            for g in report.groups]
    # clause ids and categories are never broken; their titles are cut to the same width
    if report.by != "source":
        cols[0].kind = "fixed"
    keep = max([24, *(len(k) for k in keys)])
    for g, key in zip(report.groups, keys, strict=True):
        title = clean(g.title)
        if len(title) > keep:
            title = title[: keep - 1] + textsafe.ELLIPSIS
        label = f"{key}\n{title}" if title else key
        second = g.clauses if report.by == "category" else g.categories
        third = g.clauses if report.by == "source" else g.sources
        rows.append([label, _short_list(second), _short_list(third, path=third_name == "sources"),
                     str(len(g.locations)), str(g.findings), g.last_seen[:19] or "never"])
    out.table(f"Personal data by {report.by}", cols, rows)


def _gaps(out: _Out, report: InventoryReport) -> None:
    gaps = report.gaps
    cols = [
        Col("pack", kind="fixed", priority=0),
        Col("category", kind="dotted", priority=1, min=20),
        Col("entities", kind="fixed", priority=2),  # one a line: never cut
        Col("locations", kind="fixed", priority=4, justify="right"),
        Col("findings", kind="fixed", priority=3, justify="right"),
    ]
    rows = [["no active pack" if g.pack == "*" else clean(g.pack), clean(g.category),
             "\n".join(clean(e) for e in g.entities), str(g.locations), str(g.findings)]
            for g in (*gaps.uncovered, *gaps.per_pack)]
    if rows:
        out.table("Categories found that a pack does not cover", cols, rows)
    else:
        out.line("Every category found is covered by every active pack.")
    if gaps.unused_clauses:
        cols = [Col("clause", kind="fixed", priority=0), Col("title", kind="text", priority=1,
                                                              min=12)]
        out.table("Clauses whose data was never found", cols,
                  [[clean(c.clause), clean(c.title)] for c in gaps.unused_clauses])
