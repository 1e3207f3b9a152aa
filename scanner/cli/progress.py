"""Progress of ``piiscout scan`` on a terminal, and the summary paragraph at its end.

* **A pre-count where it is cheap**: folders, S3 prefixes and databases are listed once in a
  background thread (the same ``walk()`` the scan uses, which stats files, lists keys or reflects
  tables but reads no content), under a time and entry budget; a connector may offer a cheaper
  ``estimate() -> (items, bytes) | None`` hook instead. Mail archives and shares are not
  pre-counted (listing them means parsing or a network walk).
* **Then a bar** with items and bytes done/total, findings so far, rate and ETA; a spinner with
  the same counts while no total is known.
* **Quiet when standard error is not a terminal** (or with ``--no-progress``).
* **A one-paragraph summary** at the end, also with ``-o`` (on standard error, on a terminal).

Nothing printed here carries a value; uris are cleaned (:mod:`scanner.textsafe`).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from scanner.models import Finding, ScanResult
from scanner.settings import Settings

# Budget of the background pre-count: past it the bar stays a spinner.
PRECOUNT_SECONDS = 20.0
PRECOUNT_ENTRIES = 2_000_000
_COUNTABLE = ("", "file", "s3")  # schemes whose walk is a cheap listing (plus databases)
META_KEY = "piiscout.scan.stats"
NEW_INVENTORY_KEY = "piiscout.scan.new_inventory"


@dataclass
class Stats:
    """What the summary needs beyond the result (kept in the click context's ``meta``)."""

    findings: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    bytes_done: int = 0
    text_chars: int = 0
    total_items: int | None = None
    total_bytes: int | None = None
    started: float = field(default_factory=time.monotonic)

    def count(self, f: Finding) -> None:
        self.findings += 1
        self.by_severity[f.severity.value] += 1


@dataclass
class _Count:
    items: int = 0
    bytes: int = 0
    done: bool = False
    cancelled: bool = False


def run(
    targets: list[str], settings: Settings,
    map_findings: Callable[[list[Finding]], list[Finding]] | None, *, show_progress: bool,
    on_finding: Callable[[Finding], None] | None = None,
    skip_item: Callable[[object], bool] | None = None, cluster: str | None = None,
) -> ScanResult:
    """The scan, with a progress display on a terminal; counts kept for :func:`print_summary`."""
    from scanner.pipeline import scan

    check_files(settings)
    stats = Stats()
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[META_KEY] = stats
    counted: Callable[[Finding], None] | None = None
    if on_finding is not None:
        def counted(f: Finding) -> None:
            stats.count(f)
            on_finding(f)

    def finish(result: ScanResult) -> ScanResult:
        if on_finding is None:
            for f in result.findings:
                stats.count(f)
        return result

    if not (show_progress and stderr_is_terminal()):
        def quiet(p: object) -> None:
            _note(stats, p)
        return finish(scan(targets, settings, map_findings=map_findings, on_finding=counted,
                           on_progress=quiet, skip_item=skip_item, cluster=cluster))
    return finish(_with_bar(targets, settings, map_findings, counted, stats, skip_item,
                            cluster))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def before_scan(settings: Settings) -> None:
    """Checks made before a scan starts anything: the recognizer and allow-list files, and
    whether this scan is about to create a new SQLite inventory (said in the summary)."""
    check_files(settings)
    ctx = click.get_current_context(silent=True)
    if ctx is None or not settings.inventory.enabled:
        return
    path = _sqlite_path(settings)
    if path is not None and not path.exists():
        ctx.meta[NEW_INVENTORY_KEY] = path


def _sqlite_path(settings: Settings) -> Path | None:
    url = settings.inventory.url
    if url is None:
        from scanner.inventory.store import DB_FILE
        from scanner.settings import default_data_dir

        return (settings.data_dir or default_data_dir()) / DB_FILE
    try:
        from sqlalchemy.engine import make_url

        from scanner.inventory.store import normalize_url

        parsed = make_url(normalize_url(url))
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_files(settings: Settings) -> None:
    """A bad recognizer or allow-list file is a usage error (exit 2) naming its line, before
    anything is scanned."""
    from classifiers.custom_yaml import RecognizerFileError, load_classifiers
    from scanner.allowlist import AllowListError, read_values

    try:
        load_classifiers(settings.classify.recognizers)
    except RecognizerFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--recognizers") from None
    if settings.classify.allow_list:
        try:
            read_values(settings.classify.allow_list)
        except AllowListError as exc:
            raise click.BadParameter(str(exc), param_hint="--allow-list") from None


def _note(stats: Stats, p: object) -> None:
    from scanner.pipeline import Progress as Step

    assert isinstance(p, Step)
    if p.done and p.uri:
        stats.bytes_done += p.bytes
    stats.text_chars = p.text_chars


def _with_bar(
    targets: list[str], settings: Settings,
    map_findings: Callable[[list[Finding]], list[Finding]] | None,
    on_finding: Callable[[Finding], None] | None, stats: Stats,
    skip_item: Callable[[object], bool] | None = None, cluster: str | None = None,
) -> ScanResult:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from scanner.pipeline import Progress as Step
    from scanner.pipeline import scan

    count = _Count()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.fields[items]}"),
        BarColumn(bar_width=12),
        TextColumn("{task.fields[size]}"),
        TextColumn("{task.fields[findings]}"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(compact=True),
    )
    console = Console(stderr=True, highlight=False)
    lock = threading.Lock()
    last: dict[str, int] = {"done": 0, "findings": 0, "failed": 0}
    first_item: list[float] = []
    with Progress(*columns, console=console, transient=True, refresh_per_second=4) as bar:
        task = bar.add_task("scan", total=None, items="loading classifiers…", size="",
                            findings="", rate="")

        def render() -> None:
            with lock:
                done = last["done"]
                if count.done and stats.total_items is None:
                    stats.total_items, stats.total_bytes = count.items, count.bytes
                if stats.total_items is not None:
                    items = f"{done}/{stats.total_items} items"
                    size = _size(stats.bytes_done, stats.total_bytes or 0)
                    # the bar and the ETA follow bytes when there are any, else items
                    if stats.total_bytes:
                        total: float | None = stats.total_bytes
                        completed = min(stats.bytes_done, stats.total_bytes)
                    else:
                        total, completed = max(stats.total_items, 1), min(done, stats.total_items)
                else:
                    items = f"{done} items"
                    size = _size(stats.bytes_done)
                    total, completed = None, done
                rate = ""
                if first_item and done:
                    elapsed = max(time.monotonic() - first_item[0], 1e-6)
                    rate = (f"{_size(int(stats.bytes_done / elapsed))}/s" if stats.bytes_done
                            else f"{done / elapsed:.1f} items/s")
                failed = f", {last['failed']} failed" if last["failed"] else ""
                if not first_item and not done:
                    items = (f"0/{stats.total_items} items, loading classifiers…"
                             if stats.total_items is not None else "loading classifiers…")
                bar.update(task, total=total, completed=completed, items=items, size=size,
                           findings=f"{last['findings']} findings{failed}", rate=rate)

        def counted() -> None:
            precount(targets, settings, count)
            if count.done:
                render()

        threading.Thread(target=counted, daemon=True).start()

        def on_progress(p: object) -> None:
            assert isinstance(p, Step)
            if not first_item:
                first_item.append(time.monotonic())
            _note(stats, p)
            last.update(done=p.scanned + p.skipped + p.failed, findings=p.findings,
                        failed=p.failed)
            render()

        try:
            return scan(targets, settings, map_findings=map_findings, on_progress=on_progress,
                        on_finding=on_finding, skip_item=skip_item, cluster=cluster)
        finally:
            count.cancelled = True


def precount(targets: Sequence[str], settings: Settings, into: _Count) -> None:
    """Items (and bytes) the scan will meet, where listing them is cheap; ``into.done`` stays
    False when a target cannot be counted cheaply or the budget ran out."""
    from connectors.base import DATABASE_SCHEMES, connector_for
    from scanner.models import Item

    deadline = time.monotonic() + PRECOUNT_SECONDS
    entries = 0
    for target in targets:
        scheme = target.split("://", 1)[0].lower() if "://" in target else ""
        if scheme not in _COUNTABLE and scheme.split("+", 1)[0] not in DATABASE_SCHEMES:
            return
        try:
            connector = connector_for(target, settings)
        except Exception:
            into.items += 1  # the scan counts an unusable target as one failed item
            continue
        try:
            estimate = getattr(connector, "estimate", None)
            guess = estimate() if callable(estimate) else None
            if guess is not None:
                into.items += int(guess[0])
                into.bytes += int(guess[1] or 0)
                continue
            for walked in connector.walk():
                if into.cancelled or time.monotonic() > deadline or entries > PRECOUNT_ENTRIES:
                    return
                entries += 1
                if isinstance(walked, Item):
                    into.items += 1
                    into.bytes += walked.size or 0
                else:  # a table (unit source) or a walk-level error: one item each for the scan
                    into.items += 1
        except Exception:
            return
        finally:
            with contextlib.suppress(Exception):
                connector.close()
    into.done = True


def print_summary(result: ScanResult, *, output: Path | None, fmt: str) -> None:
    """The summary paragraph on standard error (on a terminal), unless the table report on
    standard output already ends with it; and a line when this scan created the inventory."""
    ctx = click.get_current_context(silent=True)
    created = ctx.meta.get(NEW_INVENTORY_KEY) if ctx is not None else None
    if created is not None and Path(created).exists():
        click.echo(f"A new inventory was created: {created}", err=True)
    if fmt == "table" and output is None:
        return
    if not stderr_is_terminal():
        return
    from scanner.reports.table import summary_paragraph
    from scanner.textsafe import clean

    stats = ctx.meta.get(META_KEY) if ctx is not None else None
    if stats is None:
        stats = Stats()
        for f in result.findings:
            stats.count(f)
    text = summary_paragraph(result, stats.findings, stats.by_severity)
    if stats.bytes_done:
        text += (f" Read {_size(stats.bytes_done)} ({stats.text_chars:,} characters of text).")
    if output is not None:
        text += f" Report written to {clean(output)}."
    import shutil
    import textwrap

    width = shutil.get_terminal_size((80, 24)).columns
    click.echo(textwrap.fill(text, width=max(40, width - 1), break_long_words=False,
                             break_on_hyphens=False), err=True)


def _size(n: int, total: int | None = None) -> str:
    """``n`` (of ``total``) bytes in the unit that suits the larger: ``12/340 KB``, ``1.2/4.5 MB``."""
    scale = max(n, total or 0)
    unit, div = (("GB", 1e9) if scale >= 1e9 else ("MB", 1e6) if scale >= 1e6 else ("KB", 1e3))
    fmt = "{:.1f}" if div > 1e3 else "{:.0f}"
    done = fmt.format(n / div)
    return f"{done}/{fmt.format(total / div)} {unit}" if total is not None else f"{done} {unit}"
