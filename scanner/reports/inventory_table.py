"""Inventory report as rich tables for the terminal."""

from __future__ import annotations

import shutil
from typing import TextIO

from rich.console import Console
from rich.table import Table

from scanner.inventory.views import InventoryReport

MAX_LIST = 4


def _short_list(items: set[str] | tuple[str, ...]) -> str:
    values = sorted(items)
    more = len(values) - MAX_LIST
    return "\n".join(values[:MAX_LIST]) + (f"\n… {more} more" if more > 0 else "")


def write(report: InventoryReport, stream: TextIO, *, color: bool = False) -> None:
    width = shutil.get_terminal_size((160, 24)).columns if stream.isatty() else 160
    console = Console(file=stream, force_terminal=color, no_color=not color, width=width)
    packs = ", ".join(i for i, _ in report.packs) or "none"
    console.print(f"Inventory {report.database}: {report.findings} findings; packs: {packs}")
    if report.show == "inventory":
        _groups(console, report)
    _gaps(console, report)


def _groups(console: Console, report: InventoryReport) -> None:
    table = Table(title=f"Personal data by {report.by}", show_lines=True)
    first = {"clause": "clause", "category": "category", "source": "source"}[report.by]
    other = "categories" if report.by != "category" else "clauses"
    for col in (first, other, "sources" if report.by != "source" else "clauses", "locations",
                "findings", "last seen"):
        table.add_column(col, overflow="fold",
                         justify="right" if col in ("locations", "findings") else "left")
    for g in report.groups:
        label = f"{g.key}\n[dim]{g.title}[/]" if g.title else g.key
        second = g.clauses if report.by == "category" else g.categories
        third = g.clauses if report.by == "source" else g.sources
        table.add_row(label, _short_list(second), _short_list(third), str(len(g.locations)),
                      str(g.findings), g.last_seen[:19] or "never")
    console.print(table)


def _gaps(console: Console, report: InventoryReport) -> None:
    gaps = report.gaps
    cats = Table(title="Categories found that a pack does not cover")
    for col in ("pack", "category", "entities", "locations", "findings"):
        cats.add_column(col, overflow="fold")
    for g in (*gaps.uncovered, *gaps.per_pack):
        pack = "[bold red]no active pack[/]" if g.pack == "*" else g.pack
        cats.add_row(pack, g.category, ", ".join(g.entities), str(g.locations), str(g.findings))
    if gaps.uncovered or gaps.per_pack:
        console.print(cats)
    else:
        console.print("Every category found is covered by every active pack.")
    unused = Table(title="Clauses whose data was never found")
    for col in ("clause", "title"):
        unused.add_column(col, overflow="fold")
    for c in gaps.unused_clauses:
        unused.add_row(c.clause, c.title)
    if gaps.unused_clauses:
        console.print(unused)
