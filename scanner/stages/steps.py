"""The extract and classify stages of one walked thing, as an ordered list of *steps*.

Whatever the route (this process, a pool of workers, a Dask cluster), scanning one walked thing
produces the same steps, and the parent replays them in the walk's order
(:class:`scanner.stages.replay.Replay`): the same findings and errors in the same order on every
route. Steps are plain tuples, so that a worker can send them back:

======================================  ===========================================================
step                                    meaning
======================================  ===========================================================
``("start", uri, size)``                an item or a unit source begins
``("error", ScanError, counted)``       counted: "walk" for an error of the walk (counts as
                                        skipped or failed by its kind), "failed", or None
``("batch", uri, size, chars, found)``  findings of one batch of ``chars`` characters
``("collect", uri, chars, found)``      the same for a unit source: kept for its summary
``("summary", source)``                 the unit source's findings, summarised (parent only)
``("end", uri, size, outcome)``         "scanned", "skipped" or "failed"
======================================  ===========================================================

``found`` is a list of findings, a future of one (a batch in the pool) or packed rows (from a
worker); :func:`unpack_steps` and the replay resolve it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connectors.base import UnitSource
from connectors.extract.walk import extract_all
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, Item, ItemError, ScanError, TextUnit
from scanner.settings import Settings
from scanner.stages.columns import summarize
from scanner.stages.walk import Unusable
from scanner.transfer import pack_findings, unpack_findings

# Text per classification batch: large enough for spaCy's pipe, small enough to bound memory and
# to share the last item's work between the workers. 256 KB left one worker alone with the
# NER of a 0.5 MB text's second half: the dense benchmark, defaults, 14.2 -> 12.9 s at 64 KB
# (three alternations; findings identical); 32 KB added more per-batch work than it saved.
BATCH_CHARS = 64 * 1024
BATCH_UNITS = 4096

Step = tuple[Any, ...]
Classify = Callable[[list[TextUnit]], Any]


def walk_steps(walked: object, settings: Settings, classify: Classify) -> Iterator[Step]:
    """The steps of one thing a connector yielded (an item, a unit source or an error)."""
    if isinstance(walked, ScanError):
        yield ("error", walked, "walk")
    elif isinstance(walked, Unusable):
        yield ("error", walked.error, "failed")
    elif isinstance(walked, Item):
        yield from item_steps(walked, settings, classify)
    elif isinstance(walked, UnitSource):
        yield from source_steps(walked, classify)


def item_steps(item: Item, settings: Settings, classify: Classify) -> Iterator[Step]:
    """Extract ``item`` (and what it contains) and classify its text, batch by batch."""
    uri, size = item.uri, item.size or 0
    batch: list[TextUnit] = []
    chars = 0
    failed = skipped = False
    yield ("start", uri, size)
    try:
        for out in extract_all(item, settings):
            if isinstance(out, ScanError):
                if out.location == uri and out.kind in SKIP_KINDS:
                    skipped = True
                elif out.location == uri and out.kind != "truncated":
                    failed = True
                yield ("error", out, None)
                continue
            batch.append(out)
            chars += len(out.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                yield ("batch", uri, size, chars, classify(batch))
                batch, chars = [], 0
    except Exception as exc:
        failed = True
        yield ("error", ScanError(uri, "extract_failed", f"{type(exc).__name__}: {exc}"), None)
    if batch:
        yield ("batch", uri, size, chars, classify(batch))
    yield ("end", uri, size, "failed" if failed else "skipped" if skipped else "scanned")


def source_steps(source: UnitSource, classify: Classify) -> Iterator[Step]:
    """A unit source (a table) is summarised as a whole: its batches are collected first."""
    uri = source.uri
    batch: list[TextUnit] = []
    chars = 0
    failed = False
    yield ("start", uri, 0)
    try:
        for unit in source.units():
            batch.append(unit)
            chars += len(unit.text)
            if chars >= BATCH_CHARS or len(batch) >= BATCH_UNITS:
                yield ("collect", uri, chars, classify(batch))
                batch, chars = [], 0
    except ItemError as exc:
        failed = True
        yield ("error", ScanError(exc.location or uri, exc.kind, exc.message), None)
    except Exception as exc:
        failed = True
        yield ("error", ScanError(uri, "read_failed", f"{type(exc).__name__}: {exc}"), None)
    if batch:
        yield ("collect", uri, chars, classify(batch))
    yield ("summary", source)
    yield ("end", uri, 0, "failed" if failed else "scanned")


def settle_sources(steps: Iterable[Step]) -> Iterator[Step]:
    """Summarise unit sources where they are (a worker): ``collect`` steps become progress-only
    batches and the summary one batch, so that no step holds a live object."""
    collected: list[Finding] = []
    for step in steps:
        if step[0] == "collect":
            collected.extend(step[3])
            yield ("batch", step[1], 0, step[2], [])
        elif step[0] == "summary":
            yield ("batch", step[1].uri, 0, 0, summarize(step[1], collected))
            collected = []
        else:
            yield step


def pack_steps(steps: Iterable[Step]) -> list[Step]:
    """Steps as they cross a process boundary: findings as rows (see :mod:`scanner.transfer`)."""
    return [(*s[:-1], pack_findings(s[-1])) if s[0] in ("batch", "collect") else s for s in steps]


def unpack_steps(steps: Iterable[Step]) -> Iterator[Step]:
    for s in steps:
        yield (*s[:-1], unpack_findings(s[-1])) if s[0] in ("batch", "collect") else s
