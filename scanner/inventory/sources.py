"""Which source a location belongs to: the scan target it was found under, or else the root of
its URI (``s3://bucket``, ``smb://host/share``, ``postgresql://host:port/db``, a directory).

Database sources are named so that the name can be pasted back into ``piiscout scan``: an SQLite
database is ``sqlite:////abs/path.db`` (SQLAlchemy's four-slash absolute form; its locations are
``sqlite:///abs/path.db/<schema>/<table>``), a server database ``postgresql://host:5432/db``
(no user or password: add them when scanning). :func:`scan_target` turns any location URI back
into such a target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from connectors.base import uri_root as connector_root

_SEPARATORS = ("/", "!", "#", "?")
_DB_SCHEMES = ("postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle")


def _is_db_scheme(scheme: str) -> bool:
    return scheme.split("+", 1)[0] in _DB_SCHEMES


def _database_prefix(target: str) -> str | None:
    """The location prefix a database target's findings get (credentials never kept)."""
    scheme = target.split("://", 1)[0]
    if not _is_db_scheme(scheme):
        return None
    try:
        from sqlalchemy.engine import make_url

        from connectors.database import base_uri

        return base_uri(make_url(target))
    except Exception:
        return None


def target_uri(target: str) -> str:
    """A scan target as a URI prefix (paths become ``file://`` URIs; a database URL the prefix
    of its locations, without user or password)."""
    if "://" in target:
        return _database_prefix(target) or target.rstrip("/")
    try:
        return Path(target).expanduser().resolve().as_uri()
    except (OSError, ValueError):
        return target


def source_of(uri: str, targets: Sequence[str] = ()) -> str:
    """The longest scan target that ``uri`` lies under, else the root of the URI."""
    return _source_of(uri, [target_uri(t) for t in targets])


def resolver(targets: Sequence[str]) -> Callable[[str], str]:
    """:func:`source_of` for many URIs under the same targets (resolved once)."""
    prefixes = [target_uri(t) for t in targets]
    return lambda uri: _source_of(uri, prefixes)


def under(uri: str, prefix: str) -> bool:
    """``uri`` is ``prefix`` or lies inside it (a member, a path below, a part)."""
    return uri == prefix or (
        uri.startswith(prefix) and (uri[len(prefix)] in _SEPARATORS or prefix.endswith("/"))
    )


def _source_of(uri: str, prefixes: Sequence[str]) -> str:
    best = ""
    for prefix in prefixes:
        if under(uri, prefix) and len(prefix) > len(best):
            best = prefix
    if best:
        return _sqlite_name(best) if best.startswith("sqlite:///") else best
    return uri_root(uri)


def _sqlite_name(prefix: str) -> str:
    """``sqlite:///abs/x.db`` (a location prefix) -> ``sqlite:////abs/x.db`` (a target)."""
    return "sqlite:///" + unquote(prefix[len("sqlite://"):])


def uri_root(uri: str) -> str:
    """The root of a location's URI, as the connector class of its scheme names it (its
    ``uri_root``: a folder, a bucket, a share, a database)."""
    if "://" not in uri:
        return uri
    return connector_root(uri.split("!/", 1)[0].split("#", 1)[0])


def scan_target(uri: str) -> str:
    """A target for ``piiscout scan`` that covers location ``uri``: the database of a table
    (``sqlite:////abs/x.db``, ``postgresql://host:5432/db``), the file of a member, the uri."""
    if "://" not in uri:
        return uri
    scheme = uri.split("://", 1)[0]
    if scheme == "sqlite":
        if uri.startswith("sqlite:////"):
            return uri
        from connectors.database import sqlite_db_path

        path = sqlite_db_path(uri)
        return "sqlite:///" + unquote(path if path else uri[len("sqlite://"):])
    if _is_db_scheme(scheme):
        return uri_root(uri)
    outer = uri.split("!/", 1)[0].split("#", 1)[0]
    if scheme == "file":
        return unquote(urlsplit(outer).path)
    return outer
