"""Placeholder: filled in by its owner."""

import click


@click.command(name="inventory")
def command() -> None:
    """Not available yet."""
    raise click.ClickException("'inventory' is not implemented yet")
