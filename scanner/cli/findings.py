"""``piiscout findings``: list stored findings and review them (confirmed, false-positive,
accepted, remediated). Decisions go to an append-only audit log and carry over to the same
finding (location + field + entity + value hash) in later scans."""

from __future__ import annotations

import difflib
import getpass
import json
import sys
from pathlib import Path

import click
from rich.console import Console

from scanner.cli.inventory import db_options, opened, packs_for, policy_option, settings_for
from scanner.inventory.schema import STATUSES
from scanner.inventory.store import REVIEW_STATUSES, FindingRow, Inventory
from scanner.policy import PolicyMapper, known_categories
from scanner.textsafe import Col, clean, plain_rows, render_table, terminal_width

MAX_ROWS = 500
# Columns of `findings list`, most wanted first when 80 columns cannot hold them all.
LIST_COLS = [
    Col("id", kind="fixed", priority=0, justify="right"),
    Col("location", kind="path", priority=1, min=24),
    Col("line", kind="fixed", priority=9, justify="right"),
    Col("field", kind="text", priority=5, min=8, max=32),
    Col("entity", kind="fixed", priority=2),
    Col("preview", kind="path", priority=4, min=20, max=32),  # cut in the middle: the end shows
    Col("count", kind="fixed", priority=6, justify="right"),
    Col("last seen", kind="fixed", priority=8),
    Col("status", kind="fixed", priority=3),
    Col("clauses", kind="text", priority=7, min=14),
]
HISTORY_COLS = [
    Col("finding", kind="fixed", priority=0, justify="right"),
    Col("when", kind="fixed", priority=2),
    Col("who", kind="text", priority=3, min=8),
    Col("old", kind="fixed", priority=4),
    Col("new", kind="fixed", priority=1),
    Col("note", kind="text", priority=5, min=12),
]


@click.group(name="findings")
def command() -> None:
    """List and review the findings in the inventory."""


@command.command(name="list")
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Only findings with this review status [default: all but false-positive].")
@click.option("--clause", default=None, metavar="PACK/CLAUSE|PACK",
              help="Only findings under this clause (or any clause of this pack).")
@click.option("--category", default=None, help="Only this category (and its children).")
@click.option("--source", default=None,
              help="Only this source (its name, its kind such as s3, a URI prefix or a path).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--wide", is_flag=True, help="Every column, nothing shortened.")
@click.option("--include-resolved", is_flag=True,
              help="Also findings resolved by a later scan (no longer where they were).")
@policy_option
@db_options
def list_command(
    status: str | None, clause: str | None, category: str | None, source: str | None, fmt: str,
    wide: bool, policies: tuple[str, ...], db_url: str | None, config: Path | None,
    include_resolved: bool = False,
) -> None:
    """List findings (masked previews only), with their clauses under the active packs.

    Each has the line of its first occurrence (in the last scan that saw it), its field and the
    classifier's explanation (JSON; never the value)."""
    settings = settings_for(config)
    mapper = PolicyMapper(packs_for(policies, settings))
    if clause and not _known_clause(clause, mapper):
        raise click.ClickException(
            f"no clause {clean(clause)!r} in the active packs"
            + _closest(clause, _clauses(mapper)) + " (`piiscout policy show ID` lists them)"
        )
    source = _source_filter(source)
    with opened(db_url, settings) as inv:
        if category and not _known_category(category, inv):
            near = _closest(category, _categories(inv))
            raise click.ClickException(
                f"unknown category {clean(category)!r}" + (near or
                "; categories are fideslang keys such as user.contact.email (a parent such as "
                "user.contact selects its children)")
            )
        rows = inv.findings(status=status, category=category, source=source,
                            resolved=include_resolved, mapper=mapper)
    mapped = [(r, r.clauses) for r in rows]
    if clause:
        mapped = [(r, cs) for r, cs in mapped if any(_under(c, clause) for c in cs)]
    if fmt == "json":
        out = [{**r.to_dict(), "clauses": list(cs)} for r, cs in mapped]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _table(mapped, wide=wide)


def _source_filter(source: str | None) -> str | None:
    """A path (``./share``, ``/srv/hr/a.csv``) becomes the ``file://`` URI prefix it is stored
    under; source names, kinds (``s3``) and URI prefixes pass as they are."""
    if source is None or "://" in source:
        return source
    looks_like_path = source.startswith(("/", ".", "~")) or "/" in source or Path(source).exists()
    if not looks_like_path:
        return source
    try:
        return Path(source).expanduser().resolve().as_uri()
    except (OSError, ValueError):
        return source


def _clauses(mapper: PolicyMapper) -> list[str]:
    return [p.id for p in mapper.packs] + [p.qualified(c) for p in mapper.packs
                                           for c in p.clauses]


def _categories(inv: Inventory) -> set[str]:
    stored = {r.category for r in inv.findings(status="*")}
    parents = {".".join(c.split(".")[: i + 1]) for c in stored for i in range(c.count(".") + 1)}
    return set(known_categories()) | parents


def _known_category(category: str, inv: Inventory) -> bool:
    return category in known_categories() or category in _categories(inv)


def _closest(wrong: str, names: list[str] | set[str]) -> str:
    near = difflib.get_close_matches(wrong, sorted(names), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(clean(n) for n in near)}?" if near else ""


def _known_clause(clause: str, mapper: PolicyMapper) -> bool:
    if "/" in clause:
        return mapper.clause_info(clause) is not None
    return any(p.id == clause for p in mapper.packs)


def _under(qualified: str, wanted: str) -> bool:
    return qualified == wanted or qualified.partition("/")[0] == wanted


def _common_root(paths: list[str]) -> str:
    from scanner.reports.table import _common_root as common

    return common(paths)


def _console(width: int | None) -> Console:
    return Console(width=width or 10_000, highlight=False, soft_wrap=False,
                   force_terminal=sys.stdout.isatty() or None)


def _table(mapped: list[tuple[FindingRow, tuple[str, ...]]], *, wide: bool = False) -> None:
    """Findings as a table that fits the terminal (or COLUMNS); plain tab-separated rows when
    piped without COLUMNS. Every name from a source is cleaned and never parsed as markup."""
    width = None if wide else terminal_width(sys.stdout)
    if not mapped:
        click.echo("No findings match.")
        return
    root = "" if width is None and not wide else _common_root(
        [r.uri.removeprefix("file://") for r, _ in mapped[:MAX_ROWS]])
    rows = [[str(r.id), clean(r.uri.removeprefix("file://")[len(root):]),
             "" if r.line is None else str(r.line), clean(r.field),
             clean(r.entity),
             clean(r.preview), str(r.count), r.last_seen[:19], r.status,
             "\n".join(clean(c) for c in cs) or "(none)"] for r, cs in mapped[:MAX_ROWS]]
    more = (f"… {len(mapped) - MAX_ROWS} more: use --format json or narrow the filters"
            if len(mapped) > MAX_ROWS else "")
    if width is None and not wide:
        plain_rows(sys.stdout, LIST_COLS, rows)
        if more:
            click.echo(more)
        return
    title = f"{len(mapped)} findings" + (f" under {clean(root)}" if root else "")
    render_table(_console(width), title, LIST_COLS, rows, width, note=more)


@command.command(name="review")
@click.argument("finding_id", type=int, metavar="ID")
@click.option("--status", required=True, type=click.Choice(REVIEW_STATUSES),
              help="The decision.")
@click.option("--note", default="", help="Why (kept in the audit log).")
@click.option("--reviewer", default=None, help="Who decides [default: the OS user].")
@db_options
def review_command(
    finding_id: int, status: str, note: str, reviewer: str | None, db_url: str | None,
    config: Path | None,
) -> None:
    """Record a review decision for finding ID (see `piiscout findings list`)."""
    who = reviewer or _os_user()
    with opened(db_url, settings_for(config)) as inv:
        entry = inv.review(finding_id, status, reviewer=who, note=note)
    click.echo(f"finding {finding_id}: {entry.old_status} -> {entry.new_status} by {entry.reviewer}")


@command.command(name="history")
@click.argument("finding_id", type=int, required=False, metavar="[ID]")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@db_options
def history_command(
    finding_id: int | None, fmt: str, db_url: str | None, config: Path | None
) -> None:
    """The review audit log (of one finding, or of all)."""
    with opened(db_url, settings_for(config)) as inv:
        if finding_id is not None:
            inv.get(finding_id)  # a clear error for an unknown ID
        entries = inv.history(finding_id)
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    rows = [[str(e.finding_id), e.at, clean(e.reviewer), e.old_status, e.new_status,
             clean(e.note)] for e in entries]
    width = terminal_width(sys.stdout)
    if width is None:
        plain_rows(sys.stdout, HISTORY_COLS, rows)
        return
    render_table(_console(width), "Review log", HISTORY_COLS, rows, width)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
