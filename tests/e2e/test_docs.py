"""Docs are tested: every entity and every CLI command is documented in the README."""

from __future__ import annotations

from importlib import resources

import click
import yaml

from tests.helpers.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_entity_is_in_the_readme_with_its_category() -> None:
    taxonomy = yaml.safe_load(resources.files("config").joinpath("taxonomy.yaml").read_text())
    table = README.split("<!-- entities:begin -->")[1].split("<!-- entities:end -->")[0]
    rows = {line.split("|")[1].strip(" `"): line for line in table.splitlines()
            if line.startswith("| `")}
    for entity, spec in taxonomy["entities"].items():
        assert entity in rows, f"{entity} missing from the README entity table"
        assert f"`{spec['category']}`" in rows[entity], f"{entity}: category differs"


def test_every_command_appears_in_the_readme() -> None:
    from scanner.cli import main

    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        assert f"piiscout {name}" in README, f"'piiscout {name}' is not in the README"
