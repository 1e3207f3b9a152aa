"""``piiscout classifiers list``, ``piiscout connectors list``, ``piiscout formats list``: what the
plugin registry (:mod:`scanner.plugins`) holds, piiscout's own and third parties' alike."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner import plugins
from scanner.textsafe import clean

F = Callable[..., Any]


def _options(func: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                        default="table", show_default=True)(func)


def _emit(title: str, columns: Sequence[str], rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        cells = []
        for col in columns:
            value = row[col]
            if isinstance(value, list):  # a long list is cut in a table (JSON has it all)
                shown = value if len(value) <= 4 else [*value[:3], f"+{len(value) - 3} more"]
                value = ", ".join(str(v) for v in shown)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append(Text(clean(str(value))))
        table.add_row(*cells)
    Console().print(table)


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc).splitlines()[0])


# -- classifiers -----------------------------------------------------------------------------
@click.group(name="classifiers")
def classifiers_command() -> None:
    """The classifiers: piiscout's own and those other packages register."""


@classifiers_command.command(name="list")
@click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config file whose classify settings decide what is enabled.")
@_options
def classifiers_list(config: Path | None, fmt: str) -> None:
    """Every classifier in run order: its id, stage, entities, whether the settings enable it
    (`classify.ner`; `classify.recognizers` adds the file's recognizers), and the package that
    registered it."""
    from classifiers.registry import classifier_rows
    from scanner.cli.inventory import settings_for

    try:
        rows = classifier_rows(settings_for(config).classify)
    except (plugins.PluginError, ValueError) as exc:
        raise _fail(exc) from None
    _emit("Classifiers", ("id", "stage", "order", "entities", "enabled", "source"), rows, fmt)


@classifiers_command.command(name="warm")
@click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config file whose classify settings decide the patterns.")
def classifiers_warm(config: Path | None) -> None:
    """Compile the pattern databases into the per-user cache now (``make`` runs this), so that
    the first scan does not pay for it, and into the installation (its ``share/piiscout``),
    where any user's first scan finds them. Holds patterns only, never a scanned value."""
    import os
    import time

    from classifiers import hscache
    from scanner.cli.inventory import settings_for
    from scanner.stages.classify import Classifier

    where = hscache.cache_dir()
    before = set(where.glob("*.hsdb")) if where is not None and where.is_dir() else set()
    shared = hscache.write_installation_copy() if where is not None else None
    t0 = time.perf_counter()
    try:
        settings = settings_for(config)
        # NER off: the pattern databases are the same, and spaCy is not needed to build them.
        classify = settings.classify.model_copy(update={"ner": False})
        Classifier(settings.model_copy(update={"classify": classify}), os.urandom(32)).warm()
    except (plugins.PluginError, ValueError) as exc:
        raise _fail(exc) from None
    dt = time.perf_counter() - t0
    if where is None:
        click.echo(f"pattern databases built in {dt:.1f} s; the disk cache is off "
                   f"(${hscache.ENV}), so each scan builds them again")
        return
    after = set(where.glob("*.hsdb")) if where.is_dir() else set()
    click.echo(f"pattern databases ready in {dt:.1f} s: {len(after - before)} compiled, "
               f"{len(after)} in the cache {where}"
               + (f"; the installation's copy is in {shared}" if shared is not None else ""))


# -- connectors ------------------------------------------------------------------------------
@click.group(name="connectors")
def connectors_command() -> None:
    """The connectors, by URL scheme."""


@connectors_command.command(name="list")
@_options
def connectors_list(fmt: str) -> None:
    """Every URL scheme a target may have, the connector that reads it and the source kind
    policy packs call it; a connector that cannot be imported shows why (e.g. what to install)."""
    try:
        registry = plugins.plugins(plugins.CONNECTORS)
    except plugins.PluginError as exc:
        raise _fail(exc) from None
    rows = []
    for scheme, plugin in sorted(registry.items()):
        try:
            kind, status = str(getattr(plugin.load(), "source_kind", "")), "yes"
        except plugins.PluginError as exc:
            kind, status = "", f"no: {exc}"
        rows.append({"scheme": scheme, "connector": plugin.value, "source_kind": kind,
                     "available": status, "source": plugin.source})
    _emit("Connectors", ("scheme", "connector", "source_kind", "available", "source"), rows, fmt)


# -- formats ---------------------------------------------------------------------------------
@click.group(name="formats")
def formats_command() -> None:
    """The report formats of `scan --format` and `inventory --format`."""


@formats_command.command(name="list")
@_options
def formats_list(fmt: str) -> None:
    """Every format: `scan` (`scan --format`), `stream` (the same format written while the scan
    runs) and `inventory` (`inventory --format`)."""
    try:
        registry = plugins.plugins(plugins.FORMATS)
    except plugins.PluginError as exc:
        raise _fail(exc) from None
    rows = []
    for key, plugin in sorted(registry.items()):
        report, _, name = key.partition(".")
        rows.append({"report": report, "format": name, "writer": plugin.value,
                     "source": plugin.source})
    _emit("Formats", ("report", "format", "writer", "source"), rows, fmt)
