"""Special categories of personal data (GDPR Art. 9 and 10) in free text.

``SPECIAL-CAT`` finds health, religion, trade-union membership, ethnic origin, sexual orientation,
political opinion, philosophical belief, genetic, biometric and criminal-record data in text, from
the vocabularies in ``config/vocabularies/*.yaml`` (one file per entity, each naming its sources).

How it matches:

* All vocabularies are compiled into **one** regular expression (one named group per vocabulary
  and kind), matched case-insensitively on word boundaries in a single pass over the unit.
* *Terms* are specific words ("type 2 diabetes", "Sikh", "UNISON"); *cues* are phrases that state
  a fact about someone ("diagnosed with ...", "is a practising Muslim", "votes for ...").
  Generic category names used by privacy policies ("health data", "religious beliefs") are not
  in the vocabularies: naming a category is not personal data.
* *Exclusions* drop institutional and technical near-misses ("Catholic University", "European
  Union", "health check", "browser fingerprint").
* Negations and hypotheticals in the same clause ("no history of", "denies", "if you have",
  "such as") lower the score to :data:`NEGATED_SCORE`, below the default ``min_score``.

Structured values whose column already names a special category ("religion", "diagnosis") are
left to ``COL-NAME`` (:mod:`classifiers.column_names`), so the same value is not reported twice.

Every detection starts with ``linked=False``; :mod:`classifiers.linkage` (run last) sets
``linked=True`` when the same sentence or record identifies a person. Explanations never quote
the matched text: it is the clear value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache

from classifiers.column_names import match_column, name_tokens, split_path
from classifiers.ner_text import ORG_AFTER, firm_name_span
from scanner import entities as entity_table
from scanner.models import Detection, TextUnit
from scanner.vocabularies import (
    VOCABULARY_FILES,
    Vocabulary,
    _terms_pattern,
    compact,
    load_vocabularies,
)

__all__ = ["NEGATED_SCORE", "SPECIAL_ENTITIES", "VOCABULARY_FILES", "SpecialCategoryClassifier",
           "Vocabulary", "compact", "excluded", "load_vocabularies", "negation",
           "vocabulary_for_column"]

DETECTOR_ID = "SPECIAL-CAT"

# Special-category entity -> fideslang category: the taxonomy's `special` trait.
SPECIAL_ENTITIES: Mapping[str, str] = entity_table.categories_with_trait("special")

NEGATED_SCORE = 0.2
# Negations, hypotheticals and enumerations shortly before a match, in the same clause.
_NEGATION = re.compile(
    r"\bno\b(?!\.?\s*[#:]?\s*\d)|"
    r"\b(?:not|never|denies|denied|deny|negative\s+for|ruled\s+out|rules\s+out|without|"
    r"free\s+of|absence\s+of|if|whether|such\s+as|e\.g\.|for\s+example|for\s+instance|including|"
    r"includes|regardless\s+of|irrespective\s+of|any|concerning|relating\s+to|about\s+your)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[.;:!?\n]|\b(?:but|because|as|so\s+that|since|although|though|while|who|which)\b",
    re.IGNORECASE,
)
_NEGATION_WINDOW = 45


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[Vocabulary, str]]]:
    """One compiled alternation over every vocabulary: group name -> (vocabulary, kind)."""
    groups: dict[str, tuple[Vocabulary, str]] = {}
    parts: list[str] = []
    for voc in load_vocabularies():
        # Cues first: "member of Unite the Union" should win over the bare union name.
        if voc.cues:
            g = f"{voc.name}__cue"
            groups[g] = (voc, "cue")
            parts.append(f"(?P<{g}>{'|'.join(f'(?:{c})' for c in voc.cues)})")
        terms = _terms_pattern(voc.terms, voc.terms_case)
        if terms:
            g = f"{voc.name}__term"
            groups[g] = (voc, "term")
            parts.append(f"(?P<{g}>{terms})")
    return re.compile("|".join(parts), re.IGNORECASE), groups


# Non-ASCII characters that Python's case-insensitive matching equates with ASCII letters
# (tests/classifiers/test_perf_equivalence.py recomputes the set from every code point).
ASCII_FOLDING = "\u0130\u0131\u017f\u212a"


def _group_bodies() -> list[str]:
    """The alternatives of :func:`_matcher` without their group names."""
    bodies = []
    for voc in load_vocabularies():
        if voc.cues:
            bodies.append("|".join(f"(?:{c})" for c in voc.cues))
        terms = _terms_pattern(voc.terms, voc.terms_case)
        if terms:
            bodies.append(terms)
    return bodies


@lru_cache(maxsize=1)
def _prefilter() -> tuple[object, re.Pattern[str]] | None:
    """A hyperscan database that finds a superset of :func:`_matcher`'s matches on ASCII text,
    and the non-ASCII characters Python's case-insensitive matching folds to ASCII letters (a
    text holding one of them is matched by the Python pattern alone). ``None`` without
    hyperscan or when the vocabularies do not compile: then every unit takes the Python pass."""
    try:
        import hyperscan as hs
    except ImportError:  # pragma: no cover - depends on the platform
        return None
    from classifiers import hscache
    from classifiers.patterns import byte_superset, prefilter

    exprs = [byte_superset(prefilter(b.replace("(?-i:", "(?:"))).encode() for b in _group_bodies()]
    flags = hs.HS_FLAG_CASELESS | hs.HS_FLAG_PREFILTER | hs.HS_FLAG_ALLOWEMPTY
    try:
        db = hscache.compile_database(exprs, list(range(len(exprs))), [flags] * len(exprs))
    except hs.error:
        return None
    return db, re.compile(f"[{ASCII_FOLDING}]")


Hits = tuple[tuple[int, int], ...]  # (prefilter expression = matcher group index, end offset)


def _collect(expr_id: int, _from: int, to: int, _flags: int, hits: list[tuple[int, int]]) -> None:
    hits.append((expr_id, to))


# Prefilter answers of short texts (table cells repeat across rows, columns and files): text ->
# hits. Emptied when full; a pure function of the text, so a hit cannot change a result.
_HITS_MEMO: dict[str, Hits] = {}
HITS_MEMO_TEXT = 64
HITS_MEMO_SIZE = 32768


def _hits(text: str) -> Hits | None:
    """What the prefilter finds in ``text``: every (expression, end) it reports, the expression
    being the index of the :func:`_matcher` group it is a superset of (end offsets are
    character offsets for ASCII text only). ``()``: :func:`_matcher` certainly finds nothing.
    ``None``: the prefilter cannot tell (no hyperscan, a character Python's case-insensitive
    matching folds to ASCII, unencodable text, a scan error): match with the whole pattern."""
    short = len(text) <= HITS_MEMO_TEXT
    if short:
        known = _HITS_MEMO.get(text)
        if known is not None:
            return known
    pre = _prefilter()
    if pre is None:
        return None
    db, folding = pre
    if text.isascii():
        data = text.encode("ascii")
    else:
        if folding.search(text):
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    found: list[tuple[int, int]] = []
    try:
        db.scan(data, match_event_handler=_collect, context=found)  # type: ignore[attr-defined]
    except Exception:
        return None
    hits = tuple(found)
    if short:
        if len(_HITS_MEMO) >= HITS_MEMO_SIZE:
            _HITS_MEMO.clear()
        _HITS_MEMO[text] = hits
    return hits


def _may_match(text: str) -> bool:
    """False only when :func:`_matcher` certainly finds nothing in ``text`` (a cheap
    hyperscan pass; most log lines and table values hold no special-category word)."""
    hits = _hits(text)
    return hits is None or bool(hits)


@lru_cache(maxsize=256)
def _sub_matcher(expr_ids: frozenset[int]) -> re.Pattern[str]:
    """:func:`_matcher` with only the groups ``expr_ids`` (in the same order, with the same
    names): on a text where the prefilter hit no other group, the other groups match nowhere,
    so the alternation finds the same matches, and trying fewer alternatives at each position is
    faster (tests/classifiers/test_special_categories_fast.py compares the two)."""
    pattern, groups = _matcher()
    if len(expr_ids) >= len(groups):
        return pattern
    parts = [f"(?P<{name}>{body})" for i, (name, body) in
             enumerate(zip(groups, _group_bodies(), strict=True)) if i in expr_ids]
    return re.compile("|".join(parts), re.IGNORECASE)


def vocabulary_for_column(name: str) -> tuple[Vocabulary, bool] | None:
    """The vocabulary a column/key name belongs to, and whether its values must be checked.

    Delegates to :func:`classifiers.column_names.match_column` (same tokenising, same stop
    suffixes): ``"primary_diagnosis"`` -> health, ``"religion_id"`` -> ``None``.
    """
    m = match_column(name)
    if m is None or m.vocabulary is None:
        return None
    return m.vocabulary, m.checked


def excluded(voc: Vocabulary, text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` overlaps one of the vocabulary's exclusion matches."""
    if voc.exclude is None:
        return False
    lo, hi = max(0, start - 60), min(len(text), end + 60)
    return any(m.start() < end and start < m.end() for m in voc.exclude.finditer(text, lo, hi))


def negation(text: str, start: int) -> str:
    """The negation/hypothetical word governing a match at ``start`` ("" when none)."""
    window = text[max(0, start - _NEGATION_WINDOW) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    found = list(_NEGATION.finditer(window))
    return found[-1].group(0).lower() if found else ""


# Texts longer than this that pass the prefilter are matched only around the prefilter's hits
# (two margins: a shorter text is one window whatever its hits; measured on the department share,
# paragraphs of 1,000-4,096 characters took 3.4 s in the whole-text pass).
WINDOW_MIN_TEXT = 800
# Characters kept on each side of a hit's end: more than any vocabulary match and its lookaround.
WINDOW_MARGIN = 400


def _windows(text: str, hits: Hits | None = None) -> list[tuple[int, int]] | None:
    """Character ranges of ``text`` holding every match of :func:`_matcher`, merged: the
    prefilter reports every end offset of a superset of the matches, and a match with its
    lookaround lies within :data:`WINDOW_MARGIN` of its end. ``None``: match the whole text
    (short, non-ASCII, or no prefilter). ``[]``: nothing can match. ``hits``: the prefilter's
    answer for ``text`` when the caller has it (:func:`_hits`)."""
    if len(text) < WINDOW_MIN_TEXT or not text.isascii():
        return None
    if hits is None:
        hits = _hits(text)
        if hits is None:
            return None
    out: list[tuple[int, int]] = []
    for e in sorted({end for _id, end in hits}):
        lo, hi = max(0, e - WINDOW_MARGIN), min(len(text), e + WINDOW_MARGIN)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _matches(
    pattern: re.Pattern[str], text: str, hits: Hits | None = None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, searched only in :func:`_windows` of a long text
    (tests/classifiers/test_perf_equivalence.py compares the two)."""
    windows = _windows(text, hits)
    if windows is None:
        yield from pattern.finditer(text)
        return
    last = 0
    for lo, hi in windows:
        for m in pattern.finditer(text, max(lo, last), hi):
            last = m.end()
            yield m


# The last word of a field naming an organisation or a role: its values name a firm, a school
# or a job ("company", "employer", "job_title", "department"), not a person's special category.
_ROLE_WORDS = frozenset(("job", "occupation", "profession", "position", "role", "title",
                         "jobtitle", "department", "dept", "company", "employer", "organisation",
                         "organization", "org", "firm", "business", "school", "university",
                         "college", "institution", "team", "division", "unit", "vendor",
                         "supplier", "industry", "sector"))


@lru_cache(maxsize=1024)
def _names_an_organisation_or_role(field: str) -> bool:
    words = name_tokens(split_path(field)[0])
    return bool(words) and (words[-1] in _ROLE_WORDS or "".join(words) in _ROLE_WORDS)


# Detections whose spans hold no prose: a vocabulary term inside one is part of a name.
_INERT_SPANS = frozenset(("URL", "EMAIL_ADDRESS", "USER_AGENT"))


_FIRM_PARTS = re.compile(r"\s*(?:,|\band\b|&|-)\s*")


def _in_firm(text: str, start: int, end: int) -> bool:
    """True when the term ``text[start:end]``, a surname too, is part of a firm's name as the
    NER's PERSON rules read one (classifiers/ner_text.py): a legal form or "and Sons" after it,
    or a list of partners or a hyphenated name with a part that is no vocabulary term ("Turner,
    Christian and Pearson"; not "Christian, Jewish and Muslim", not "Christian-Muslim")."""
    if ORG_AFTER.match(text, end):
        return True
    span = firm_name_span(text, start, end)
    if span is None:
        return False
    pattern = _matcher()[0]
    parts = [p for p in _FIRM_PARTS.split(text[span[0]:span[1]]) if p]
    return any(pattern.fullmatch(p) is None for p in parts)


def _host_label(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is a label of a dotted name: a dot and a letter right after it
    ("bishop.com", "christian.example.org") or a dot or "@" right after a letter or digit
    before it ("www.bishop", "mail@christian"). A sentence's full stop has a space after it."""
    if end + 1 < len(text) and text[end] == "." and text[end + 1].isalpha():
        return True
    return start >= 2 and text[start - 1] in ".@" and text[start - 2].isalnum()


class SpecialCategoryClassifier:
    """Special categories (health, religion, union, ethnicity, ...) in text, from vocabularies."""

    id = DETECTOR_ID
    order = 600  # run order in its stage (classifiers/registry.py)
    entities: Mapping[str, str] = SPECIAL_ENTITIES

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        text = unit.text
        hits = _hits(text)
        if hits is not None and not hits:
            return []  # the prefilter: nothing can match (most units)
        if len(text.strip()) < 2:
            return []
        skip: str | None = None
        if unit.kind == "value" and unit.location.field:
            if _names_an_organisation_or_role(unit.location.field):
                return []  # "Learning disability nurse", "Swanson, Diaz and Christian": about
                # the job or the firm, not the person's health or religion
            place = match_column(unit.location.field)
            if place is not None and place.entity == "LOCATION":
                return []  # an address's words are a place's name: "Bishop Cliff 525",
                # "Church Street", "Temple Road"
            column = vocabulary_for_column(unit.location.field)
            if column is not None:
                skip = column[0].entity  # COL-NAME reports the whole value
        pattern, groups = _matcher()
        if hits is not None:
            pattern = _sub_matcher(frozenset(i for i, _end in hits))
        names = [(d.start, d.end) for d in found if d.entity == "PERSON"]
        # a term inside an address or header is a word of a host, path or product name:
        # "http://www.bishop.com/...", "faith.jones@example.org", a user agent's tokens
        inert = [(d.start, d.end) for d in found if d.entity in _INERT_SPANS]
        out: list[Detection] = []
        for m in _matches(pattern, text, hits):
            voc, kind = groups[m.lastgroup or ""]
            if voc.entity == skip:
                continue
            start, end = m.span()
            if excluded(voc, text, start, end):
                continue
            if inert and any(a <= start and end <= b for a, b in inert):
                continue
            if _host_label(text, start, end):
                continue  # "client=christian.com[217.175.178.206]": a label of a host name
            if kind == "term" and text[start].isupper():
                if names and any(a <= start and end <= b and b - a > end - start
                                 for a, b in names):
                    # part of a longer name: "Melinda Christian", "Faith Jain" (a PERSON that is
                    # the term alone is the NER's mistake: "Yom Kippur")
                    continue
                if text[start:end].lower() in voc.surnames and _in_firm(text, start, end):
                    continue  # a surname in a firm's name: "Gay PLC", "Turner, Christian and
                    # Pearson", "Parker-Christian"
            score = voc.cue_score if kind == "cue" else voc.term_score
            why = f"{DETECTOR_ID}: {voc.name} vocabulary {kind}"
            attrs: dict[str, object] = {"vocabulary": voc.name, "match": kind}
            neg = negation(text, start)
            if neg:
                score = NEGATED_SCORE
                why += f"; negated or hypothetical ('{neg}')"
                attrs["negated"] = neg
            out.append(
                Detection(
                    entity=voc.entity,
                    start=start,
                    end=end,
                    score=score,
                    detector=DETECTOR_ID,
                    explanation=why,
                    value=text[start:end],
                    linked=False,
                    attributes=attrs,
                )
            )
        return out


CLASSIFIERS: tuple[type, ...] = (SpecialCategoryClassifier,)
