"""What the inventory's queries return: plain frozen records, safe to print (previews and hashes
only)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# What a finding and an occurrence are: the same words in README.md, the workbench (its Terms
# page) and the HTML report.
DEFINITIONS = {
    "finding": "one value of one kind at one location and field (a file, a message, a table "
               "column), counted once however often it appears there; the unit you review",
    "occurrence": "each time a finding's value appears at its location in the last scan that "
                  "saw it (a finding's count)",
}


@dataclass(frozen=True)
class FindingRow:
    """One aggregated finding as stored (safe to print: preview and hash only)."""

    id: int
    uri: str
    field: str
    entity: str
    category: str
    value_hash: str
    preview: str
    detector: str
    severity: str
    linked: bool | None
    source_kind: str
    source: str
    count: int
    max_score: float
    first_seen: str
    last_seen: str
    status: str
    clauses: tuple[str, ...] = ()
    resolved_run_id: int | None = None  # the run that no longer saw it (None: current)
    line: int | None = None  # of its first occurrence in the last run that saw it
    explanation: str | None = None  # why the classifier reported it (never the value)

    def to_dict(self) -> dict[str, object]:
        d = dataclasses.asdict(self)
        d["clauses"] = list(self.clauses)
        d["max_score"] = round(self.max_score, 4)
        return d


@dataclass(frozen=True)
class ReviewEntry:
    id: int
    finding_id: int
    reviewer: str
    at: str
    old_status: str
    new_status: str
    note: str

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RunRow:
    id: int
    scan_id: str
    started_at: str
    finished_at: str
    recorded_at: str
    status: str
    targets: tuple[str, ...]
    packs: tuple[str, ...]
    scanned: int
    skipped: int
    failed: int
    findings: int
    errors: int = 0
    pid: int | None = None
    host: str | None = None

    def to_dict(self) -> dict[str, object]:
        d = dataclasses.asdict(self)
        d["targets"], d["packs"] = list(self.targets), list(self.packs)
        return d
