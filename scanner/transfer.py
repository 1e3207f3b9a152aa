"""How text units go to a worker process and findings come back: as plain tuples.

Pickling the dataclasses themselves costs a class reference, a state dict and a nested
``Location`` per object; a CSV cell is a unit, and a PII-dense table gives one finding per cell.
Measured on 89,502 findings of the benchmark's CSV file: 15.4 MB and 1.6 s of CPU to pickle and
unpickle the objects, 7.8 MB and 1.1 s as tuples. Strings shared by many units (the uri, the
source kind) are one object each, so pickle writes them once per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scanner.models import Finding, Location, Severity, TextUnit, UnitKind

# uri, line, field, text, kind, record, source_kind
UnitRow = tuple[str, int | None, str | None, str, UnitKind, str | None, str]
# uri, line, field, entity, category, score, severity value, detector, explanation, preview,
# value_hash, linked, clauses, source_kind, attributes (None when empty)
FindingRow = tuple[str, int | None, str | None, str, str, float, str, str, str, str, str,
                   bool | None, tuple[str, ...], str, Mapping[str, object] | None]

_SEVERITY = {s.value: s for s in Severity}


def pack_units(units: Iterable[TextUnit]) -> list[UnitRow]:
    return [(u.location.uri, u.location.line, u.location.field, u.text, u.kind, u.record,
             u.source_kind) for u in units]


def unpack_units(rows: Iterable[UnitRow]) -> list[TextUnit]:
    return [TextUnit(Location(uri, line, field), text, kind, record, source_kind)
            for uri, line, field, text, kind, record, source_kind in rows]


def pack_findings(findings: Iterable[Finding]) -> list[FindingRow]:
    # Explanations are built per detection, so equal texts are distinct objects, which pickle
    # writes out each time; a batch has a few dozen distinct ones. Sharing them: 19 -> 13 MB
    # pickled for the benchmark's 5 MB corpus.
    shared: dict[str, str] = {}
    share = shared.setdefault
    return [(f.location.uri, f.location.line, f.location.field, f.entity, f.category, f.score,
             f.severity.value, f.detector, share(f.explanation, f.explanation), f.preview,
             f.value_hash, f.linked, f.clauses, f.source_kind, f.attributes or None)
            for f in findings]


def unpack_findings(rows: Sequence[FindingRow]) -> list[Finding]:
    return [
        Finding(Location(uri, line, field), entity, category, score,
                _SEVERITY[severity], detector, explanation, preview, value_hash,
                linked, clauses, source_kind, attributes or {})
        for (uri, line, field, entity, category, score, severity, detector, explanation, preview,
             value_hash, linked, clauses, source_kind, attributes) in rows
    ]
