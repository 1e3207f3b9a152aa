"""The data that flows through a scan: item -> text unit -> detection -> finding.

Everything here is a dataclass that is never changed once built: code that needs another value
builds a new one (:func:`dataclasses.replace`). A :class:`Detection` is the only object that ever
holds a clear value, and it lives only in memory between a classifier and the
:class:`~scanner.redact.Redactor` that turns it into a :class:`Finding` (masked preview + keyed
hash).

The classes a scan builds per text unit and per match (:class:`Location`, :class:`TextUnit`,
:class:`Detection`, :class:`Finding`, and :class:`classifiers.base.Candidate`) are not declared
``frozen``: a frozen dataclass sets each field through ``object.__setattr__``, which made building
a :class:`Finding` take 2.0 us instead of 0.3 us, and a scan builds millions of them (14% of the
CPU of a two-worker ``--no-ner`` scan of the benchmark corpus). They keep value equality and the
hash a frozen dataclass has (``unsafe_hash=True``). The test suite makes assigning to their
fields raise (``tests/conftest.py``), so a change that mutates one fails there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import BinaryIO, Literal

SCHEMA_VERSION = "piiscout.scan/1"


class Severity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


# How a text unit was produced; classifiers use it to decide where NER pays.
#  prose      free text (documents, message bodies, long text cells)
#  value      one structured value (a CSV cell, a JSON leaf, a DB value) whose field names it
#  log        machine-written lines (logs, key=value, CDRs): patterns only, no NER
UnitKind = Literal["prose", "value", "log"]


@dataclass(unsafe_hash=True)
class Location:
    """Where something was found. ``uri`` never carries credentials.

    ``uri`` examples: ``file:///abs/a.zip!/b.csv``, ``s3://bucket/key``,
    ``postgresql://host:5432/db/schema/table``, ``mbox:///abs/x.mbox#msg=12/attachment=cv.pdf``.
    ``line`` is 1-based in the extracted text, ``None`` where there are no lines.
    ``field`` is the column / header / key path where there is one.
    """

    uri: str
    line: int | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"uri": self.uri, "line": self.line, "field": self.field}


@dataclass(frozen=True)
class Item:
    """One readable thing a connector yields: a file, an object, a message, an attachment.

    ``open`` returns a fresh binary stream each time it is called; the extractor decides how much
    to read. ``size`` is the size in bytes when known. ``media_type`` is filled in by content
    sniffing (python-magic) in the pipeline when the connector leaves it empty.
    ``metadata`` carries source facts for later incremental scans (mtime, ETag, ...).
    """

    uri: str
    source_kind: str  # "file", "s3", "smb", "database", "mail"
    open: Callable[[], BinaryIO]
    size: int | None = None
    name: str = ""  # file name, used as a hint only (never trusted over content)
    media_type: str | None = None
    depth: int = 0  # container nesting depth
    metadata: Mapping[str, object] = field(default_factory=dict)


@dataclass(unsafe_hash=True)
class TextUnit:
    """A piece of extracted text with the location of its first character.

    ``record`` groups units that belong to the same record for linkage (a table row, a message,
    a JSON object). Units with ``record=None`` are linked line by line / sentence by sentence.
    ``source_kind`` is copied from the item so that policy rules can use it.
    """

    location: Location
    text: str
    kind: UnitKind = "prose"
    record: str | None = None
    source_kind: str = "file"


@dataclass(unsafe_hash=True)
class Detection:
    """A raw classifier hit. Holds the clear value: never serialise, log or store it."""

    entity: str
    start: int  # offsets into TextUnit.text (or 0, 0 for unit-level / column-level hits)
    end: int
    score: float
    detector: str  # stable classifier ID, e.g. "PII-EMAIL"
    explanation: str
    value: str  # the matched text; redacted before it leaves the engine
    linked: bool | None = None  # special categories: tied to an identified person?
    # Extra fields a detection may need for special reporting (e.g. share of sampled values).
    attributes: Mapping[str, object] = field(default_factory=dict)

    def __repr__(self) -> str:  # keep clear values out of tracebacks and logs
        return (
            f"Detection(entity={self.entity!r}, start={self.start}, end={self.end}, "
            f"score={self.score:.2f}, detector={self.detector!r})"
        )


@dataclass(unsafe_hash=True)
class Finding:
    """One occurrence of personal data, safe to print and store."""

    location: Location
    entity: str
    category: str
    score: float
    severity: Severity
    detector: str
    explanation: str
    preview: str
    value_hash: str
    linked: bool | None = None
    clauses: tuple[str, ...] = ()
    source_kind: str = "file"
    attributes: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "location": self.location.to_dict(),
            "entity": self.entity,
            "category": self.category,
            "score": round(self.score, 4),
            "severity": self.severity.value,
            "detector": self.detector,
            "explanation": self.explanation,
            "preview": self.preview,
            "value_hash": self.value_hash,
            "linked": self.linked,
            "clauses": list(self.clauses),
        }
        if self.attributes:
            d["attributes"] = dict(self.attributes)
        return d


@dataclass(frozen=True)
class ScanError:
    """A problem with one location; recorded, and the scan goes on."""

    location: str
    kind: str  # e.g. "too_large", "corrupt", "encrypted", "bomb", "unreadable", "timeout"
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"location": self.location, "kind": self.kind, "message": self.message}


class ItemError(Exception):
    """Raised by connectors and extractors for a problem confined to one location."""

    def __init__(self, kind: str, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.location = location


@dataclass(frozen=True)
class ScanInfo:
    id: str
    started_at: str  # ISO 8601, UTC
    finished_at: str
    targets: tuple[str, ...]  # credentials stripped
    scanned: int = 0
    skipped: int = 0
    failed: int = 0
    unchanged: int = 0  # incremental scans: items not read again (same version as last time)
    allowed: int = 0  # findings left out because their value is on the allow-list


@dataclass(frozen=True)
class ScanResult:
    info: ScanInfo
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA_VERSION,
            "scan": self.scan_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
        }

    def scan_dict(self) -> dict[str, object]:
        """The ``scan`` summary of :meth:`to_dict`: id, times, targets and counts."""
        i = self.info
        return {
            "id": i.id,
            "started_at": i.started_at,
            "finished_at": i.finished_at,
            "targets": list(i.targets),
            "items": {"scanned": i.scanned, "skipped": i.skipped, "failed": i.failed,
                      "unchanged": i.unchanged},
            "allowed": i.allowed,  # findings left out by the allow-list
        }
