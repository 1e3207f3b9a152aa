"""Stream helpers: replay a sniffed head, count and cap what is read, get a seekable copy.

:class:`LimitedReader` is how containers are bounded: every member stream is wrapped in one, so a
member that decompresses to more than it declared (or more than the limits allow) stops being read
at the limit, whatever its headers say.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from scanner.models import Item, ItemError
from scanner.settings import Limits

# A member must produce at least this much before its compression ratio can make it a bomb:
# tiny members of repeated bytes compress very well and are harmless.
RATIO_MIN_BYTES = 1024 * 1024


def _read1(stream: BinaryIO, size: int) -> bytes:
    """What is available now (one underlying read when the stream allows it), up to ``size``.

    A decompressor's ``read(n)`` raises at a truncated end and loses what it had decoded; its
    ``read1`` returns the data that is there, so units from before a truncation survive.
    """
    read1 = getattr(stream, "read1", None)
    return read1(size) if read1 is not None else stream.read(size)


def read_exact(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes (fewer only at the end of the stream)."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        data = stream.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


class PrefixedReader(io.RawIOBase):
    """``prefix`` followed by the rest of ``stream``: a head already read, put back."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._pos = 0
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos < len(self._prefix):
            n = min(len(buffer), len(self._prefix) - self._pos)
            buffer[:n] = self._prefix[self._pos : self._pos + n]
            self._pos += n
            return n
        data = _read1(self._stream, len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()


def buffered(prefix: bytes, stream: BinaryIO) -> io.BufferedReader:
    return io.BufferedReader(PrefixedReader(prefix, stream), buffer_size=64 * 1024)


@dataclass
class Budget:
    """What one container may still produce, shared by all of its members."""

    limits: Limits
    total: int = 0  # uncompressed bytes read from all members so far

    @property
    def exhausted(self) -> bool:
        return self.total >= self.limits.max_total_bytes


class CountingReader(io.RawIOBase):
    """Counts the bytes read through it (the compressed side of a decompressor)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = _read1(self._stream, len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()


def seekable_stream(item: Item, limits: Limits) -> BinaryIO:
    """The item's stream if it can seek, else an in-memory copy of at most ``max_item_bytes``.

    Formats that need random access (zip, PDF, OOXML) use this; nothing is written to disk.
    """
    stream = item.open()
    try:
        if stream.seekable():
            return stream
    except (OSError, ValueError):
        pass
    with stream:
        data = read_exact(stream, limits.max_item_bytes + 1)
    if len(data) > limits.max_item_bytes:
        raise ItemError("too_large", f"over the {limits.max_item_bytes}-byte limit", item.uri)
    return io.BytesIO(data)


class LimitedReader(CountingReader):
    """Counts what a member yields; raises ``ItemError("bomb")`` past the container's limits.

    ``compressed`` tells how many compressed bytes the member has consumed so far (a callable, so
    that a stream sharing one decompressor can report its running count) or is a fixed number.
    """

    def __init__(
        self,
        stream: BinaryIO,
        budget: Budget,
        compressed: Callable[[], int] | int | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(stream)
        self._budget = budget
        self._compressed = compressed
        self._location = location

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = super().readinto(buffer)
        self._budget.total += n
        self._check()
        return n

    def _check(self) -> None:
        limits = self._budget.limits
        if self._budget.total > limits.max_total_bytes:
            raise ItemError(
                "bomb",
                f"container expands past max_total_bytes ({limits.max_total_bytes})",
                self._location,
            )
        if self.count < RATIO_MIN_BYTES or self._compressed is None:
            return
        compressed = self._compressed() if callable(self._compressed) else self._compressed
        if self.count > max(compressed, 1) * limits.max_ratio:
            raise ItemError(
                "bomb",
                f"compression ratio over {limits.max_ratio:g} "
                f"({self.count} bytes from {compressed})",
                self._location,
            )
