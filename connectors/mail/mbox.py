"""mbox archives: one child item per message, ``<uri>#msg=<n>`` (1-based, in file order).

Messages are split like Python's :mod:`mailbox` does: a line starting with ``From `` starts a new
message. The archive is read as a stream, one message in memory at a time. Each message item
carries ``metadata["line_offset"]`` (its first line in the mbox, minus one), so the line numbers
of its units are lines of the mbox file, and ``metadata["message_id"]`` when it has one.
A message over ``limits.max_item_bytes`` is skipped and recorded; after ``limits.max_members``
messages the rest of the archive is recorded as skipped.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from connectors.mail.uris import child_uri
from scanner.models import Item, ScanError
from scanner.settings import Settings

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(\S[^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def looks_like_mbox(head: bytes) -> bool:
    """An mbox starts with a ``From `` envelope line followed by a header line."""
    if not head.startswith(b"From "):
        return False
    lines = head.split(b"\n", 2)
    return len(lines) > 1 and re.match(rb"^[!-9;-~]+[ \t]*:", lines[1]) is not None


def split_mbox(stream: BinaryIO, limit: int) -> Iterator[tuple[int, int, bytes | None]]:
    """Yield ``(index, first line, bytes)``; ``bytes`` is ``None`` for a message over ``limit``."""
    index, start_line = 0, 1
    chunks: list[bytes] = []
    size = 0
    over = False
    started = False
    for lineno, line in enumerate(stream, 1):
        if line.startswith(b"From ") and (started or chunks):
            index += 1
            yield index, start_line, None if over else b"".join(chunks)
            chunks, size, over, start_line = [], 0, False, lineno
        started = True
        size += len(line)
        if size > limit:
            over, chunks = True, []
        elif not over:
            chunks.append(line)
    if chunks or over:
        index += 1
        yield index, start_line, None if over else b"".join(chunks)


def mbox_items(stream: BinaryIO, base_uri: str, item: Item | None, settings: Settings,
               source_kind: str = "mail") -> Iterator[Item | ScanError]:  # fmt: skip
    limit = settings.limits.max_item_bytes
    depth = item.depth + 1 if item is not None else 0
    kind = item.source_kind if item is not None else source_kind
    for index, first_line, data in split_mbox(stream, limit):
        uri = child_uri(base_uri, "msg", str(index))
        if index > settings.limits.max_members:
            yield ScanError(base_uri, "too_many", f"more than {settings.limits.max_members} "
                            "messages; the rest of the archive was not read")  # fmt: skip
            return
        if data is None:
            yield ScanError(uri, "too_large", f"message over the {limit}-byte limit")
            continue
        meta: dict[str, object] = {"line_offset": first_line - 1, "index": index}
        head = data[: data.find(b"\n\n") if b"\n\n" in data else 65536]
        m = _MESSAGE_ID.search(head)
        if m:
            meta["message_id"] = m.group(1).strip().decode("ascii", "replace")
        yield Item(
            uri=uri,
            source_kind=kind,
            open=functools.partial(io.BytesIO, data),
            size=len(data),
            name=f"msg-{index}.eml",
            media_type="message/rfc822",
            depth=depth,
            metadata=meta,
        )


def extract_mbox(item: Item, settings: Settings) -> Iterator[Item | ScanError]:
    """Extractor for mbox files: yields one ``message/rfc822`` child item per message."""
    with item.open() as stream:
        yield from mbox_items(stream, item.uri, item, settings)
