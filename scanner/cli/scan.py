"""``piiscout scan TARGET...``: scan folders, files, databases, buckets, shares and mail archives.

Exit status (see :mod:`scanner.exitcodes`): 0 completed, 1 ``--fail-on`` met by an open or
confirmed finding, 2 usage or configuration error, 3 a target could not be read at all or the
scan was interrupted.

The options and how they become settings: :mod:`scanner.cli.scan_options`; where the findings
go (report, inventory): :mod:`scanner.cli.scan_output`.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

import click

from scanner.cli.progress import before_scan, print_summary
from scanner.cli.progress import run as run_with_progress
from scanner.cli.scan_options import EXIT_HELP, ScanArgs, check_data_dir, resolve, scan_options
from scanner.cli.scan_output import (
    FAILING_STATUSES,
    ReportSink,
    fail_message,
    failing,
    open_inventory,
    previous,
    report_writer,
    start_run,
)
from scanner.errors_exit import ScanInterrupted as PipelineInterrupted
from scanner.errors_exit import exits_on_interrupt
from scanner.exitcodes import (
    FINDINGS,
    ConfigError,
    ScanInterrupted,
    TargetUnreadable,
    unreadable_targets,
)
from scanner.interrupt import Terminated, sigterm_as_interrupt
from scanner.inventory.versions import Incremental, settings_fingerprint
from scanner.models import Finding, ScanResult, Severity
from scanner.policy import PolicyMapper, load_packs
from scanner.redact import load_or_create_secret
from scanner.reports.sarif import Baseline, baseline_of
from scanner.settings import Settings, default_data_dir

__all__ = ["EXIT_FINDINGS", "FAILING_STATUSES", "RECORD_BATCH", "command"]

EXIT_FINDINGS = FINDINGS
# Findings recorded into the inventory per batch (read at each scan: a test may change it).
RECORD_BATCH = 2000


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the scan with exit 3 and a message, not a traceback."""
    main_pid = os.getpid()
    previous_handler = None

    def on_term(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:  # a forked worker: die as SIGTERM means
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise ScanInterrupted("terminated (SIGTERM): the scan did not complete")

    if threading.current_thread() is threading.main_thread():
        previous_handler = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt as exc:  # SIGTERM arrives as scanner.interrupt.Terminated
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
        raise ScanInterrupted(f"{how}: the scan did not complete") from None
    except PipelineInterrupted as exc:  # e.g. the cluster route's "lost Dask scheduler"
        if isinstance(exc, click.ClickException):
            raise
        raise ScanInterrupted(f"interrupted: {exc}") from None
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)


@click.command(name="scan", epilog=EXIT_HELP)
@scan_options
def command(**options: Any) -> None:
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
    args = ScanArgs(**options)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    with _interruptible():
        _scan(args)


def _scan(args: ScanArgs) -> None:
    plan = resolve(args)
    settings, checked, fmt, output, fail_on = (plan.settings, plan.targets, plan.fmt,
                                               plan.output, plan.fail_on)
    before_scan(settings)  # bad --recognizers / --allow-list: exit 2 before any run starts
    data_dir = settings.data_dir or default_data_dir()
    check_data_dir(data_dir)
    load_or_create_secret(data_dir)  # refuse a weak secret before a run is opened
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
        inventory = open_inventory(stack, settings, data_dir) if settings.inventory.enabled \
            else None
        recorder = start_run(stack, inventory, packs, checked) if inventory is not None else None
        hook = (Incremental(inventory, settings_fingerprint(settings, packs), full=plan.full)
                if inventory is not None else None)
        if hook is not None:
            stack.callback(hook.close)  # its read connection, also when the scan is stopped
        before = (previous(inventory, recorder, checked)
                  if fmt == "sarif" and recorder is not None else None)
        stack.enter_context(sigterm_as_interrupt())  # SIGTERM unwinds like Ctrl-C
        try:
            stream: TextIO = (
                stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
                if output else sys.stdout
            )
        except OSError as exc:
            raise ConfigError(f"cannot write the report to {output}: {exc.strerror}") from None

        def baseline() -> Baseline | None:
            if recorder is None or inventory is None:
                return None
            return baseline_of(inventory, recorder.run_id, before)

        writer = report_writer(fmt, stream, color=color, wide=args.wide, baseline=baseline)
        sink = ReportSink(writer, recorder, batch=RECORD_BATCH, note=note)
        try:
            result = _run(checked, settings, mapper.map if sink.wants_mapped else None,
                          show_progress=not plan.no_progress, on_finding=sink.finding,
                          skip_item=hook, cluster=args.cluster)
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM: record and write what was found
            sink.interrupted()
            raise
        result = sink.finish(inventory, hook, result)
        if recorder is not None and inventory is not None and threshold is not None:
            hits = failing(inventory, recorder.run_id, threshold)
    print_summary(result, output=output, fmt=fmt)
    failed = fail_message(fail_on, hits) if hits else None
    bad = unreadable_targets(checked, result.errors)
    if bad:
        if failed:
            click.echo(failed, err=True)
        detail = "; ".join(f"{t} ({e.kind}: {e.message})" for t, e in bad)
        raise TargetUnreadable(f"could not read {'target' if len(bad) == 1 else 'targets'} "
                               f"{detail}", [t for t, _ in bad])
    if failed:
        click.echo(failed, err=True)
        sys.exit(EXIT_FINDINGS)


@exits_on_interrupt
def _run(
    targets: list[str], settings: Settings,
    map_findings: Callable[[list[Finding]], list[Finding]] | None, *, show_progress: bool,
    on_finding: Callable[[Finding], None] | None = None,
    skip_item: Callable[[object], bool] | None = None,
    cluster: str | None = None,
) -> ScanResult:
    """The scan, with the progress display of :mod:`scanner.cli.progress`."""
    return run_with_progress(targets, settings, map_findings, show_progress=show_progress,
                             on_finding=on_finding, skip_item=skip_item, cluster=cluster)
