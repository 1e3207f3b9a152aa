"""Placeholder: filled in by its owner."""

import click


@click.command(name="findings")
def command() -> None:
    """Not available yet."""
    raise click.ClickException("'findings' is not implemented yet")
