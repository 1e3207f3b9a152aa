"""The classify and redact stages: text units in, findings out.

Detections are redacted into findings at once, in the process that made them, so a clear value
never crosses further than the classifier: a finding holds a masked preview and a keyed hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from classifiers.engine import Engine
from scanner.memo import BoundedMemo
from scanner.models import Detection, Finding, Location, TextUnit
from scanner.redact import KeyedHash, mask
from scanner.settings import Settings

RECORD_ENTITIES = frozenset({"CALL_RECORD"})
_DETECTION_ORDER = attrgetter("start", "end", "entity")


class Classifier:
    """Engine + redaction: units in, findings out. One per process."""

    def __init__(self, settings: Settings, secret: bytes) -> None:
        self.engine = Engine(settings.classify)
        self.secret = secret
        self._hash = KeyedHash(secret)
        # (entity, value) -> (preview, hash): the same value is masked and hashed once.
        self._redacted: BoundedMemo[tuple[str, str]] = BoundedMemo(settings.classify.value_memo)

    def warm(self) -> None:
        """Build now what the classifiers build on their first units (hyperscan databases, the
        special-category prefilter, the public suffix list, phone metadata, spaCy's pipeline).

        Called before the worker processes fork, so each inherits it instead of building its
        own: measured 1.1 s of CPU per worker without NER. The value and redaction memos are
        emptied again; the pure caches (phone parsing, suffix lookups) keep the sample's few
        entries, which cannot change a result."""
        self.findings(_WARM_UNITS)
        for c in (*self.engine.pattern_classifiers, *self.engine.record_classifiers):
            if callable(warm := getattr(c, "warm", None)):
                warm()  # what the sample does not reach (phones: every region's metadata)
        self.engine.memo.clear()
        self._redacted.clear()

    def findings(self, units: Sequence[TextUnit]) -> list[list[Finding]]:
        detections = self.engine.analyze(units)
        return [self._redact(u, ds) if ds else [] for u, ds in zip(units, detections, strict=True)]

    def flat(self, units: Sequence[TextUnit]) -> list[Finding]:
        """The findings of ``units``, in unit order, as one list."""
        return [f for fs in self.findings(units) for f in fs]

    def _redact(self, unit: TextUnit, detections: Iterable[Detection]) -> list[Finding]:
        out: list[Finding] = []
        text = unit.text
        here = unit.location
        line0 = here.line
        pos, lines = 0, 0
        memo, engine, keyed_hash = self._redacted, self.engine, self._hash
        for d in sorted(detections, key=_DETECTION_ORDER):
            line = None
            if line0 is not None:
                if d.start >= pos:
                    lines += text.count("\n", pos, d.start)
                else:  # overlapping earlier detection: recount from the start
                    lines = text.count("\n", 0, d.start)
                pos = d.start
                line = line0 + lines
            # A record-level finding (a call record spans a whole row) belongs to no one field.
            field = None if d.entity in RECORD_ENTITIES and unit.record else here.field
            same = line == line0 and field == here.field  # most table cells: one shared object
            location = here if same else Location(here.uri, line, field)
            key = (d.entity, d.value)
            redacted = memo.get(key)
            if redacted is None:
                redacted = (mask(d.entity, d.value), keyed_hash(d.entity, d.value))
                memo.put(key, redacted)
            out.append(
                Finding(location, d.entity, engine.category(d.entity, d.attributes), d.score,
                        engine.severity(d.entity, d.linked), d.detector, d.explanation,
                        redacted[0], redacted[1], d.linked, (), unit.source_kind, d.attributes)
            )
        return out


# A sample that takes every kind of classifier through its first use (see Classifier.warm).
_WARM_TEXT = ("Jane Roe (jane.roe@example.org, +44 20 7946 0958) was treated for diabetes in "
              "London on 2024-03-01 10:02:11; card 4111 1111 1111 1111, from 203.0.113.7.")
_WARM_UNITS = (
    TextUnit(Location("warm://prose"), _WARM_TEXT, "prose"),
    TextUnit(Location("warm://log", 1), _WARM_TEXT, "log"),
    TextUnit(Location("warm://table", 1, "email"), "jane.roe@example.org", "value", "row:1"),
    TextUnit(Location("warm://table", 1, "phone"), "+44 20 7946 0958", "value", "row:1"),
)
