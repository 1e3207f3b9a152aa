"""``piiscout subject find``: every location that holds a person's value, for an access request.

The value is normalised (e-mail case, phone to E.164, card digits, ...) and hashed with the
installation key (:func:`scanner.redact.candidate_hashes`); only the hashes are compared with the
inventory, which never holds clear values. The value itself is never printed or logged: give it
on standard input (``-``) or at the hidden prompt to keep it out of shell history too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scanner.cli.inventory import data_dir_of, db_options, opened, settings_for
from scanner.redact import SECRET_FILE, candidate_hashes, load_or_create_secret


@click.group(name="subject")
def command() -> None:
    """Data-subject requests: find where a person's data is held."""


@command.command(name="find")
@click.argument("value", required=False, metavar="[VALUE|-]")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--include-resolved", is_flag=True,
              help="Also locations where a later scan no longer found it.")
@db_options
def find_command(value: str | None, fmt: str, db_url: str | None, config: Path | None,
                 include_resolved: bool = False) -> None:
    """List every location holding VALUE (an e-mail, phone, card number, name, ...).

    Without VALUE you are prompted (input hidden); `-` reads it from standard input.
    """
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
    hashes = candidate_hashes(load_or_create_secret(data_dir), value)
    del value
    by_hash = {h: entity for entity, h in hashes.items()}
    with opened(db_url, settings) as inv:
        rows = inv.findings(value_hashes=by_hash, status="*", resolved=include_resolved)
    if fmt == "json":
        click.echo(json.dumps(
            {"matches": [{**r.to_dict(), "matched_as": by_hash[r.value_hash]} for r in rows]},
            indent=2, ensure_ascii=False,
        ))
        return
    console = Console(width=None if sys.stdout.isatty() else 200)
    if not rows:
        console.print("No location in the inventory holds this value.")
        return
    table = Table(title=f"{len({r.uri for r in rows})} locations hold this value")
    for col in ("location", "field", "entity", "preview", "count", "last seen", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.uri, r.field, r.entity, r.preview, str(r.count), r.last_seen[:19],
                      r.status)
    console.print(table)
