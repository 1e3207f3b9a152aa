"""Garbage-collector settings for the length of a scan.

A scan allocates millions of short-lived objects that never form reference cycles (text units,
detections, findings, the tuples they travel in). CPython's cyclic collector runs a young
generation pass every 700 net allocations and walks every container that survives it; measured on
the benchmark's 5 MB corpus (``--no-ner``, one process) that was about 15% of the CPU time
(9.1 s with the default settings, 7.8 s with the collector off). So while a scan runs:

* the young generation threshold is raised to :data:`YOUNG_THRESHOLD` allocations (the older
  generations keep their ratios), so cycles are still collected, just in fewer, larger passes;
* the objects alive when the scan starts (loaded classifiers, vocabularies, spaCy's model) are
  frozen: moved to the permanent generation, which the collector never walks.

:func:`tuned` undoes both when the scan ends; a worker process, whose life is the scan, calls
:func:`tune` once and keeps the settings.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000


def tune() -> tuple[int, int, int]:
    """Freeze what is alive now and raise the young threshold; return the previous thresholds."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(old[0], YOUNG_THRESHOLD), old[1], old[2])
    return old


@contextmanager
def tuned() -> Iterator[None]:
    """:func:`tune` for the body of the ``with``, then the previous settings again."""
    old = tune()
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
