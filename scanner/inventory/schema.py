"""Inventory tables (SQLAlchemy 2 declarative). Change them only together with a new migration.

Nothing here holds a clear value: a finding keeps its masked preview and keyed hash only, and
URIs arrive with credentials already stripped.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STATUSES = ("open", "confirmed", "false-positive", "accepted", "remediated")
RUN_STATES = ("running", "completed", "interrupted")


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One recorded scan. ``status`` stays ``running`` until its last batch is committed."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="running")
    targets: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, credentials stripped
    packs: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of active pack IDs
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    # Who records it (0003): a run left "running" whose process is gone is marked "interrupted".
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Source(Base):
    """A scanned root: a directory, a bucket, a share, a database, a mailbox."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of kind + name


class LocationRow(Base):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    uri: Mapped[str] = mapped_column(Text)
    uri_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of uri
    first_seen: Mapped[str] = mapped_column(String(40))
    last_seen: Mapped[str] = mapped_column(String(40))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    # sha256 of the item the location lies in (the URI before any "!" or "#"; 0003): an
    # unchanged item carries all its locations (archive members, messages) over at once.
    item_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class FindingAgg(Base):
    """Findings aggregated per location + field + entity + value hash (no line numbers)."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("location_id", "field", "entity", "value_hash", name="uq_finding_identity"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own (0007): the unique identity starts with it.
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    field: Mapped[str] = mapped_column(Text, default="")
    entity: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(128))
    value_hash: Mapped[str] = mapped_column(String(64))
    preview: Mapped[str] = mapped_column(Text)
    detector: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    linked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    source_kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)  # occurrences in the last run that saw it
    max_score: Mapped[float] = mapped_column(Float)
    first_seen: Mapped[str] = mapped_column(String(40))
    last_seen: Mapped[str] = mapped_column(String(40))
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # latest review decision (no
    # index since 0007: read as "not a false positive" or one status over everything)
    # The completed run that scanned its location and no longer saw it (NULL: current). Kept
    # apart from ``status`` so that the review decision survives; reset when it is seen again.
    # Not indexed since 0007: read only as IS NULL (the current findings, most rows).
    resolved_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The first occurrence in the last run that saw it (0006): its line (None where the text
    # has no lines, such as a database column) and the classifier's explanation, which names
    # patterns, context words and checks, never the value. NULL for findings recorded earlier.
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)


# The value hash's first HASH_PREFIX characters, indexed (0007): what ``piiscout subject`` looks a
# person's values up by (then compares the whole hash). A quarter of the full hash's index size,
# and an index a random value hash is written into at a random place, on every recorded finding.
HASH_PREFIX = 16
Index("ix_findings_hash_prefix", func.substr(FindingAgg.value_hash, 1, HASH_PREFIX))


class Sighting(Base):
    """A finding as one run saw it (or, for an unchanged item, carried it over): the run
    history that diffs are computed from. Rows are added per run, never rewritten later."""

    __tablename__ = "sightings"
    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), primary_key=True,
                                            index=True)
    count: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(8))
    linked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class ClauseMapping(Base):
    """The clauses a finding fell under when it was last recorded."""

    __tablename__ = "finding_clauses"
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), primary_key=True)
    clause: Mapped[str] = mapped_column(String(160), primary_key=True)


class ErrorRow(Base):
    __tablename__ = "errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    location: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)


class Review(Base):
    """Append-only audit log of review decisions: rows are inserted, never updated or deleted."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(128))
    at: Mapped[str] = mapped_column(String(40))
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class ItemVersion(Base):
    """The version of an item last read completely, for incremental scans (migration
    ``0004_nightly``; used by :mod:`scanner.inventory.versions`)."""

    __tablename__ = "item_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of uri
    uri: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(64))  # digest of item version + settings
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    seen_at: Mapped[str] = mapped_column(String(40))
