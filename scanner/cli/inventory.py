"""``piiscout inventory``: the data inventory grouped by clause, category or source, and the gap
report, as a table, JSON, CSV or a self-contained HTML file. Also the options the other inventory
commands share (``--db``, ``--config``, ``--policy``)."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from scanner.inventory.store import Inventory, safe_url
from scanner.policy import PolicyError, PolicyMapper, PolicyPack, load_packs
from scanner.reports import INVENTORY, formats, formatter
from scanner.settings import Settings, default_data_dir, load_settings

FORMATS = formats(INVENTORY)  # the "inventory.NAME" entry points of piiscout.formats

F = Callable[..., Any]


def db_options(func: F) -> F:
    """``--db`` and ``--config``, shared by every inventory command."""
    func = click.option(
        "--db", "db_url", default=None, metavar="URL",
        help="Inventory database URL (sqlite:///PATH or postgresql://...) [default: config "
        "inventory.url, else the SQLite file in the data directory].",
    )(func)
    return click.option(
        "-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="Config file (YAML) on top of the defaults.",
    )(func)


def policy_option(func: F) -> F:
    return click.option(
        "--policy", "policies", multiple=True, metavar="ID|FILE",
        help="Active policy pack (repeatable) [default: config `policies`].",
    )(func)


def settings_for(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load config {config}: {exc}") from exc


def data_dir_of(settings: Settings) -> Path:
    return settings.data_dir or default_data_dir()


@contextmanager
def opened(db_url: str | None, settings: Settings) -> Iterator[Inventory]:
    """The inventory (``--db``, else config ``inventory.url``, else the default SQLite file)."""
    must_exist(db_url or settings.inventory.url)
    inventory = Inventory.open(db_url or settings.inventory.url, data_dir_of(settings))
    try:
        yield inventory
    finally:
        inventory.close()


def must_exist(url: str | None) -> None:
    """Only ``scan`` creates an inventory: a mistyped SQLite ``--db`` is an error, not a new
    empty inventory that silently matches nothing."""
    if url is None:
        return
    from scanner.inventory.store import normalize_url

    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(normalize_url(url))
    except Exception:
        return
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        raise click.ClickException(
            f"no inventory at {parsed.database} (check the path): only `piiscout scan "
            f"--db {url if '://' not in url else safe_url(url)} ...` creates one"
        )


def packs_for(policies: tuple[str, ...], settings: Settings) -> list[PolicyPack]:
    try:
        return load_packs(policies or settings.policies)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


def db_display(db_url: str | None, settings: Settings) -> str:
    url = db_url or settings.inventory.url
    if url is None:
        return str(data_dir_of(settings) / "inventory.sqlite")
    return safe_url(url)


@contextmanager
def output_stream(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            yield fh
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None


def _report_options(func: F) -> F:
    func = click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
                        help="Output format [default: table, or from the --output suffix].")(func)
    func = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        default=None, help="Write the report to this file.")(func)
    func = click.option("--wide", is_flag=True, default=False,
                        help="Tables: every column, nothing shortened.")(func)
    return policy_option(db_options(func))


def _render(
    *, db_url: str | None, config: Path | None, policies: tuple[str, ...], by: str,
    fmt: str | None, output: Path | None, show: str, wide: bool = False,
) -> None:
    from scanner.inventory.views import build_report

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        if output is not None and suffix not in (*FORMATS, "htm", "txt"):
            raise click.ClickException(
                f"cannot tell the report format from {output.name!r}: name the file .html, "
                ".json, .csv or .txt, or give --format"
            )
        fmt = {"htm": "html", "txt": "table"}.get(suffix, suffix) if suffix else "table"
    if fmt == "html" and output is None and sys.stdout.isatty():
        raise click.ClickException("an HTML report goes to a file: add --output report.html")
    settings = settings_for(config)
    mapper = PolicyMapper(packs_for(policies, settings))
    with opened(db_url, settings) as inv:
        rows = inv.findings(mapper=mapper)
        ropa = _ropa(inv, mapper, rows) if fmt == "html" else ()
    report = build_report(
        rows, mapper, by=by, show=show, database=db_display(db_url, settings),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if ropa:
        report = dataclasses.replace(report, ropa=ropa)
    with output_stream(output) as stream:
        extra = {"wide": True} if wide and fmt == "table" else {}
        formatter(fmt, INVENTORY)(
            report, stream, color=output is None and sys.stdout.isatty(), **extra
        )
    if output is not None:
        click.echo(f"Inventory report written to {output}", err=True)


def _ropa(inv: Inventory, mapper: PolicyMapper, rows: list[Any]) -> tuple[Any, ...]:
    """The Record of Processing activities (what the DPO recorded, with the categories found)."""
    from scanner.web.ropa import activities

    return tuple(activities(inv, mapper, rows))


@click.group(name="inventory", invoke_without_command=True)
@click.option("--by", type=click.Choice(["clause", "category", "source"]), default="clause",
              show_default=True, help="Group the inventory by policy clause, category or source.")
@click.option("--gaps", "gaps_only", is_flag=True, help="Show the gap report only.")
@_report_options
@click.pass_context
def command(ctx: click.Context, by: str, gaps_only: bool, **opts: Any) -> None:
    """The data inventory: what personal data is where, under which policy clause.

    Without a subcommand, shows the inventory grouped by clause (or --by category / source),
    followed by the gaps: categories found that a policy does not cover, and clauses whose data
    was never found. Findings reviewed as false positives are left out.
    """
    if ctx.invoked_subcommand is None:
        _render(by=by, show="gaps" if gaps_only else "inventory", **opts)


@command.command(name="gaps")
@_report_options
def gaps_command(**opts: Any) -> None:
    """Categories found that no clause covers, and clauses whose data was never found."""
    _render(by="clause", show="gaps", **_with_parent(opts))


def _with_parent(opts: dict[str, Any]) -> dict[str, Any]:
    """Options given before the subcommand (``inventory --db X gaps``) count too."""
    parent = click.get_current_context().parent
    given = parent.params if parent is not None else {}
    return {k: (given.get(k, v) if v in (None, ()) else v) for k, v in opts.items()}


@command.command(name="runs")
@db_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def runs_command(db_url: str | None, config: Path | None, fmt: str) -> None:
    """The recorded scans: `completed`, `interrupted` (stopped, or killed: marked by the next
    command), or `running` (still recording)."""
    import json

    from rich.console import Console
    from rich.table import Table

    given = _with_parent({"db_url": db_url, "config": config})
    settings = settings_for(given["config"])
    with opened(given["db_url"], settings) as inv:
        runs = inv.runs()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in runs], indent=2))
        return
    table = Table(title="Recorded scans")
    for col in ("run", "recorded", "status", "targets", "scanned", "failed", "findings", "errors"):
        table.add_column(col, overflow="fold")
    from rich.text import Text

    from scanner.textsafe import clean

    for r in runs:
        targets = Text("\n".join(clean(t) for t in r.targets))
        table.add_row(str(r.id), r.recorded_at, r.status, targets, str(r.scanned),
                      str(r.failed), str(r.findings), str(r.errors))
    Console().print(table)


DIFF_COLUMNS = ("change", "id", "uri", "field", "entity", "category", "severity", "count",
                "preview", "value_hash", "status", "clauses", "changes")


@command.command(name="diff")
@click.option("--from", "from_run", type=int, default=None, metavar="RUN",
              help="The earlier run [default: the completed run before --to over the same "
              "targets].")
@click.option("--to", "to_run", type=int, default=None, metavar="RUN",
              help="The later run [default: the last completed run].")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@policy_option
@db_options
def diff_command(from_run: int | None, to_run: int | None, fmt: str, policies: tuple[str, ...],
                 db_url: str | None, config: Path | None) -> None:
    """What changed between two runs: findings new in the later run, findings resolved (their
    location was scanned again and no longer holds them), and findings whose count, severity or
    linkage changed. Run IDs are in `piiscout inventory runs`."""
    import csv
    import json

    given = _with_parent({"db_url": db_url, "config": config, "policies": policies})
    settings = settings_for(given["config"])
    mapper = PolicyMapper(packs_for(given["policies"], settings))
    with opened(given["db_url"], settings) as inv:
        diff, rows = inv.diff(from_run, to_run, mapper=mapper)

    def order(ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda i: (rows[i].uri, rows[i].field, rows[i].entity, i))

    def item(fid: int) -> dict[str, Any]:
        r = rows[fid]
        return r.to_dict()

    doc: dict[str, Any] = {
        "from": diff.from_run, "to": diff.to_run,
        "new": [item(i) for i in order(diff.new)],
        "resolved": [item(i) for i in order(diff.resolved)],
        "changed": [{**item(i), "changes": diff.changed[i]} for i in order(list(diff.changed))],
    }
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    flat = [(change, f) for change in ("new", "resolved", "changed") for f in doc[change]]
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(DIFF_COLUMNS)
        for change, f in flat:
            out.writerow([_cell(v) for v in (
                change, f["id"], f["uri"], f["field"], f["entity"], f["category"], f["severity"],
                f["count"], f["preview"], f["value_hash"], f["status"], ";".join(f["clauses"]),
                json.dumps(f.get("changes", {})) if change == "changed" else "")])
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=None if sys.stdout.isatty() else 200)
    counts = ", ".join(f"{len(doc[c])} {c}" for c in ("new", "resolved", "changed"))
    table = Table(title=f"Run {diff.from_run} -> run {diff.to_run}: {counts}")
    for col in ("change", "id", "location", "field", "entity", "preview", "count", "status"):
        table.add_column(col, overflow="fold")
    for change, f in flat:
        count = str(f["count"])
        if "count" in f.get("changes", {}):
            count = "{} -> {}".format(*f["changes"]["count"])
        table.add_row(*(Text(_printable(str(v))) for v in (
            change, f["id"], f["uri"], f["field"], f["entity"], f["preview"], count,
            f["status"])))
    console.print(table)


def _printable(text: str) -> str:
    """No control characters (escape sequences) reach the terminal."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
