"""``piiscout findings``: list stored findings and review them (confirmed, false-positive,
accepted, remediated). Decisions go to an append-only audit log and carry over to the same
finding (location + field + entity + value hash) in later scans."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scanner.cli.inventory import db_options, opened, packs_for, policy_option, settings_for
from scanner.inventory.schema import STATUSES
from scanner.inventory.store import REVIEW_STATUSES, FindingRow
from scanner.policy import PolicyMapper

MAX_ROWS = 500


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
              help="Only this source (its name, its kind such as s3, or a URI prefix).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--include-resolved", is_flag=True,
              help="Also findings resolved by a later scan (no longer where they were).")
@policy_option
@db_options
def list_command(
    status: str | None, clause: str | None, category: str | None, source: str | None, fmt: str,
    policies: tuple[str, ...], db_url: str | None, config: Path | None,
    include_resolved: bool = False,
) -> None:
    """List findings (masked previews only), with their clauses under the active packs."""
    settings = settings_for(config)
    mapper = PolicyMapper(packs_for(policies, settings))
    if clause and not _known_clause(clause, mapper):
        raise click.ClickException(
            f"no clause {clause!r} in the active packs; see `piiscout policy show ID` for IDs"
        )
    with opened(db_url, settings) as inv:
        rows = inv.findings(status=status, category=category, source=source,
                            resolved=include_resolved)
    mapped = [(r, mapper.clauses_for_category(r.category, r.linked, r.source_kind)) for r in rows]
    if clause:
        mapped = [(r, cs) for r, cs in mapped if any(_under(c, clause) for c in cs)]
    if fmt == "json":
        out = [{**r.to_dict(), "clauses": list(cs)} for r, cs in mapped]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _table(mapped)


def _known_clause(clause: str, mapper: PolicyMapper) -> bool:
    if "/" in clause:
        return mapper.clause_info(clause) is not None
    return any(p.id == clause for p in mapper.packs)


def _under(qualified: str, wanted: str) -> bool:
    return qualified == wanted or qualified.partition("/")[0] == wanted


def _table(mapped: list[tuple[FindingRow, tuple[str, ...]]]) -> None:
    console = Console(width=None if sys.stdout.isatty() else 200)
    if not mapped:
        console.print("No findings match.")
        return
    table = Table(title=f"{len(mapped)} findings")
    for col in ("id", "location", "field", "entity", "preview", "count", "last seen", "status",
                "clauses"):
        table.add_column(col, overflow="fold")
    for r, cs in mapped[:MAX_ROWS]:
        table.add_row(str(r.id), r.uri, r.field, r.entity, r.preview, str(r.count),
                      r.last_seen[:19], r.status, "\n".join(cs) or "(none)")
    console.print(table)
    if len(mapped) > MAX_ROWS:
        console.print(f"… {len(mapped) - MAX_ROWS} more: use --format json or narrow the filters")


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
    table = Table(title="Review log")
    for col in ("finding", "when", "who", "old", "new", "note"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(str(e.finding_id), e.at, e.reviewer, e.old_status, e.new_status, e.note)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
