"""The entity table: every fact about an entity, typed, from ``config/taxonomy.yaml``.

One row per entity (``PERSON``, ``IBAN_CODE``, ``HEALTH``, ...) says its fideslang category, its
severity (and the severity when a special category is not linked to anyone), whether it is
personal data alone, the sets it belongs to (:data:`TRAITS`), how a value is normalised before
its keyed hash (:data:`NORMAL_FORMS`) and masked for a preview (:data:`MASKS`), the longest value
a column named for it holds, and the README's example. Classifiers, overlap resolution, linkage,
redaction, the inventory and the reports ask this module; none of them keeps its own copy.

This is the bottom layer: it imports nothing from classifiers, connectors, the pipeline or the
CLI. A malformed row (unknown key, trait, normal form, mask or severity) raises
:class:`TaxonomyError` when the table is first read; asking for an entity the table does not
have raises :class:`UnknownEntity` (entities of the user's own recognizers are not in the table:
use :func:`find`, which answers ``None``).

``python -m scanner.entities readme`` prints the README entity table.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from scanner import yamlfast
from scanner.models import Severity

TAXONOMY_FILE = "taxonomy.yaml"

# Sets an entity may belong to (a row's ``traits`` list); see the head of config/taxonomy.yaml.
TRAITS = frozenset(
    {"identifier", "identifies", "about_a_person", "special", "lookup", "log_metadata",
     "name_required"}
)
NORMAL_FORMS = ("text", "lower", "digits", "compact_upper", "phone")
MASKS = ("text", "words", "email", "tail2", "tail4")
DEFAULT_MAX_CHARS = 500
# The category of an entity the table does not hold (a custom recognizer's own entity).
FALLBACK_CATEGORY = "user"

_ROW_KEYS = frozenset(
    {"category", "severity", "unlinked_severity", "alone_is_personal", "extension", "traits",
     "normal_form", "mask", "max_chars", "example"}
)


class TaxonomyError(ValueError):
    """``config/taxonomy.yaml`` holds a row this module cannot read."""


class UnknownEntity(KeyError):
    """An entity id that is not a row of the taxonomy."""

    def __str__(self) -> str:
        return (f"unknown entity {self.args[0]!r}: add a row for it to config/{TAXONOMY_FILE} "
                "(scanner/entities.py)")


@dataclass(frozen=True)
class Entity:
    """One row of the taxonomy."""

    id: str
    category: str
    severity: Severity
    unlinked_severity: Severity | None = None
    alone_is_personal: bool = True
    extension: bool = False  # a category fideslang has no key for (documented in README)
    traits: frozenset[str] = frozenset()
    normal_form: str = "text"
    mask: str = "text"
    max_chars: int = DEFAULT_MAX_CHARS
    example: str = ""

    def severity_for(self, linked: bool | None) -> Severity:
        """``unlinked_severity`` (where there is one) unless the finding is linked to a person."""
        if self.unlinked_severity is not None and linked is not True:
            return self.unlinked_severity
        return self.severity

    @property
    def identifier(self) -> bool:
        return "identifier" in self.traits

    @property
    def identifies(self) -> bool:
        return "identifies" in self.traits

    @property
    def special(self) -> bool:
        return "special" in self.traits

    def readme_row(self) -> str:
        category = f"`{self.category}`" + (" (extension)" if self.extension else "")
        severity = self.severity.value
        if self.unlinked_severity is not None:
            severity += f" (unlinked: {self.unlinked_severity.value})"
        return f"| `{self.id}` | {category} | {severity} | {self.example} |"


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document (``classifiers/document_kinds.py``) and its category."""

    id: str
    category: str


@dataclass(frozen=True)
class _Table:
    raw: Mapping[str, Mapping[str, Any]]
    entities: Mapping[str, Entity]
    document_kinds: Mapping[str, DocumentKind]


def _severity(entity: str, key: str, value: object) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise TaxonomyError(f"{entity}: {key} {value!r} is not one of "
                            f"{[s.value for s in Severity]}") from None


def _category(where: str, spec: Mapping[str, Any]) -> str:
    category = spec.get("category")
    if not isinstance(category, str) or not category.split(".")[0] == "user":
        raise TaxonomyError(f"{where}: category {category!r} is not a fideslang user.* key")
    return category


def parse_row(entity: str, spec: object) -> Entity:
    """One taxonomy row as an :class:`Entity`; :class:`TaxonomyError` when it is malformed."""
    if not isinstance(spec, Mapping):
        raise TaxonomyError(f"{entity}: a row must be a mapping")
    unknown = set(spec) - _ROW_KEYS
    if unknown:
        raise TaxonomyError(f"{entity}: unknown key(s) {sorted(unknown)}")
    traits = frozenset(spec.get("traits") or ())
    if traits - TRAITS:
        raise TaxonomyError(f"{entity}: unknown trait(s) {sorted(traits - TRAITS)}")
    normal_form = spec.get("normal_form", "text")
    if normal_form not in NORMAL_FORMS:
        raise TaxonomyError(f"{entity}: normal_form {normal_form!r} is not one of {NORMAL_FORMS}")
    mask = spec.get("mask", "text")
    if mask not in MASKS:
        raise TaxonomyError(f"{entity}: mask {mask!r} is not one of {MASKS}")
    max_chars = spec.get("max_chars", DEFAULT_MAX_CHARS)
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
        raise TaxonomyError(f"{entity}: max_chars must be a positive integer")
    unlinked = spec.get("unlinked_severity")
    return Entity(
        id=entity,
        category=_category(entity, spec),
        severity=_severity(entity, "severity", spec.get("severity")),
        unlinked_severity=None if unlinked is None else _severity(entity, "unlinked_severity",
                                                                  unlinked),
        alone_is_personal=bool(spec.get("alone_is_personal", True)),
        extension=bool(spec.get("extension", False)),
        traits=traits,
        normal_form=str(normal_form),
        mask=str(mask),
        max_chars=max_chars,
        example=str(spec.get("example", "")),
    )


class _UniqueKeyLoader(yamlfast.SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader on which a mapping that names one key twice is an error: a second row for
    an entity would otherwise replace the first without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise TaxonomyError(f"{key!r} is defined twice (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_text(text: str) -> tuple[dict[str, Entity], dict[str, DocumentKind]]:
    """The entities and document kinds of a taxonomy file's text (:class:`TaxonomyError` when a
    row is malformed or an id is given twice)."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader) or {}  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"config/{TAXONOMY_FILE}: {exc}") from None
    rows = data.get("entities") or {}
    kinds = data.get("document_kinds") or {}
    entities = {str(e): parse_row(str(e), spec) for e, spec in rows.items()}
    doc_kinds = {str(k): DocumentKind(str(k), _category(f"document kind {k}", spec))
                 for k, spec in kinds.items()}
    return entities, doc_kinds


@functools.cache
def _table() -> _Table:
    text = resources.files("config").joinpath(TAXONOMY_FILE).read_text(encoding="utf-8")
    entities, doc_kinds = load_text(text)
    data = yamlfast.safe_load(text) or {}
    rows = data.get("entities") or {}
    return _Table(
        raw=MappingProxyType({str(e): MappingProxyType(dict(spec)) for e, spec in rows.items()}),
        entities=MappingProxyType(entities),
        document_kinds=MappingProxyType(doc_kinds),
    )


def table() -> Mapping[str, Entity]:
    """Every entity, in taxonomy order."""
    return _table().entities


def taxonomy() -> Mapping[str, Mapping[str, Any]]:
    """The taxonomy's rows as written (read-only), for callers that read raw keys."""
    return _table().raw


def get(entity: str) -> Entity:
    """The row of ``entity``; :class:`UnknownEntity` when the taxonomy has none."""
    try:
        return _table().entities[entity]
    except KeyError:
        raise UnknownEntity(entity) from None


def find(entity: str) -> Entity | None:
    """The row of ``entity``, or ``None`` (a custom recognizer's entity)."""
    return _table().entities.get(entity)


def ids() -> tuple[str, ...]:
    """Every entity id, in taxonomy order."""
    return tuple(_table().entities)


@functools.cache
def with_trait(trait: str) -> frozenset[str]:
    """The ids of the entities with ``trait`` (one of :data:`TRAITS`)."""
    if trait not in TRAITS:
        raise ValueError(f"unknown trait {trait!r}: one of {sorted(TRAITS)}")
    return frozenset(e.id for e in _table().entities.values() if trait in e.traits)


def categories(entity_ids: Iterable[str]) -> dict[str, str]:
    """``{entity: category}`` for a classifier's ``entities``; :class:`UnknownEntity` on an id
    the taxonomy does not hold."""
    return {e: get(e).category for e in entity_ids}


def categories_with_trait(trait: str) -> dict[str, str]:
    """``{entity: category}`` of the entities with ``trait``, in taxonomy order."""
    members = with_trait(trait)
    return {e.id: e.category for e in _table().entities.values() if e.id in members}


def category(entity: str, fallback: str = FALLBACK_CATEGORY) -> str:
    found = find(entity)
    return fallback if found is None else found.category


def severity(entity: str, linked: bool | None) -> Severity:
    """The severity of a finding of ``entity``; low for an entity the taxonomy does not hold."""
    found = find(entity)
    return Severity.LOW if found is None else found.severity_for(linked)


def context_only() -> frozenset[str]:
    """Entities that are not personal data on their own (``alone_is_personal: false``)."""
    return frozenset(e.id for e in _table().entities.values() if not e.alone_is_personal)


def document_kinds() -> Mapping[str, DocumentKind]:
    return _table().document_kinds


def known_categories() -> frozenset[str]:
    """Every category of an entity or a document kind, plus all of their parent keys."""
    keys: set[str] = set()
    cats = [e.category for e in _table().entities.values()]
    cats += [k.category for k in _table().document_kinds.values()]
    for cat in cats:
        parts = cat.split(".")
        keys.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(keys)


README_HEADER = ("| entity | category (fideslang 3.2) | severity | example |\n"
                 "|---|---|---|---|")


def readme_table() -> str:
    """The README's entity table (between its ``entities:begin`` / ``end`` markers)."""
    return "\n".join([README_HEADER, *(e.readme_row() for e in _table().entities.values())])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["readme"]:
        print("usage: python -m scanner.entities readme", file=sys.stderr)
        return 2
    print(readme_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
