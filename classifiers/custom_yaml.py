"""Custom recognizers written in Presidio's YAML recognizer format.

The file is the one Presidio's ``RecognizerRegistry.add_recognizers_from_yaml`` reads
(``presidio_analyzer/conf/example_recognizers.yaml``)::

    recognizers:
      - name: "Employee id recognizer"
        supported_language: en          # or supported_languages: [en, de]
        supported_entity: EMPLOYEE_ID   # or supported_entities: [EMPLOYEE_ID]
        patterns:
          - name: "employee id"
            regex: "\\bE-\\d{4}\\b"
            score: 0.6
        context: [employee, staff]      # words near a match raise its score (+0.35)
        deny_list: [Mr., Mrs.]          # exact words, found at score deny_list_score (1.0)
        # piiscout's own keys (Presidio ignores unknown keys in its own loader only partly,
        # so keep them if you share the file):
        category: user.unique_id        # fideslang category of the entity [default: user]
        id: CUSTOM-EMPLOYEE-ID          # stable classifier id [default: from the name]

Each recognizer becomes one :class:`~classifiers.base.PatternClassifier` whose patterns join the
engine's one multi-pattern pass. As in Presidio, patterns are matched case-insensitively
(``global_regex_flags`` may not be changed here), a recognizer with ``enabled: false`` is left
out, and one for another language than English is skipped. A recognizer for a built-in entity
keeps the built-in's category and severity; a new entity is reported at severity ``low``.

A bad file is a :class:`RecognizerFileError` naming the file and line (YAML marks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from classifiers.base import Pattern, PatternClassifier

LANGUAGES = ("en",)
DEFAULT_CATEGORY = "user"
DENY_LIST_SCORE = 1.0
_ENTITY = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_ID = re.compile(r"^[A-Z][A-Z0-9-]{1,63}$")
_KNOWN_KEYS = frozenset({
    "name", "supported_language", "supported_languages", "supported_entity",
    "supported_entities", "patterns", "context", "deny_list", "deny_list_score", "enabled",
    "type", "category", "id", "global_regex_flags", "supported_countries",
})


class RecognizerFileError(ValueError):
    """A custom recognizer file that cannot be used; the message names the file and line."""


class CustomRecognizer(PatternClassifier):
    """One recognizer of the file: patterns and deny list, context words, a category."""

    def __init__(self, cid: str, name: str, entity: str, category: str,
                 patterns: tuple[Pattern, ...], context: tuple[str, ...]) -> None:
        self.id = cid  # type: ignore[misc]
        self.name = name
        self.entities = {entity: category}  # type: ignore[misc]
        self.patterns = patterns  # type: ignore[misc]
        self.context = context  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"CustomRecognizer({self.id!r}, {len(self.patterns)} patterns)"


def load_classifiers(path: str | Path | None) -> list[CustomRecognizer]:
    """The recognizers of ``path`` (``None``: none)."""
    if path is None:
        return []
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecognizerFileError(f"{p}: cannot read the recognizer file: {exc}") from None
    return parse(text, str(p))


def parse(text: str, origin: str = "<recognizers>") -> list[CustomRecognizer]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = getattr(exc, "problem", None) or str(exc)
        raise RecognizerFileError(f"{where}: not valid YAML: {problem}") from None
    if root is None:
        raise RecognizerFileError(f"{origin}: the file is empty; it needs a `recognizers:` list")
    top = _mapping(root, origin, "the file")
    if "recognizers" not in top:
        raise RecognizerFileError(
            f"{origin}:{root.start_mark.line + 1}: no `recognizers:` list (Presidio's format)")
    seq = top["recognizers"][1]
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        raise RecognizerFileError(
            f"{origin}:{seq.start_mark.line + 1}: `recognizers` must be a non-empty list")
    out: list[CustomRecognizer] = []
    seen: dict[str, int] = {}
    for node in seq.value:
        rec = _recognizer(node, origin)
        if rec is None:
            continue
        line = node.start_mark.line + 1
        if rec.id in seen:
            raise RecognizerFileError(
                f"{origin}:{line}: recognizer id {rec.id} is already used on line {seen[rec.id]}; "
                "give each recognizer its own `name` or `id`")
        seen[rec.id] = line
        out.append(rec)
    return out


def _recognizer(node: yaml.Node, origin: str) -> CustomRecognizer | None:
    line = node.start_mark.line + 1
    fields = _mapping(node, origin, "a recognizer")

    def at(key: str) -> str:
        return f"{origin}:{fields[key][1].start_mark.line + 1}" if key in fields else \
            f"{origin}:{line}"

    unknown = sorted(set(fields) - _KNOWN_KEYS)
    if unknown:
        raise RecognizerFileError(f"{at(unknown[0])}: unknown key `{unknown[0]}` in a recognizer")
    values = {k: _value(v) for k, (_, v) in fields.items()}
    if values.get("enabled", True) is False:
        return None
    name = values.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RecognizerFileError(f"{at('name')}: a recognizer needs a `name`")
    langs = values.get("supported_languages") or [values.get("supported_language") or "en"]
    langs = [lang.get("language") if isinstance(lang, dict) else lang for lang in langs]
    if not any(str(lang).lower() in LANGUAGES for lang in langs):
        return None  # Presidio would load it for another language only
    entity = values.get("supported_entity")
    if entity is None and values.get("supported_entities"):
        entity = values["supported_entities"][0]
    key = "supported_entity" if "supported_entity" in fields else "supported_entities"
    if not isinstance(entity, str) or not _ENTITY.match(entity):
        raise RecognizerFileError(
            f"{at(key)}: `supported_entity` must be an upper-case name such as EMPLOYEE_ID")
    category = values.get("category", DEFAULT_CATEGORY)
    if not isinstance(category, str) or not _CATEGORY.match(category):
        raise RecognizerFileError(
            f"{at('category')}: `category` must be a fideslang key such as user.unique_id")
    cid = values.get("id") or "CUSTOM-" + re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")
    if not isinstance(cid, str) or not _ID.match(cid[:64]):
        raise RecognizerFileError(
            f"{at('id')}: `id` must be upper-case letters, digits and dashes (CUSTOM-EMPLOYEE)")
    cid = cid[:64]
    context = values.get("context") or []
    if not isinstance(context, list) or not all(isinstance(w, str) for w in context):
        raise RecognizerFileError(f"{at('context')}: `context` must be a list of words")
    patterns = _patterns(fields, origin, entity, line)
    deny = values.get("deny_list") or []
    if not isinstance(deny, list) or not all(isinstance(w, str | int | float) for w in deny):
        raise RecognizerFileError(f"{at('deny_list')}: `deny_list` must be a list of words")
    if deny:
        score = values.get("deny_list_score", DENY_LIST_SCORE)
        if not isinstance(score, int | float) or not 0 <= score <= 1:
            raise RecognizerFileError(f"{at('deny_list_score')}: a score between 0 and 1")
        words = "|".join(re.escape(str(w)) for w in deny)
        # Presidio's PatternRecognizer._deny_list_to_regex
        patterns.append(Pattern(f"{name} deny list", rf"(?:^|(?<=\W))({words})(?:(?=\W)|$)",
                                entity, float(score), ignore_case=True))
    if not patterns:
        raise RecognizerFileError(
            f"{origin}:{line}: recognizer {name!r} has neither `patterns` nor `deny_list`")
    return CustomRecognizer(cid, name, entity, category, tuple(patterns),
                            tuple(w.lower() for w in context))


def _patterns(fields: Mapping[str, tuple[yaml.Node, yaml.Node]], origin: str, entity: str,
              line: int) -> list[Pattern]:
    if "patterns" not in fields:
        return []
    node = fields["patterns"][1]
    if not isinstance(node, yaml.SequenceNode):
        raise RecognizerFileError(f"{origin}:{node.start_mark.line + 1}: `patterns` must be a list")
    out: list[Pattern] = []
    for pnode in node.value:
        pline = pnode.start_mark.line + 1
        pf = _mapping(pnode, origin, "a pattern")
        p = {k: _value(v) for k, (_, v) in pf.items()}

        def at(key: str, pf: Mapping[str, Any] = pf, pline: int = pline) -> str:
            return f"{origin}:{pf[key][1].start_mark.line + 1}" if key in pf else \
                f"{origin}:{pline}"

        regex = p.get("regex")
        if not isinstance(regex, str) or not regex:
            raise RecognizerFileError(f"{at('regex')}: a pattern needs a `regex`")
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise RecognizerFileError(f"{at('regex')}: the regex does not compile: {exc}") from None
        if re.compile(regex).match(""):
            raise RecognizerFileError(f"{at('regex')}: the regex matches the empty string")
        score = p.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise RecognizerFileError(f"{at('score')}: a pattern needs a `score` between 0 and 1")
        pname = p.get("name") or f"pattern {len(out) + 1}"
        out.append(Pattern(str(pname), regex, entity, float(score), ignore_case=True))
    return out


def _mapping(node: yaml.Node, origin: str, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise RecognizerFileError(f"{origin}:{node.start_mark.line + 1}: {what} must be a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in node.value:
        out[str(k.value)] = (k, v)
    return out


def _value(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
