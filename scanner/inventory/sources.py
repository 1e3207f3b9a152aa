"""Which source a location belongs to: the scan target it was found under, or else the root of
its URI (``s3://bucket``, ``smb://host/share``, ``postgresql://host:port/db``, a directory)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

_SEPARATORS = ("/", "!", "#", "?")


def target_uri(target: str) -> str:
    """A scan target as a URI prefix (paths become ``file://`` URIs)."""
    if "://" in target:
        return target.rstrip("/")
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
        return best
    return uri_root(uri)


def uri_root(uri: str) -> str:
    if "://" not in uri:
        return uri
    outer = uri.split("!/", 1)[0].split("#", 1)[0]
    parts = urlsplit(outer)
    scheme = parts.scheme
    segments = [p for p in parts.path.split("/") if p]
    if scheme == "file" or scheme in ("mbox", "maildir", "eml", "msg", "pst"):
        parent = "/".join(segments[:-1])
        return f"{scheme}:///{parent}" if parent else f"{scheme}:///"
    if scheme == "smb":
        return f"smb://{parts.netloc}/{segments[0]}" if segments else f"smb://{parts.netloc}"
    if scheme in ("s3", "gs"):
        return f"{scheme}://{parts.netloc}"
    if scheme.startswith(("postgresql", "mysql", "mariadb", "sqlite", "mssql")):
        db = segments[0] if segments else ""
        return f"{scheme}://{parts.netloc}/{db}" if db else f"{scheme}://{parts.netloc}"
    return f"{scheme}://{parts.netloc}"
