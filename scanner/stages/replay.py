"""Steps -> events, in order: the findings, errors and progress a caller of the scan sees.

The allow-list is applied here, in the parent, whichever route made the findings, and a unit
source's findings are summarised here (its post-scan stage) when they were collected here.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from scanner.allowlist import AllowList
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, ScanError
from scanner.stages.columns import summarize
from scanner.stages.steps import Step
from scanner.transfer import unpack_findings


@dataclass(frozen=True)
class Progress:
    """Reported when an item (or unit source) starts, after each batch of its text, and when it
    is done (``done=True``). ``text_chars`` counts the text extracted so far in the whole scan."""

    uri: str
    bytes: int
    scanned: int
    skipped: int
    failed: int
    findings: int
    done: bool = True
    text_chars: int = 0
    workers: int = 0  # processes of a cluster scan (0 on one machine)
    allowed: int = 0  # findings left out by the allow-list (scanner/allowlist.py)


Event = Finding | ScanError | Progress


class Replay:
    """Turns steps into events, in order, keeping the scan's tally (progress and counts)."""

    def __init__(self, allow: AllowList | None = None) -> None:
        self.scanned = self.skipped = self.failed = self.findings = self.chars = 0
        self.workers = 0
        self._collected: list[Finding] = []
        self.allow = allow  # applied here, in the parent, whichever route made the findings

    @property
    def allowed(self) -> int:
        return self.allow.allowed if self.allow is not None else 0

    def progress(self, uri: str = "", size: int = 0, *, done: bool = True) -> Progress:
        return Progress(uri, size, self.scanned, self.skipped, self.failed, self.findings, done,
                        self.chars, self.workers, self.allowed)

    def _found(self, found: object) -> list[Finding]:
        resolved = _resolve(found)
        return resolved if self.allow is None else self.allow.filter(resolved)

    def events(self, step: Step) -> Iterator[Event]:
        kind = step[0]
        if kind == "batch":
            _, uri, size, chars, found = step
            found = self._found(found)
            self.chars += chars
            self.findings += len(found)
            yield from found
            yield self.progress(uri, size, done=False)
        elif kind == "start":
            yield self.progress(step[1], step[2], done=False)
        elif kind == "error":
            _, error, counted = step
            if counted == "walk" and error.kind in SKIP_KINDS:
                self.skipped += 1
            elif counted is not None:
                self.failed += 1
            yield error
        elif kind == "collect":
            _, uri, chars, found = step
            self.chars += chars
            self._collected.extend(self._found(found))
            yield self.progress(uri, done=False)
        elif kind == "summary":
            summary = summarize(step[1], self._collected)
            self._collected = []
            self.findings += len(summary)
            yield from summary
        elif kind == "end":
            _, uri, size, outcome = step
            setattr(self, outcome, getattr(self, outcome) + 1)
            yield self.progress(uri, size, done=True)


def _resolve(found: object) -> list[Finding]:
    if isinstance(found, Future):
        return unpack_findings(found.result())
    return found  # type: ignore[return-value]
