"""Where the findings of ``piiscout scan`` go: the report and the inventory, as they are made.

One path for every format (:class:`ReportSink`): each finding goes to the report writer as the
scan makes it and, with the inventory on, into the inventory batch by batch, so memory does not
grow with the number of findings (except for a plug-in format written whole at the end,
:class:`CollectedReport`; SARIF groups its results in a temporary file,
:class:`~scanner.reports.sarif.SarifStream`). A finding reviewed as a false positive is recorded
but not written (SARIF writes it, suppressed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from scanner.exitcodes import ConfigError
from scanner.interrupt import deferred
from scanner.inventory.store import Inventory, InventoryError, RunRecorder
from scanner.inventory.versions import (
    Incremental,
    Stored,
    iter_findings_under,
    previous_run,
)
from scanner.models import Finding, ScanInfo, ScanResult, Severity
from scanner.reports import STREAMING, Formatter, StreamWriter, formatter, stream_writer
from scanner.reports.sarif import Runs, SarifStream
from scanner.settings import Settings
from scanner.targets import display_target

# Review states that make a finding count for --fail-on.
FAILING_STATUSES = frozenset({"open", "confirmed"})


class CollectedReport:
    """A format that is not written while the scan runs: the findings are collected, and the
    report is written whole at the end."""

    suppressed_too = False  # whether the sink hands over findings the inventory suppresses

    def __init__(self, write: Formatter, stream: TextIO, *, color: bool) -> None:
        self.write, self.stream, self.color = write, stream, color
        self.findings: list[Finding] = []

    def finding(self, f: Finding) -> None:
        self.findings.append(f)

    def end(self, result: ScanResult) -> None:
        self.write(self.collected(result), self.stream, color=self.color)

    def collected(self, result: ScanResult) -> ScanResult:
        return ScanResult(result.info, tuple(self.findings), result.errors)


def report_writer(fmt: str, stream: TextIO, *, color: bool, wide: bool,
                  runs: Runs | None = None) -> StreamWriter:
    """The writer of format ``fmt``: one that streams when the format can (SARIF too: its
    baseline is the inventory's previous run over the same targets, ``runs``)."""
    if fmt == "sarif":
        return SarifStream(stream, color=color, runs=runs)
    if fmt not in STREAMING:
        return CollectedReport(formatter(fmt), stream, color=color)
    writer = stream_writer(fmt, stream)
    if wide and hasattr(writer, "wide"):
        writer.wide = True
    return writer


class ReportSink:
    """Findings in scan order -> the inventory (``recorder``, ``batch`` at a time) -> the report.

    ``note`` is told the findings the report shows (for ``--fail-on`` without the inventory)."""

    def __init__(self, writer: StreamWriter, recorder: RunRecorder | None, *, batch: int,
                 note: Callable[[Sequence[Finding]], None]) -> None:
        self.writer, self.recorder, self.batch, self.note = writer, recorder, batch, note
        self.suppressed_too = bool(getattr(writer, "suppressed_too", False))
        self.pending: list[Finding] = []

    @property
    def wants_mapped(self) -> bool:
        """Whether the findings must come with their clauses. The recorder maps what it keeps;
        a report of every finding (SARIF) needs the suppressed ones mapped too."""
        return self.recorder is None or self.suppressed_too

    def finding(self, f: Finding) -> None:
        if self.recorder is None:
            self._emit([f], [f])
            return
        self.pending.append(f)
        if len(self.pending) >= self.batch:
            with deferred():  # Ctrl-C/SIGTERM wait: a batch is recorded and written
                self.flush()

    def flush(self) -> None:
        """Record and write the findings not yet recorded."""
        if self.recorder is not None:
            pending, self.pending = self.pending, []
            self._emit(pending, self.recorder.add(pending))

    def interrupted(self) -> None:
        """Ctrl-C, SIGTERM: record and write what was found."""
        if self.recorder is not None and self.pending:
            with deferred():
                self.flush()

    def finish(self, inventory: Inventory | None, hook: object, result: ScanResult
               ) -> ScanResult:
        """The end of the scan: the last batch, the unchanged items' findings (incremental
        scans), the run closed and the report ended. Returns the result as reported."""
        if self.recorder is not None:
            self.flush()
            for stored in commit(inventory, self.recorder, hook, result):  # in chunks
                self._emit([f for s in stored for f in s.occurrences()],
                           [f for s in stored if s.status != "false-positive"
                            for f in s.occurrences()])
            result = with_unchanged(result, hook)
            self.recorder.finish(result.info, result.errors)
        self.writer.end(result)
        return result

    def _emit(self, found: list[Finding], kept: list[Finding]) -> None:
        for f in found if self.suppressed_too else kept:
            self.writer.finding(f)
        self.note(kept)


def open_inventory(stack: ExitStack, settings: Settings, data_dir: Path) -> Inventory:
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


def start_run(stack: ExitStack, inventory: Inventory, packs: list, targets: list[str]
              ) -> RunRecorder:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    info = ScanInfo(str(uuid.uuid4()), now, now, tuple(display_target(t) for t in targets))
    # Left unfinished (Ctrl-C, SIGTERM, an error), the run is marked interrupted at once.
    return stack.enter_context(inventory.start(info, packs))


def commit(inventory: Inventory | None, recorder: RunRecorder, hook: object,
           result: ScanResult) -> Iterator[list[Stored]]:
    """Store item versions, advance the unchanged items, then yield their current findings
    chunk by chunk (read from the inventory as they are written to the report)."""
    if inventory is None or not isinstance(hook, Incremental):
        return
    hook.commit(recorder.run_id, result.errors, recorder.now)
    yield from iter_findings_under(inventory, recorder.run_id, hook.unchanged)


def with_unchanged(result: ScanResult, hook: object) -> ScanResult:
    n = len(getattr(hook, "unchanged", ()))
    return replace(result, info=replace(result.info, unchanged=n)) if n else result


def previous(inventory: Inventory, recorder: RunRecorder, targets: list[str]) -> int | None:
    """The last completed run over the same targets (the SARIF baseline)."""
    return previous_run(inventory, [display_target(t) for t in targets], recorder.run_id)


def failing(inventory: Inventory, run_id: int, threshold: int) -> dict[tuple[str, str], set[str]]:
    """Findings current in this run, open or confirmed, at or above the threshold: (entity,
    severity) -> the location uris, picked by the database (the run's findings are not loaded)."""
    from sqlalchemy import select

    from scanner.inventory.schema import FindingAgg, LocationRow

    severities = [s.value for s in Severity if s.rank >= threshold]
    q = (select(FindingAgg.entity, FindingAgg.severity, LocationRow.uri).distinct()
         .join(LocationRow, FindingAgg.location_id == LocationRow.id)
         .where(FindingAgg.last_run_id == run_id, FindingAgg.status.in_(FAILING_STATUSES),
                FindingAgg.severity.in_(severities)))
    hits: dict[tuple[str, str], set[str]] = {}
    with inventory.session() as s:
        for entity, severity, uri in s.execute(q.execution_options(yield_per=2000)):
            hits.setdefault((entity, severity), set()).add(uri)
    return hits


def fail_message(fail_on: str | None, hits: dict[tuple[str, str], set[str]]) -> str:
    parts = sorted(hits.items(), key=lambda kv: (-Severity(kv[0][1]).rank, kv[0][0]))
    shown = ", ".join(
        f"{entity} ({severity}) in {len(locs)} location{'s' if len(locs) != 1 else ''}"
        for (entity, severity), locs in parts
    )
    return f"--fail-on {fail_on}: open or confirmed findings at or above {fail_on}: {shown}"
