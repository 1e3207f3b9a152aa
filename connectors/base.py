"""The connector contract.

A connector is chosen by the target's URL scheme (``s3://``, ``smb://``, ``postgresql://``, a plain
path) through the ``piiscout.connectors`` entry points (one per scheme, see :mod:`scanner.plugins`)
and imported only when used. Its class says which ``source_kind`` it yields (policy packs name
source kinds). It walks its source read-only and yields, in a stable order:

* :class:`~scanner.models.Item` -- bytes to be typed and extracted (files, objects, messages);
* :class:`UnitSource` -- something that already yields text units (a database table);
* :class:`~scanner.models.ScanError` -- a location that could not be read (the walk goes on).

A connector never sees a classifier.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from scanner import plugins
from scanner.models import Finding, Item, ScanError, TextUnit
from scanner.settings import Settings, WalkRules


@runtime_checkable
class UnitSource(Protocol):
    """A source of ready-made text units, e.g. one sampled database table."""

    uri: str
    source_kind: str

    def units(self) -> Iterator[TextUnit]:
        """Yield units; raise :class:`~scanner.models.ItemError` for a failure of this source."""
        ...

    def summarize(self, findings: Sequence[Finding]) -> list[Finding]:
        """Post-process the redacted findings of this source (e.g. per-column aggregation)."""
        ...


Walked = Item | UnitSource | ScanError


class Connector(Protocol):
    """``Connector(target, settings)``; ``walk()`` yields what the source holds.

    The class also says which ``source_kind`` it yields (a string policy packs' rules name) and
    may give ``uri_root(uri)``, the source a location URI of its scheme belongs to (a folder, a
    bucket, a share, a database: :func:`parent_root`, :func:`host_root`, :func:`share_root`);
    without one a location's root is ``scheme://netloc``.
    """

    def __init__(self, target: str, settings: Settings) -> None: ...

    def walk(self) -> Iterator[Walked]: ...

    def close(self) -> None: ...


def parent_root(uri: str) -> str:
    """The folder a file (or archive, mailbox) lies in: ``file:///d/hr`` for
    ``file:///d/hr/a.txt``. A connector's ``uri_root`` (see :func:`uri_root`)."""
    parts = urlsplit(uri)
    parent = "/".join([p for p in parts.path.split("/") if p][:-1])
    return f"{parts.scheme}:///{parent}" if parent else f"{parts.scheme}:///"


def host_root(uri: str) -> str:
    """``scheme://netloc``: an S3 bucket, a server. The root of a scheme no connector names."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def share_root(uri: str) -> str:
    """``smb://host/share``: the share a location lies in."""
    parts = urlsplit(uri)
    segments = [p for p in parts.path.split("/") if p]
    return f"smb://{parts.netloc}/{segments[0]}" if segments else f"smb://{parts.netloc}"


def uri_root(uri: str) -> str:
    """The root of a location URI (without member or fragment): the connector class of its
    scheme says (its ``uri_root``); :func:`host_root` when no connector is registered for it."""
    scheme = urlsplit(uri).scheme.lower()
    plugin = connector_plugin(scheme)
    root = None
    if plugin is not None:
        try:
            root = getattr(plugin.load(), "uri_root", None)
        except plugins.PluginError:
            root = None  # naming a source needs no connector that cannot load
    return str(root(uri)) if callable(root) else host_root(uri)


def accepts(relpath: str, rules: WalkRules) -> bool:
    """Apply include/exclude globs to a ``/``-separated path relative to the walk's root."""
    relpath = relpath.lstrip("/")
    if any(glob_match(relpath, g) for g in rules.exclude):
        return False
    return not rules.include or any(glob_match(relpath, g) for g in rules.include)


def glob_match(relpath: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(relpath, pattern):
        return True
    # "**/x" also matches "x" at the root; a bare name matches at any depth.
    if pattern.startswith("**/") and fnmatch.fnmatchcase(relpath, pattern[3:]):
        return True
    if "/" not in pattern:
        return fnmatch.fnmatchcase(relpath.rsplit("/", 1)[-1], pattern)
    return False


# SQLAlchemy dialect names (the part of the URL scheme before "+driver").
DATABASE_SCHEMES = frozenset(
    {"sqlite", "postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "cockroachdb",
     "duckdb", "snowflake", "redshift", "bigquery", "trino", "clickhouse"}
)


class ConnectorUnavailable(ValueError):
    """The connector of a scheme cannot be imported (e.g. its optional dependency is missing);
    the message names the entry point and what to install."""


def scheme_of(target: str) -> str:
    """The target's URL scheme, lower-cased; ``file`` for a plain path."""
    return target.split("://", 1)[0].lower() if "://" in target else "file"


def connector_plugin(scheme: str) -> plugins.Plugin | None:
    """The ``piiscout.connectors`` entry point of ``scheme`` (``postgresql+psycopg`` falls back
    to ``postgresql``), or ``None``. Nothing is imported."""
    registry = plugins.plugins(plugins.CONNECTORS)
    return registry.get(scheme or "file") or registry.get(scheme.split("+", 1)[0])


def connector_class(target: str) -> type[Connector]:
    """The connector class for ``target``'s scheme, imported only now."""
    scheme = scheme_of(target)
    plugin = connector_plugin(scheme)
    if plugin is None:
        raise ValueError(f"no connector for '{scheme}://' targets")
    try:
        cls: type[Connector] = plugin.load()
    except plugins.PluginError as exc:
        raise ConnectorUnavailable(f"'{scheme}://' targets: {exc}") from exc
    return cls


def connector_for(target: str, settings: Settings) -> Connector:
    """Pick the connector by URL scheme (the ``piiscout.connectors`` entry points)."""
    return connector_class(target)(target, settings)


def connector_classes() -> dict[str, type]:
    """Every registered connector class by scheme (all imported: for listings)."""
    return plugins.load_all(plugins.CONNECTORS)


def source_kinds() -> tuple[str, ...]:
    """The ``source_kind`` of every registered connector class, sorted. A third party's
    connector that cannot be imported has no kind yet (scanning its scheme reports why);
    piiscout's own must import."""
    kinds = set()
    for plugin in plugins.plugins(plugins.CONNECTORS).values():
        try:
            kind = getattr(plugin.load(), "source_kind", None)
        except plugins.PluginError:
            if plugin.distribution == plugins.PROJECT:
                raise
            continue
        if isinstance(kind, str):
            kinds.add(kind)
    return tuple(sorted(kinds))


class SourceKinds(Sequence[str]):
    """:func:`source_kinds` read when first used: importing every connector (SQLAlchemy, the mail
    readers) costs ~0.1 s, which a command that never validates a policy pack need not pay."""

    def __getitem__(self, index: Any) -> Any:  # Sequence[str]: an int or a slice
        return source_kinds()[index]

    def __len__(self) -> int:
        return len(source_kinds())

    def __contains__(self, kind: object) -> bool:
        return kind in source_kinds()

    def __repr__(self) -> str:
        return repr(source_kinds())
