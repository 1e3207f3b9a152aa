"""A self-contained HTML inventory report for a DPO: one file, inline CSS, no scripts, no external
assets, printable. Every value from the inventory is HTML-escaped; only masked previews and
locations appear (never clear values, which the inventory does not hold anyway)."""

from __future__ import annotations

from html import escape
from typing import TextIO

from scanner.inventory.views import Group, InventoryReport

MAX_LOCATIONS = 50

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2330;
margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;
border-bottom:2px solid #1d2330;padding-bottom:.2rem}
.meta{color:#555;margin:0 0 1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ccd;border-radius:6px;
padding:.6rem 1rem;min-width:9rem}.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid #ccd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef0f5}td.n{text-align:right;white-space:nowrap}
blockquote{margin:.3rem 0;padding:.2rem .6rem;border-left:3px solid #99a;color:#333;
font-style:italic}
ul.loc{margin:.2rem 0;padding-left:1.1rem;font-size:12px;word-break:break-all}
.none{color:#777}.gap{background:#fff4f0}.tag{display:inline-block;background:#eef0f5;
border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0;font-size:12px}
@media print{body{margin:0;max-width:none;font-size:11px}h2{page-break-after:avoid}
tr{page-break-inside:avoid}.card{border-color:#999}}
"""


def _tags(values: set[str] | tuple[str, ...]) -> str:
    if not values:
        return '<span class="none">—</span>'
    return "".join(f'<span class="tag">{escape(v)}</span>' for v in sorted(values))


def _locations(group: Group) -> str:
    locs = sorted(group.locations)
    items = "".join(f"<li>{escape(u)}</li>" for u in locs[:MAX_LOCATIONS])
    if len(locs) > MAX_LOCATIONS:
        items += f"<li>… {len(locs) - MAX_LOCATIONS} more (see the JSON or CSV report)</li>"
    return f'<ul class="loc">{items}</ul>' if items else ""


def _group_rows(report: InventoryReport) -> str:
    rows = []
    for g in report.groups:
        found = g.findings > 0
        head = f"<b>{escape(g.key)}</b>"
        if g.title:
            head += f"<br>{escape(g.title)}"
        if g.quote:
            head += f"<blockquote>{escape(g.quote)}</blockquote>"
        other = g.clauses if report.by == "category" else g.categories
        cls = "" if found else ' class="none"'
        rows.append(
            f"<tr{cls}><td>{head}</td><td>{_tags(other)}</td>"
            f"<td>{_tags(g.sources if report.by != 'source' else g.clauses)}{_locations(g)}</td>"
            f'<td class="n">{len(g.locations)}</td><td class="n">{g.findings}</td>'
            f'<td class="n">{g.occurrences}</td>'
            f"<td>{escape(g.last_seen[:19].replace('T', ' ')) if found else 'never'}</td></tr>"
        )
    return "".join(rows)


def _gap_sections(report: InventoryReport) -> str:
    gaps = report.gaps
    out = ["<h2>Gaps</h2>", "<h3>Categories found that a policy does not cover</h3>"]
    cat_rows = [
        f'<tr class="gap"><td>{"no active policy" if g.pack == "*" else escape(g.pack)}</td>'
        f"<td>{escape(g.category)}</td><td>{_tags(g.entities)}</td>"
        f'<td class="n">{g.locations}</td><td class="n">{g.findings}</td></tr>'
        for g in (*gaps.uncovered, *gaps.per_pack)
    ]
    if cat_rows:
        out.append("<table><tr><th>policy</th><th>category</th><th>entities</th>"
                   "<th>locations</th><th>findings</th></tr>" + "".join(cat_rows) + "</table>")
    else:
        out.append('<p class="none">Every category found is covered by every active policy.</p>')
    out.append("<h3>Clauses whose data was never found</h3>")
    if gaps.unused_clauses:
        out.append("<table><tr><th>clause</th><th>title</th></tr>" + "".join(
            f"<tr><td>{escape(c.clause)}</td><td>{escape(c.title)}</td></tr>"
            for c in gaps.unused_clauses
        ) + "</table>")
    else:
        out.append('<p class="none">Data was found for every clause.</p>')
    return "".join(out)


def write(report: InventoryReport, stream: TextIO, *, color: bool = False) -> None:
    g = report.gaps
    packs = ", ".join(f"{escape(t)} ({escape(i)})" for i, t in report.packs) or "none"
    cards = (
        f'<div class="cards"><div class="card"><b>{report.findings}</b>findings</div>'
        f'<div class="card"><b>{len({u for x in report.groups for u in x.locations})}</b>'
        "locations</div>"
        f'<div class="card"><b>{len({c.category for c in (*g.uncovered, *g.per_pack)})}</b>'
        "categories with a gap</div>"
        f'<div class="card"><b>{len(g.unused_clauses)}</b>clauses without data</div></div>'
    )
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>piiscout data inventory</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Personal-data inventory</h1>",
        (f'<p class="meta">Generated {escape(report.generated_at)} from {escape(report.database)}'
        f"<br>Policies: {packs}</p>"),
        cards,
    ]
    if report.show == "inventory":
        first = {"clause": "Clause", "category": "Category", "source": "Source"}[report.by]
        second = "Clauses" if report.by == "category" else "Categories"
        third = "Clauses / locations" if report.by == "source" else "Sources / locations"
        body += [
            f"<h2>Inventory by {escape(report.by)}</h2>",
            (f"<table><tr><th>{first}</th><th>{second}</th><th>{third}</th><th>locations</th>"
            "<th>findings</th><th>occurrences</th><th>last seen</th></tr>"),
            _group_rows(report),
            "</table>",
        ]
    body += [
        _gap_sections(report),
        ('<p class="meta">Values are never shown: the inventory keeps masked previews and keyed '
        "hashes only. Findings reviewed as false positives are left out.</p>"),
        "</body></html>",
    ]
    stream.write("\n".join(body) + "\n")
