"""The post-scan stage of a table: per-value findings -> one finding per (column, entity).

A unit source whose units are the cells of columns (a :class:`ColumnSource`, e.g. a sampled
database table, :class:`connectors.db_table.TableSource`) has its findings collected while it is
classified; :func:`summarize` then turns them into column findings. It runs here, above the
connectors, because it asks the column-name classifier and the taxonomy: a connector never sees a
classifier. Any other unit source summarises itself (``UnitSource.summarize``).

Two signals meet here:

* the **value signal**: ``matched`` of the ``sampled`` non-empty values of the column had a
  detection of the entity by a value detector (patterns, NER, vocabularies), with a mean score
  ``conf`` over the matched rows (each row counted once, at its best score);
* the **name signal**: the column-name classifier's score for the entity (its per-value findings,
  and ``classify_column_name(column)`` directly).

A column is reported for an entity when the name agrees (name score at least ``NAME_AGREES``;
an ambiguous name such as ``Name`` scores lower), or when ``matched / sampled`` reaches
``MIN_SHARE`` (``MIN_SHARE_NER`` when only statistical NER matched, since NER on short values
mistakes song titles for people; ``MIN_SHARE_PROSE`` for free-text columns, where one e-mail in a
comment is still an e-mail): one stray match in 10,000 values does not make an e-mail column.
Dates (``NAME_REQUIRED``) in structured columns need the name to agree. The score is a pure
function of the two signals, so two runs over the same data give the same score, and column
findings under ``min_score`` are dropped::

    value = conf * min(1, share / FULL_SHARE)
    score = 1 - (1 - name) * (1 - value)

The finding's preview and hash are those of the matched finding with the smallest hash.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from classifiers import column_names
from connectors.base import UnitSource
from scanner import entities
from scanner.models import Finding, Location, Severity
from scanner.settings import Settings

MIN_SHARE = 0.1
MIN_SHARE_NER = 0.5
MIN_SHARE_PROSE = 0.02
FULL_SHARE = 0.5
NAME_AGREES = 0.5
NER_PREFIX = "NER-"  # detector IDs of statistical recognisers
# Entities a structured column is reported for only when its name agrees, and what a column named
# for birth dates turns its date matches into (classifiers/column_names.py).
NAME_REQUIRED = column_names.NAME_REQUIRED
SPECIALISED_BY_NAME = column_names.SPECIALISED_BY_NAME

NameSignal = Callable[[str], Iterable[tuple[str, float, str]]]


@runtime_checkable
class ColumnSource(Protocol):
    """A unit source whose units are column cells: ``location.field`` is the column, the uri
    ``<uri>#row=<n>``; ``sampled`` and ``prose`` count its non-empty and free-text cells per
    column as ``units()`` reads them."""

    uri: str
    settings: Settings
    sampled: Mapping[str, int]
    prose: Mapping[str, int]

    def text_columns(self) -> list[str]: ...


def summarize(source: UnitSource, findings: list[Finding]) -> list[Finding]:
    """The findings a unit source reports, from the findings of all its units."""
    if isinstance(source, ColumnSource):
        return summarize_columns(
            findings,
            table_uri=source.uri,
            columns=source.text_columns(),
            sampled=source.sampled,
            prose=source.prose,
            min_score=source.settings.classify.min_score,
        )
    return source.summarize(findings)


# The name signal, and the detector whose per-value findings are name findings.
NAME_SIGNAL: NameSignal = column_names.classify_column_name
NAME_DETECTORS = frozenset({column_names.ColumnNameClassifier.id})


def row_of(finding: Finding) -> str:
    """The row a value finding came from (``<table uri>#row=<n>``), or its uri."""
    return finding.location.uri.rpartition("#row=")[2]


def _name_scores(column: str, fn: NameSignal | None) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    if fn is None:
        return out
    try:
        signals = list(fn(column))
    except Exception:
        return out
    for entity, score, reason in signals:
        if score > out.get(entity, (0.0, ""))[0]:
            out[entity] = (float(score), reason)
    return out


def summarize_columns(
    findings: Sequence[Finding],
    *,
    table_uri: str,
    columns: Sequence[str],
    sampled: Mapping[str, int],
    prose: Mapping[str, int] | None = None,
    name_signal: NameSignal | None = None,
    name_detectors: frozenset[str] | None = None,
    min_score: float = 0.0,
) -> list[Finding]:
    """See the module docstring. Findings outside the table's columns pass through unchanged."""
    fn = name_signal if name_signal is not None else NAME_SIGNAL
    name_ids = name_detectors if name_detectors is not None else NAME_DETECTORS
    prose = prose or {}
    order = {c: i for i, c in enumerate(columns)}
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    passthrough: list[Finding] = []
    names: dict[str, dict[str, tuple[float, str]]] = {}
    for f in findings:
        col = f.location.field
        if col is None or col not in order:
            passthrough.append(f)
            continue
        if col not in names:
            names[col] = _name_scores(col, fn)
        special = SPECIALISED_BY_NAME.get(f.entity)
        if special and names[col].get(special, (0.0, ""))[0] >= NAME_AGREES:
            f = replace(f, entity=special, category=_category(special))
        groups[(col, f.entity)].append(f)
    out: list[Finding] = []
    for (col, entity), group in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        finding = _column_finding(
            table_uri,
            col,
            entity,
            group,
            sampled.get(col, 0),
            prose.get(col, 0),
            names[col].get(entity),
            name_ids,
            min_score,
        )
        if finding is not None:
            out.append(finding)
    return out + passthrough


def _column_finding(
    table_uri: str,
    column: str,
    entity: str,
    group: list[Finding],
    sampled: int,
    prose: int,
    name_hit: tuple[float, str] | None,
    name_ids: frozenset[str],
    min_score: float,
) -> Finding | None:
    by_value = [f for f in group if f.detector not in name_ids]
    by_name = [f for f in group if f.detector in name_ids]
    best: dict[str, float] = {}
    for f in by_value:
        r = row_of(f)
        best[r] = max(best.get(r, 0.0), f.score)
    sampled = max(sampled, len(best))
    matched = len(best)
    share = matched / sampled if sampled else 0.0
    conf = sum(best.values()) / matched if matched else 0.0
    name = max([f.score for f in by_name] + [name_hit[0] if name_hit else 0.0])
    free_text = prose * 2 > sampled
    if name < NAME_AGREES:
        if entity in NAME_REQUIRED and not free_text:
            return None
        if share < _min_share(by_value, free_text):
            return None
    value = conf * min(1.0, share / FULL_SHARE)
    score = round(1.0 - (1.0 - name) * (1.0 - value), 4)
    if score < min_score:
        return None

    rep = min(by_value or by_name, key=lambda f: (f.value_hash, f.detector))
    detectors = Counter(f.detector for f in (by_value or by_name))
    detector = min(detectors, key=lambda d: (-detectors[d], d))
    explanation = _explain(column, entity, name, name_hit, by_name, matched, sampled, detectors)
    linked_flags = {f.linked for f in group}
    linked = True if True in linked_flags else (False if False in linked_flags else None)
    severity = max((f.severity for f in group), key=lambda s: s.rank)
    clauses = tuple(sorted({c for f in group for c in f.clauses}))
    return replace(
        rep,
        location=Location(table_uri, None, column),
        score=score,
        severity=Severity(severity),
        detector=detector,
        explanation=explanation,
        linked=linked,
        clauses=clauses,
        source_kind="database",
        attributes={"share": round(share, 4), "sampled": sampled, "matched": matched},
    )


def _category(entity: str) -> str:
    return entities.get(entity).category


def _min_share(by_value: Sequence[Finding], free_text: bool) -> float:
    if free_text:
        return MIN_SHARE_PROSE
    if by_value and all(f.detector.startswith(NER_PREFIX) for f in by_value):
        return MIN_SHARE_NER
    return MIN_SHARE


def _explain(
    column: str,
    entity: str,
    name: float,
    name_hit: tuple[float, str] | None,
    by_name: list[Finding],
    matched: int,
    sampled: int,
    detectors: Counter[str],
) -> str:
    parts = []
    if name > 0.0:
        reason = name_hit[1] if name_hit and name_hit[1] else ""
        if reason.startswith("column name"):
            parts.append(reason)
        else:
            parts.append(f"column name '{column}'" + (f" ({reason})" if reason else ""))
    else:
        parts.append(f"column name '{column}' says nothing")
    value_ids = ", ".join(sorted(detectors)) if matched else ""
    parts.append(
        f"{matched}/{sampled} sampled values matched {entity}"
        + (f" ({value_ids})" if value_ids else "")
    )
    return "; ".join(parts)
