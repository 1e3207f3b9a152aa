"""The classification engine: text units in, detections out (parallel to the units).

Order inside :meth:`Engine.analyze`:

1. one multi-pattern pass over the whole batch for every
   :class:`~classifiers.base.PatternClassifier` pattern (hyperscan over the joined texts when
   available, see :meth:`~classifiers.patterns.PatternSet.matches_many`; Python ``re`` per unit
   otherwise), ``validate()`` on candidates only, each on its own unit;
2. spaCy NER, batched across units, on prose (and on values whose field names a person or place);
3. unit classifiers in registry order, each seeing the detections made so far;
4. record classifiers on groups of units with the same ``record`` (linkage last);

Steps 1-3 depend on the unit alone: a short field value seen before is answered from a bounded
memo (``classify.value_memo``). Then detections under ``min_score`` are dropped and overlaps
resolved (:mod:`classifiers.overlaps`).
The engine is picklable: compiled patterns and the spaCy model are rebuilt lazily after unpickling.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from classifiers.base import Candidate, PatternClassifier, RecordClassifier, UnitClassifier
from classifiers.column_names import NAME_REQUIRED, unnamed_whole_value
from classifiers.ner import SpacyNer
from classifiers.overlaps import resolve
from classifiers.patterns import PatternSet
from scanner import entities
from scanner.memo import BoundedMemo
from scanner.models import Detection, Severity, TextUnit
from scanner.settings import ClassifySettings

log = logging.getLogger("piiscout.engine")

# The timestamp of a machine-written line is when it was written, not data about a person;
# reporting it would make every log line a finding. Dropped after the record classifiers, which
# use timestamps as evidence (call records). So is a date that is the whole value of a table cell
# or JSON field whose name does not say what date it is (column_names.unnamed_whole_value): the
# rule of database columns (scanner/stages/columns.py), for files.
LOG_METADATA = entities.with_trait("log_metadata")
# What identifies a person, for the item classifiers (document kinds are linked through it).
IDENTIFYING = entities.with_trait("identifies")
# Field values up to this length are remembered (see Engine._unit_pass); longer text rarely repeats.
MEMO_MAX_CHARS = 256


@functools.cache
def taxonomy() -> Mapping[str, Mapping[str, Any]]:
    return entities.taxonomy()  # the entity table lives at the bottom layer


class Engine:
    def __init__(
        self,
        settings: ClassifySettings,
        classifiers: Sequence[object] | None = None,
        use_hyperscan: bool | None = None,
    ) -> None:
        from classifiers import registry

        self.settings = settings
        self._given = None if classifiers is None else list(classifiers)
        self._use_hyperscan = use_hyperscan
        chosen = registry.default_classifiers(settings) if classifiers is None else classifiers
        self.pattern_classifiers: list[PatternClassifier] = []
        self.ner: list[SpacyNer] = []
        self.unit_classifiers: list[UnitClassifier] = []
        self.record_classifiers: list[RecordClassifier] = []
        self.item_classifiers: list[Any] = []  # whole documents (classifiers.document_kinds)
        for c in chosen:
            if isinstance(c, PatternClassifier):
                self.pattern_classifiers.append(c)
            elif isinstance(c, SpacyNer):
                if settings.ner:
                    self.ner.append(c)
            elif hasattr(c, "classify_item"):
                self.item_classifiers.append(c)
            elif hasattr(c, "classify_record"):
                self.record_classifiers.append(c)  # type: ignore[arg-type]
            elif hasattr(c, "classify"):
                self.unit_classifiers.append(c)  # type: ignore[arg-type]
            else:
                raise TypeError(f"{type(c).__name__} is not a classifier")
        # Linkage needs every other detection: keep it last whatever order it was given in.
        self.record_classifiers.sort(key=lambda c: type(c).__module__ == "classifiers.linkage")
        owners: list[PatternClassifier] = []
        patterns, groups = [], []
        for k, pc in enumerate(self.pattern_classifiers):
            for p in pc.patterns:
                owners.append(pc)
                patterns.append(p)
                groups.append(k)
        self._owners = owners
        # Patterns whose classifier reports nothing but what a log line's own metadata is (its
        # timestamp: DATE_TIME), dropped in log units at the end of analyze(): not run there.
        self._log_skip = frozenset(
            i for i, pc in enumerate(owners)
            if pc.entities and all(e in LOG_METADATA for e in pc.entities))
        # One hyperscan database per classifier: see classifiers.patterns._hyperscan_database.
        self.patterns = PatternSet(patterns, use_hyperscan, groups)
        self.memo: BoundedMemo[tuple[Detection, ...]] = BoundedMemo(settings.value_memo)
        self._categories: dict[str, str] = {}
        for c in chosen:
            for entity, category in getattr(c, "entities", {}).items():
                self._categories.setdefault(entity, category)

    def __reduce__(self) -> tuple[type[Engine], tuple[Any, ...]]:
        return (Engine, (self.settings, self._given, self._use_hyperscan))

    @property
    def classifier_ids(self) -> list[str]:
        groups: list[Sequence[Any]] = [
            self.pattern_classifiers, self.ner, self.unit_classifiers, self.record_classifiers,
            self.item_classifiers,
        ]
        return [c.id for g in groups for c in g]

    # -- taxonomy --------------------------------------------------------------------------------
    def category(self, entity: str, attributes: Mapping[str, object] | None = None) -> str:
        if attributes and entity == "DOCUMENT" and "category" in attributes:
            return str(attributes["category"])  # the document kind's category
        return _category(entity, self._categories.get(entity, "user"))

    def severity(self, entity: str, linked: bool | None) -> Severity:
        return _severity(entity, linked)

    # -- analysis --------------------------------------------------------------------------------
    def analyze(self, units: Sequence[TextUnit]) -> list[list[Detection]]:
        found = self._unit_pass(units)
        if self.record_classifiers:
            groups = _record_groups(units)
            for rc in self.record_classifiers:
                for idx in groups:
                    sub = [found[i] for i in idx]
                    rc.classify_record([units[i] for i in idx], sub)
                    for i, ds in zip(idx, sub, strict=True):
                        found[i] = ds
        if self.item_classifiers:
            for idx in _document_groups(units):
                for ic in self.item_classifiers:
                    ic.classify_item([units[i] for i in idx], [found[i] for i in idx],
                                     IDENTIFYING)
        floor = self.settings.min_score - 1e-9  # 0.05 + 0.35 must reach a 0.4 threshold
        out: list[list[Detection]] = []
        for unit, ds in zip(units, found, strict=True):
            if ds:  # most table cells have none; one cannot conflict with itself
                log = unit.kind == "log"
                ds = [d for d in ds if d.score >= floor and not (log and d.entity in LOG_METADATA)
                      and not (d.entity in NAME_REQUIRED and unnamed_whole_value(unit, d))]
                if len(ds) > 1:
                    ds = resolve(ds)
            out.append(ds)
        return out

    def _unit_pass(self, units: Sequence[TextUnit]) -> list[list[Detection]]:
        """Patterns, NER and unit classifiers: what each unit yields on its own.

        That depends on the unit's text, kind, field and uri only, so a short field value seen
        before (a city, a status, a returning customer) is answered from the memo and classified
        once per batch; record classifiers, which look across a record, run on every unit."""
        memo = self.memo
        if memo.size <= 0:
            return self._classify_units(units)
        found: list[list[Detection] | None] = [None] * len(units)
        todo: dict[tuple[str, str, str], list[int]] = {}
        first: list[int] = []
        for i, u in enumerate(units):
            field = u.location.field
            if u.kind != "value" or not field or len(u.text) > MEMO_MAX_CHARS:
                first.append(i)
                continue
            key = (u.text, field, u.location.uri)  # only "value" units are remembered
            known = memo.get(key)
            if known is not None:
                found[i] = list(known)
            elif key in todo:
                todo[key].append(i)
            else:
                todo[key] = [i]
                first.append(i)
        if first:
            fresh = self._classify_units([units[i] for i in first])
            for i, ds in zip(first, fresh, strict=True):
                found[i] = ds
        for key, idx in todo.items():
            result = tuple(found[idx[0]] or ())
            memo.put(key, result)
            for i in idx[1:]:
                found[i] = list(result)
        return found  # type: ignore[return-value]

    def _classify_units(self, units: Sequence[TextUnit]) -> list[list[Detection]]:
        found = self._patterns(units)
        for ner in self.ner:
            for i, ds in enumerate(ner.analyze(units)):
                found[i].extend(ds)
        for uc in self.unit_classifiers:
            for i, unit in enumerate(units):
                found[i].extend(uc.classify(unit, tuple(found[i])))
        return found

    def _patterns(self, units: Sequence[TextUnit]) -> list[list[Detection]]:
        out: list[list[Detection]] = [[] for _ in units]
        if not self._owners:
            return out
        owners, patterns = self._owners, self.patterns.patterns
        skip = self._log_skip
        logs = [u.kind == "log" for u in units] if skip else None
        all_matches = self.patterns.matches_many([u.text for u in units], skip, logs)
        for unit, matches, found in zip(units, all_matches, out, strict=True):
            for pid, start, end in matches:
                owner = owners[pid]
                try:
                    d = owner.validate(Candidate(patterns[pid], unit, start, end))
                except Exception:  # a validator bug must not stop the scan; never log the value
                    log.exception("validator %s failed on %s", owner.id, unit.location.uri)
                    continue
                if d is not None:
                    found.append(d)
        return out


@functools.cache
def _category(entity: str, fallback: str) -> str:
    return entities.category(entity, fallback)


@functools.cache  # asked once per finding: the table lookup adds up
def _severity(entity: str, linked: bool | None) -> Severity:
    return entities.severity(entity, linked)


def _document_groups(units: Sequence[TextUnit]) -> list[list[int]]:
    """Indices of the prose and log units of each item whose first unit (line 1) is in this batch, that
    unit first: a document is classified once, on the batch that starts it."""
    groups: dict[str, list[int]] = {}
    starts: dict[str, int] = {}
    for i, u in enumerate(units):
        if u.kind == "value":  # tables and JSON: rows, not a document's text
            continue
        groups.setdefault(u.location.uri, []).append(i)
        if u.location.line == 1 and u.location.uri not in starts:
            starts[u.location.uri] = i
    out = []
    for uri, idx in groups.items():
        first = starts.get(uri)
        if first is not None:
            out.append([first, *(i for i in idx if i != first)])
    return out


def _record_groups(units: Sequence[TextUnit]) -> list[list[int]]:
    """Indices of units sharing a record id in the same item (first-seen order; a batch mixes
    items, whose record ids may coincide); record None: one unit each."""
    groups: dict[object, list[int]] = {}
    for i, u in enumerate(units):
        key: object = (u.location.uri, u.record) if u.record is not None else i
        groups.setdefault(key, []).append(i)
    return list(groups.values())
