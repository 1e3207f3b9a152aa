"""SARIF 2.1.0 (``--format sarif``), the format security tooling (GitHub code scanning, ...) reads.

* One rule per entity (id ``EMAIL_ADDRESS``, name, short description and help, default level
  from the entity's severity: high -> ``error``, medium -> ``warning``, low -> ``note``).
* One result per finding identity -- location uri + field + entity + value hash, as the
  inventory aggregates them -- with ``ruleId``, ``level`` (its worst severity), a physical
  location (``artifactLocation.uri``, ``region.startLine`` of its first occurrence where lines
  are known), the field and the other facts in its property bag, and ``partialFingerprints``
  from the identity (no line: stable when the finding moves to another line).
* With the inventory: ``baselineState`` (``new``/``unchanged``/``updated``, and ``absent``
  results for findings of the previous run over the same targets that are gone) and the review
  decisions as ``suppressions`` (kind ``external``, status ``accepted`` for ``accepted`` and
  ``false-positive``).
* Only masked previews and keyed hashes, as everywhere.
* GitHub takes at most 25,000 results per run: the report keeps the 25,000 most severe and says
  so in the run's properties (``piiscout/resultsTotal``, ``piiscout/resultsCapped``).
* Memory does not grow with the findings (:class:`SarifStream`, what ``piiscout scan`` uses): the
  findings are grouped as they come in a private SQLite file in the temporary directory (masked
  previews and keyed hashes only, removed at the end), the previous run's findings are copied
  there before the scan, the current run's after it, and the 25,000 results are picked there.
  :func:`write` (a whole :class:`~scanner.models.ScanResult` in memory) is the reference the
  tests compare it with.

Errors of the scan are ``toolExecutionNotifications`` of the run's invocation.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from scanner import entities as entity_table
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, Location, ScanError, ScanInfo, ScanResult, Severity

if TYPE_CHECKING:
    from scanner.inventory.store import Inventory
    from scanner.inventory.versions import Stored

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000  # GitHub code scanning's limit per run
MAX_LINES = 20  # occurrence lines listed per result
FINGERPRINT = "piiscoutFindingIdentity/v1"
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "2.0"}
SUPPRESSED = {"accepted": "accepted", "false-positive": "accepted"}
SKIP_LEVEL = "note"

Identity = tuple[str, str, str, str]


@dataclass
class Baseline:
    """What the inventory knows: each current identity's review status, its state against the
    previous run (empty: no previous run), and the findings of that run that are gone."""

    statuses: dict[Identity, str] = field(default_factory=dict)
    states: dict[Identity, str] = field(default_factory=dict)
    absent: list[Finding] = field(default_factory=list)


def identity(f: Finding) -> Identity:
    return (f.location.uri, f.location.field or "", f.entity[:64], f.value_hash[:64])


def fingerprint(ident: Identity) -> str:
    return hashlib.sha256("\x1f".join(ident).encode("utf-8", "surrogatepass")).hexdigest()


def baseline_of(inventory: Inventory, run_id: int, previous: Sequence[Stored] | None) -> Baseline:
    from scanner.inventory.versions import findings_of_run

    current = findings_of_run(inventory, run_id)
    out = Baseline(statuses={s.identity: s.status for s in current})
    if previous is None:
        return out
    before = {p.identity: p for p in previous}
    for s in current:
        p = before.get(s.identity)
        if p is None:
            out.states[s.identity] = "new"
        elif (p.finding.severity, p.count, p.finding.preview) == (
            s.finding.severity, s.count, s.finding.preview
        ):
            out.states[s.identity] = "unchanged"
        else:
            out.states[s.identity] = "updated"
    now = {s.identity for s in current}
    out.absent = [p.finding for p in previous if p.identity not in now]
    return out


@dataclass
class _Group:
    first: Finding
    severity: Severity
    score: float
    lines: list[int] = field(default_factory=list)
    occurrences: int = 0
    clauses: set[str] = field(default_factory=set)


def _group(findings: Iterable[Finding]) -> dict[Identity, _Group]:
    groups: dict[Identity, _Group] = {}
    for f in findings:
        key = identity(f)
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group(f, f.severity, f.score)
        g.occurrences += 1
        if f.severity.rank > g.severity.rank:
            g.severity = f.severity
        g.score = max(g.score, f.score)
        if f.location.line is not None and len(g.lines) < MAX_LINES:
            g.lines.append(f.location.line)
        g.clauses.update(f.clauses)
    return groups


def _camel(entity: str) -> str:
    return "".join(part.capitalize() for part in entity.split("_"))


_ACRONYMS = {"us": "US", "ssn": "SSN", "iban": "IBAN", "imei": "IMEI", "ip": "IP", "mac": "MAC",
             "url": "URL", "nrp": "NRP", "id": "ID"}


def _human(entity: str) -> str:
    text = " ".join(_ACRONYMS.get(w, w) for w in entity.lower().split("_"))
    return text[:1].upper() + text[1:]


def _rules(entities: Iterable[str]) -> list[dict[str, Any]]:
    names = list(dict.fromkeys([*entity_table.ids(), *sorted(entities)]))
    rules = []
    for entity in names:
        entry = entity_table.find(entity)  # None: a custom recognizer's entity
        category = entry.category if entry else entity_table.FALLBACK_CATEGORY
        severity = entry.severity.value if entry else "low"
        unlinked = entry.unlinked_severity.value if entry and entry.unlinked_severity else None
        human = _human(entity)
        help_text = (
            f"Personal data of the kind {entity} (fideslang category {category}) was found. "
            f"Check that a privacy-policy clause covers holding it here, then remove it or "
            f"review the finding (piiscout findings review ID --status ...)."
        )
        if unlinked:
            help_text += (f" A special category: {severity} when linked to an identified "
                          f"person, {unlinked} otherwise.")
        rules.append({
            "id": entity,
            "name": _camel(entity),
            "shortDescription": {"text": f"{human} ({category})"},
            "fullDescription": {"text": f"{human}: personal data in fideslang category "
                                        f"{category}; default severity {severity}."},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": LEVELS.get(severity, "note")},
            "properties": {
                "category": category,
                "severity": severity,
                "security-severity": SECURITY_SEVERITY.get(severity, "2.0"),
                "tags": ["privacy", "personal-data", category],
            },
        })
    return rules


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z") if stamp else stamp


def _result(ident: Identity, g: _Group, rule_index: int, statuses: dict[Identity, str] | None,
            state: str | None) -> dict[str, Any]:
    f = g.first
    where = f" in field '{f.location.field}'" if f.location.field else ""
    region: dict[str, Any] = {}
    if g.lines:
        region = {"region": {"startLine": min(g.lines)}}
    props: dict[str, Any] = {
        "entity": f.entity,
        "category": f.category,
        "severity": g.severity.value,
        "preview": f.preview,
        "valueHash": f.value_hash,
        "detector": f.detector,
        "score": round(g.score, 4),
        "occurrences": g.occurrences,
        "clauses": sorted(g.clauses),
        "sourceKind": f.source_kind,
    }
    if f.location.field is not None:
        props["field"] = f.location.field
    if g.lines:
        props["lines"] = sorted(g.lines)
    if f.linked is not None:
        props["linked"] = f.linked
    result: dict[str, Any] = {
        "ruleId": f.entity,
        "ruleIndex": rule_index,
        "level": LEVELS[g.severity.value],
        "message": {"text": f"{f.entity} ({f.category}) {f.preview}{where}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": ident[0]}, **region}}],
        "partialFingerprints": {FINGERPRINT: fingerprint(ident)},
        "properties": props,
    }
    if statuses is not None:
        status = statuses.get(ident)
        if status is not None:
            props["status"] = status
        if status in SUPPRESSED:
            result["suppressions"] = [{
                "kind": "external",
                "status": SUPPRESSED[status],
                "justification": f"reviewed in the piiscout inventory as {status}",
            }]
    if state is not None:
        result["baselineState"] = state
    return result


def _notification(location: str, kind: str, message: str) -> dict[str, Any]:
    return {
        "level": SKIP_LEVEL if kind in SKIP_KINDS else "warning",
        "message": {"text": f"{kind}: {message}"},
        "descriptor": {"id": kind},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": location}}}],
    }


def sarif_document(result: ScanResult, baseline: Baseline | None = None) -> dict[str, Any]:
    groups = _group(result.findings)
    absent = _group(baseline.absent) if baseline is not None else {}
    has_baseline = baseline is not None and bool(baseline.states or baseline.absent)
    rows: list[tuple[Identity, _Group, str | None]] = []
    for ident, g in groups.items():
        state = None
        if has_baseline:
            assert baseline is not None
            state = baseline.states.get(ident, "new")
        rows.append((ident, g, state))
    rows += [(ident, g, "absent") for ident, g in absent.items() if ident not in groups]
    total = len(rows)
    rows.sort(key=_order)
    kept = rows[:MAX_RESULTS]
    statuses = baseline.statuses if baseline is not None else None
    entities = {g.first.entity for g in [*groups.values(), *absent.values()]}
    return _document(result.info, result.errors, entities, kept, total, statuses)


def _order(row: tuple[Identity, _Group, str | None]) -> tuple[int, bool, Identity]:
    """Most severe first, a gone finding after a current one of the same severity."""
    return (-row[1].severity.rank, row[2] == "absent", row[0])


def _document(info: ScanInfo, errors: Sequence[ScanError], entities: Iterable[str],
              kept: Sequence[tuple[Identity, _Group, str | None]], total: int,
              statuses: dict[Identity, str] | None) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("piiscout")
    except PackageNotFoundError:
        ours = "0"
    rules = _rules(entities)
    index = {r["id"]: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "piiscout",
            "version": ours,
            "semanticVersion": ours,
            "informationUri": "https://github.com/piiscout/piiscout",
            "rules": rules,
        }},
        "automationDetails": {"id": f"piiscout/{info.id}"},
        "invocations": [{
            "executionSuccessful": True,
            "startTimeUtc": _utc(info.started_at),
            "endTimeUtc": _utc(info.finished_at),
            "toolExecutionNotifications": [
                _notification(e.location, e.kind, e.message) for e in errors
            ],
        }],
        "columnKind": "unicodeCodePoints",
        "results": [_result(i, g, index[g.first.entity], statuses, s) for i, g, s in kept],
        "properties": {
            "piiscout/targets": list(info.targets),
            "piiscout/items": {"scanned": info.scanned, "skipped": info.skipped,
                               "failed": info.failed, "unchanged": info.unchanged},
            "piiscout/resultsTotal": total,
            "piiscout/resultsLimit": MAX_RESULTS,
            "piiscout/resultsCapped": total > MAX_RESULTS,
            "piiscout/resultsNote": (
                f"GitHub code scanning accepts at most {MAX_RESULTS:,} results per run; "
                + (f"the {MAX_RESULTS:,} most severe of {total:,} are listed, the rest are in "
                   "the inventory and the JSON report." if total > MAX_RESULTS
                   else "all results are listed.")
            ),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def write(result: ScanResult, stream: TextIO, *, color: bool = False,
          baseline: Baseline | None = None) -> None:
    dump(sarif_document(result, baseline), stream)


def dump(doc: dict[str, Any], stream: TextIO) -> None:
    """``doc`` as JSON, one result per line: the C encoder writes it (an indented dump goes
    through Python's and took 3.8 s for 25,000 results), and a line still is one result for
    grep and diff."""
    run = doc["runs"][0]
    results = run["results"]
    marker = f"results-{uuid.uuid4().hex}"  # no value can be this string
    run["results"] = marker
    try:
        head, tail = json.dumps(doc, ensure_ascii=False).split(f'"{marker}"', 1)
    finally:
        run["results"] = results
    stream.write(head)
    stream.write("[\n" if results else "[")
    stream.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in results))
    stream.write("\n]" if results else "]")
    stream.write(tail)
    stream.write("\n")


# -- the streaming writer ------------------------------------------------------------------------

@dataclass(frozen=True)
class Runs:
    """The inventory, the run being recorded and the last completed run over the same targets
    (None: no baseline states, review statuses only)."""

    inventory: Inventory
    run_id: int
    previous_run_id: int | None


_IDENT = "uri TEXT NOT NULL, fkey TEXT NOT NULL, entity TEXT NOT NULL, vhash TEXT NOT NULL"
_KEY = "PRIMARY KEY (uri, fkey, entity, vhash)"
_SCHEMA = (
    # the findings of this scan, grouped by identity as _group does
    f"CREATE TABLE g ({_IDENT}, field TEXT, category TEXT, preview TEXT, detector TEXT, "
    f"linked INTEGER, source_kind TEXT, rank INTEGER, severity TEXT, score REAL, n INTEGER, "
    f"nlines INTEGER, lines TEXT, {_KEY})",
    f"CREATE TABLE gc ({_IDENT}, clause TEXT NOT NULL, PRIMARY KEY (uri, fkey, entity, vhash, "
    f"clause)) WITHOUT ROWID",
    # the previous run's findings as they were before this scan, and this run's after it
    f"CREATE TABLE prev ({_IDENT}, field TEXT, category TEXT, preview TEXT, detector TEXT, "
    f"linked INTEGER, source_kind TEXT, rank INTEGER, severity TEXT, score REAL, count INTEGER, "
    f"clauses TEXT, {_KEY}) WITHOUT ROWID",
    f"CREATE TABLE cur ({_IDENT}, status TEXT, severity TEXT, count INTEGER, preview TEXT, "
    f"{_KEY}) WITHOUT ROWID",
)
_ADD = (
    "INSERT INTO g VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?) "
    "ON CONFLICT (uri, fkey, entity, vhash) DO UPDATE SET n = n + 1, "
    "severity = CASE WHEN excluded.rank > rank THEN excluded.severity ELSE severity END, "
    "rank = max(rank, excluded.rank), score = max(score, excluded.score), "
    f"lines = CASE WHEN excluded.nlines = 0 OR nlines >= {MAX_LINES} THEN lines "
    "WHEN nlines = 0 THEN excluded.lines ELSE lines || ',' || excluded.lines END, "
    f"nlines = CASE WHEN excluded.nlines = 0 OR nlines >= {MAX_LINES} THEN nlines "
    "ELSE nlines + 1 END"
)
_SEP = "\x1f"  # between the clauses of a previous finding
_FLUSH = 2000
# The results in report order: this scan's groups, then the previous run's gone findings.
_PICK = (
    "SELECT 0 AS gone, g.uri, g.fkey, g.entity, g.vhash, g.field, g.category, g.preview, "
    "g.detector, g.linked, g.source_kind, g.rank, g.severity, g.score, g.n, g.lines, NULL, "
    "prev.severity, prev.count, prev.preview, cur.severity, cur.count, cur.preview, cur.status "
    "FROM g LEFT JOIN prev USING (uri, fkey, entity, vhash) "
    "LEFT JOIN cur USING (uri, fkey, entity, vhash) "
    "UNION ALL "
    "SELECT 1, p.uri, p.fkey, p.entity, p.vhash, p.field, p.category, p.preview, p.detector, "
    "p.linked, p.source_kind, p.rank, p.severity, p.score, 1, '', p.clauses, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM prev AS p "
    "WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.uri = p.uri AND cur.fkey = p.fkey "
    "AND cur.entity = p.entity AND cur.vhash = p.vhash) "
    "AND NOT EXISTS (SELECT 1 FROM g WHERE g.uri = p.uri AND g.fkey = p.fkey "
    "AND g.entity = p.entity AND g.vhash = p.vhash) "
    "ORDER BY rank DESC, gone, uri, fkey, entity, vhash LIMIT ?"
)


def _linked(v: int | None) -> bool | None:
    return None if v is None else bool(v)


class SarifStream:
    """``--format sarif`` while the scan runs: memory does not grow with the findings.

    Each finding is folded into its identity's group in a private SQLite file (removed at the
    end); with ``runs``, the previous run's findings are copied there now, before the scan
    changes them, and the current run's at the end, so the baseline states, the review statuses
    and the 25,000 most severe results are picked by SQLite. The document is the one
    :func:`write` makes of the same findings (tests/scanner/reports/test_sarif_stream.py)."""

    suppressed_too = True  # reviewed false positives are listed, marked suppressed

    def __init__(self, stream: TextIO, *, color: bool = False, runs: Runs | None = None) -> None:
        self.stream, self.runs = stream, runs
        self._dir = tempfile.TemporaryDirectory(prefix="piiscout-sarif-")  # mode 0700
        self._db = sqlite3.connect(os.path.join(self._dir.name, "groups.sqlite"),
                                   isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384"):
            self._db.execute(f"PRAGMA {pragma}")
        for ddl in _SCHEMA:
            self._db.execute(ddl)
        self._pending: list[Finding] = []
        if runs is not None and runs.previous_run_id is not None:
            self._copy("prev", _previous_rows(runs.inventory, runs.previous_run_id))

    def finding(self, f: Finding) -> None:
        self._pending.append(f)
        if len(self._pending) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        rows: list[tuple[object, ...]] = []
        clauses: list[tuple[str, ...]] = []
        for f in pending:
            ident = identity(f)
            line = f.location.line
            rows.append((*ident, f.location.field, f.category, f.preview, f.detector,
                         None if f.linked is None else int(f.linked), f.source_kind,
                         f.severity.rank, f.severity.value, f.score,
                         0 if line is None else 1, "" if line is None else str(line)))
            clauses.extend((*ident, c) for c in f.clauses)
        db = self._db
        db.execute("BEGIN")
        db.executemany(_ADD, rows)
        if clauses:
            db.executemany("INSERT OR IGNORE INTO gc VALUES (?,?,?,?,?)", clauses)
        db.execute("COMMIT")

    def _copy(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        db, width = self._db, {"prev": 15, "cur": 8}[table]
        sql = f"INSERT OR REPLACE INTO {table} VALUES ({','.join('?' * width)})"
        db.execute("BEGIN")
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _FLUSH:
                db.executemany(sql, batch)
                batch = []
        db.executemany(sql, batch)
        db.execute("COMMIT")

    def end(self, result: ScanResult) -> None:
        try:
            self._flush()
            runs = self.runs
            if runs is not None:
                self._copy("cur", _current_rows(runs.inventory, runs.run_id))
            dump(self._document(result), self.stream)
        finally:
            self.close()

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def _document(self, result: ScanResult) -> dict[str, Any]:
        db, runs = self._db, self.runs
        has_prev = runs is not None and runs.previous_run_id is not None
        gone_where = ("FROM prev AS p WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.uri = p.uri "
                      "AND cur.fkey = p.fkey AND cur.entity = p.entity AND cur.vhash = p.vhash)")
        gone = db.execute(f"SELECT count(*) {gone_where}").fetchone()[0]
        gone_new = db.execute(  # gone ones that this scan's findings do not name either
            f"SELECT count(*) {gone_where} AND NOT EXISTS (SELECT 1 FROM g WHERE g.uri = p.uri "
            "AND g.fkey = p.fkey AND g.entity = p.entity AND g.vhash = p.vhash)").fetchone()[0]
        current = db.execute("SELECT count(*) FROM cur").fetchone()[0]
        has_baseline = has_prev and bool(current or gone)
        total = db.execute("SELECT count(*) FROM g").fetchone()[0] + gone_new
        entities = [e for (e,) in db.execute(
            f"SELECT entity FROM g UNION SELECT p.entity {gone_where}")]
        kept: list[tuple[Identity, _Group, str | None]] = []
        statuses: dict[Identity, str] | None = {} if runs is not None else None
        for row in db.execute(_PICK, (MAX_RESULTS,)).fetchall():
            (gone_row, uri, fkey, entity, vhash, fld, category, preview, detector, linked,
             source_kind, _rank, severity, score, n, lines, prev_clauses, p_sev, p_count,
             p_preview, c_sev, c_count, c_preview, status) = row
            ident = (uri, fkey, entity, vhash)
            if gone_row:
                clauses = set(prev_clauses.split(_SEP)) if prev_clauses else set()
                state: str | None = "absent"
            else:
                clauses = {c for (c,) in db.execute(
                    "SELECT clause FROM gc WHERE uri = ? AND fkey = ? AND entity = ? "
                    "AND vhash = ?", ident)}
                if not has_baseline:
                    state = None
                elif p_sev is None or c_sev is None:
                    state = "new"  # not in the previous run (or not in the inventory's)
                elif (p_sev, p_count, p_preview) == (c_sev, c_count, c_preview):
                    state = "unchanged"
                else:
                    state = "updated"
                if statuses is not None and status is not None:
                    statuses[ident] = status
            first = Finding(Location(uri, None, fld), entity, category, score, Severity(severity),
                            detector, "", preview, vhash, _linked(linked), (), source_kind)
            group = _Group(first, Severity(severity), score,
                           [int(x) for x in lines.split(",")] if lines else [], n, clauses)
            kept.append((ident, group, state))
        return _document(result.info, result.errors, entities, kept, total, statuses)


def _previous_rows(inv: Inventory, run_id: int) -> Iterator[tuple[Any, ...]]:
    """The findings of run ``run_id`` as :func:`baseline_of` reads them, row by row."""
    from sqlalchemy import select

    from scanner.inventory.schema import FindingAgg, LocationRow

    q = (select(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.value_hash,
                FindingAgg.category, FindingAgg.preview, FindingAgg.detector, FindingAgg.linked,
                FindingAgg.source_kind, FindingAgg.severity, FindingAgg.max_score,
                FindingAgg.count)
         .join(LocationRow, FindingAgg.location_id == LocationRow.id)
         .where(FindingAgg.last_run_id == run_id)
         .execution_options(yield_per=_FLUSH))
    mapper = inv.mapper
    with inv.session() as s:
        for (uri, fld, entity, vhash, category, preview, detector, linked, source_kind, severity,
             score, count) in s.execute(q):
            clauses = sorted(mapper.clauses_for_category(category, linked, source_kind, uri))
            yield (uri, fld, entity, vhash, fld or None, category, preview, detector,
                   None if linked is None else int(linked), source_kind,
                   Severity(severity).rank, severity, score, count, _SEP.join(clauses))


def _current_rows(inv: Inventory, run_id: int) -> Iterator[tuple[Any, ...]]:
    """Identity, review status, severity, count and preview of run ``run_id``'s findings."""
    from sqlalchemy import select

    from scanner.inventory.schema import FindingAgg, LocationRow

    q = (select(LocationRow.uri, FindingAgg.field, FindingAgg.entity, FindingAgg.value_hash,
                FindingAgg.status, FindingAgg.severity, FindingAgg.count, FindingAgg.preview)
         .join(LocationRow, FindingAgg.location_id == LocationRow.id)
         .where(FindingAgg.last_run_id == run_id)
         .execution_options(yield_per=_FLUSH))
    with inv.session() as s:
        yield from (tuple(r) for r in s.execute(q))
