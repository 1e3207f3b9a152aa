"""The scan pipeline: connector -> item -> text units -> classifiers -> findings.

This module is the one entry point (:func:`scan`, :func:`iter_scan`) and chooses the route; the
stages themselves are in :mod:`scanner.stages` (walk, steps, classify, columns, replay,
workers), and their public names are importable from here as before.

One way only. The connector walks its source; items are typed and extracted (recursively, with
limits) into text units; units are classified in batches of one item; detections are redacted into
findings at once, in the process that made them, so a clear value never crosses further than the
classifier.

How the work is shared (``workers``):

* ``1``: everything in this process, as the walk goes.
* ``N > 1``: the parent walks the connectors and hands items to a pool of N processes, which
  extract, classify and redact them. A local file goes as its path (the bytes are not pickled
  through a pipe); another item (an S3 object, a message, a BLOB) is read here and goes as its
  bytes. Small items are grouped into one task. An item too large to go whole
  (``WORKER_ITEM_BYTES``) or of unknown size is extracted here and its batches are classified in
  the pool, so one huge file still uses every worker; a table (a unit source) too.
* a Dask cluster (``cluster=``): see :mod:`scanner.cluster`; the same steps, on other machines.

Whatever the route, scanning one walked thing produces the same ordered *steps* (plain tuples,
so that a worker can send them back), and the parent replays them in the walk's order: the same
findings and errors in the same order on every route (``tests/scanner/test_workers.py``); the steps
are described in :mod:`scanner.stages.steps`.

``iter_scan`` streams events (findings, errors, progress) so that a huge source never has to fit in
memory; ``scan`` collects them into a :class:`~scanner.models.ScanResult`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from scanner import gctune
from scanner.allowlist import AllowList
from scanner.cluster import iter_cluster_scan
from scanner.errorkinds import SKIP_KINDS
from scanner.models import Finding, ScanError, ScanInfo, ScanResult
from scanner.redact import load_or_create_secret
from scanner.settings import Settings, default_data_dir
from scanner.stages.classify import RECORD_ENTITIES, Classifier
from scanner.stages.replay import Event, Progress, Replay
from scanner.stages.steps import (
    BATCH_CHARS,
    BATCH_UNITS,
    Classify,
    Step,
    item_steps,
    pack_steps,
    settle_sources,
    source_steps,
    unpack_steps,
    walk_steps,
)
from scanner.stages.walk import Unusable, guarded_walk, target_walk, unskipped
from scanner.stages.workers import (
    GROUP_BYTES,
    GROUP_ITEMS,
    PR_SET_PDEATHSIG,
    WORKER_ITEM_BYTES,
    ItemRef,
    Pool,
    die_with_parent,
    item_from_ref,
    item_ref,
    local_path,
)
from scanner.targets import display_target

# The names this module had before the stages moved out (tests, benchmarks, other modules).
__all__ = [
    "BATCH_CHARS", "BATCH_UNITS", "GROUP_BYTES", "GROUP_ITEMS", "PR_SET_PDEATHSIG",
    "RECORD_ENTITIES", "SKIP_KINDS", "WORKER_ITEM_BYTES", "Classifier", "Classify", "Event",
    "ItemRef", "Pool", "Progress", "Replay", "Step", "Unusable", "die_with_parent",
    "guarded_walk", "item_from_ref", "item_ref", "item_steps", "iter_scan", "local_path",
    "pack_steps", "scan", "settle_sources", "source_steps", "target_walk", "unpack_steps",
    "walk_steps",
]
_Replay = Replay  # the old private name (benchmarks/cluster.py)


def iter_scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    cluster: str | None = None,
    skip_item: Callable[[object], bool] | None = None,
) -> Iterator[Event]:
    """Scan ``targets`` and yield findings, errors and progress as they happen.

    ``cluster``: the address of a Dask scheduler (``tcp://``, ``tls://``) or ``local:N``; the
    scan then runs there (:mod:`scanner.cluster`).

    ``skip_item(walked)`` (an item or unit source as the connector yields it) returning True
    means it is not read at all (incremental scans: unchanged since it was last read). It is
    asked on one machine only: a cluster scan reads everything."""
    if secret is None:
        secret = load_or_create_secret(settings.data_dir or default_data_dir())
    if cluster is not None:
        yield from iter_cluster_scan(targets, settings, secret=secret, address=cluster)
        return
    replay = Replay(AllowList.from_settings(settings, secret))
    if settings.effective_workers <= 1:
        local = classifier or Classifier(settings, secret)
        with gctune.tuned():
            for target in targets:
                for walked in unskipped(target_walk(target, settings), skip_item):
                    for step in walk_steps(walked, settings, local.flat):
                        yield from replay.events(step)
            yield replay.progress()
        return
    # Made for the first item to read: a rescan whose items are all unchanged (or an empty
    # target) does not load and warm the classifiers and start workers for nothing.
    pool: Pool | None = None
    try:
        with gctune.tuned():
            for target in targets:
                for walked in unskipped(target_walk(target, settings), skip_item):
                    if pool is None:
                        # Read here, at call time, so that a test can set them on this module.
                        pool = Pool(settings, secret, classifier, item_bytes=WORKER_ITEM_BYTES,
                                    group_bytes=GROUP_BYTES, group_items=GROUP_ITEMS)
                    yield from pool.add(walked, replay)
            if pool is not None:
                yield from pool.drain(replay)
            yield replay.progress()
    finally:
        if pool is not None:
            pool.close()


def scan(
    targets: Sequence[str],
    settings: Settings,
    *,
    secret: bytes | None = None,
    classifier: Classifier | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    map_findings: Callable[[list[Finding]], list[Finding]] | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    cluster: str | None = None,
    skip_item: Callable[[object], bool] | None = None,
) -> ScanResult:
    """Scan and collect everything into a :class:`ScanResult`.

    With ``on_finding``, each (mapped) finding is handed over as it is made and not kept, so
    memory does not grow with the number of findings; the result then has no findings.
    """
    started = _now()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    last = Progress("", 0, 0, 0, 0, 0)
    for event in iter_scan(targets, settings, secret=secret, classifier=classifier,
                           cluster=cluster, skip_item=skip_item):
        if isinstance(event, Finding):
            if on_finding is None:
                findings.append(event)
            else:
                on_finding(map_findings([event])[0] if map_findings else event)
        elif isinstance(event, ScanError):
            errors.append(event)
        else:
            last = event
            if on_progress is not None:
                on_progress(event)
    if map_findings is not None and findings:
        findings = map_findings(findings)
    info = ScanInfo(
        id=str(uuid.uuid4()),
        started_at=started,
        finished_at=_now(),
        targets=tuple(display_target(t) for t in targets),
        scanned=last.scanned,
        skipped=last.skipped,
        failed=last.failed,
        allowed=last.allowed,
    )
    return ScanResult(info, tuple(findings), tuple(errors))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
