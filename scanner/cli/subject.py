"""Placeholder: filled in by its owner."""

import click


@click.command(name="subject")
def command() -> None:
    """Not available yet."""
    raise click.ClickException("'subject' is not implemented yet")
