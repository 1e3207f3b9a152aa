"""The connector contract.

A connector is chosen by the target's URL scheme (``s3://``, ``smb://``, ``postgresql://``, a plain
path) and imported only when used. It walks its source read-only and yields, in a stable order:

* :class:`~scanner.models.Item` -- bytes to be typed and extracted (files, objects, messages);
* :class:`UnitSource` -- something that already yields text units (a database table);
* :class:`~scanner.models.ScanError` -- a location that could not be read (the walk goes on).

A connector never sees a classifier.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

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
    """``Connector(target, settings)``; ``walk()`` yields what the source holds."""

    def __init__(self, target: str, settings: Settings) -> None: ...

    def walk(self) -> Iterator[Walked]: ...

    def close(self) -> None: ...


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


def connector_for(target: str, settings: Settings) -> Connector:
    """Pick the connector by URL scheme; import it only now."""
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    if scheme in ("", "file"):
        from connectors.files import FileConnector

        return FileConnector(target, settings)
    if scheme == "s3":
        from connectors.s3 import S3Connector

        return S3Connector(target, settings)
    if scheme == "smb":
        from connectors.smb import SmbConnector

        return SmbConnector(target, settings)
    if scheme in ("mbox", "maildir", "pst", "eml", "msg"):
        from connectors.mail import MailConnector

        return MailConnector(target, settings)
    if scheme.split("+", 1)[0] in DATABASE_SCHEMES:
        from connectors.database import DatabaseConnector

        return DatabaseConnector(target, settings)
    raise ValueError(f"no connector for '{scheme}://' targets")


