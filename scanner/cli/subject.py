"""``piiscout subject find``: every location that holds a person's value, for an access request.

The answers come from :mod:`scanner.subject` (the same module the workbench uses): the value is
normalised as :mod:`scanner.redact` does and hashed with the installation key, only hashes are
compared with the inventory, and the database columns classified as holding that kind of value
are queried live, read-only, so that a table's sample does not hide a customer. The value itself
is never printed or logged: give it on standard input (``-``) or at the hidden prompt to keep it
out of shell history too. Each lookup is written to the audit log (who, when, what kind).
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scanner.cli.inventory import data_dir_of, db_options, opened, settings_for
from scanner.redact import SECRET_FILE, load_or_create_secret
from scanner.subject import KINDS, lookup
from scanner.textsafe import text


@click.group(name="subject")
def command() -> None:
    """Data-subject requests: find where a person's data is held."""


@command.command(name="find")
@click.argument("value", required=False, metavar="[VALUE|-]")
@click.option("--kind", type=click.Choice(list(KINDS)), default=None,
              help="What the value is [default: try every kind].")
@click.option("--include-resolved", is_flag=True,
              help="Also show false positives and findings resolved by later scans.")
@click.option("--no-live", is_flag=True, help="Answer from the inventory only (no database query).")
@click.option("--source-db", "source_dbs", multiple=True, metavar="URL",
              envvar="PIISCOUT_SOURCE_DB",
              help="Connection URL of a scanned server database, for the live query "
              "(repeatable; or PIISCOUT_SOURCE_DB, space-separated).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@db_options
def find_command(value: str | None, kind: str | None, include_resolved: bool, no_live: bool,
                 source_dbs: tuple[str, ...], fmt: str, db_url: str | None,
                 config: Path | None) -> None:
    """List every location holding VALUE (an e-mail, phone, IBAN, name, ID, ...).

    Without VALUE you are prompted (input hidden); `-` reads it from standard input.
    """
    from scanner.web.accounts import record

    if value is None:
        value = click.prompt("Value to look up", hide_input=True)
    elif value == "-":
        value = sys.stdin.readline().rstrip("\n")
    if not value or not value.strip():
        raise click.ClickException("give a non-empty value to look up")
    settings = settings_for(config)
    data_dir = data_dir_of(settings)
    if not (data_dir / SECRET_FILE).exists():
        raise click.ClickException(
            f"no installation key in {data_dir}: run `piiscout scan` on this installation first "
            "(or set PIISCOUT_HOME to the data directory the scans used)"
        )
    secret = load_or_create_secret(data_dir)
    with opened(db_url, settings) as inv:
        result = lookup(inv, secret, value, kind=kind, include_resolved=include_resolved,
                        live=not no_live, source_dbs=source_dbs, settings=settings)
        del value
        record(inv, _who(), "subject-lookup",
               f"kind={result.kind} locations={result.total} via=cli")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    console = Console(width=None if sys.stdout.isatty() else 200)
    for err in result.live_errors:
        console.print(f"[yellow]{err}[/]")
    if not result.locations:
        console.print("No location in the inventory holds this value.")
        return
    table = Table(title=f"{result.total} "
                  f"{'location holds' if result.total == 1 else 'locations hold'} this value")
    for col in ("location", "field", "entity", "preview", "count", "last seen", "status",
                "also held there"):
        table.add_column(col, overflow="fold")
    for loc in result.locations:
        also = ", ".join(sorted({f"{r.field or '-'}:{r.entity}" for r in loc.same_location}))
        for r in loc.matches:  # names from sources: never markup
            table.add_row(text(loc.uri), text(r.field), text(r.entity), text(r.preview),
                          str(r.count), r.last_seen[:19], r.status, text(also))
        for row in loc.live_rows:
            table.add_row(text(loc.uri), text(row.column), text(row.entity), text(row.preview),
                          "live", text(str(row.key)), "",
                          text(", ".join(f"{v.field}:{v.entity} {v.preview}" for v in row.related)))
    console.print(table)


def _who() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli:unknown"
