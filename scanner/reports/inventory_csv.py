"""Inventory report as CSV: one row per group, or one row per gap with ``show == "gaps"``."""

from __future__ import annotations

import csv
from typing import TextIO

from scanner.inventory.views import InventoryReport
from scanner.reports.csv_report import safe_row

GROUP_COLUMNS = ("group", "title", "categories", "clauses", "sources", "locations", "findings",
                 "occurrences", "last_seen")
GAP_COLUMNS = ("gap", "pack", "key", "detail", "locations", "findings")


def write(report: InventoryReport, stream: TextIO, *, color: bool = False) -> None:
    out = csv.writer(stream, lineterminator="\n")
    if report.show == "gaps":
        out.writerow(GAP_COLUMNS)
        for gap in (*report.gaps.uncovered, *report.gaps.per_pack):
            out.writerow(safe_row(("uncovered_category", gap.pack, gap.category,
                                   ";".join(gap.entities), gap.locations, gap.findings)))
        for c in report.gaps.unused_clauses:
            out.writerow(safe_row(("clause_without_data", c.clause.partition("/")[0], c.clause,
                                   c.title, 0, 0)))
        return
    out.writerow(GROUP_COLUMNS)
    for g in report.groups:
        out.writerow(safe_row((g.key, g.title, ";".join(sorted(g.categories)),
                               ";".join(sorted(g.clauses)), ";".join(sorted(g.sources)),
                               len(g.locations), g.findings, g.occurrences, g.last_seen)))
