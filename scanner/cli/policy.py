"""Placeholder: filled in by its owner."""

import click


@click.command(name="policy")
def command() -> None:
    """Not available yet."""
    raise click.ClickException("'policy' is not implemented yet")
