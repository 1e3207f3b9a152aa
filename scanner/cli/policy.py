"""``piiscout policy``: list and show policy packs, and draft a new pack from a policy's text."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scanner.cli.inventory import output_stream, settings_for
from scanner.policy import (
    PolicyError,
    available_packs,
    imported_packs,
    load_pack,
    select_packs,
    selected_packs,
)


@click.group(name="policy")
def command() -> None:
    """Policy packs: privacy-policy clauses and the data categories they cover."""


@command.command(name="list")
@click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config file whose `policies` are marked active.")
def list_command(config: Path | None) -> None:
    """The packs shipped with piiscout and those imported; active ones are marked (config
    `policies`, else the selection made with `piiscout policy use`, else GDPR)."""
    try:
        active = set(settings_for(config).policies or selected_packs())
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    table = Table(title="Policy packs")
    for col in ("id", "active", "title", "clauses", "source"):
        table.add_column(col, overflow="fold")
    for pid in sorted(set(available_packs()) | set(imported_packs())):
        try:
            pack = load_pack(pid)
        except PolicyError as exc:
            table.add_row(pid, "", f"[red]invalid: {exc}[/]", "", "")
            continue
        table.add_row(pid, "yes" if pid in active else "", pack.title, str(len(pack.clauses)),
                      pack.source)
    Console().print(table)


@command.command(name="show")
@click.argument("pack_id", metavar="ID|FILE")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def show_command(pack_id: str, fmt: str) -> None:
    """A pack's clauses, quotes and rules (a FILE is validated as it is shown)."""
    try:
        pack = load_pack(pack_id)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(pack.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    console = Console()
    console.print(f"[bold]{pack.title}[/] ({pack.id}, version {pack.version}) {pack.source}")
    table = Table(show_lines=True)
    for col in ("clause", "quote", "rules"):
        table.add_column(col, overflow="fold")
    for c in pack.clauses:
        rules = "\n".join(_rule_text(r.category, r.exact, r.linked, r.source_kinds)
                          for r in c.rules) or "(no data categories)"
        table.add_row(f"{pack.id}/{c.id}\n[dim]{c.title}[/]", " ".join(c.quote.split()), rules)
    console.print(table)


def _rule_text(category: str, exact: bool, linked: bool | None, kinds: tuple[str, ...]) -> str:
    extra = []
    if exact:
        extra.append("exact")
    if linked is not None:
        extra.append(f"linked={str(linked).lower()}")
    if kinds:
        extra.append("sources=" + ",".join(kinds))
    return category + (f" ({'; '.join(extra)})" if extra else "")


@command.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "pack_id", default=None, help="ID of the new pack [default: from FILE].")
@click.option("--title", default="", help="Title of the new pack [default: the first heading].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft YAML here [default: standard output].")
def import_command(file: Path, pack_id: str | None, title: str, output: Path | None) -> None:
    """Draft a pack from a policy's text (clauses from headings and paragraphs, categories
    suggested from the wording) as YAML for a DPO to edit."""
    from scanner.policy_import import draft_yaml

    if pack_id is not None and not pack_id.replace("-", "").replace("_", "").isalnum():
        raise click.ClickException("--id takes letters, digits, - and _ only")
    try:
        text = draft_yaml(file, pack_id, title)
    except PolicyError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not a text file: save the policy as text") from None
    with output_stream(output) as stream:
        stream.write(text)
    if output is not None:
        click.echo(f"Draft pack written to {output}; edit it, then use --policy {output}", err=True)


@command.command(name="use")
@click.argument("pack_ids", nargs=-1, required=True, metavar="ID...")
def use_command(pack_ids: tuple[str, ...]) -> None:
    """Make these packs the active ones (saved in the data directory; shipped or imported IDs).

    Every inventory command and scan then uses them unless --policy or a config's `policies`
    says otherwise. `piiscout policy use gdpr` goes back to the default.
    """
    try:
        chosen = select_packs(pack_ids)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("active policy packs: " + ", ".join(chosen))


@command.command(name="save")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activate", is_flag=True, help="Also add it to the active packs.")
def save_command(file: Path, activate: bool) -> None:
    """Keep a reviewed draft pack (YAML from `policy import`) as an imported pack."""
    from scanner.policy import save_imported_pack

    try:
        pack = save_imported_pack(file.read_text(encoding="utf-8"))
        if activate:
            select_packs([*selected_packs(), pack.id])
    except PolicyError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo(f"pack {pack.id} saved" + (" and active" if activate else ""))
