"""The classifier contract.

A classifier is a small class with a stable ``id`` (never renamed: it is used in output, config and
suppressions), the entities it emits mapped to their fideslang category, and one pure method. No
I/O, and nothing in ``classifiers/`` imports from ``connectors/``.

Three shapes, from cheapest to richest:

* :class:`PatternClassifier` declares regular expressions. The engine compiles the patterns of
  every pattern classifier into one multi-pattern pass and calls :meth:`PatternClassifier.validate`
  only on candidates (checksums, context words).
* :class:`UnitClassifier` looks at one text unit and the detections already made on it
  (NER, vocabularies, column names).
* :class:`RecordClassifier` looks at all units of one record (a table row, a message, a line) and
  their detections, and may add detections or set ``linked`` (linkage, call records).

A classifier is registered under its ``id`` in the ``piiscout.classifiers`` entry-point group (in
``pyproject.toml`` for piiscout's own): one file and one line. See :mod:`classifiers.registry`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from scanner.models import Detection, TextUnit


@dataclass(frozen=True)
class Pattern:
    """One regular expression. It must compile with Python ``re`` (and should with RE2)."""

    name: str
    regex: str
    entity: str
    score: float
    ignore_case: bool = False


@dataclass(unsafe_hash=True)
class Candidate:
    """A pattern match handed to :meth:`PatternClassifier.validate`."""

    pattern: Pattern
    unit: TextUnit
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.unit.text[self.start : self.end]

    def window(self, before: int = 60, after: int = 30) -> str:
        """Lower-cased text around the match, for context words."""
        text = self.unit.text
        return text[max(0, self.start - before) : min(len(text), self.end + after)].lower()


class PatternClassifier:
    id: ClassVar[str]
    # Run order inside the pattern stage (lower first; classifiers/registry.py). A unit, record or
    # item classifier may set ``order`` too; without it a classifier runs after piiscout's own.
    order: ClassVar[int] = 1000
    entities: ClassVar[Mapping[str, str]]  # entity -> fideslang category
    patterns: ClassVar[tuple[Pattern, ...]]
    context: ClassVar[tuple[str, ...]] = ()  # words that raise the score when near the match

    def validate(self, candidate: Candidate) -> Detection | None:
        """Return a detection for a true hit (score possibly raised by context) or ``None``."""
        score = candidate.pattern.score
        hit = ""
        context = self.context
        if context:
            window = candidate.window()
            for w in context:
                if w in window:
                    hit = w
                    score = min(1.0, score + 0.35)
                    break
            field = candidate.unit.location.field
            if field and _field_names_context(context, field):
                score, hit = min(1.0, score + 0.35), hit or f"field:{field}"
        return Detection(
            entity=candidate.pattern.entity,
            start=candidate.start,
            end=candidate.end,
            score=score,
            detector=self.id,
            explanation=_explain_context(self.id, candidate.pattern.name, hit),
            value=candidate.value,
        )


@functools.lru_cache(maxsize=4096)  # a table's few field names, asked once per candidate
def _field_names_context(context: tuple[str, ...], field: str) -> bool:
    """Does the field name hold one of the context words?"""
    f = field.lower()
    return any(w in f for w in context)


@runtime_checkable
class UnitClassifier(Protocol):
    id: str
    entities: Mapping[str, str]

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]: ...


@runtime_checkable
class RecordClassifier(Protocol):
    id: str
    entities: Mapping[str, str]

    def classify_record(
        self, units: Sequence[TextUnit], found: Sequence[list[Detection]]
    ) -> None:
        """Append detections to, or replace linked flags in, ``found[i]`` (parallel to units)."""
        ...


def explain(detector: str, pattern: str, context: str = "", extra: str = "") -> str:
    parts = [f"{detector}: pattern {pattern}"]
    if context:
        parts.append(f"context '{context}'")
    if extra:
        parts.append(extra)
    return "; ".join(parts)


@functools.lru_cache(maxsize=4096)  # one string per (detector, pattern, context word): few
def _explain_context(detector: str, pattern: str, context: str) -> str:
    return explain(detector, pattern, context)
