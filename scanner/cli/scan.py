"""``piiscout scan TARGET...``: scan folders, files, databases, buckets, shares and mail archives."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from scanner.errors_exit import exits_on_interrupt
from scanner.models import Finding, ScanInfo, ScanResult, Severity
from scanner.reports import FORMATS, STREAMING, formatter, stream_writer
from scanner.settings import Settings, default_data_dir, load_settings

if TYPE_CHECKING:
    from scanner.inventory.store import RunRecorder

EXIT_FINDINGS = 1
# Findings recorded into the inventory per batch when the output streams (jsonl, csv).
RECORD_BATCH = 2000


def _settings(config: Path | None, **overrides: object) -> Settings:
    try:
        settings = load_settings(config)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load config {config}: {exc}") from exc
    return settings.with_overrides(**overrides)


def _check_target(target: str) -> str:
    if "://" in target:
        return target
    if not Path(target).exists() and not Path(target).is_symlink():
        raise click.BadParameter(f"'{target}' does not exist", param_hint="TARGET")
    return target


@click.command(name="scan")
@click.argument("targets", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
              help="Output format [default: table on a terminal, json otherwise when --output].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML config file (see config/defaults.yaml for the keys).")
@click.option("--no-ner", is_flag=True, help="Patterns only: no spaCy named-entity recognition.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Classification processes [default: number of cores; 1 = in-process].")
@click.option("--include", multiple=True, help="Glob of paths to scan (repeatable).")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
@click.option("--max-item-size", type=click.IntRange(min=1), default=None,
              help="Skip (and record) items larger than this many bytes.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Drop detections scoring below this.")
@click.option("--sample-rows", type=click.IntRange(min=1), default=None,
              help="Rows sampled per database table.")
@click.option("--endpoint-url", default=None, help="S3-compatible endpoint for s3:// targets.")
@click.option("--policy", "policies", multiple=True,
              help="Policy pack id or YAML file to map findings to (repeatable).")
@click.option("--db", "db_url", default=None, help="Inventory database URL [default: SQLite].")
@click.option("--no-inventory", is_flag=True, help="Do not record this scan in the inventory.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default=None,
              help="Exit 1 when a finding at or above this severity exists.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", count=True, help="Log more (never values or credentials).")
@click.option("--cluster", default=None, callback=lambda c, p, v: _check_cluster(v),
              help="Run on a Dask cluster: tcp://HOST:PORT, tls://HOST:PORT or local:N "
                   "(docs/cluster.md).")
def command(
    targets: tuple[str, ...], fmt: str | None, output: Path | None, config: Path | None,
    no_ner: bool, workers: int | None, include: tuple[str, ...], exclude: tuple[str, ...],
    max_item_size: int | None, min_score: float | None, sample_rows: int | None,
    endpoint_url: str | None, policies: tuple[str, ...], db_url: str | None,
    no_inventory: bool, fail_on: str | None, no_progress: bool, verbose: int,
    cluster: str | None = None,
) -> None:
    """Scan TARGETS for personal data and report what was found and where.

    A TARGET is a folder or file, s3://bucket/prefix, smb://host/share/path, a database URL
    (sqlite:///file.db, postgresql+psycopg://host/db, mysql+pymysql://host/db) or a mail archive
    (mbox:///path, maildir:///path, pst:///path).

    Exit status: 0 when the scan completed (even if some items could not be read), 1 with
    --fail-on when a finding at or above that severity exists, 2 on usage errors.
    """
    logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    checked = [_check_target(t) for t in targets]
    base = _settings(config)
    settings = base.with_overrides(**{
        "classify.ner": False if no_ner else None,
        "classify.min_score": min_score,
        "workers": workers,
        "walk.include": include or None,
        "walk.exclude": (*base.walk.exclude, *exclude) if exclude else None,
        "limits.max_item_bytes": max_item_size,
        "database.sample_rows": sample_rows,
        "s3_endpoint_url": endpoint_url,
        "policies": policies or None,
        "inventory.url": db_url,
        "inventory.enabled": False if no_inventory else None,
    })
    fmt = fmt or ("table" if output is None else _format_from_name(output))
    data_dir = settings.data_dir or default_data_dir()

    from scanner.policy import PolicyMapper, load_packs

    try:
        packs = load_packs(settings.policies)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    mapper = PolicyMapper(packs)
    color = output is None and sys.stdout.isatty()
    ranks: set[int] = set()  # severity ranks of the findings reported, for --fail-on

    with ExitStack() as stack:
        stream: TextIO = (
            stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
            if output else sys.stdout
        )
        if fmt in STREAMING:
            # Findings go straight to the output, and into the inventory batch by batch: memory
            # does not grow with their number. A finding reviewed as a false positive is
            # recorded but not written.
            writer = stream_writer(fmt, stream)
            recorder = (_start_run(stack, settings, packs, data_dir, checked)
                        if settings.inventory.enabled else None)
            pending: list[Finding] = []

            def emit(findings: list[Finding]) -> None:
                for f in findings:
                    writer.finding(f)
                    ranks.add(f.severity.rank)

            def on_finding(f: Finding) -> None:
                if recorder is None:
                    emit([f])
                    return
                pending.append(f)
                if len(pending) >= RECORD_BATCH:
                    emit(recorder.add(pending))
                    pending.clear()

            # The recorder maps findings to clauses itself: map them here only without it.
            result = _run(checked, settings, mapper.map if recorder is None else None,
                          show_progress=not no_progress, on_finding=on_finding, cluster=cluster)
            if recorder is not None:
                emit(recorder.add(pending))
                recorder.finish(result.info, result.errors)
            writer.end(result)
        else:
            result = _run(checked, settings, mapper.map, show_progress=not no_progress,
                          cluster=cluster)
            if settings.inventory.enabled:
                result = _record(result, settings, packs, data_dir)
            formatter(fmt)(result, stream, color=color)
            ranks.update(f.severity.rank for f in result.findings)
    if output is not None and sys.stderr.isatty():
        click.echo(f"report written to {output}", err=True)
    if fail_on and ranks and max(ranks) >= Severity(fail_on).rank:
        sys.exit(EXIT_FINDINGS)


def _start_run(
    stack: ExitStack, settings: Settings, packs: list, data_dir: Path, targets: list[str]
) -> RunRecorder:
    import uuid
    from datetime import UTC, datetime

    from scanner.inventory.store import Inventory
    from scanner.targets import display_target

    inventory = stack.enter_context(Inventory.open(settings.inventory.url, data_dir))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    info = ScanInfo(str(uuid.uuid4()), now, now, tuple(display_target(t) for t in targets))
    return inventory.start(info, packs)


def _record(result: ScanResult, settings: Settings, packs: list, data_dir: Path) -> ScanResult:
    from scanner.inventory.store import Inventory

    inventory = Inventory.open(settings.inventory.url, data_dir)
    try:
        kept = inventory.record(result, packs)
    finally:
        inventory.close()
    return ScanResult(result.info, tuple(kept), result.errors)


def _format_from_name(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "json"


def _check_cluster(value: str | None) -> str | None:
    if value is None:
        return None
    import importlib.util

    from scanner.cluster import parse_address

    try:
        parse_address(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cluster") from None
    if importlib.util.find_spec("distributed") is None:
        raise click.BadParameter("needs the cluster extra: pip install 'piiscout[cluster]'",
                                 param_hint="--cluster")
    return value


@exits_on_interrupt
def _run(
    targets: list[str], settings: Settings,
    map_findings: Callable[[list[Finding]], list[Finding]] | None, *, show_progress: bool,
    on_finding: Callable[[Finding], None] | None = None, cluster: str | None = None,
) -> ScanResult:
    from scanner.pipeline import scan

    if not (show_progress and sys.stderr.isatty()):
        return scan(targets, settings, map_findings=map_findings, on_finding=on_finding,
                    cluster=cluster)
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(), TextColumn("[bold]{task.fields[done]}[/] items"), BarColumn(),
        TextColumn("{task.fields[mb]:.1f} MB text, {task.fields[findings]} findings, "
                   "{task.fields[failed]} failed"),
        TimeElapsedColumn(), TextColumn("{task.description}", style="dim"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("starting", total=None, done=0, findings=0, failed=0, mb=0.0)

        def on_progress(p: object) -> None:
            from scanner.pipeline import Progress as Step

            assert isinstance(p, Step)
            name = p.uri.rsplit("/", 1)[-1][-48:]
            bar.update(task, description=name, done=p.scanned + p.skipped + p.failed,
                       findings=p.findings, failed=p.failed, mb=p.text_chars / 1e6)

        return scan(targets, settings, map_findings=map_findings, on_progress=on_progress,
                    on_finding=on_finding, cluster=cluster)
