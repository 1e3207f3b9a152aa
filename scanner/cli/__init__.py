"""The ``piiscout`` command: one click group, one module per command group."""

from __future__ import annotations

from importlib import import_module

import click

# (module under scanner.cli, attribute): each is a click command or group added to ``main``.
COMMANDS = (
    ("scan", "command"),
    ("inventory", "command"),
    ("findings", "command"),
    ("subject", "command"),
    ("policy", "command"),
    ("secret", "command"),
    ("users", "command"),
    ("serve", "command"),
    ("plugins", "classifiers_command"),
    ("plugins", "connectors_command"),
    ("plugins", "formats_command"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="piiscout")
def main() -> None:
    """piiscout: find personal data and map it to privacy-policy clauses."""


for _module, _attr in COMMANDS:
    main.add_command(getattr(import_module(f"scanner.cli.{_module}"), _attr))
