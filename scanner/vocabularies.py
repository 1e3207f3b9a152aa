"""The special-category vocabularies (``config/vocabularies/<name>.yaml``), loaded.

Shared by :mod:`classifiers.special_categories` (terms and cues in text) and
:mod:`classifiers.column_names` (column names that name a special category); it imports neither.
Each file names its entity, which must be a ``special`` entity of ``config/taxonomy.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from scanner import entities as entity_table
from scanner import yamlfast

VOCABULARY_FILES: tuple[str, ...] = (
    "health",
    "genetic",
    "biometric",
    "religion",
    "trade_union",
    "ethnic_origin",
    "sexual_orientation",
    "political_opinion",
    "philosophical_belief",
    "criminal_record",
)

def compact(name: str) -> str:
    """Lower case, letters and digits only: ``"Union Member"`` -> ``"unionmember"``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass(frozen=True)
class Vocabulary:
    """One vocabulary file, loaded."""

    name: str
    entity: str
    columns: frozenset[str]
    columns_checked: frozenset[str]
    column_values: frozenset[str]
    terms: tuple[str, ...]
    terms_case: tuple[str, ...]
    cues: tuple[str, ...]
    exclude: re.Pattern[str] | None
    term_score: float
    cue_score: float
    # terms that are also surnames, lower-cased (a firm's name: special_categories.py)
    surnames: frozenset[str] = frozenset()

    @property
    def term_regex(self) -> re.Pattern[str]:
        return _term_regex(self.name)

    def value_is_term(self, value: str) -> bool:
        """True when a whole structured value is one of this vocabulary's terms/values."""
        v = " ".join(value.lower().split())
        if v in self.column_values:
            return True
        m = self.term_regex.fullmatch(value.strip())
        return m is not None


def _term_alternation(terms: Iterable[str]) -> str:
    parts = []
    for t in sorted(set(terms), key=lambda t: (-len(t), t)):  # the same pattern in every process
        p = re.escape(t.strip())
        p = p.replace(r"\ ", r"\s+").replace("'", "['\u2019]?").replace(r"\-", r"[\s-]?")
        parts.append(p)
    return "|".join(parts)


def _terms_pattern(terms: Sequence[str], terms_case: Sequence[str]) -> str:
    alts = []
    if terms:
        alts.append(f"(?:{_term_alternation(terms)})")
    if terms_case:
        alts.append(f"(?-i:{_term_alternation(terms_case)})")
    if not alts:
        return ""
    return rf"(?<![\w-])(?:{'|'.join(alts)})(?:['\u2019]?s)?(?![\w-])"


def _load_one(name: str) -> Vocabulary:
    text = resources.files("config").joinpath("vocabularies", f"{name}.yaml").read_text("utf-8")
    data = yamlfast.safe_load(text) or {}
    scores = data.get("scores") or {}
    exclude = data.get("exclude") or []
    values = data.get("column_values") or ()
    excl = re.compile("|".join(f"(?:{e})" for e in exclude), re.IGNORECASE) if exclude else None
    entity = str(data.get("entity"))
    if entity not in entity_table.with_trait("special"):
        raise ValueError(f"vocabulary {name}: entity {entity!r} is not a special category in "
                         "config/taxonomy.yaml (trait `special`)")
    return Vocabulary(
        name=name,
        entity=entity,
        columns=frozenset(compact(c) for c in data.get("columns") or ()),
        columns_checked=frozenset(compact(c) for c in data.get("columns_checked") or ()),
        column_values=frozenset(" ".join(str(v).lower().split()) for v in values),
        terms=tuple(str(t) for t in data.get("terms") or ()),
        terms_case=tuple(str(t) for t in data.get("terms_case") or ()),
        cues=tuple(str(c) for c in data.get("cues") or ()),
        exclude=excl,
        term_score=float(scores.get("terms", 0.6)),
        cue_score=float(scores.get("cues", 0.75)),
        surnames=frozenset(str(s).lower() for s in data.get("surnames") or ()),
    )


@lru_cache(maxsize=1)
def load_vocabularies() -> tuple[Vocabulary, ...]:
    """All special-category vocabularies, in :data:`VOCABULARY_FILES` order."""
    return tuple(_load_one(n) for n in VOCABULARY_FILES)


@cache
def _term_regex(name: str) -> re.Pattern[str]:
    voc = next(v for v in load_vocabularies() if v.name == name)
    return re.compile(_terms_pattern(voc.terms, voc.terms_case) or r"(?!x)x", re.IGNORECASE)
