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

Errors of the scan are ``toolExecutionNotifications`` of the run's invocation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from scanner import entities as entity_table
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, ScanResult, Severity

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


def _result(ident: Identity, g: _Group, rule_index: int, baseline: Baseline | None,
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
    if baseline is not None:
        status = baseline.statuses.get(ident)
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
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("piiscout")
    except PackageNotFoundError:
        ours = "0"
    groups = _group(result.findings)
    absent = _group(baseline.absent) if baseline is not None else {}
    rules = _rules({g.first.entity for g in [*groups.values(), *absent.values()]})
    index = {r["id"]: i for i, r in enumerate(rules)}
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
    rows.sort(key=lambda r: (-r[1].severity.rank, r[2] == "absent", r[0]))
    kept = rows[:MAX_RESULTS]
    info = result.info
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
                _notification(e.location, e.kind, e.message) for e in result.errors
            ],
        }],
        "columnKind": "unicodeCodePoints",
        "results": [_result(i, g, index[g.first.entity], baseline, s) for i, g, s in kept],
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
    json.dump(sarif_document(result, baseline), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
