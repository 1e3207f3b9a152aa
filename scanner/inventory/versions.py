"""Incremental scans: item versions in the inventory, and what a skipped item keeps.

An item (a file, an SMB file, an S3 object, a database table and its BLOBs) carries a version
from its connector (``Item.metadata["version"]``: size + mtime, ETag; ``TableSource.version()``:
schema + row count + a change marker). The version stored is a digest of that and of everything
else that decides what a scan of the item finds (classifier settings, limits, policy packs, the
piiscout version), so changing ``--min-score`` or a policy pack makes every item read again.

Only an item read without any error is given a stored version: an item that failed, was
truncated or skipped is read again next time.

:class:`Incremental` is the pipeline's ``skip_item`` hook. An item whose stored version equals
its current one is not read; after the scan, :func:`touch` advances its locations and their
current findings to the new run (so they stay current and are not resolved), and
:func:`findings_under` reads them back for the report.

:func:`touch` implements the contract of ``RunRecorder.touch(uris)`` (helper INV's): "an item
skipped as unchanged has its LocationRow.last_run_id and its findings' last_run_id advanced to
the current run".
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, select

from scanner.inventory import recording
from scanner.inventory.schema import FindingAgg, ItemVersion, LocationRow, Run
from scanner.models import Finding, Location, ScanError, Severity

if TYPE_CHECKING:
    from scanner.inventory.store import Inventory
    from scanner.policy import PolicyMapper
    from scanner.settings import Settings

# A child location of an item: ``a.zip!/b.csv``, ``x.mbox#msg=3``, ``<table>/<column>/row=1``.
_CHILD_SEPARATORS = ("!", "#", "/")
_CHUNK = 500

Identity = tuple[str, str, str, str]  # uri, field, entity, value hash (as the store keys them)

__all__ = ["Incremental", "ItemVersion", "findings_of_run", "findings_under", "iter_findings_under",
           "touch"]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# What decides a scan's findings besides the settings: the detection code and the shipped tables
# (taxonomy, vocabularies, defaults). Their digest is part of the fingerprint, so an upgraded
# installation reads every item again instead of carrying over findings the old rules made (the
# package version alone stays the same across such changes). Packages not listed, and the
# subpackages left out, change no finding: the commands, the web app, reports, the inventory.
RULE_PACKAGES = ("classifiers", "connectors", "scanner", "config")
NOT_RULES = frozenset({"scanner/cli", "scanner/web", "scanner/reports", "scanner/inventory"})
RULE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".txt")


@functools.cache
def rules_digest() -> str:
    """sha256 over the path and content of every rule file of :data:`RULE_PACKAGES` (read once
    per process: about 2 MB)."""
    roots = []
    for name in RULE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots += [(name, Path(p)) for p in spec.submodule_search_locations]
    return digest_of(roots)


def digest_of(roots: Sequence[tuple[str, Path]]) -> str:
    """:func:`rules_digest` of the given (package name, directory) roots."""
    h = hashlib.sha256()
    for name, root in roots:
        files = sorted(f for f in root.rglob("*") if f.suffix in RULE_SUFFIXES and f.is_file()
                       and "__pycache__" not in f.parts)
        for f in files:
            rel = f"{name}/{f.relative_to(root).as_posix()}"
            if any(rel == x or rel.startswith(x + "/") for x in NOT_RULES):
                continue
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _file_digest(path: str) -> str:
    """sha256 of a file a setting names (``missing`` when it cannot be read: the scan reports
    that itself)."""
    try:
        return hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()
    except OSError:
        return "missing"


def settings_fingerprint(settings: Settings, packs: Sequence[object]) -> str:
    """What, besides the item's bytes, decides what its scan finds: the piiscout version and its
    rules (:func:`rules_digest`), the classifier, limit and database settings and the content of
    the files they name (custom recognizers, allow-list), and the policy packs' content (their
    clauses)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("piiscout")
    except PackageNotFoundError:
        ours = "?"
    facts = {
        "piiscout": ours,
        "rules": rules_digest(),
        # the files the settings name, by content: editing a recognizer or allow-list file
        # reads everything again, as changing the setting does
        "files": {k: _file_digest(v) for k, v in (("recognizers", settings.classify.recognizers),
                                                  ("allow_list", settings.classify.allow_list))
                  if v},
        "classify": settings.classify.model_dump(mode="json"),
        "limits": settings.limits.model_dump(mode="json"),
        "database": settings.database.model_dump(mode="json"),
        "packs": sorted(_key(p.model_dump_json()) if hasattr(p, "model_dump_json") else str(p)
                        for p in packs),
    }
    return _key(json.dumps(facts, sort_keys=True))


def item_version(walked: object) -> str | None:
    """The connector's version of an item or unit source, or ``None`` (not skippable)."""
    meta = getattr(walked, "metadata", None)
    v = meta.get("version") if meta is not None else getattr(walked, "version", None)
    if callable(v):
        v = v()
    return str(v) if v else None


def is_under(uri: str, item: str) -> bool:
    return uri == item or (uri.startswith(item) and uri[len(item)] in _CHILD_SEPARATORS)


class Incremental:
    """The ``skip_item`` hook of one scan; :meth:`commit` stores what it saw."""

    def __init__(self, inventory: Inventory, fingerprint: str, *, full: bool = False) -> None:
        self.inv = inventory
        self.fingerprint = fingerprint
        self.full = full
        self.seen: dict[str, str] = {}  # uri -> version digest, items read in this scan
        self.unchanged: list[str] = []  # uris not read: same version as last time
        self._conn: Connection | None = None
        self._query = ""

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __call__(self, walked: object) -> bool:
        return self.skip_item(walked)

    def skip_item(self, walked: object) -> bool:
        uri = getattr(walked, "uri", None)
        version = item_version(walked)
        if not uri or version is None:
            return False
        digest = _key(self.fingerprint + "\x1f" + version)
        if not self.full:
            if self._conn is None:  # one connection for the walk: a session per item was 1 ms
                self._conn = self.inv.engine.connect()
                self._query = ("SELECT version FROM item_versions WHERE uri_key = "
                               + recording.placeholder(self._conn.dialect.name))
            try:
                stored = self._conn.exec_driver_sql(self._query, (_key(uri),)).scalar()
            finally:
                self._conn.rollback()  # no read transaction held between items
            if stored == digest:
                self.unchanged.append(uri)
                return True
        self.seen[uri] = digest
        return False

    def commit(self, run_id: int, errors: Iterable[ScanError], now: str) -> None:
        """Store the versions of the items read completely; forget those that failed; advance
        the unchanged ones to this run (:func:`touch`)."""
        self.close()
        failed = [e.location for e in errors]
        by_item: set[str] = set()
        if failed and self.seen:
            for loc in failed:
                for item in _item_prefixes(loc):
                    if item in self.seen:
                        by_item.add(item)
        with self.inv.write.begin() as s:
            items = list(self.seen.items()) + [(u, None) for u in self.unchanged]
            for i in range(0, len(items), _CHUNK):
                chunk = items[i : i + _CHUNK]
                keys = [_key(u) for u, _ in chunk]
                rows = {r.uri_key: r for r in s.scalars(
                    select(ItemVersion).where(ItemVersion.uri_key.in_(keys)))}
                for (uri, digest), key in zip(chunk, keys, strict=True):
                    row = rows.get(key)
                    if digest is None:  # unchanged
                        if row is not None:
                            row.run_id, row.seen_at = run_id, now
                    elif uri in by_item:
                        if row is not None:
                            s.delete(row)
                    elif row is None:
                        s.add(ItemVersion(uri_key=key, uri=uri, version=digest, run_id=run_id,
                                          seen_at=now))
                    else:
                        row.version, row.run_id, row.seen_at = digest, run_id, now
        if self.unchanged:
            touch(self.inv, run_id, self.unchanged, now)


def _item_prefixes(location: str) -> Iterable[str]:
    """The location and every prefix of it that ends before a child separator."""
    yield location
    for i in range(len(location) - 1, 0, -1):
        if location[i] in _CHILD_SEPARATORS:
            yield location[:i]


def _locations_under(s: object, items: Sequence[str]) -> list[tuple[int, int]]:
    """(location id, its last run id) of every location at or under one of ``items``."""
    wanted = set(items)
    out: list[tuple[int, int]] = []
    for loc_id, uri, last in s.execute(  # type: ignore[attr-defined]
        select(LocationRow.id, LocationRow.uri, LocationRow.last_run_id)
    ):
        if uri in wanted or any(p in wanted for p in _item_prefixes(uri)):
            out.append((loc_id, last))
    return out


def touch(inv: Inventory, run_id: int, uris: Sequence[str], now: str) -> int:
    """Advance the locations at or under ``uris`` and their current findings to ``run_id``
    (``RunRecorder.touch``'s contract: they count as seen, with a sighting, and are not
    resolved). Returns the number of findings carried over."""
    if not uris:
        return 0
    with inv.write.begin() as s:
        return recording.touch(s, run_id, now, list(uris))


@dataclass(frozen=True)
class Stored:
    """One aggregated finding as the inventory holds it, with what a report needs."""

    identity: Identity
    finding: Finding
    count: int
    status: str
    first_run_id: int

    def occurrences(self) -> list[Finding]:
        """The finding once per occurrence the inventory counted (lines are not stored)."""
        return [self.finding] * max(self.count, 1)


# What a report needs of a stored finding, as plain columns: ORM objects (an identity map, an
# instance state each) were two thirds of reading back an unchanged item's findings.
_STORED_COLUMNS = (LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.category,
                   FindingAgg.max_score, FindingAgg.severity, FindingAgg.detector,
                   FindingAgg.preview, FindingAgg.value_hash, FindingAgg.linked,
                   FindingAgg.source_kind, FindingAgg.count, FindingAgg.status,
                   FindingAgg.first_run_id)
UNCHANGED = "unchanged since it was last read"


def _run_findings(run_id: int) -> Select:
    """The findings current in run ``run_id``, as :data:`_STORED_COLUMNS`, in report order."""
    return (select(*_STORED_COLUMNS)
            .join(LocationRow, FindingAgg.location_id == LocationRow.id)
            .where(FindingAgg.last_run_id == run_id)
            .order_by(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.id))


def _stored_row(row: Sequence, clauses: tuple[str, ...]) -> Stored:
    """One row of :data:`_STORED_COLUMNS` as a report's finding."""
    (uri, field, entity, category, score, severity, detector, preview, vhash, linked, kind,
     count, status, first_run) = row
    finding = Finding(Location(uri, None, field or None), entity, category, score,
                      Severity(severity), detector, UNCHANGED, preview, vhash, linked, clauses,
                      kind)
    return Stored((uri, field, entity, vhash), finding, count, status, first_run)


def _stored_rows(rows: Iterable[Any], mapper: PolicyMapper) -> list[Stored]:
    """Rows of :data:`_STORED_COLUMNS` as report findings, their clauses worked out by
    ``mapper`` once per (category, linkage, source kind, location)."""
    clauses: dict[tuple, tuple[str, ...]] = {}
    out = []
    for row in rows:
        key = (row.category, row.linked, row.source_kind, row.uri)
        got = clauses.get(key)
        if got is None:
            got = clauses[key] = tuple(sorted(mapper.clauses_for_category(*key)))
        out.append(_stored_row(row, got))
    return out


def findings_of_run(inv: Inventory, run_id: int,
                    keep: Callable[[str], bool] | None = None) -> list[Stored]:
    """The findings current in run ``run_id`` (recorded or touched by it), optionally only
    those whose location uri passes ``keep``."""
    with inv.session() as s:
        rows = s.connection().execute(_run_findings(run_id)).all()
    return _stored_rows([r for r in rows if keep is None or keep(r.uri)], inv.mapper)


def findings_under(inv: Inventory, run_id: int, uris: Sequence[str]) -> list[Stored]:
    """The current findings of the items ``uris`` (skipped as unchanged) in run ``run_id``."""
    return [s for chunk in iter_findings_under(inv, run_id, uris) for s in chunk]


def iter_findings_under(inv: Inventory, run_id: int, uris: Sequence[str],
                        chunk: int = 2000) -> Iterator[list[Stored]]:
    """:func:`findings_under` in chunks of at most ``chunk``, read as they are yielded: memory
    does not grow with the findings of an incremental rescan's unchanged items."""
    if not uris:
        return
    wanted = set(uris)
    under: dict[str, bool] = {}  # uri -> at or under an unchanged item (a location has many rows)

    def is_under(uri: str) -> bool:
        hit = under.get(uri)
        if hit is None:
            if len(under) > 65536:
                under.clear()
            hit = under[uri] = uri in wanted or any(p in wanted for p in _item_prefixes(uri))
        return hit

    q = _run_findings(run_id).execution_options(yield_per=chunk)
    with inv.session() as s:
        for part in s.connection().execute(q).partitions():
            rows = [r for r in part if is_under(r.uri)]
            if rows:
                yield _stored_rows(rows, inv.mapper)


def previous_run(inv: Inventory, targets: Sequence[str], before: int) -> int | None:
    """The last completed run before ``before`` over the same targets."""
    want = json.dumps(list(targets))
    with inv.session() as s:
        return s.scalar(select(Run.id).where(Run.id < before, Run.status == "completed",
                                             Run.targets == want).order_by(Run.id.desc()))
