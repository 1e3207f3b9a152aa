"""A self-contained HTML inventory report for a DPO: one file, inline CSS, no scripts, no external
assets, printable.

It opens with a summary (risk by severity, special categories linked to a person, open review
work), then one table per clause and per category with counts and the few locations holding most
findings (bounded: "N more" names the CLI command that lists them all), what the Record of
Processing records (per data-subject category too), and the gaps. It says what a finding and an
occurrence are, in the words the README and the workbench use. Every value from the inventory is
HTML-escaped; only masked previews, categories and locations appear (never clear values, which
the inventory does not hold anyway).
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, TextIO

from scanner.inventory.rows import DEFINITIONS, FindingRow
from scanner.inventory.views import UNCOVERED, Group, InventoryReport, group

TOP_LOCATIONS = 5  # locations listed per clause or category; the rest is "N more" + a command
SEVERITIES = ("high", "medium", "low")
REVIEW_STATES = ("open", "confirmed", "accepted", "remediated")
ROPA_LABELS = (("purposes", "Purposes"), ("data_subjects", "Data subjects"),
               ("recipients", "Recipients"), ("transfers", "Transfers"),
               ("retention", "Retention"), ("security", "Security measures"))
SPECIAL_PREFIXES = ("user.health", "user.biometrics", "user.criminal_history",
                    "user.demographic.religious_belief", "user.demographic.union_membership",
                    "user.demographic.race_ethnicity", "user.demographic.sexual_orientation",
                    "user.demographic.political_opinion",
                    "user.demographic.philosophical_belief")

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2330;
margin:2rem auto;max-width:1100px;padding:0 1rem;overflow-wrap:anywhere}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;
border-bottom:2px solid #1d2330;padding-bottom:.2rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
.meta{color:#555;margin:0 0 1rem}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:.6rem 0}.card{border:1px solid #ccd;
border-radius:6px;padding:.5rem .9rem;min-width:8.5rem}.card b{display:block;font-size:1.4rem}
.card.high b{color:#a01b1b}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}table.fixed{table-layout:fixed}
th,td{border:1px solid #ccd;padding:.3rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#eef0f5}td.n,th.n{text-align:right;white-space:nowrap}
col.key{width:21%}col.tags{width:15%}col.n{width:6.4rem}col.top{width:31%}
blockquote{margin:.3rem 0;padding:.1rem .5rem;border-left:3px solid #99a;color:#333;
font-style:italic;font-size:12px}
ul.loc{margin:0;padding-left:1rem;font-size:12px}ul.loc li{word-break:break-all}
.more{font-size:12px;color:#555}code{font-size:12px;background:#f3f4f8;padding:0 .2rem;
word-break:break-all}
.none{color:#777}.gap{background:#fff4f0}.tag{display:inline-block;background:#eef0f5;
border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0;font-size:12px}
.sev-high{color:#a01b1b;font-weight:600}.sev-medium{color:#8a5a00}.sev-low{color:#456}
dl.defs{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .8rem;margin:.4rem 0}
dl.defs dt{font-weight:600}dl.defs dd{margin:0}
@media print{body{margin:0;max-width:none;font-size:11px}h2{page-break-after:avoid}
tr{page-break-inside:avoid}.card{border-color:#999}}
"""


def _e(value: object) -> str:
    return escape(str(value))


def _tags(values: Iterable[str]) -> str:
    values = sorted(set(values))
    if not values:
        return '<span class="none">—</span>'
    return "".join(f'<span class="tag">{_e(v)}</span>' for v in values)


def _colgroup(*classes: str) -> str:
    """A fixed-layout table's opening with its column widths (see the ``col.*`` rules)."""
    return ('<table class="fixed"><colgroup>' + "".join(f'<col class="{c}">' for c in classes)
            + "</colgroup>")


def _sev(severity: str) -> str:
    return f'<span class="sev-{_e(severity)}">{_e(severity)}</span>'


def _shown(uri: str) -> str:
    return uri.removeprefix("file://")


def _command(*args: str) -> str:
    return "<code>" + _e(" ".join(shlex.quote(a) for a in ("piiscout", *args))) + "</code>"


def _top(rows: Sequence[FindingRow], more_args: Sequence[str]) -> str:
    """The locations holding most of ``rows`` (at most :data:`TOP_LOCATIONS`), then how many more
    there are and the command that lists them all."""
    per = Counter(r.uri for r in rows)
    if not per:
        return '<span class="none">—</span>'
    top = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    items = "".join(f"<li>{_e(_shown(u))} <span class='more'>({n})</span></li>"
                    for u, n in top[:TOP_LOCATIONS])
    out = f'<ul class="loc">{items}</ul>'
    if len(top) > TOP_LOCATIONS:
        out += (f'<div class="more">… {len(top) - TOP_LOCATIONS} more locations: '
                f"{_command('findings', 'list', *more_args, '--format', 'json')}</div>")
    return out


def _is_special(row: FindingRow) -> bool:
    return row.linked is True and row.category.startswith(SPECIAL_PREFIXES)


def _summary(rows: Sequence[FindingRow]) -> str:
    sources = {r.source for r in rows}
    locations = {r.uri for r in rows}
    open_rows = [r for r in rows if r.status == "open"]
    special = [r for r in rows if _is_special(r)]
    cards = "".join(
        f'<div class="card{cls}"><b>{n}</b>{_e(label)}</div>' for n, label, cls in (
            (len(rows), "findings", ""),
            (sum(r.count for r in rows), "occurrences", ""),
            (len(locations), "locations", ""),
            (len(sources), "sources", ""),
            (sum(1 for r in rows if r.severity == "high"), "high severity", " high"),
            (len(special), "special categories linked to a person", " high"),
            (len(open_rows), "findings to review", ""),
        ))
    out = [f'<div class="cards">{cards}</div>', "<h3>Risk by severity</h3>",
           '<table><tr><th>severity</th><th class="n">findings</th><th class="n">occurrences'
           '</th><th class="n">locations</th><th class="n">open</th><th class="n">confirmed</th>'
           '<th class="n">accepted</th><th class="n">remediated</th></tr>']
    for sev in SEVERITIES:
        these = [r for r in rows if r.severity == sev]
        status = Counter(r.status for r in these)
        out.append(
            f"<tr><td>{_sev(sev)}</td><td class='n'>{len(these)}</td>"
            f"<td class='n'>{sum(r.count for r in these)}</td>"
            f"<td class='n'>{len({r.uri for r in these})}</td>"
            + "".join(f"<td class='n'>{status.get(s, 0)}</td>" for s in REVIEW_STATES)
            + "</tr>")
    out.append("</table>")
    out.append("<h3>Special categories linked to a person</h3>")
    if special:
        out.append(_colgroup("key", "tags", "n", "n", "n", "top")
                   + '<tr><th>category</th><th>entities</th><th class="n">findings</th>'
                   '<th class="n">locations</th><th class="n">open</th>'
                   "<th>top locations</th></tr>")
        by_cat: dict[str, list[FindingRow]] = {}
        for r in special:
            by_cat.setdefault(r.category, []).append(r)
        for cat, these in sorted(by_cat.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            out.append(
                f"<tr><td>{_e(cat)}</td><td>{_tags(r.entity for r in these)}</td>"
                f"<td class='n'>{len(these)}</td><td class='n'>{len({r.uri for r in these})}</td>"
                f"<td class='n'>{sum(1 for r in these if r.status == 'open')}</td>"
                f"<td>{_top(these, ['--category', cat])}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="none">No special-category data linked to a person was found.</p>')
    out.append("<h3>Open review work</h3>")
    if open_rows:
        per_sev = Counter(r.severity for r in open_rows)
        parts = ", ".join(f"{per_sev.get(s, 0)} {s}" for s in SEVERITIES)
        out.append(f"<p>{len(open_rows)} findings are not reviewed yet ({parts}); list them "
                   f"with {_command('findings', 'list', '--status', 'open')} and decide with "
                   f"{_command('findings', 'review', 'ID', '--status', 'confirmed')} (or in "
                   "<code>piiscout serve</code>).</p>")
    else:
        out.append('<p class="none">Every finding has been reviewed.</p>')
    return "".join(out)


def _clauses(report: InventoryReport) -> str:
    rows = report.rows
    under: dict[str, list[FindingRow]] = {}
    for r in rows:
        for qid in r.clauses or (UNCOVERED,):
            under.setdefault(qid, []).append(r)
    groups: list[Group] = (group(rows, report.mapper, "clause") if report.mapper is not None
                           else [g for g in report.groups if report.by == "clause"])
    out = [_colgroup("key", "tags", "n", "n", "n", "n", "top")
           + '<tr><th>clause</th><th>categories found</th><th class="n">findings</th>'
           '<th class="n">occurrences</th><th class="n">high</th><th class="n">open</th>'
           "<th>top locations</th></tr>"]
    for g in groups:
        these = under.get(g.key, [])
        head = f"<b>{_e(g.key)}</b>" + (f"<br>{_e(g.title)}" if g.title else "")
        if not these:  # its quotation is in the pack; the gaps list it too
            out.append(f'<tr class="none"><td>{head}</td><td colspan="6">never found</td></tr>')
            continue
        if g.quote:
            quote = g.quote if len(g.quote) <= 200 else g.quote[:199] + "…"
            head += f"<blockquote>{_e(quote)}</blockquote>"
        args = ["--clause", g.key] if g.key != UNCOVERED else []
        out.append(
            f"<tr><td>{head}</td><td>{_tags(g.categories)}</td>"
            f"<td class='n'>{len(these)}</td><td class='n'>{sum(r.count for r in these)}</td>"
            f"<td class='n'>{sum(1 for r in these if r.severity == 'high')}</td>"
            f"<td class='n'>{sum(1 for r in these if r.status == 'open')}</td>"
            f"<td>{_top(these, args)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _categories(rows: Sequence[FindingRow]) -> str:
    by_cat: dict[str, list[FindingRow]] = {}
    for r in rows:
        by_cat.setdefault(r.category, []).append(r)
    if not by_cat:
        return '<p class="none">No findings.</p>'
    out = [_colgroup("key", "tags", "tags", "n", "n", "n", "n", "top")
           + "<tr><th>category</th><th>entities</th><th>clauses</th>"
           '<th class="n">findings</th><th class="n">occurrences</th><th class="n">worst</th>'
           '<th class="n">open</th><th>top locations</th></tr>']
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    for cat, these in sorted(by_cat.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        worst = min((r.severity for r in these), key=lambda s: rank.get(s, 9))
        out.append(
            f"<tr><td>{_e(cat)}</td><td>{_tags(r.entity for r in these)}</td>"
            f"<td>{_tags(c for r in these for c in r.clauses)}</td>"
            f"<td class='n'>{len(these)}</td><td class='n'>{sum(r.count for r in these)}</td>"
            f"<td class='n'>{_sev(worst)}</td>"
            f"<td class='n'>{sum(1 for r in these if r.status == 'open')}</td>"
            f"<td>{_top(these, ['--category', cat])}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _ropa(report: InventoryReport) -> str:
    recorded = [a for a in report.ropa if any(_field(a, f) for f, _ in ROPA_LABELS)]
    out = ["<h2>Record of Processing Activities</h2>"]
    if not recorded:
        out.append('<p class="none">No processing activity has been recorded yet (GDPR Art. '
                   "30(1)): record purposes, data subjects, recipients, transfers, retention "
                   "and security measures per clause or source in <code>piiscout serve</code>, "
                   "Record of Processing.</p>")
        return "".join(out)
    out.append('<table><colgroup><col class="key"><col>' + '<col>' * len(ROPA_LABELS)
               + '</colgroup><tr><th>activity</th><th>categories found</th>'
               + "".join(f"<th>{_e(label)}</th>" for _, label in ROPA_LABELS) + "</tr>")
    subjects: dict[str, list[Any]] = {}
    for a in recorded:
        head = f"<b>{_e(a.key)}</b> <span class='more'>({_e(a.scope)})</span>"
        if a.title:
            head += f"<br>{_e(a.title)}"
        out.append(f"<tr><td>{head}</td><td>{_tags(a.categories)}</td>"
                   + "".join(f"<td>{_e(_field(a, f)) or '<span class=none>—</span>'}</td>"
                             for f, _ in ROPA_LABELS) + "</tr>")
        for name in _field(a, "data_subjects").replace(";", ",").split(","):
            if name.strip():
                subjects.setdefault(name.strip().lower(), []).append(a)
    out.append("</table>")
    if subjects:
        out.append("<h3>Per category of data subjects</h3><table><tr><th>data subjects</th>"
                   '<th>activities</th><th class="n">findings</th><th>special categories</th>'
                   "</tr>")
        for name, acts in sorted(subjects.items()):
            out.append(f"<tr><td>{_e(name)}</td><td>{_tags(a.key for a in acts)}</td>"
                       f"<td class='n'>{sum(a.findings for a in acts)}</td>"
                       f"<td>{_tags(c for a in acts for c in a.special)}</td></tr>")
        out.append("</table>")
    return "".join(out)


def _field(activity: Any, name: str) -> str:
    return str(getattr(activity, "fields", {}).get(name, "") or "")


def _gap_sections(report: InventoryReport) -> str:
    gaps = report.gaps
    out = ["<h2>Gaps</h2>", "<h3>Categories found that a chosen pack does not cover</h3>"]
    cat_rows = [
        f'<tr class="gap"><td>{"no chosen pack" if g.pack == "*" else _e(g.pack)}</td>'
        f"<td>{_e(g.category)}</td><td>{_tags(g.entities)}</td>"
        f'<td class="n">{g.locations}</td><td class="n">{g.findings}</td></tr>'
        for g in (*gaps.uncovered, *gaps.per_pack)
    ]
    if cat_rows:
        out.append('<table><tr><th>pack</th><th>category</th><th>entities</th>'
                   '<th class="n">locations</th><th class="n">findings</th></tr>'
                   + "".join(cat_rows) + "</table>")
    else:
        out.append('<p class="none">Every category found is covered by every chosen pack.</p>')
    out.append("<h3>Clauses whose data was never found</h3>")
    if gaps.unused_clauses:
        out.append("<table><tr><th>clause</th><th>title</th></tr>" + "".join(
            f"<tr><td>{_e(c.clause)}</td><td>{_e(c.title)}</td></tr>"
            for c in gaps.unused_clauses
        ) + "</table>")
    else:
        out.append('<p class="none">Data was found for every clause.</p>')
    return "".join(out)


def _plain_groups(report: InventoryReport) -> str:
    """Without the findings (a report built elsewhere): the groups' counts only."""
    out = [f"<h2>Inventory by {_e(report.by)}</h2><table><tr><th>{_e(report.by)}</th>"
           '<th>categories</th><th class="n">locations</th><th class="n">findings</th>'
           '<th class="n">occurrences</th></tr>']
    for g in report.groups:
        out.append(f"<tr><td><b>{_e(g.key)}</b><br>{_e(g.title)}</td><td>{_tags(g.categories)}"
                   f"</td><td class='n'>{len(g.locations)}</td><td class='n'>{g.findings}</td>"
                   f"<td class='n'>{g.occurrences}</td></tr>")
    out.append("</table>")
    return "".join(out)


def write(report: InventoryReport, stream: TextIO, *, color: bool = False) -> None:
    packs = ", ".join(f"{_e(t)} ({_e(i)})" for i, t in report.packs) or "none"
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>piiscout data inventory</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Personal-data inventory</h1>",
        (f'<p class="meta">Generated {_e(report.generated_at)} from {_e(report.database)}'
         f"<br>Policy packs: {packs}<br>Commands below read this inventory: add "
         "<code>--db</code> if it is not your default one.</p>"),
        '<dl class="defs">'
        f"<dt>finding</dt><dd>{_e(DEFINITIONS['finding'])}.</dd>"
        f"<dt>occurrence</dt><dd>{_e(DEFINITIONS['occurrence'])}. A scan's report counts "
        "occurrences; the inventory counts findings.</dd></dl>",
    ]
    if report.show == "inventory":
        if report.rows or report.mapper is not None:
            body += ["<h2>Summary</h2>", _summary(report.rows),
                     "<h2>By policy clause</h2>", _clauses(report),
                     "<h2>By category</h2>", _categories(report.rows),
                     _ropa(report)]
        else:
            body.append(_plain_groups(report))
    body += [
        _gap_sections(report),
        ('<p class="meta">Values are never shown: the inventory keeps masked previews and keyed '
         "hashes only. Findings reviewed as false positives, and findings no longer where they "
         "were found (resolved), are left out.</p>"),
        "</body></html>",
    ]
    stream.write("\n".join(body) + "\n")
