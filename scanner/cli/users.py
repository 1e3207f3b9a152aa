"""``piiscout users``: the workbench's accounts (``piiscout serve``).

Roles: ``viewer`` reads, ``reviewer`` also reviews findings and looks up data subjects, ``admin``
also manages users, policy packs and the Record of Processing. Passwords come from standard input
(``--password-stdin``) or a hidden prompt, never from the command line; they are kept as argon2
hashes in the inventory.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scanner.cli.inventory import db_options, opened, settings_for
from scanner.inventory.web_schema import ROLES


def _os_user() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli:unknown"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group(name="users")
def command() -> None:
    """Accounts of the web workbench (piiscout serve)."""


@command.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="viewer reads; reviewer also reviews; admin also manages users and packs.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (first line) instead of a prompt.")
@db_options
def add_command(name: str, role: str, password_stdin: bool, db_url: str | None,
                config: Path | None) -> None:
    """Create user NAME with a role; the password is asked for (hidden) or read from stdin."""
    from scanner.web.accounts import add_user

    password = _read_password(password_stdin)
    with opened(db_url, settings_for(config)) as inv:
        account = add_user(inv, name, role, password, actor=_os_user())
    click.echo(f"user {account.name} added with role {account.role}")


@command.command(name="passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@db_options
def passwd_command(name: str, password_stdin: bool, db_url: str | None,
                   config: Path | None) -> None:
    """Set a new password for NAME (signs out the user's open sessions)."""
    from scanner.web.accounts import set_password

    password = _read_password(password_stdin)
    with opened(db_url, settings_for(config)) as inv:
        set_password(inv, name, password, actor=_os_user())
    click.echo(f"password of {name} changed")


@command.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@db_options
def list_command(fmt: str, db_url: str | None, config: Path | None) -> None:
    """The workbench users and their roles."""
    from scanner.web.accounts import users

    with opened(db_url, settings_for(config)) as inv:
        accounts = users(inv)
    if fmt == "json":
        click.echo(json.dumps([{"name": a.name, "role": a.role, "created_at": a.created_at}
                               for a in accounts], indent=2))
        return
    table = Table(title=f"{len(accounts)} users")
    for col in ("name", "role", "created"):
        table.add_column(col)
    for a in accounts:
        table.add_row(a.name, a.role, a.created_at)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@command.command(name="remove")
@click.argument("name")
@db_options
def remove_command(name: str, db_url: str | None, config: Path | None) -> None:
    """Delete user NAME (their past decisions stay in the audit trails)."""
    from scanner.web.accounts import remove_user

    with opened(db_url, settings_for(config)) as inv:
        remove_user(inv, name, actor=_os_user())
    click.echo(f"user {name} removed")
