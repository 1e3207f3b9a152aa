"""Locations inside mail: ``<container uri>#<segment>/<segment>...``.

A segment is ``key=value`` with the value percent-encoded (``/``, ``#``, ``!``, ``%`` and spaces
never appear raw), keys being ``folder`` (a folder path, its levels joined by ``/``), ``msg``
(a 1-based message index, or the Maildir/MH file name) and ``attachment`` (the attachment's file
name). The first segment follows ``#``, the next ones ``/``::

    mbox:///abs/archive.mbox#msg=12/attachment=cv.pdf
    pst:///abs/x.pst#folder=Top%20of%20Personal%20Folders/Inbox/msg=3
    file:///abs/a.eml#attachment=cv.pdf
    maildir:///abs/Maildir#folder=Sent/msg=1700000000.M1P2.host
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

_SAFE = "@+,;=~()'$&*:-._"


def quote_segment(value: str) -> str:
    return quote(value, safe=_SAFE)


def child_uri(parent: str, key: str, value: str) -> str:
    """``parent`` extended by one ``key=value`` segment."""
    seg = f"{key}={quote_segment(value)}"
    return f"{parent}/{seg}" if "#" in parent else f"{parent}#{seg}"


def folder_uri(parent: str, folders: list[str]) -> str:
    if not folders:
        return parent
    seg = "folder=" + "/".join(quote_segment(f) for f in folders)
    return f"{parent}/{seg}" if "#" in parent else f"{parent}#{seg}"


def scheme_uri(scheme: str, path: Path) -> str:
    """``mbox:///abs/path`` (same percent-encoding as ``file://`` uris)."""
    return scheme + path.resolve().as_uri()[len("file") :]


def record_for(uri: str) -> str:
    """A record key for the units of one message: ``msg:<index>`` (with folder, attachment)."""
    if "#" not in uri:
        return "msg:1"
    frag = uri.split("#", 1)[1]
    for key in ("folder=", "msg=", "attachment="):
        frag = frag.replace(key, "")
    return "msg:" + frag
