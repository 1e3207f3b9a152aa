"""Column, header and key names that say what a structured value is.

``COL-NAME`` looks at structured values (``unit.kind == "value"`` with ``location.field`` set: a
CSV cell, a JSON leaf, a database value) and, when the field name says what the value holds
(``first_name``, ``EmailAddress``, ``billing_address``, ``dob``, ``religion``, ``union_member``),
reports the whole value with the name as its explanation.

Names are compared in compact form (lower case, letters and digits) against every contiguous run
of the name's tokens, in any case style (snake_case, camelCase, PascalCase, "With Spaces", dotted
key paths); the longest run wins, so ``EmailAddress`` is an e-mail, not an address. The rules
live in ``config/vocabularies/column_names.yaml``; the special-category column names come from
the special-category vocabularies (``columns`` keys).

``name`` alone is ambiguous (a track, a product, a genre): it counts as a person's name only when
the table/file/key path names people (``customers``, ``employees``), or when nothing names a
catalogue and the value looks like a person's name (two to four capitalised words, no digits).
Empty and NULL-like values never produce a detection.

:func:`classify_column_name` is the pure, value-free part, for connectors that classify a column
from its name alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from scanner import entities
from scanner.column_vocab import (  # noqa: F401 - the vocabulary, re-exported for its users
    _NO_VALUES,
    _ORG_SUFFIXES,
    _SPECIAL,
    AMBIGUOUS_NAME_SCORE,
    DETECTOR_ID,
    ENTITIES,
    NULL_LIKE,
    ColumnMatch,
    _rules,
    classify_column_name,
    context_tokens,
    is_identifier_column,
    looks_like_person_name,
    match_column,
    name_tokens,
    split_path,
    value_fits,
)
from scanner.models import Detection, TextUnit
from scanner.vocabularies import compact

# Entities a structured value (a table column, a JSON field) is reported as only when the name of
# its column or key says so (config/taxonomy.yaml ``name_required``): any date matches a date
# pattern, but a column of dates holds birth dates only if its name says so, not ``last_update``
# or ``order_date``. The database columns' summary (scanner/stages/columns.py) and the engine's
# rule for file tables and JSON (:func:`unnamed_whole_value`) both ask this.
NAME_REQUIRED = entities.with_trait("name_required")
# A column whose name says it holds birth dates turns its date matches into DATE_OF_BIRTH.
SPECIALISED_BY_NAME = {"DATE_TIME": "DATE_OF_BIRTH"}
# What may follow a date in a cell that holds nothing else: the rest of a timestamp (fractions,
# zone, AM/PM).
_STAMP_TAIL = re.compile(r"[\d\s.:,+\-/TZ]*(?:[AaPp]\.?[Mm]\.?|UTC|GMT)?\s*")


@lru_cache(maxsize=4096)
def name_agrees(field: str, entity: str) -> bool:
    """The field's name says it holds ``entity`` (or what it specialises into: ``birth_date``
    for a date)."""
    m = match_column(field)
    return m is not None and m.entity in (entity, SPECIALISED_BY_NAME.get(entity))


def unnamed_whole_value(unit: TextUnit, d: Detection) -> bool:
    """``d`` is a :data:`NAME_REQUIRED` entity that is the whole of a structured value
    (``unit.kind == "value"`` with a field) whose field's name does not agree: a cell of a
    ``date`` or ``created_at`` column, not a date inside a comment cell ("called on 12/03")."""
    field = unit.location.field
    if not field or unit.kind != "value" or d.entity not in NAME_REQUIRED:
        return False
    text = unit.text
    if text[: d.start].strip() or not _STAMP_TAIL.fullmatch(text, d.end):
        return False
    return not name_agrees(field, d.entity)


# Entities whose pattern finds the exact value: one found inside a cell is what the cell holds
# ("135.241.94.33:7208" in remote_addr is the address and its port), not the whole cell.
_EXACT_SYNTAX = frozenset(("IP_ADDRESS", "MAC_ADDRESS", "EMAIL_ADDRESS"))


class ColumnNameClassifier:
    """Structured values whose column / header / key name says what they are."""

    id = DETECTOR_ID
    order = 700  # run order in its stage (classifiers/registry.py)
    entities: Mapping[str, str] = ENTITIES

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        field = unit.location.field
        if unit.kind != "value" or not field:
            return []
        value = unit.text.strip()
        if value.lower() in NULL_LIKE:
            return []
        m = match_column(field)
        if m is None:
            return []
        start = unit.text.find(value)
        end = start + len(value)
        name, _ = split_path(field)
        reason = self._decide(m, unit, name, value, found, start, end)
        if reason is None:
            return []
        score, why = reason
        return [
            Detection(
                entity=m.entity,
                start=start,
                end=end,
                score=score,
                detector=DETECTOR_ID,
                explanation=f"{DETECTOR_ID}: {why}",
                value=value,
                linked=False if m.entity in _SPECIAL else None,
                attributes={"column": name},
            )
        ]

    def _decide(
        self,
        m: ColumnMatch,
        unit: TextUnit,
        name: str,
        value: str,
        found: Sequence[Detection],
        start: int,
        end: int,
    ) -> tuple[float, str] | None:
        """(score, explanation) for this value under this column, or ``None``."""
        if m.vocabulary is not None:
            if value.lower() in _NO_VALUES:
                return None
            if m.checked and not m.vocabulary.value_is_term(value):
                return None
            extra = " and a listed value" if m.checked else ""
            return m.score, f"{m.reason}{extra}"
        if not value_fits(m.entity, value):
            return None
        # Another classifier already reported this value as the same entity: do not repeat it.
        for d in found:
            if d.entity == m.entity and (d.start <= start + 1 and d.end >= end - 1 or (
                    m.entity in _EXACT_SYNTAX and start <= d.start and d.end <= end)):
                return None  # (an address with its port, "10.0.0.7:8080": the address alone)
        ctx = context_tokens(unit)
        rules = _rules()
        if m.whole and m.entity == "LOCATION" and compact(name) in ctx:
            return None  # a lookup table of places: country.country, city.city
        if m.role:
            if any(d.entity == "PERSON" and d.start <= start + 1 and d.end >= end - 1
                   for d in found):
                return None  # NER reported the name already
            last = value.split()[-1].strip(".,").lower() if value.split() else ""
            if last in _ORG_SUFFIXES or not looks_like_person_name(value):
                return None
            return m.score, f"{m.reason} and the value looks like a person's name"
        if not m.ambiguous:
            return m.score, m.reason
        table = next((t for t in ctx if t in rules.person_tables), "")
        if table:
            return 0.8, f"column name '{name}' in '{table}' (a table of people)"
        if any(t in rules.catalogue_words for t in ctx):
            return None
        if any(d.entity == "PERSON" and d.start <= start + 1 and d.end >= end - 1 for d in found):
            return 0.7, f"column name '{name}' and NER found a person"
        if looks_like_person_name(value):
            return 0.5, f"column name '{name}' and the value looks like a person's name"
        return None


CLASSIFIERS: tuple[type, ...] = (ColumnNameClassifier,)
