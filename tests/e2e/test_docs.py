"""Docs are tested: every entity and every CLI command is documented in the README."""

from __future__ import annotations

from importlib import resources

import click
import yaml

from tests.helpers.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_entity_table() -> str:
    return README.split("<!-- entities:begin -->")[1].split("<!-- entities:end -->")[0]


def test_every_entity_is_in_the_readme_with_its_category() -> None:
    # read the YAML itself, not through scanner/entities.py: the table must match the file
    taxonomy = yaml.safe_load(resources.files("config").joinpath("taxonomy.yaml").read_text())
    rows = {line.split("|")[1].strip(" `"): line for line in _readme_entity_table().splitlines()
            if line.startswith("| `")}
    assert len(rows) == len(taxonomy["entities"]), "README rows and taxonomy rows differ in number"
    for entity, spec in taxonomy["entities"].items():
        assert entity in rows, f"{entity} missing from the README entity table"
        assert f"`{spec['category']}`" in rows[entity], f"{entity}: category differs"
        assert f"| {spec['severity']}" in rows[entity], f"{entity}: severity differs"


def test_the_readme_entity_table_is_the_taxonomy() -> None:
    from scanner.entities import readme_table

    assert _readme_entity_table().strip() == readme_table(), (
        "README entity table is out of date: paste `python -m scanner.entities readme` between "
        "its <!-- entities:begin --> and <!-- entities:end --> markers")


def test_every_command_appears_in_the_readme() -> None:
    from scanner.cli import main

    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        assert f"piiscout {name}" in README, f"'piiscout {name}' is not in the README"
