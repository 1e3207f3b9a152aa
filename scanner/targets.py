"""What a scan target looks like in output: never with credentials."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def display_target(target: str) -> str:
    """Strip ``user:password@`` (and any query string, which may hold keys) from a URL target."""
    if "://" not in target:
        return target
    try:
        parts = urlsplit(target)
    except ValueError:
        return target.split("://", 1)[0] + "://<unparseable>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
