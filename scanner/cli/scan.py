"""``piiscout scan TARGET...``: scan folders, files, databases, buckets, shares and mail archives.

Exit status (see :mod:`scanner.exitcodes`): 0 completed, 1 ``--fail-on`` met by an open or
confirmed finding, 2 usage or configuration error, 3 a target could not be read at all or the
scan was interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from scanner.errors_exit import exits_on_interrupt
from scanner.exitcodes import (
    FINDINGS,
    ConfigError,
    ScanInterrupted,
    TargetUnreadable,
    unreadable_targets,
)
from scanner.interrupt import Terminated, deferred, sigterm_as_interrupt
from scanner.models import Finding, ScanInfo, ScanResult, Severity
from scanner.reports import FORMATS, STREAMING, formatter, stream_writer
from scanner.settings import (
    ConfigFileError,
    Profile,
    ScanOptions,
    Settings,
    default_data_dir,
    load_settings,
    user_config_file,
)

if TYPE_CHECKING:
    from scanner.inventory.store import Inventory, RunRecorder
    from scanner.inventory.versions import Stored

EXIT_FINDINGS = FINDINGS
# Findings recorded into the inventory per batch when the output streams (jsonl, csv).
RECORD_BATCH = 2000
# Review states that make a finding count for --fail-on.
FAILING_STATUSES = frozenset({"open", "confirmed"})

EXIT_HELP = """\b
Exit status:
  0  the scan completed (items that could not be read inside a readable target
     are listed as errors against their location)
  1  --fail-on met by a finding that is open or confirmed (accepted,
     false-positive, remediated and resolved ones do not count); stderr says which
  2  usage or configuration error (bad option or config key, YAML syntax error,
     missing output folder, unusable --db, unknown target scheme)
  3  a target could not be read at all (unreachable server, no credentials,
     missing database or file), or the scan was interrupted (Ctrl-C, SIGTERM)
"""


def _settings(config: Path | None, **overrides: object) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigFileError as exc:
        raise ConfigError(str(exc)) from None
    return settings.with_overrides(**overrides)


def _check_target(target: str) -> str:
    if "://" in target:
        return target
    if not Path(target).exists() and not Path(target).is_symlink():
        raise click.BadParameter(f"'{target}' does not exist", param_hint="TARGET")
    return target


def _check_scheme(target: str, settings: Settings) -> None:
    """A target no connector takes, or a URL that cannot be parsed, is a usage error."""
    from connectors.base import DATABASE_SCHEMES, connector_for
    from scanner.targets import display_target

    try:
        connector = connector_for(target, settings)
    except Exception as exc:
        scheme = target.split("://", 1)[0].lower() if "://" in target else ""
        if scheme.split("+", 1)[0] in DATABASE_SCHEMES:
            # The parser's message may quote part of a password: never show it.
            reason = ("not a valid database URL (check the port; percent-encode special "
                      "characters in the password)")
        else:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"target {display_target(target)}: {reason}") from None
    connector.close()


def _check_data_dir(data_dir: Path) -> None:
    probe = data_dir
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(
            f"the data directory {data_dir} cannot be used: {probe} is not a folder "
            "(set PIISCOUT_HOME to a folder)"
        )


def _check_output(output: Path) -> None:
    parent = output.absolute().parent
    if not parent.is_dir():
        raise ConfigError(f"cannot write the report to {output}: folder {parent} does not exist")
    if output.is_dir():
        raise ConfigError(f"cannot write the report to {output}: it is a folder")


def _profile(settings: Settings, name: str | None, config: Path | None) -> Profile | None:
    if name is None:
        return None
    found = settings.profiles.get(name)
    if found is None:
        if config is None:
            raise ConfigError(f"no profile '{name}': no --config given and "
                              f"{user_config_file()} does not exist")
        known = ", ".join(sorted(settings.profiles)) or "none"
        raise ConfigError(f"no profile '{name}' in {config}; profiles there: {known}")
    return found


def _foreign_interruptions() -> tuple[type[BaseException], ...]:
    """``ScanInterrupted`` classes defined elsewhere (the pipeline's ``scanner.errors_exit``),
    mapped to exit 3 here until they derive from :class:`scanner.exitcodes.ScanInterrupted`."""
    try:
        from scanner.errors_exit import ScanInterrupted as Other  # type: ignore[import-not-found]
    except ImportError:
        return ()
    return (Other,) if isinstance(Other, type) and issubclass(Other, BaseException) else ()


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the scan with exit 3 and a message, not a traceback."""
    main_pid = os.getpid()
    previous = None

    def on_term(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:  # a forked worker: die as SIGTERM means
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise ScanInterrupted("terminated (SIGTERM): the scan did not complete")

    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt as exc:  # SIGTERM arrives as scanner.interrupt.Terminated
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
        raise ScanInterrupted(f"{how}: the scan did not complete") from None
    except _foreign_interruptions() as exc:  # e.g. the pipeline's "lost Dask scheduler"
        if isinstance(exc, click.ClickException):
            raise
        raise ScanInterrupted(f"interrupted: {exc}") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@click.command(name="scan", epilog=EXIT_HELP)
@click.argument("targets", nargs=-1, required=False)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
              help="Output format [default: table on a terminal, json otherwise when --output].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML config file (see config/defaults.yaml for the keys) [default: "
                   "config.yaml in the user config directory, when it exists].")
@click.option("--profile", default=None,
              help="Run the named scan from the config file's profiles: (targets, options, "
                   "policies, report, fail_on); options given here override it.")
@click.option("--full", is_flag=True,
              help="Read every item again, also those unchanged since the last scan "
                   "[default with the inventory on: incremental].")
@click.option("--no-ner", is_flag=True, help="Patterns only: no spaCy named-entity recognition.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR images and PDF pages without text.")
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
              help="Exit 1 when an open or confirmed finding at or above this severity exists.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--wide", is_flag=True, help="Table report: every column, nothing shortened.")
@click.option("--recognizers", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Custom recognizers in Presidio's YAML format (config classify.recognizers).")
@click.option("--allow-list", "allow_list", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Values never reported, one a line (config classify.allow_list).")
@click.option("-v", "--verbose", count=True, help="Log more (never values or credentials).")
@click.option("--cluster", default=None, callback=lambda c, p, v: _check_cluster(v),
              help="Run on a Dask cluster: tcp://HOST:PORT, tls://HOST:PORT or local:N "
                   "(docs/cluster.md).")
def command(
    targets: tuple[str, ...], fmt: str | None, output: Path | None, config: Path | None,
    profile: str | None, full: bool,
    no_ner: bool, workers: int | None, include: tuple[str, ...], exclude: tuple[str, ...],
    max_item_size: int | None, min_score: float | None, sample_rows: int | None,
    endpoint_url: str | None, policies: tuple[str, ...], db_url: str | None,
    no_inventory: bool, fail_on: str | None, no_progress: bool, verbose: int,
    wide: bool = False, recognizers: str | None = None, allow_list: str | None = None,
    no_ocr: bool = False,
    cluster: str | None = None,
) -> None:
    """Scan TARGETS for personal data and report what was found and where.

    A TARGET is a folder or file, s3://bucket/prefix, smb://host/share/path, a database URL
    (sqlite:///file.db, postgresql+psycopg://host/db, mysql+pymysql://host/db) or a mail archive
    (mbox:///path, maildir:///path, pst:///path). With --profile NAME the targets (and options)
    come from the config file's profile, and TARGETS are optional.

    With the inventory on, a rescan is incremental: an item whose version (size and mtime,
    ETag, a table's schema, row count and change marker) is unchanged since it was last read
    completely is not read again, and its findings stay current and are reported; --full reads
    everything.
    """
    logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    with _interruptible():
        _scan(targets, fmt, output, config, profile, full, no_ner, workers, include, exclude,
              max_item_size, min_score, sample_rows, endpoint_url, policies, db_url,
              no_inventory, fail_on, no_progress, wide, recognizers, allow_list, no_ocr,
              cluster)


def _scan(
    targets: tuple[str, ...], fmt: str | None, output: Path | None, config: Path | None,
    profile: str | None, full: bool,
    no_ner: bool, workers: int | None, include: tuple[str, ...], exclude: tuple[str, ...],
    max_item_size: int | None, min_score: float | None, sample_rows: int | None,
    endpoint_url: str | None, policies: tuple[str, ...], db_url: str | None,
    no_inventory: bool, fail_on: str | None, no_progress: bool,
    wide: bool = False, recognizers: str | None = None, allow_list: str | None = None,
    no_ocr: bool = False, cluster: str | None = None,
) -> None:
    if config is None and user_config_file().is_file():
        config = user_config_file()
    base = _settings(config)
    prof = _profile(base, profile, config)
    opts = prof.options if prof is not None else ScanOptions()
    checked = [_check_target(t) for t in targets]
    if not checked and prof is not None:
        checked = list(prof.targets)
    if not checked:
        raise click.UsageError("give at least one TARGET, or --profile NAME with targets")
    settings = base.with_overrides(**{
        "classify.ner": False if (no_ner or opts.no_ner) else None,
        "classify.min_score": min_score if min_score is not None else opts.min_score,
        "workers": workers if workers is not None else opts.workers,
        "walk.include": include or opts.include or None,
        "walk.exclude": ((*base.walk.exclude, *(opts.exclude or ()), *exclude)
                         if exclude or opts.exclude else None),
        "limits.max_item_bytes": max_item_size or opts.max_item_size,
        "database.sample_rows": sample_rows or opts.sample_rows,
        "s3_endpoint_url": endpoint_url or opts.endpoint_url,
        "policies": policies or (prof.policies if prof is not None else None) or None,
        "inventory.url": db_url or opts.db,
        "inventory.enabled": False if (no_inventory or opts.no_inventory) else None,
        "classify.recognizers": str(Path(recognizers).resolve()) if recognizers else None,
        "classify.allow_list": str(Path(allow_list).resolve()) if allow_list else None,
        "ocr.enabled": False if (no_ocr or opts.no_ocr) else None,
    })
    full = full or bool(opts.full)
    no_progress = no_progress or bool(opts.no_progress)
    if prof is not None:
        output = output or prof.report.path
        fmt = fmt or prof.report.format
        fail_on = fail_on or prof.fail_on
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"unknown report format '{fmt}' in profile '{profile}' of {config}; "
                          f"use one of {', '.join(sorted(FORMATS))}")
    for t in checked:
        _check_scheme(t, settings)
    if output is not None:
        _check_output(output)
    fmt = fmt or ("table" if output is None else _format_from_name(output))
    from scanner.cli.progress import before_scan

    before_scan(settings)  # bad --recognizers / --allow-list: exit 2 before any run starts
    data_dir = settings.data_dir or default_data_dir()
    _check_data_dir(data_dir)
    from scanner.redact import load_or_create_secret

    load_or_create_secret(data_dir)  # refuse a weak secret before a run is opened

    from scanner.policy import PolicyMapper, load_packs

    try:
        packs = load_packs(settings.policies)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    mapper = PolicyMapper(packs)
    color = output is None and sys.stdout.isatty()
    threshold = Severity(fail_on).rank if fail_on else None
    # (entity, severity) -> locations, of the findings at or above --fail-on (no inventory).
    hits: dict[tuple[str, str], set[str]] = {}

    def note(findings: Sequence[Finding]) -> None:
        if threshold is None:
            return
        for f in findings:
            if f.severity.rank >= threshold:
                hits.setdefault((f.entity, f.severity.value), set()).add(f.location.uri)

    with ExitStack() as stack:
        inventory = _open_inventory(stack, settings, data_dir) if settings.inventory.enabled \
            else None
        recorder = (_start_run(stack, inventory, packs, checked) if inventory is not None
                    else None)
        hook = None
        if inventory is not None:
            from scanner.inventory.versions import Incremental, settings_fingerprint

            hook = Incremental(inventory, settings_fingerprint(settings, packs),
                               full=full)
        previous = (_previous(inventory, recorder, checked)
                    if fmt == "sarif" and recorder is not None else None)
        stack.enter_context(sigterm_as_interrupt())  # SIGTERM unwinds like Ctrl-C
        try:
            stream: TextIO = (
                stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
                if output else sys.stdout
            )
        except OSError as exc:
            raise ConfigError(f"cannot write the report to {output}: {exc.strerror}") from None
        if fmt in STREAMING:
            # Findings go straight to the output, and into the inventory batch by batch: memory
            # does not grow with their number. A finding reviewed as a false positive is
            # recorded but not written.
            writer = stream_writer(fmt, stream)
            if wide and hasattr(writer, "wide"):
                writer.wide = True
            pending: list[Finding] = []

            def emit(findings: list[Finding]) -> None:
                for f in findings:
                    writer.finding(f)
                note(findings)

            def on_finding(f: Finding) -> None:
                if recorder is None:
                    emit([f])
                    return
                pending.append(f)
                if len(pending) >= RECORD_BATCH:
                    with deferred():  # Ctrl-C/SIGTERM wait: a batch is recorded and written
                        emit(recorder.add(pending))
                        pending.clear()

            # The recorder maps findings to clauses itself: map them here only without it.
            try:
                result = _run(checked, settings, mapper.map if recorder is None else None,
                              show_progress=not no_progress, on_finding=on_finding,
                              skip_item=hook, cluster=cluster)
            except KeyboardInterrupt:  # Ctrl-C, SIGTERM: record and write what was found
                if recorder is not None and pending:
                    with deferred():
                        emit(recorder.add(pending))
                raise
            if recorder is not None:
                emit(recorder.add(pending))
                stored = _commit(inventory, recorder, hook, result)
                emit([f for s in stored if s.status != "false-positive" for f in s.occurrences()])
                result = _with_unchanged(result, hook)
                recorder.finish(result.info, result.errors)
            writer.end(result)
        else:
            result = _run(checked, settings, mapper.map, show_progress=not no_progress,
                          skip_item=hook, cluster=cluster)
            everything = list(result.findings)
            if recorder is not None:
                kept = recorder.add(result.findings)
                stored = _commit(inventory, recorder, hook, result)
                kept += [f for s in stored if s.status != "false-positive" for f in s.occurrences()]
                everything += [f for s in stored for f in s.occurrences()]
                result = _with_unchanged(result, hook)
                recorder.finish(result.info, result.errors)
                result = ScanResult(result.info, tuple(kept), result.errors)
            if fmt == "sarif":
                from scanner.reports.sarif import baseline_of, write

                base_line = (baseline_of(inventory, recorder.run_id, previous)
                             if recorder is not None and inventory is not None else None)
                write(ScanResult(result.info, tuple(everything), result.errors), stream,
                      color=color, baseline=base_line)
            else:
                formatter(fmt)(result, stream, color=color)
            note(result.findings)
        if recorder is not None and inventory is not None and threshold is not None:
            hits = _failing(inventory, recorder.run_id, threshold)
    from scanner.cli.progress import print_summary

    print_summary(result, output=output, fmt=fmt)
    failing = _fail_message(fail_on, hits) if hits else None
    bad = unreadable_targets(checked, result.errors)
    if bad:
        if failing:
            click.echo(failing, err=True)
        detail = "; ".join(f"{t} ({e.kind}: {e.message})" for t, e in bad)
        raise TargetUnreadable(f"could not read {'target' if len(bad) == 1 else 'targets'} "
                               f"{detail}", [t for t, _ in bad])
    if failing:
        click.echo(failing, err=True)
        sys.exit(EXIT_FINDINGS)


def _open_inventory(stack: ExitStack, settings: Settings, data_dir: Path) -> Inventory:
    from scanner.inventory.store import Inventory, InventoryError

    try:
        return stack.enter_context(Inventory.open(settings.inventory.url, data_dir))
    except InventoryError as exc:
        raise ConfigError(exc.message) from None
    except (ValueError, OSError) as exc:  # the URL parser's message may quote a password
        kind = type(exc).__name__
        raise ConfigError(
            f"cannot use the inventory database given with --db ({kind}): check the URL's port "
            "and percent-encode special characters in the password"
        ) from None


def _start_run(stack: ExitStack, inventory: Inventory, packs: list,
               targets: list[str]) -> RunRecorder:
    import uuid
    from datetime import UTC, datetime

    from scanner.targets import display_target

    now = datetime.now(UTC).isoformat(timespec="seconds")
    info = ScanInfo(str(uuid.uuid4()), now, now, tuple(display_target(t) for t in targets))
    # Left unfinished (Ctrl-C, SIGTERM, an error), the run is marked interrupted at once.
    return stack.enter_context(inventory.start(info, packs))


def _commit(inventory: Inventory | None, recorder: RunRecorder, hook: object,
            result: ScanResult) -> list[Stored]:
    """Store item versions, advance the unchanged items, return their current findings."""
    from scanner.inventory.versions import Incremental, findings_under

    if inventory is None or not isinstance(hook, Incremental):
        return []
    hook.commit(recorder.run_id, result.errors, recorder.now)
    return findings_under(inventory, recorder.run_id, hook.unchanged)


def _with_unchanged(result: ScanResult, hook: object) -> ScanResult:
    n = len(getattr(hook, "unchanged", ()))
    return replace(result, info=replace(result.info, unchanged=n)) if n else result


def _previous(inventory: Inventory | None, recorder: RunRecorder, targets: list[str]) -> object:
    """The findings of the last completed run over the same targets (the SARIF baseline)."""
    from scanner.inventory.versions import findings_of_run, previous_run
    from scanner.targets import display_target

    assert inventory is not None
    prev = previous_run(inventory, [display_target(t) for t in targets], recorder.run_id)
    return None if prev is None else findings_of_run(inventory, prev)


def _failing(inventory: Inventory, run_id: int, threshold: int) -> dict[tuple[str, str], set[str]]:
    """Findings current in this run, open or confirmed, at or above the threshold."""
    from scanner.inventory.versions import findings_of_run

    hits: dict[tuple[str, str], set[str]] = {}
    for s in findings_of_run(inventory, run_id):
        f = s.finding
        if s.status in FAILING_STATUSES and f.severity.rank >= threshold:
            hits.setdefault((f.entity, f.severity.value), set()).add(f.location.uri)
    return hits


def _fail_message(fail_on: str | None, hits: dict[tuple[str, str], set[str]]) -> str:
    parts = sorted(hits.items(), key=lambda kv: (-Severity(kv[0][1]).rank, kv[0][0]))
    shown = ", ".join(
        f"{entity} ({severity}) in {len(locs)} location{'s' if len(locs) != 1 else ''}"
        for (entity, severity), locs in parts
    )
    return f"--fail-on {fail_on}: open or confirmed findings at or above {fail_on}: {shown}"


def _format_from_name(path: Path) -> str:
    """The format the ``-o`` file's extension names (none: JSON); an unknown one is refused."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("", "txt"):
        return "table" if suffix == "txt" else "json"
    raise click.BadParameter(
        f"cannot tell the report format from {path.name!r}: name the file .json, .jsonl, .csv "
        "or .txt, or give --format", param_hint="-o/--output")


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
    on_finding: Callable[[Finding], None] | None = None,
    skip_item: Callable[[object], bool] | None = None,
    cluster: str | None = None,
) -> ScanResult:
    """The scan, with the progress display of :mod:`scanner.cli.progress`."""
    from scanner.cli.progress import run

    return run(targets, settings, map_findings, show_progress=show_progress,
               on_finding=on_finding, skip_item=skip_item, cluster=cluster)
