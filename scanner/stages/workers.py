"""The stages in a pool of worker processes (``workers`` > 1).

The parent walks the connectors and hands items to a pool of N processes, which extract,
classify and redact them. A local file goes as its path (the bytes are not pickled through a
pipe); another item (an S3 object, a message, a BLOB) is read here and goes as its bytes. Small
items are grouped into one task. An item too large to go whole (``item_bytes``) or of unknown
size is extracted here and its batches are classified in the pool, so one huge file still uses
every worker; a table (a unit source) too. Results leave in the walk's order.
"""

from __future__ import annotations

import ctypes
import io
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.files import file_uri
from scanner import gctune
from scanner.models import Item, TextUnit
from scanner.settings import Settings
from scanner.stages.classify import Classifier
from scanner.stages.replay import Event, Replay
from scanner.stages.steps import Step, item_steps, pack_steps, unpack_steps, walk_steps
from scanner.transfer import FindingRow, pack_findings, pack_units, unpack_units

# Items up to this size are extracted in a worker; larger ones here, their batches in the pool.
WORKER_ITEM_BYTES = 8 * 1024 * 1024
# A plain-text item (a log, a CSV, JSON lines) larger than this is extracted here, which costs
# little, and its batches go to every worker: whole in one worker, the dense benchmark's 0.5 MB
# CSV (half of its findings) kept the other worker idle. Office files and PDFs, costly to extract,
# go whole up to WORKER_ITEM_BYTES.
SPLIT_TEXT_BYTES = 256 * 1024
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".log", ".ndjson", ".jsonl", ".json")
# Small items travel together: a task holds up to this many bytes or items.
GROUP_BYTES = 512 * 1024
GROUP_ITEMS = 16
PR_SET_PDEATHSIG = 1

_WORKER: Classifier | None = None
_SETTINGS: Settings | None = None

log = logging.getLogger("piiscout.pipeline")


def die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does, even after ``kill -9`` of the parent.

    On Linux the kernel sends SIGKILL when the parent goes (``prctl(PR_SET_PDEATHSIG)``); the
    parent may have died before the call, so the parent pid is checked after it. Elsewhere a
    daemon thread polls the parent pid. (Linux sends the signal when the *thread* that started
    the worker ends: the pool is started by the thread that runs the scan, which outlives it.)"""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="piiscout-parent-watch", daemon=True).start()


def _worker_init(classifier: Classifier | None, settings: Settings, secret: bytes,
                 parent: int) -> None:
    global _WORKER, _SETTINGS  # one engine per worker process, by design
    die_with_parent(parent)
    _WORKER = classifier if classifier is not None else Classifier(settings, secret)
    _SETTINGS = settings
    gctune.tune()  # the worker lives for one scan


def _worker_run(rows: Sequence[tuple[Any, ...]]) -> list[FindingRow]:
    assert _WORKER is not None
    return pack_findings(_WORKER.flat(unpack_units(rows)))


# An item as it goes to a worker: (path, data, uri, source_kind, size, name, media_type, depth,
# metadata); exactly one of path and data is set.
ItemRef = tuple[Any, ...]


def _worker_items(refs: Sequence[ItemRef]) -> list[Step]:
    assert _WORKER is not None and _SETTINGS is not None
    steps: list[Step] = []
    for ref in refs:
        steps.extend(item_steps(item_from_ref(ref), _SETTINGS, _WORKER.flat))
    return pack_steps(steps)


def item_from_ref(ref: ItemRef) -> Item:
    path, data, uri, source_kind, size, name, media_type, depth, metadata = ref
    opener = partial(open, path, "rb") if path is not None else partial(io.BytesIO, data)
    return Item(uri, source_kind, opener, size, name, media_type, depth, metadata)  # type: ignore[arg-type]


def local_path(item: Item) -> str | None:
    """The path of an item that is a whole local file (what the folder connector yields)."""
    if item.source_kind != "file" or not item.uri.startswith("file://") or item.depth:
        return None
    path = unquote(urlsplit(item.uri).path)
    try:
        if file_uri(Path(path)) != item.uri:  # the uri must name exactly this file
            return None
    except (OSError, ValueError):
        return None
    return path


def item_ref(item: Item, limit: int | None = None) -> ItemRef | None:
    """``item`` as a worker can open it, or None when it must be extracted here (too large, of
    unknown size, or unreadable here: then extraction here records the same error)."""
    limit = WORKER_ITEM_BYTES if limit is None else limit
    if item.size is None or item.size > limit:
        return None
    if item.size > SPLIT_TEXT_BYTES and item.depth == 0 and \
            item.name.lower().endswith(TEXT_SUFFIXES):
        return None  # cheap to extract here; its batches then spread over the workers
    # What a worker needs to extract: not the parent's helpers (a table's version() method)
    meta = {k: v for k, v in item.metadata.items() if not callable(v)}
    path = local_path(item)
    if path is not None:
        return (path, None, item.uri, item.source_kind, item.size, item.name, item.media_type,
                item.depth, meta)
    try:
        with item.open() as stream:
            data = stream.read(limit + 1)
    except Exception:
        return None
    if len(data) > limit:
        return None
    return (None, data, item.uri, item.source_kind, item.size, item.name, item.media_type,
            item.depth, meta)


class Pool:
    """The worker pool, and the ordered queue of what it owes: results leave in walk order.

    ``item_bytes``, ``group_bytes`` and ``group_items``: the limits above, given by the caller
    (:func:`scanner.pipeline.iter_scan` hands over its module's values)."""

    def __init__(self, settings: Settings, secret: bytes, classifier: Classifier | None, *,
                 item_bytes: int = WORKER_ITEM_BYTES, group_bytes: int = GROUP_BYTES,
                 group_items: int = GROUP_ITEMS) -> None:
        self.settings = settings
        self.workers = settings.effective_workers
        self.item_bytes, self.group_limit, self.group_items = item_bytes, group_bytes, group_items
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        init_with = None
        if ctx.get_start_method() == "fork":
            init_with = classifier or Classifier(settings, secret)  # loaded once, inherited
            init_with.warm()
        self.local = init_with
        log.debug("%d worker processes (%s), the classifiers %s", self.workers,
                  ctx.get_start_method(), "loaded here and inherited" if init_with is not None
                  else "loaded by each")
        self.executor = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_worker_init,
            initargs=(init_with, settings, secret, os.getpid()),
        )
        # (future or None, step or None): a step to replay, a batch's future inside its step,
        # or a group of items whose steps the future returns.
        self.queue: deque[tuple[Future[Any] | None, Step | None]] = deque()
        self.pending = 0  # futures in the queue
        self.group: list[ItemRef] = []
        self.group_bytes = 0

    def classify(self, units: list[TextUnit]) -> Future[list[FindingRow]]:
        return self.executor.submit(_worker_run, pack_units(units))

    def add(self, walked: object, replay: Replay) -> Iterator[Event]:
        """Queue what scanning ``walked`` takes; yield the events that are due, in order."""
        if isinstance(walked, Item):
            ref = item_ref(walked, self.item_bytes)
            if ref is not None:
                size = walked.size or 0
                if self.group and self.group_bytes + size > self.group_limit:
                    # A task ends before it would pass the limit: two 500 KB files go apart,
                    # so the first's findings are recorded while the second is classified.
                    self._submit_group()
                self.group.append(ref)
                self.group_bytes += size
                if self.group_bytes >= self.group_limit or len(self.group) >= self.group_items:
                    self._submit_group()
                yield from self._due(replay)
                return
        self._submit_group()
        for step in walk_steps(walked, self.settings, self.classify):
            fut = step[-1] if step[0] in ("batch", "collect") else None
            self.queue.append((fut, step))
            if fut is not None:
                self.pending += 1
                yield from self._due(replay)

    def _submit_group(self) -> None:
        if self.group:
            self.queue.append((self.executor.submit(_worker_items, self.group), None))
            self.pending += 1
            self.group, self.group_bytes = [], 0

    def _due(self, replay: Replay, limit: int | None = None) -> Iterator[Event]:
        limit = 2 * self.workers if limit is None else limit
        queue = self.queue
        while queue and (self.pending > limit or queue[0][0] is None or queue[0][0].done()):
            fut, step = queue.popleft()
            if fut is not None:
                self.pending -= 1
            if step is None:
                assert fut is not None
                for s in unpack_steps(fut.result()):
                    yield from replay.events(s)
            else:
                yield from replay.events(step)

    def drain(self, replay: Replay) -> Iterator[Event]:
        self._submit_group()
        yield from self._due(replay, limit=-1)

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)
