"""``piiscout secret``: check or rotate the installation secret that keys every value hash.

Rotating writes a new random secret (32 bytes, mode 0600) in place of the old one, atomically.
Every hash made with the old secret then stops matching: ``subject find`` no longer finds values
recorded before, and findings recorded before get a new identity at the next scan (their review
decisions do not carry over). The old secret is not kept: rotation is what you do when it may have
leaked. ``--clear-inventory`` also deletes the default SQLite inventory of this data directory,
so that no hash made with the old secret stays behind; an inventory on a database server
(``--db``/``inventory.url``) is never touched: clear or drop it yourself.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.cli.inventory import data_dir_of, settings_for
from scanner.redact import MIN_SECRET_BYTES, SECRET_FILE, SecretError, read_secret, write_secret

FC = TypeVar("FC", bound=Callable[..., Any])

CONSEQUENCE = (
    "Every value hash made with the old secret will stop matching: `piiscout subject find` "
    "will not find values recorded before, and findings recorded before will come back as new "
    "ones at the next scan (their review decisions will not carry over)."
)


@click.group(name="secret")
def command() -> None:
    """The installation secret that keys every value hash."""


def _config_option(func: FC) -> FC:
    return click.option(
        "-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="Config file (YAML) on top of the defaults.",
    )(func)


@command.command(name="check")
@_config_option
def check_command(config: Path | None) -> None:
    """Say whether the installation secret exists and can be used (exit 2 when it cannot)."""
    path = data_dir_of(settings_for(config)) / SECRET_FILE
    try:
        read_secret(path)
    except FileNotFoundError:
        raise SecretError(f"no installation secret at {path}: the first scan creates one") from None
    click.echo(f"the installation secret {path} is usable")


@command.command(name="rotate")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--clear-inventory", is_flag=True,
              help="Also delete the default SQLite inventory of this data directory.")
@_config_option
def rotate_command(yes: bool, clear_inventory: bool, config: Path | None) -> None:
    """Replace the installation secret with a new random one (see the consequence below).

    Every value hash made with the old secret stops matching: subject lookups miss the values
    recorded before, and old findings come back as new ones at the next scan.
    """
    from scanner.inventory.store import DB_FILE

    settings = settings_for(config)
    data_dir = data_dir_of(settings)
    path = data_dir / SECRET_FILE
    inventory = data_dir / DB_FILE
    if path.is_dir():
        raise SecretError(f"the installation secret {path} is a directory: remove it first")
    if not yes:
        click.echo(f"This writes a new installation secret to {path}.", err=True)
        click.echo(CONSEQUENCE, err=True)
        if clear_inventory:
            click.echo(f"The inventory {inventory} will be deleted.", err=True)
        elif inventory.exists():
            click.echo(f"The inventory {inventory} is kept (--clear-inventory deletes it).",
                       err=True)
        click.confirm("Rotate the secret?", abort=True, err=True)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_secret(path, secrets.token_bytes(MIN_SECRET_BYTES), replace=True)
    except OSError as exc:
        raise SecretError(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"new installation secret written to {path}")
    if clear_inventory:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{inventory}{suffix}").unlink(missing_ok=True)
        click.echo(f"inventory {inventory} deleted")
    elif settings.inventory.url:
        click.echo("the inventory at inventory.url still holds hashes made with the old secret",
                   err=True)
