"""What column, header and key names say: the value-free vocabulary of names.

The rules live in ``config/vocabularies/column_names.yaml`` (and the ``columns`` keys of the
special-category vocabularies). Names are compared in compact form (lower case, letters and
digits) against every contiguous run of the name's tokens, in any case style; the longest run
wins. This module is the shared vocabulary: the column-name classifier
(:mod:`classifiers.column_names`), the post-scan column summaries and the extraction's field-name
masking (:mod:`connectors.extract.fields`) all ask it, so connectors never import a classifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner import entities as entity_table
from scanner import yamlfast
from scanner.models import TextUnit
from scanner.vocabularies import Vocabulary, compact, load_vocabularies

DETECTOR_ID = "COL-NAME"

SPECIAL_SCORE = 0.85
SPECIAL_CHECKED_SCORE = 0.7
AMBIGUOUS_NAME_SCORE = 0.4

NULL_LIKE = frozenset(
    {"", "null", "none", "nil", "n/a", "na", "n.a.", "0", "-", "--", "?", "nan", "undefined",
     "(null)", "[null]", "<null>", "\\n", "unknown", "not set", "not known", "tbd", "redacted"}
)
_NO_VALUES = frozenset({"no", "false", "n", "f", "off", "not a member", "non-member", "nonmember"})

_CAMEL1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_DIGITS = re.compile(r"\d")
# Latin letters of Western, Central and Northern European names: Á Ø Ś Ł ß ø ł ... (Latin-1
# and Latin Extended-A, whose capitals and small letters alternate: both are taken in both places)
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0218-\u021b"
_LOW = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f\u0218-\u021b"  # (Romanian ș ț: Ext-B)
_PERSON_WORD = re.compile(
    rf"(?:[{_UP}][{_LOW}]+(?:[-'\u2019][{_UP}]?[{_LOW}]+)*|[{_UP}]\.|"
    r"Mc[A-Z][a-z]+|O'[A-Z][a-z]+|van|von|de|da|del|der|di|du|la|le|bin|al)"
)
# Last words of organisation names ("Acme Ltd" in a customer column is a company).
_ORG_SUFFIXES = frozenset(
    {"ltd", "limited", "inc", "llc", "llp", "plc", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv",
     "srl", "spa", "corp", "corporation", "co", "company", "group", "holdings", "services",
     "solutions", "partners", "associates", "trust", "foundation", "council", "university",
     "school", "hospital", "bank", "agency", "team", "department"}
)


@dataclass(frozen=True)
class ColumnMatch:
    """What a column name says its values are."""

    entity: str
    score: float
    reason: str
    ambiguous: bool = False  # bare "name": needs table context or a person-like value
    vocabulary: Vocabulary | None = None  # special categories
    checked: bool = False  # the value must be a vocabulary term ("race", "party")
    whole: bool = False  # matched a `whole` rule (city, country, ...)
    role: bool = False  # a person's role (candidate, interviewer): the value must look like a name


@dataclass(frozen=True)
class _Rules:
    names: dict[str, tuple[str, float, Vocabulary | None, bool]]
    whole: dict[str, tuple[str, float, Vocabulary | None, bool]]
    person_words: frozenset[str]
    catalogue_words: frozenset[str]
    person_tables: frozenset[str]
    stop_suffixes: frozenset[str]
    prefixes: frozenset[str]
    identifier_columns: frozenset[str]
    person_roles: frozenset[str] = frozenset()


def _words(data: dict[str, Any], key: str) -> frozenset[str]:
    return frozenset(compact(str(w)) for w in data.get(key) or ())


@lru_cache(maxsize=1)
def _rules_data() -> dict[str, Any]:
    """``config/vocabularies/column_names.yaml``; every rule's entity must be in the taxonomy."""
    path = resources.files("config").joinpath("vocabularies", "column_names.yaml")
    data = yamlfast.safe_load(path.read_text("utf-8")) or {}
    for rule in data.get("rules") or ():
        entity_table.get(rule["entity"])  # UnknownEntity: a rule for an entity nobody defined
    return data


def _entities() -> dict[str, str]:
    """What COL-NAME reports, in taxonomy order: the entities of the column-name rules and the
    special categories (whose column names come from their vocabularies)."""
    rules = _rules_data().get("rules") or ()
    named = {str(r["entity"]) for r in rules} | entity_table.with_trait("special")
    return entity_table.categories(e for e in entity_table.ids() if e in named)


ENTITIES: Mapping[str, str] = _entities()
_SPECIAL = entity_table.with_trait("special")


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = _rules_data()
    names: dict[str, tuple[str, float, Vocabulary | None, bool]] = {}
    whole: dict[str, tuple[str, float, Vocabulary | None, bool]] = {}
    for rule in data.get("rules") or ():
        for n in rule.get("names") or ():
            names.setdefault(compact(n), (rule["entity"], float(rule["score"]), None, False))
        for n in rule.get("whole") or ():
            whole.setdefault(compact(n), (rule["entity"], float(rule["score"]), None, False))
    for voc in load_vocabularies():
        for n in voc.columns:
            names.setdefault(n, (voc.entity, SPECIAL_SCORE, voc, False))
        for n in voc.columns_checked:
            whole.setdefault(n, (voc.entity, SPECIAL_CHECKED_SCORE, voc, True))
    return _Rules(
        names=names,
        whole=whole,
        person_words=_words(data, "person_words"),
        catalogue_words=_words(data, "catalogue_words"),
        person_tables=_words(data, "person_tables"),
        stop_suffixes=_words(data, "stop_suffixes"),
        prefixes=_words(data, "prefixes"),
        identifier_columns=_words(data, "identifier_columns"),
        person_roles=_words(data, "person_roles"),
    )


@lru_cache(maxsize=4096)
def split_path(field: str) -> tuple[str, tuple[str, ...]]:
    """``"customers[3].contact.email"`` -> (``"email"``, ``("customers", "contact")``). Cached:
    asked for every value of a column."""
    parts = [p for p in _PATH_SEP.split(field) if p and not p.isdigit()]
    if not parts:
        return field, ()
    return parts[-1], tuple(parts[:-1])


_PATH_SEP = re.compile(r"[./\[\]]+")


def name_tokens(name: str) -> list[str]:
    """Lower-case tokens of a name in any case style: ``"BillingPostalCode"`` -> 3 tokens."""
    return list(_name_tokens(name))


@lru_cache(maxsize=8192)
def _name_tokens(name: str) -> tuple[str, ...]:
    """:func:`name_tokens`, cached: asked for every value of a column, by several classifiers."""
    s = _CAMEL2.sub(r"\1 \2", _CAMEL1.sub(r"\1 \2", name))
    return tuple(t.lower() for t in _SPLIT.split(s) if t)


def name_runs(name: str) -> list[tuple[int, str]]:
    """Every contiguous run of tokens, compacted, with its length: longest first."""
    toks = name_tokens(name)
    runs = [
        (j - i, "".join(toks[i:j])) for i in range(len(toks)) for j in range(i + 1, len(toks) + 1)
    ]
    return sorted(runs, key=lambda r: -r[0])


def _match(name: str) -> ColumnMatch | None:
    rules = _rules()
    toks = name_tokens(name)
    if not toks:
        return None
    label = f"column name '{name}'"
    # `whole` rules: the entire name, after dropping leading qualifier tokens.
    i = 0
    while i < len(toks) - 1 and toks[i] in rules.prefixes:
        i += 1
    for start in range(i + 1):
        rest = "".join(toks[start:])
        if rest in rules.whole:
            entity, score, voc, checked = rules.whole[rest]
            return ColumnMatch(entity, score, label, vocabulary=voc, checked=checked, whole=True)
        if rest in rules.person_roles:
            return ColumnMatch("PERSON", 0.75, f"{label} (a person's role)", role=True)
    best: tuple[int, float, int, str] | None = None
    for a in range(len(toks)):
        for b in range(a + 1, len(toks) + 1):
            run = "".join(toks[a:b])
            hit = rules.names.get(run)
            if hit is None:
                continue
            if b < len(toks) and toks[-1] in rules.stop_suffixes:
                continue  # "address_id", "email_verified": about the data, not the data
            key = (b - a, hit[1], b, run)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is not None:
        entity, score, voc, checked = rules.names[best[3]]
        return ColumnMatch(entity, score, label, vocabulary=voc, checked=checked)
    if "name" in toks or "names" in toks:
        idx = max(k for k, t in enumerate(toks) if t in ("name", "names"))
        if any(t in rules.catalogue_words for t in toks):
            return None
        if idx < len(toks) - 1 and toks[-1] in rules.stop_suffixes:
            return None
        who = next((t for t in toks[:idx] if t in rules.person_words), "")
        if who:
            return ColumnMatch("PERSON", 0.85, f"{label} (a {who}'s name)")
        return ColumnMatch(
            "PERSON",
            AMBIGUOUS_NAME_SCORE,
            f"{label} is ambiguous: a person only with a people table or a person-like value",
            ambiguous=True,
        )
    return None


@lru_cache(maxsize=4096)
def match_column(field: str) -> ColumnMatch | None:
    """The best :class:`ColumnMatch` for a field / column / key path, or ``None``."""
    name, _ = split_path(field)
    return _match(name)


def classify_column_name(name: str) -> list[tuple[str, float, str]]:
    """What a column name alone says: ``[(entity, score, reason)]`` (empty when nothing).

    A bare ``name`` comes back as PERSON with a low score (:data:`AMBIGUOUS_NAME_SCORE`) and a
    reason saying it is ambiguous; the caller decides with the values.
    """
    m = match_column(name)
    return [(m.entity, m.score, m.reason)] if m else []


@lru_cache(maxsize=4096)
def is_identifier_column(field: str) -> bool:
    """True for columns whose values identify a person: ``patient_id``, ``CustomerID``, ...
    Cached: linkage asks it for every cell of every record."""
    name, _ = split_path(field)
    rules = _rules()
    toks = _name_tokens(name)
    if not toks:
        return False
    if "".join(toks) in rules.identifier_columns:
        return True
    if len(toks) >= 2 and toks[-1] in ("id", "number", "no", "num", "nr", "ref"):
        head = "".join(toks[:-1])
        return head in rules.person_words or head in rules.person_tables
    return False


def context_tokens(unit: TextUnit) -> set[str]:
    """Tokens of the table / file / parent keys a value sits in (for ``name`` and lookups)."""
    return set(_context_tokens(unit.location.uri, unit.location.field or ""))


@lru_cache(maxsize=4096)
def _context_tokens(uri: str, field: str) -> frozenset[str]:
    _, parents = split_path(field)
    uri = uri.split("#", 1)[0].split("?", 1)[0]
    last = re.split(r"[/!]", uri.rstrip("/"))[-1]
    last = re.sub(r"\.(?:csv|tsv|json|jsonl|ndjson|xlsx|xls|ods|parquet|txt|xml|ya?ml)$", "", last)
    toks: set[str] = set()
    for part in [*parents, last]:
        toks.update(name_tokens(part))
        toks.add(compact(part))
    return frozenset(toks)


def looks_like_person_name(value: str) -> bool:
    """Two to four capitalised words, no digits: "Jane Roe", "Mary-Ann O'Neil"; with titles
    before or after them ("Dott. Raffaella Sgalambro", "Sr(a). Bianca Correa", "Ing. Jan Novák,
    CSc.") and surname first with a comma ("Kauliņš, Eda") as well."""
    if _DIGITS.search(value) or len(value) > 80:
        return False
    words = value.split()
    while words and words[0].lower() in TITLES_BEFORE:
        words = words[1:]
    while words and words[-1].lower().rstrip(",") in _TITLES_AFTER:
        words = words[:-1]
    if words and words[0].endswith(",") and len(words) > 1:
        words = [words[0][:-1], *words[1:]]  # "Kauliņš, Eda": the surname first
    if words and words[-1].endswith(","):
        words[-1] = words[-1][:-1]  # "Jan Novák, CSc.": the comma before a title after
    if not 2 <= len(words) <= 4 or words[-1].strip(".").lower() in _ORG_SUFFIXES:
        return False
    return all(_PERSON_WORD.fullmatch(w) for w in words) and words[0][0].isupper()


# Titles written before or after a name (lower case), as address books, CRMs and Faker's
# providers write them in the locales of Europe and the Americas.
TITLES_BEFORE = frozenset((
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "mx", "mx.", "dr", "dr.", "dra.", "dr(a).",
    "prof", "prof.", "univ.prof.", "dipl.-ing.", "ing.", "lic.", "sr.", "sra.", "sr(a).",
    "srta.", "srita.", "dott.", "dott.ssa", "sig.", "sig.ra", "sig.na", "herr", "frau", "mme",
    "mme.", "mlle", "m.", "bc.", "mgr.", "rndr.", "mudr.", "judr.", "phdr.", "sir", "dame",
    "rev.", "hon.", "öğr.", "uzm.", "doç.", "av.", "mag.", "dipl.", "dhr.", "mevr.", "pan",
    "pani", "fru", "hr.",
))
_TITLES_AFTER = frozenset((
    "jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md", "m.d.", "dds", "dvm",
    "mba", "mba.", "b.a.", "b.sc.", "b.eng.", "m.a.", "m.sc.", "m.eng.", "csc.", "dsc.", "esq.",
    "esq", "ll.m.", "dr.", "ph.d",
))


def value_fits(entity: str, value: str) -> bool:
    """A cheap sanity check that a value can be what its column says."""
    known = entity_table.find(entity)
    if len(value) > (entity_table.DEFAULT_MAX_CHARS if known is None else known.max_chars):
        return False
    digits = sum(map(str.isdigit, value))
    if entity == "EMAIL_ADDRESS":
        return "@" in value
    if entity == "PHONE_NUMBER":
        return digits >= 6 and digits >= len(value.replace(" ", "")) // 2
    if entity in ("US_SSN", "IMEI"):
        return digits >= 8
    if entity == "CREDIT_CARD":
        return 12 <= digits <= 19
    if entity == "IBAN_CODE":
        return digits >= 8 and any(c.isalpha() for c in value[:2])
    if entity in ("IP_ADDRESS", "MAC_ADDRESS"):
        return value.count(".") == 3 or value.count(":") >= 2
    if entity == "DATE_OF_BIRTH":
        return digits >= 2
    if entity in ("PERSON", "NRP", "GENDER"):
        return any(c.isalpha() for c in value) and "@" not in value and digits <= 2
    return any(c.isalnum() for c in value)
