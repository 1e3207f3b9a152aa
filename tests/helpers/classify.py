"""Running one classifier (or the default set) over a snippet, on either pattern back end.

The detector tests are tables of positive and negative examples; these turn one row into what
the engine found in it."""

from __future__ import annotations

from classifiers.engine import Engine
from classifiers.patterns import hyperscan_available
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings

# Every pattern back end this machine has: Python's re always, hyperscan when installed.
BACKENDS = ["re"] + (["hyperscan"] if hyperscan_available() else [])


def pattern_engine(cls: type, backend: str = "re") -> Engine:
    """An engine with NER off and only ``cls`` (a classifier class) on the given back end."""
    return Engine(ClassifySettings(ner=False), [cls()], use_hyperscan=backend == "hyperscan")


def analyze(engine: Engine, text: str, kind: str = "prose", field: str | None = None) -> list[Detection]:
    """The detections ``engine`` makes in ``text`` as one unit of ``kind`` (at ``field``)."""
    unit = TextUnit(Location("mem://t", field=field), text, kind=kind)  # type: ignore[arg-type]
    return engine.analyze([unit])[0]


def found(cls: type, text: str, backend: str = "re", kind: str = "prose") -> list[str]:
    """The substrings of ``text`` that ``cls`` alone reports."""
    return [text[d.start : d.end] for d in analyze(pattern_engine(cls, backend), text, kind)]


def found_with_scores(cls: type, text: str, backend: str = "re") -> list[tuple[str, float]]:
    """Like :func:`found`, each substring with its score."""
    return [(text[d.start : d.end], d.score) for d in analyze(pattern_engine(cls, backend), text)]
