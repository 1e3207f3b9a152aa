"""Linkage: is a special-category detection tied to an identified person?

``LINKAGE`` runs last, after every other classifier. A special-category detection (health,
religion, union membership, ...) gets ``linked=True`` only when the same record also identifies
someone:

* prose and log units without a record (``record is None``): the same **sentence or line**
  (split cheaply here: sentence punctuation not after an abbreviation, blank lines, and line
  breaks that do not merely wrap a sentence; every line break in logs);
* units sharing a ``record`` (a table row, a JSON object, a message): the same **record**.

What identifies: a detection of :data:`IDENTIFYING` (PERSON, e-mail, phone, SSN, card, IBAN, IMEI,
device ID, national identifiers: the ``identifies`` trait in ``config/taxonomy.yaml``) scoring at least :data:`IDENTIFIER_MIN_SCORE`, an ID-like token ("patient 4471",
"employee ID E-1043", "MRN 00123"), a title and surname ("Dr Patel"), or, in a record, a
non-empty identifier column (``patient_id``, ``customer_id``, ``username``; see
``identifier_columns`` in ``config/vocabularies/column_names.yaml``).

Unlinked detections keep ``linked=False`` and their score is multiplied by
:data:`UNLINKED_FACTOR` (they are reported at the entity's low ``unlinked_severity``). Other
entities' ``linked`` stays ``None``. Explanations name what linked, never the value.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from classifiers.column_names import NULL_LIKE, is_identifier_column, match_column, split_path
from scanner import entities as entity_table
from scanner.models import Detection, TextUnit

DETECTOR_ID = "LINKAGE"

# What identifies a person, what is personal data only about one, what is a special category:
# the taxonomy's `identifies`, `about_a_person` and `special` traits (config/taxonomy.yaml).
IDENTIFYING = entity_table.with_trait("identifies")
SPECIAL_ENTITIES = entity_table.with_trait("special")
IDENTIFIER_MIN_SCORE = 0.4
UNLINKED_FACTOR = 0.7
# Entities that are personal data only when they are about someone (issue 16.4): a nationality
# word ("American", "Democrat") or a bare date ("summer", "12 March") in text that identifies
# nobody is noise to a DPO. Without an identifier in the same sentence / record (or a field that
# names them) their score drops to CONTEXTUAL_SCORE, below the default ``min_score``.
ABOUT_A_PERSON = entity_table.with_trait("about_a_person")
CONTEXTUAL_SCORE = 0.3
# A specific calendar date (a year, or day/month/year in numbers) stays reported as Presidio
# reports it: it may be a birth, admission or hiring date whose person is in another unit. The
# rule above is for vague and partial ones ("Monday", "12 June", "next spring").
SPECIFIC_DATE = re.compile(
    r"\b(?:1[89]|20)[0-9]{2}\b|\b[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}\b"
)

_ID_WORDS = (
    r"patient|employee|member|membership|customer|client|staff|student|user|account|subscriber|"
    r"case|badge|payroll|personnel|inmate|applicant|candidate|policyholder|pupil"
)
ID_TOKEN = re.compile(
    rf"\b(?P<what>{_ID_WORDS})\b(?P<idw>\s*(?:id|no|number|nr|num|ref|reference|#)\b\.?)?"
    r"\s*[:#=]?\s*(?P<num>(?:[A-Z]{1,3}-?)?\d{2,}(?:-\d+)?)\b"
    r"|\b(?P<mrn>MRN|NHS\s*(?:no|number)|medical\s+record\s+(?:no|number)|hospital\s+number)\b"
    r"\.?\s*[:#=]?\s*\d[\d ]{2,}",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
TITLED_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sister|Brother|Father|Rabbi|Imam|Pastor|Rev|Revd|Reverend|"
    r"Sgt|Cllr|Councillor)\.?\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b"
)
# A name the NER model did not recognise: two or three capitalised words right after a word that
# introduces a person ("from", "with", "candidate", "colleague", ...) or right before a verb
# people do ("Nina Petrova came out", "Tenzin Dorje is"), and not followed by another capitalised
# word or an organisation word (which makes it a name of something else: "Cancer Research UK").
_NAME = r"[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)?(?:\s+(?:van|von|de|da|di|del|le|la|bin|al)\b)?"
_NAME_PAIR = rf"(?-i:{_NAME}\s+{_NAME}(?:\s+{_NAME})?)"
_INTRO = (
    r"from|with|for|by|about|to|colleague|candidate|applicant|customer|caller|visitor|tenant|"
    r"claimant|patient|employee|member|manager|supervisor|client|resident|student|pupil|"
    r"interviewee|complainant|holder|worker|driver|volunteer"
)
_PERSON_VERB = (
    r"is|was|has|had|have|said|says|told|tells|asked|asks|came|comes|joined|joins|reported|"
    r"reports|disclosed|discloses|needs|needed|wants|wanted|identifies|identified|describes|"
    r"described|uses|used|goes|went|attends|attended|wears|wore|keeps|kept|votes|voted|"
    r"campaigns|campaigned|signed|took|takes|requested|requests|called|phoned|mentioned|"
    r"explained|confirmed|admitted|returned|suffers|suffered|lives|works|worked|refuses|"
    r"refused|declined|received|receives|gave|gives|tested|underwent|missed|became|will|would|"
    r"can|cannot|could|did|does|should|must|may|might|prays|fasts|converted|carries|"
    r"'s|\u2019s"
)
_ORG_WORDS = frozenset(
    {"party", "union", "university", "college", "school", "church", "council", "trust",
     "research", "society", "group", "team", "centre", "center", "hospital", "office", "street",
     "road", "ltd", "limited", "plc", "inc", "association", "foundation", "fund", "bank",
     "house", "hall", "month", "week", "day", "network", "committee", "board", "department",
     "services", "service", "news", "times", "health", "care", "clinic", "airport", "station"}
)
_NAME_COMMON = frozenset(
    {"the", "a", "an", "our", "your", "their", "his", "her", "my", "this", "that", "these",
     "those", "new", "all", "every", "each", "any", "some", "no", "please", "dear", "hi",
     "hello", "thanks", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
     "sunday", "january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december", "black", "white", "british", "asian",
     "mixed", "mental", "pride", "local", "market", "press", "case", "call", "note", "notes",
     "meeting", "complaint", "leave", "absence", "return", "grievance", "welfare", "lab",
     "catering", "equal", "monitoring", "candidate", "applicant", "customer", "employee",
     "staff", "member", "patient", "vetting", "supervisor", "occupational", "reasonable",
     "shift", "union", "disciplinary", "interview", "pre", "headline", "statistics", "faith",
     "researchers", "thousands", "server", "special", "guidance", "invoice", "remember",
     "managers", "employees", "diabetes", "cancer", "sister", "brother", "father", "pastor",
     "rabbi", "imam", "sir", "madam", "sirs", "colleague", "colleagues", "friend", "friends",
     "team", "members", "user", "users", "client", "clients", "parent", "parents", "reader",
     "readers", "subscriber", "subscribers", "partner", "partners", "everyone", "hiring",
     "valued", "shareholders", "residents", "students", "supporters", "doctor", "nurse"}
)
UNRECOGNISED_NAME = re.compile(
    rf"(?:(?i:\b(?:{_INTRO})\b)\s+(?P<a>{_NAME_PAIR})"
    rf"|(?:^|(?<=[.!?:;]\s)|(?<=\n)|(?<=[.!?:;]\s\s))(?P<b>{_NAME_PAIR})(?=\s+(?i:{_PERSON_VERB})\b)"
    rf"|(?P<c>{_NAME_PAIR})(?=['\u2019]s\s+[a-z])"  # a possessive: "Sofia Marin's fit note"
    r"|(?-i:\bDear\s+(?P<d>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?=\s*,)))"  # a letter's greeting
    r"(?!\s+[A-Z])"
)
# Pronouns and possessives that point back to a person named earlier in the same record.
PRONOUN = re.compile(r"\b(?:he|she|him|her|hers|his|they|them|their|theirs|I|me|my|mine)\b",
                     re.IGNORECASE)
# For dates and NRP also the addressee of a letter ("Dear Ann, ... your appointment is on ...");
# not for special categories, where "you" is mostly a policy's reader ("if you have a ...").
PRONOUN_OR_YOU = re.compile(
    r"\b(?:he|she|him|her|hers|his|they|them|their|theirs|I|me|my|mine|you|your|yours)\b",
    re.IGNORECASE,
)
PRONOUN_LOOKBACK = 3  # sentences

_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "prof", "st", "no", "nr", "e.g", "i.e", "eg", "ie", "vs",
     "etc", "inc", "ltd", "jr", "sr", "mt", "approx", "dept", "fig", "vol", "ref", "tel", "ext",
     "co", "corp", "u.s", "u.k", "a.m", "p.m"}
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*[ \t]+(?=[\"'(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def sentence_spans(text: str, kind: str = "prose") -> list[tuple[int, int]]:
    """(start, end) of each sentence / line of ``text``. Cheap and regex-based."""
    cuts: list[int] = []
    for m in _SENTENCE_END.finditer(text):
        dot = m.start()
        word = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
        w = word.group(1).lower() if word else ""
        if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
            continue
        cuts.append(m.end())
    pos = text.find("\n")
    while pos != -1:
        if kind != "prose" or not _wraps(text, pos):
            cuts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    cuts = sorted(set(cuts))
    spans, start = [], 0
    for c in cuts:
        if c > start:
            spans.append((start, c))
        start = c
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans


def _wraps(text: str, nl: int) -> bool:
    """True when the line break at ``nl`` only wraps a sentence ("was\\ndiagnosed")."""
    before = text[:nl].rstrip(" \t")
    after = text[nl + 1 :].lstrip(" \t")
    if not before or not after:
        return False
    return (before[-1].islower() or before[-1] == ",") and after[0].islower()


# What each kind of ID-like token needs somewhere in its span: every ID_TOKEN match holds a digit
# (its number) and a letter of its word (ASCII, or a character that case-insensitive matching
# folds to one), every TITLED_NAME and UNRECOGNISED_NAME match an ASCII capital (their names are
# matched case-sensitively). Most table cells (dates, amounts, codes) lack one of them, and two
# searches cost less than the patterns' (tests/classifiers/test_linkage_fast.py compares them).
_ANY_DIGIT = re.compile(r"\d")
_ANY_LETTER = re.compile("[A-Za-z\u0130\u0131\u017f\u212a]")
_ANY_CAPITAL = re.compile(r"[A-Z]")


def id_tokens(text: str, start: int = 0, end: int | None = None) -> Iterable[tuple[int, int, str]]:
    """ID-like tokens in ``text[start:end]``: (start, end, what), e.g. "patient number"."""
    stop = len(text) if end is None else end
    if _ANY_DIGIT.search(text, start, stop) and _ANY_LETTER.search(text, start, stop):
        yield from _numbered(text, start, stop)
    if _ANY_CAPITAL.search(text, start, stop):
        yield from _named(text, start, stop)


def _numbered(text: str, start: int, stop: int) -> Iterator[tuple[int, int, str]]:
    for m in ID_TOKEN.finditer(text, start, stop):
        if m.group("mrn"):
            yield m.start(), m.end(), " ".join(m.group("mrn").upper().split()[:1])
            continue
        num = m.group("num")
        if not m.group("idw") and _YEAR.fullmatch(num):
            continue  # "staff 2024 survey"
        yield m.start(), m.end(), f"{m.group('what').lower()} number"


def _named(text: str, start: int, stop: int) -> Iterator[tuple[int, int, str]]:
    for m in TITLED_NAME.finditer(text, start, stop):
        # the name's span only: a title may itself be a special-category term ("Rabbi Cohen")
        name_at = m.end() - len(m.group(0).split()[-1])
        yield name_at, m.end(), "title and name"
    for m in UNRECOGNISED_NAME.finditer(text, start, stop):
        group = next(g for g in "abcd" if m.group(g))
        name = m.group(group)
        words = name.split()
        if words[0].lower() in _NAME_COMMON or words[-1].lower() in _ORG_WORDS:
            continue
        if any(w.lower() in _ORG_WORDS or w.lower() in _NAME_COMMON for w in words[1:]):
            continue
        yield m.start(group), m.end(group), "capitalised name"


def _overlaps(a: Detection, b: Detection) -> bool:
    return a.start < b.end and b.start < a.end


class Linkage:
    """Sets ``linked`` on special-category detections (sentence / row / message linkage)."""

    id = DETECTOR_ID
    order = 800  # run order in its stage (classifiers/registry.py)
    entities: Mapping[str, str] = {}

    def classify_record(self, units: Sequence[TextUnit], found: Sequence[list[Detection]]) -> None:
        if not any(d.entity in SPECIAL_ENTITIES or (d.entity in ABOUT_A_PERSON and
                                                    d.score > CONTEXTUAL_SCORE)
                   for ds in found for d in ds):
            return
        if len(units) == 1 and units[0].record is None:
            self._by_sentence(units[0], found[0])
        else:
            self._by_record(units, found)

    # -- one unit, sentence by sentence -----------------------------------------------------------
    def _by_sentence(self, unit: TextUnit, dets: list[Detection]) -> None:
        text = unit.text
        spans = sentence_spans(text, unit.kind)
        where = "line" if unit.kind == "log" else "sentence"
        if unit.kind == "value":
            spans, where = [(0, len(text))], "value"
        starts = [a for a, _ in spans]
        for i, d in enumerate(dets):
            if d.entity in ABOUT_A_PERSON:
                if _named_by_field(unit, d) or _specific_date(d):
                    continue
                s0, s1 = spans[max(0, bisect_right(starts, d.start) - 1)]
                if not self._identifier_in(text, dets, d, s0, s1) and not (
                    unit.kind == "prose"
                    and self._pronoun_link(text, dets, d, spans, starts, s0, s1, PRONOUN_OR_YOU)
                ):
                    dets[i] = _not_about_anyone(d, where)
                continue
            if d.entity not in SPECIAL_ENTITIES:
                continue
            s0, s1 = spans[max(0, bisect_right(starts, d.start) - 1)]
            if d.end == d.start:  # a unit-level verdict: the whole unit is its sentence
                s0, s1 = 0, len(text)
            why = self._identifier_in(text, dets, d, s0, s1)
            if why:
                why = f"{why} in same {where}"
            elif unit.kind == "prose":
                why = self._pronoun_link(text, dets, d, spans, starts, s0, s1)
            dets[i] = _linked(d, why) if why else _unlinked(d, where)

    def _pronoun_link(
        self,
        text: str,
        dets: Sequence[Detection],
        special: Detection,
        spans: Sequence[tuple[int, int]],
        starts: Sequence[int],
        s0: int,
        s1: int,
        pronouns: re.Pattern[str] = PRONOUN,
    ) -> str:
        """A pronoun or possessive in the sentence ("she", "his") and a person identified in one
        of the :data:`PRONOUN_LOOKBACK` sentences before it, in the same unit (a case note, a
        message body): the pronoun refers to that person."""
        pron = pronouns.search(text, s0, s1)
        if pron is None or spans[0][0] == s0:
            return ""
        k = bisect_right(starts, s0) - 1
        for j in range(k - 1, max(-1, k - 1 - PRONOUN_LOOKBACK), -1):
            a, b = spans[j]
            why = self._identifier_in(text, dets, special, a, b)
            if why:
                return f"pronoun '{pron.group(0).lower()}' after {why} in an earlier sentence"
        return ""

    def _identifier_in(
        self, text: str, dets: Sequence[Detection], special: Detection, s0: int, s1: int
    ) -> str:
        for o in dets:
            if (
                o.entity in IDENTIFYING
                and o.score >= IDENTIFIER_MIN_SCORE
                and o.start < s1
                and s0 < o.end
                and not _overlaps(o, special)
            ):
                return o.entity
        for a, b, what in id_tokens(text, s0, s1):
            if not (a < special.end and special.start < b):
                return what
        return ""

    # -- a record: row, object, message ----------------------------------------------------------
    def _by_record(self, units: Sequence[TextUnit], found: Sequence[list[Detection]]) -> None:
        where = "row" if all(u.kind == "value" and u.location.field for u in units) else "record"
        why = self._record_identifier(units, found)
        for u, dets in zip(units, found, strict=True):
            for i, d in enumerate(dets):
                if d.entity in SPECIAL_ENTITIES:
                    dets[i] = _linked(d, f"{why} in same {where}") if why else _unlinked(d, where)
                elif (d.entity in ABOUT_A_PERSON and not why and not _named_by_field(u, d)
                      and not _specific_date(d)):
                    dets[i] = _not_about_anyone(d, where)

    def _record_identifier(
        self, units: Sequence[TextUnit], found: Sequence[list[Detection]]
    ) -> str:
        for u, dets in zip(units, found, strict=True):
            for d in dets:
                if d.entity in IDENTIFYING and d.score >= IDENTIFIER_MIN_SCORE:
                    col = f" (column {split_path(u.location.field)[0]})" if u.location.field else ""
                    return f"{d.entity}{col}"
        for u in units:
            field = u.location.field
            if field and is_identifier_column(field) and u.text.strip().lower() not in NULL_LIKE:
                return f"column {split_path(field)[0]}"
        for u, dets in zip(units, found, strict=True):
            specials = [d for d in dets if d.entity in SPECIAL_ENTITIES]
            for a, b, what in id_tokens(u.text):
                if not any(a < d.end and d.start < b for d in specials):
                    return what
        return ""


def _specific_date(d: Detection) -> bool:
    return d.entity == "DATE_TIME" and SPECIFIC_DATE.search(d.value) is not None


def _named_by_field(unit: TextUnit, d: Detection) -> bool:
    """The detection comes from, or sits in, a field that names its entity (``nationality``)."""
    if d.detector == "COL-NAME":
        return True
    field = unit.location.field
    if not field:
        return False
    m = match_column(field)
    return m is not None and m.entity in (d.entity, "DATE_OF_BIRTH")


def _not_about_anyone(d: Detection, where: str) -> Detection:
    if d.score <= CONTEXTUAL_SCORE:
        return d
    return replace(
        d,
        score=CONTEXTUAL_SCORE,
        explanation=f"{d.explanation}; about no identified person in the same {where}",
    )


def _linked(d: Detection, why: str) -> Detection:
    return replace(
        d,
        linked=True,
        explanation=f"{d.explanation}; linked: {why}",
        attributes={**d.attributes, "linked_by": why},
    )


def _unlinked(d: Detection, where: str) -> Detection:
    return replace(
        d,
        linked=False,
        score=round(d.score * UNLINKED_FACTOR, 4),
        explanation=f"{d.explanation}; unlinked: no identifier in the same {where}",
    )


CLASSIFIERS: tuple[type, ...] = (Linkage,)
