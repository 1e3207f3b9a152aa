"""One scan across a Dask cluster: ``piiscout scan TARGETS --cluster ADDRESS``.

``ADDRESS`` is ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (a running Dask scheduler; TLS
settings come from Dask's configuration, e.g. ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE``), or
``local:N`` (a :class:`distributed.LocalCluster` of N worker processes on this machine).

* **Plan** (here, on the client): each target's listing is turned into work units in the walk's
  order: local files grouped up to :data:`TASK_BYTES` / :data:`TASK_ITEMS` (as paths: the
  workers must see the same file system), S3 keys page by page (split at the same bounds),
  database tables one by one, and anything else (mail archives, SMB shares) as one unit per
  target. What the listing itself reports (an unreadable folder, a bucket that cannot be
  listed) is recorded here, in its place in the order.
* **Work** (on the workers): a unit is read from its source by the worker itself, extracted,
  classified and redacted exactly as on one machine (:func:`scanner.stages.steps.walk_steps`); only
  the resulting steps -- masked previews, keyed hashes, locations, error messages -- come back.
* **Credentials**: a unit names its target without user, password or secret-looking query
  parameters (:func:`worker_target`); workers take credentials from their own environment: the
  usual chains (AWS, libpq's ``PGUSER``/``PGPASSWORD``/``~/.pgpass``, ...), or the full target
  URL in ``PIISCOUT_CLUSTER_TARGETS`` (whitespace-separated), matched by its credential-free form.
* **The installation secret** (the HMAC key) and the settings go to the scheduler once per scan
  as a Dask :class:`~distributed.Variable` with a random name, which each worker reads over its
  scheduler connection on its first unit; it is deleted when the scan ends. It is never in a
  task's arguments. ``tls://`` encrypts it in transit; whoever can connect to the scheduler can
  read it (and run code on the workers): see docs/cluster.md.
* **Results** stream back in the plan's order, at most :func:`in_flight` units at a time, into
  the same events as one machine (:class:`scanner.stages.replay.Replay`): the same findings and
  errors in the same order, the same progress callback.
* **Faults**: a worker that dies mid-unit has its unit run again elsewhere (Dask does that); a
  unit's result is a value, recorded once when it is its turn, so a rerun changes nothing. A
  unit that keeps killing workers is recorded as a ``worker_lost`` error for its locations.
  Losing the scheduler raises :class:`scanner.errors_exit.ScanInterrupted` (exit 3).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.base import connector_for
from connectors.s3 import PAGE_SIZE, S3Connector, _describe, object_uri, parse_s3_url
from scanner import gctune
from scanner.allowlist import AllowList
from scanner.errors_exit import ScanInterrupted
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings
from scanner.stages.classify import Classifier
from scanner.stages.replay import Event, Replay
from scanner.stages.steps import (
    Step,
    item_steps,
    pack_steps,
    settle_sources,
    unpack_steps,
    walk_steps,
)
from scanner.stages.walk import guarded_walk, target_walk
from scanner.stages.workers import item_from_ref, local_path
from scanner.targets import display_target

log = logging.getLogger("piiscout.cluster")

# Bytes of source per unit of files or S3 objects (docs/cluster.md: larger on a large cluster).
TASK_BYTES = int(os.environ.get("PIISCOUT_CLUSTER_TASK_BYTES", "1048576"))
TASK_ITEMS = int(os.environ.get("PIISCOUT_CLUSTER_TASK_ITEMS", "32"))  # items per unit
LOST_AFTER_S = 20.0  # the scheduler connection is given this long to come back
CONNECT_TIMEOUT_S = 20
ENV_TARGETS = "PIISCOUT_CLUSTER_TARGETS"
_SECRETISH = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)


@dataclass(frozen=True)
class Task:
    """One unit of work. ``kind``: ``files`` (refs are item refs with paths), ``s3`` (object
    listings), ``table`` ((schema, table) pairs) or ``target`` (the whole target)."""

    kind: str
    target: str  # without credentials (worker_target)
    refs: tuple[Any, ...] = ()
    size: int = 0

    def __repr__(self) -> str:  # what a worker's log may show: no paths, keys or targets
        return f"Task({self.kind}, {len(self.refs)} refs, {self.size} bytes)"

    def locations(self) -> list[str]:
        """Where this unit's results belong, for an error that loses them all."""
        if self.kind == "files":
            return [r[2] for r in self.refs]
        if self.kind == "s3":
            bucket, _ = parse_s3_url(self.target)
            return [object_uri(bucket, str(o["Key"])) for o in self.refs]
        if self.kind == "table":
            # sqlalchemy (~0.5 s) only for database targets
            from sqlalchemy.engine import make_url

            from connectors.database import base_uri, table_uri

            base = base_uri(make_url(self.target))
            return [table_uri(base, s, t) for s, t in self.refs]
        return [display_target(self.target)]


Entry = tuple[str, Any]  # ("steps", [step, ...]) recorded here, or ("task", Task)


# -- addresses and credentials ---------------------------------------------------------------
def parse_address(address: str) -> tuple[str, str | int]:
    """``("local", N)`` or ``("remote", "tcp://host:port")``; ValueError otherwise."""
    if address.startswith("local:"):
        n = address.removeprefix("local:")
        if not n.isdigit() or int(n) < 1:
            raise ValueError("local:N needs a number of workers N >= 1")
        return ("local", int(n))
    scheme, sep, rest = address.partition("://")
    if sep and scheme in ("tcp", "tls") and rest and "@" not in rest:
        return ("remote", address)
    raise ValueError("a cluster is tcp://HOST:PORT, tls://HOST:PORT or local:N")


def worker_target(target: str) -> str:
    """``target`` as a unit carries it: no user, no password, no secret-looking parameters."""
    if "://" not in target:
        return target
    scheme, _, rest = target.partition("://")
    if rest.startswith("/") or scheme.lower() == "s3":  # a path: no authority to strip
        return target
    head, _, query = rest.partition("?")
    at = head.rfind("@")
    if at >= 0:
        head = head[at + 1 :]
    if query:
        kept = [p for p in query.split("&") if not _SECRETISH.search(p.split("=", 1)[0])]
        query = "&".join(kept)
    return f"{scheme}://{head}" + (f"?{query}" if query else "")


def _with_credentials(target: str) -> str:
    """On a worker: the full URL from the environment whose credential-free form is ``target``."""
    for full in os.environ.get(ENV_TARGETS, "").split():
        if worker_target(full) == target:
            return full
    return target


def worker_settings(settings: Settings) -> Settings:
    """The settings a worker gets: no inventory URL (it may hold a password), no data dir."""
    inventory = settings.inventory.model_copy(update={"url": None})
    endpoint = settings.s3_endpoint_url
    return settings.model_copy(update={
        "inventory": inventory, "data_dir": None,
        "s3_endpoint_url": worker_target(endpoint) if endpoint else None,
    })


# -- planning (client) -----------------------------------------------------------------------
def plan(targets: Sequence[str], settings: Settings) -> Iterator[Entry]:
    """The units of a scan of ``targets``, in the order one machine would scan them."""
    for target in targets:
        try:
            connector = connector_for(target, settings)
        except (ValueError, ItemError) as exc:
            error = ScanError(display_target(target), "unsupported", str(exc))
            yield ("steps", [("error", error, "failed")])
            continue
        try:
            kind = type(connector).__name__
            if kind == "FileConnector":
                yield from _plan_files(connector, target)
            elif kind == "S3Connector":
                yield from _plan_s3(connector, target)
            elif kind == "DatabaseConnector":
                yield from _plan_database(connector, target)
            else:  # mail archives, SMB shares: one unit, walked by the worker
                yield ("task", Task("target", worker_target(target)))
        finally:
            connector.close()


def _plan_files(connector: Any, target: str) -> Iterator[Entry]:
    group: list[tuple[Any, ...]] = []
    size = 0
    for walked in guarded_walk(connector, target):
        if not isinstance(walked, Item):
            if group:
                yield ("task", Task("files", target, tuple(group), size))
                group, size = [], 0
            yield ("steps", [("error", walked, "walk")])
            continue
        path = local_path(walked) or unquote(urlsplit(walked.uri).path)
        group.append((path, None, walked.uri, walked.source_kind, walked.size, walked.name,
                      walked.media_type, walked.depth, dict(walked.metadata)))
        size += walked.size or 0
        if size >= TASK_BYTES or len(group) >= TASK_ITEMS:
            yield ("task", Task("files", target, tuple(group), size))
            group, size = [], 0
    if group:
        yield ("task", Task("files", target, tuple(group), size))


_S3_FIELDS = ("Key", "Size", "ETag", "StorageClass", "LastModified")


def _plan_s3(connector: Any, target: str) -> Iterator[Entry]:
    clean = worker_target(target)
    root = object_uri(connector.bucket, connector.prefix)
    try:
        pages = connector.client.get_paginator("list_objects_v2").paginate(
            Bucket=connector.bucket, Prefix=connector.prefix,
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        for page in pages:
            group: list[dict[str, Any]] = []
            size = 0
            for obj in page.get("Contents", []):
                group.append({k: obj[k] for k in _S3_FIELDS if k in obj})
                size += int(obj.get("Size", 0))
                if size >= TASK_BYTES or len(group) >= TASK_ITEMS:
                    yield ("task", Task("s3", clean, tuple(group), size))
                    group, size = [], 0
            if group:
                yield ("task", Task("s3", clean, tuple(group), size))
    except ItemError as exc:
        error = ScanError(exc.location or display_target(target), exc.kind, exc.message)
        yield ("steps", [("error", error, "walk")])
    except Exception as exc:
        error = ScanError(root, "unreadable", f"cannot list objects: {_describe(exc)}")
        yield ("steps", [("error", error, "walk")])


def _plan_database(connector: Any, target: str) -> Iterator[Entry]:
    """The tables :meth:`connectors.database.DatabaseConnector.walk` would read, one unit each."""
    clean = worker_target(target)
    for listed in connector.tables():
        if isinstance(listed, ScanError):
            yield ("steps", [("error", listed, "walk")])
        else:
            _inspector, schema, table = listed
            yield ("task", Task("table", clean, ((schema, table),)))


# -- work (workers) --------------------------------------------------------------------------
_RUNS: dict[str, tuple[Settings, bytes]] = {}
_RUNS_LOCK = threading.Lock()
_TUNED: list[bool] = []
_LOCAL = threading.local()  # one classifier per worker thread (the engine is not shared)


def _context(run: str) -> tuple[Settings, Classifier]:
    with _RUNS_LOCK:
        known = _RUNS.get(run)
        if known is None:
            from distributed import Variable  # the cluster extra: only on a cluster scan

            value = Variable(_variable_name(run)).get(timeout=60)
            known = (Settings.model_validate_json(value["settings"]), bytes(value["secret"]))
            if not _RUNS and not _TUNED:
                gctune.tune()  # as a pool worker does: a scan's objects form no cycles
                _TUNED.append(True)
            _RUNS.clear()  # a worker keeps the context of the latest scan only
            _RUNS[run] = known
    settings, secret = known
    # Kept across scans with the same settings and secret: a worker of a long-running cluster
    # builds its engine once (spaCy's pipeline, hyperscan databases), not once per scan.
    key = hashlib.sha256(secret + settings.classify.model_dump_json().encode()).digest()
    if getattr(_LOCAL, "key", None) != key:
        _LOCAL.classifier = None  # the old engine goes before the new one is built
        _LOCAL.classifier = Classifier(settings, secret)
        _LOCAL.key = key
    elif getattr(_LOCAL, "run", None) != run:  # a new scan starts with empty memos, as here
        _LOCAL.classifier.engine.memo.clear()
        _LOCAL.classifier._redacted.clear()
    _LOCAL.run = run
    return settings, _LOCAL.classifier


def run_task(task: Task, run: str) -> list[Step]:
    """Scan one unit on a worker; return its steps, packed (findings as masked rows)."""
    settings, classifier = _context(run)
    steps: list[Step] = []
    try:
        steps.extend(settle_sources(_task_steps(task, settings, classifier.flat)))
    except Exception as exc:
        log.warning("a %s unit failed: %s", task.kind, type(exc).__name__)
        started = [s[1] for s in steps if s[0] == "start"]
        ended = {s[1] for s in steps if s[0] == "end"}
        where = (started[-1] if started and started[-1] not in ended
                 else display_target(task.target))
        steps.append(("error", ScanError(where, "task_failed", f"{type(exc).__name__}: {exc}"),
                      None))
    return pack_steps(steps)


def _task_steps(task: Task, settings: Settings, classify: Any) -> Iterator[Step]:
    if task.kind == "files":
        for ref in task.refs:
            yield from item_steps(item_from_ref(ref), settings, classify)
    elif task.kind == "s3":
        connector = S3Connector(_with_credentials(task.target), settings)
        try:
            for obj in task.refs:
                for walked in connector._object(dict(obj)):
                    yield from walk_steps(walked, settings, classify)
        finally:
            connector.close()
    elif task.kind == "table":
        yield from _table_steps(task, settings, classify)
    else:
        for thing in target_walk(_with_credentials(task.target), settings):
            yield from walk_steps(thing, settings, classify)


def _table_steps(task: Task, settings: Settings, classify: Any) -> Iterator[Step]:
    import sqlalchemy as sa  # only for database targets (~0.5 s to import)

    from connectors.database import DatabaseConnector, error_kind

    connector = DatabaseConnector(_with_credentials(task.target), settings)
    try:
        try:
            inspector = sa.inspect(connector.engine)
        except Exception as exc:
            msg = connector.scrub(exc)
            for where in task.locations():
                yield ("error", ScanError(where, error_kind(msg), f"cannot connect: {msg}"), "walk")
            return
        for schema, table in task.refs:
            for walked in connector._table(inspector, schema, table):
                yield from walk_steps(walked, settings, classify)
    finally:
        connector.close()


# -- the client ------------------------------------------------------------------------------
def _variable_name(run: str) -> str:
    return f"piiscout-context-{run}"


def in_flight(client: Any) -> int:
    """Units submitted and not yet replayed: two per worker thread (at least four)."""
    threads = sum(_workers(client).values())
    return max(4, 2 * threads)


def submit_task(client: Any, task: Task, run: str, index: int) -> Any:
    """The only thing sent per unit: the unit and the scan's random id."""
    return client.submit(run_task, task, run, key=f"piiscout-{run[:12]}-{index}", pure=False)


def _connect(address: str) -> tuple[Any, Any]:
    kind, where = parse_address(address)
    try:
        from distributed import Client, LocalCluster  # the cluster extra (optional)
    except ImportError as exc:
        raise ScanInterrupted(
            "--cluster needs the cluster extra: pip install 'piiscout[cluster]'") from exc
    # distributed logs its own INFO lines (workers coming and going); keep them to -v.
    root = logging.getLogger().getEffectiveLevel()
    logging.getLogger("distributed").setLevel(max(logging.WARNING, root))
    cluster = None
    try:
        if kind == "local":
            cluster = LocalCluster(n_workers=int(where), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR,
                                   # its HTTP server (health, metrics) on a free port only
                                   scheduler_kwargs={"dashboard": False,
                                                     "dashboard_address": "127.0.0.1:0"})
            return Client(cluster, timeout=CONNECT_TIMEOUT_S), cluster
        return Client(str(where), timeout=CONNECT_TIMEOUT_S), None
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ScanInterrupted(f"cannot reach the Dask scheduler at {address}: "
                              f"{type(exc).__name__}") from None


def iter_cluster_scan(
    targets: Sequence[str], settings: Settings, *, secret: bytes, address: str
) -> Iterator[Event]:
    """:func:`scanner.pipeline.iter_scan`'s events, for a scan run on the cluster."""
    from distributed import Variable  # the cluster extra (optional)

    client, cluster = _connect(address)
    run = uuid.uuid4().hex
    variable = Variable(_variable_name(run), client=client)
    try:
        try:
            variable.set({"secret": secret,
                          "settings": worker_settings(settings).model_dump_json()})
        except (OSError, TimeoutError) as exc:
            raise ScanInterrupted(f"lost the Dask scheduler at {address}: "
                                  f"{type(exc).__name__}") from None
        # the allow-list is applied here, on the client, as on one machine
        replay = Replay(AllowList.from_settings(settings, secret))
        yield from _stream(client, plan(targets, settings), replay, run, address)
        yield replay.progress()
    finally:
        _quietly(variable.delete)
        _quietly(client.close)
        if cluster is not None:
            _quietly(cluster.close)


def _quietly(call: Any) -> None:
    try:
        call()
    except Exception:
        log.debug("cleanup failed", exc_info=True)


def _stream(client: Any, entries: Iterator[Entry], replay: Replay, run: str,
            address: str) -> Iterator[Event]:
    window: deque[tuple[Any, Any]] = deque()  # (future, task) or (None, steps)
    pending = 0
    try:
        for index, (kind, payload) in enumerate(entries):
            if kind == "steps":
                window.append((None, payload))
            else:
                try:
                    window.append((submit_task(client, payload, run, index), payload))
                except (OSError, RuntimeError, asyncio.CancelledError) as exc:
                    raise ScanInterrupted(f"lost the Dask scheduler at {address}: "
                                          f"{type(exc).__name__}") from None
                pending += 1
            limit = in_flight(client)
            while window and (window[0][0] is None or window[0][0].done() or pending > limit):
                fut, payload = window.popleft()
                pending -= fut is not None
                yield from _replay(client, fut, payload, replay, address)
        while window:
            fut, payload = window.popleft()
            pending -= fut is not None
            yield from _replay(client, fut, payload, replay, address)
    finally:
        if window:
            _quietly(lambda: client.cancel([f for f, _ in window if f is not None]))


def _replay(client: Any, fut: Any, payload: Any, replay: Replay,
            address: str) -> Iterator[Event]:
    if fut is None:
        steps = payload
    else:
        steps = list(unpack_steps(_result(client, fut, payload, address)))
        fut.release()
    replay.workers = len(_workers(client))
    for step in steps:
        yield from replay.events(step)


def _workers(client: Any) -> dict[str, int]:
    try:
        return client.nthreads()
    except Exception:
        return {}


def _result(client: Any, fut: Any, task: Task, address: str) -> list[Step]:
    from distributed.scheduler import KilledWorker  # the cluster extra (optional)

    lost_since: float | None = None
    while True:
        try:
            return fut.result(timeout=2)
        except KilledWorker:
            message = "the unit ended the workers that ran it (killed or out of memory)"
            return [("error", ScanError(where, "worker_lost", message), "walk")
                    for where in task.locations()]
        except TimeoutError:
            if client.status in ("running", "newly-created"):
                lost_since = None
                continue
            lost_since = lost_since or time.monotonic()
            if time.monotonic() - lost_since > LOST_AFTER_S:
                raise ScanInterrupted(f"lost the Dask scheduler at {address}") from None
        except (OSError, asyncio.CancelledError, concurrent.futures.CancelledError) as exc:
            raise ScanInterrupted(f"lost the Dask scheduler at {address}: "
                                  f"{type(exc).__name__}") from None
