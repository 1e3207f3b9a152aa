"""Reading what is left of a damaged zip (no central directory) from its local file headers.

Members are taken front to back until the first one that cannot be delimited: stored or deflated
members with their sizes in the local header, and deflated members with a data descriptor (the
end of their deflate stream tells where they stop). The same limits as for a sound zip apply.

What could not be read is recorded, never dropped in silence: where the salvage stops before the
end of the data (a member that cannot be delimited, is cut off, or uses a method we lack, or
bytes that are no local header), :func:`salvage_zip` returns a description naming the member
(or the offset) and the number of bytes left unread, which the zip extractor puts in the item's
``corrupt`` error.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Generator
from typing import BinaryIO

from connectors.extract import Extracted
from connectors.extract.members import MemberGuard, child_item
from connectors.extract.streams import read_exact
from scanner.models import Item, ScanError
from scanner.settings import Settings

_LOCAL = b"PK\x03\x04"
_HEADER = struct.Struct("<4sHHHHHIIIHH")


_CENTRAL = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")


def _size(stream: BinaryIO) -> int | None:
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end
    except (OSError, ValueError):
        return None


def _lost(total: int | None, start: int, reason: str, name: str | None = None) -> str:
    left = f"{total - start} bytes from offset {start}" if total is not None else "the rest"
    member = f"member {name!r}: " if name else ""
    return f"lost {left} ({member}{reason})"


def salvage_zip(item: Item, settings: Settings, stream: BinaryIO
                ) -> Generator[Extracted, None, str | None]:
    """Yield the members that can be read; return what was lost (``None``: nothing)."""
    guard = MemberGuard(item, settings)
    limit = settings.limits.max_item_bytes
    total = _size(stream)
    while True:
        start = stream.tell()
        fixed = read_exact(stream, _HEADER.size)
        if not fixed or fixed[:4] in _CENTRAL:
            return None  # the end, or the central directory: nothing lost
        if len(fixed) < _HEADER.size or not fixed.startswith(_LOCAL):
            return _lost(total, start, "no zip entry here")
        (_sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen, xlen) = _HEADER.unpack(fixed)
        name = read_exact(stream, nlen).decode("utf-8" if flags & 0x800 else "cp437", "replace")
        stream.seek(xlen, io.SEEK_CUR)
        descriptor = bool(flags & 0x8)
        if method not in (0, 8) or (descriptor and method == 0) or csize > limit:
            why = (f"compression method {method} is not read" if method not in (0, 8)
                   else "member cannot be delimited")
            return _lost(total, start, why, name)
        if descriptor:
            data, usize = _inflate_until_end(stream, limit)
            if data is None:
                return _lost(total, start, "its deflate stream is damaged or cut off", name)
            _skip_descriptor(stream)
        else:
            data = read_exact(stream, csize)
            if len(data) < csize:
                return _lost(total, start, f"cut off ({len(data)} of {csize} bytes)", name)
        if name.endswith("/"):
            continue
        stop = guard.stop()
        if stop is not None:
            yield stop
            return None
        problem = guard.refuse(name, usize, len(data))
        if problem is None and flags & 0x1:
            problem = ScanError(f"{item.uri}!/{name}", "encrypted", "encrypted zip member")
        if problem is not None:
            yield problem
            continue
        yield child_item(item, name, usize, _opener(data, method, guard, name))


def _opener(data: bytes, method: int, guard: MemberGuard, name: str
            ) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        # _Inflate is a RawIOBase, which typeshed does not count as BinaryIO
        raw: BinaryIO = io.BytesIO(data) if method == 0 else _Inflate(data)  # type: ignore[assignment]
        return guard.limited(raw, name, len(data))

    return open_


class _Inflate(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._z = zlib.decompressobj(-15)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        out = b""
        while not out and not self._z.eof:
            data = self._z.unconsumed_tail or self._data
            self._data = b""
            if not data:
                out = self._z.flush(len(buffer))
                break
            out = self._z.decompress(data, len(buffer))
        buffer[: len(out)] = out
        return len(out)


def _inflate_until_end(stream: BinaryIO, limit: int) -> tuple[bytes | None, int]:
    """Compressed bytes of one deflate stream read from ``stream``; the stream is left after it."""
    z = zlib.decompressobj(-15)
    parts: list[bytes] = []
    size = used = 0
    while not z.eof:
        chunk = stream.read(64 * 1024)
        if not chunk:
            return None, 0
        try:
            size += _count(z, chunk)
        except zlib.error:
            return None, 0
        consumed = len(chunk) - len(z.unused_data)
        parts.append(chunk[:consumed])
        used += consumed
        if used > limit:
            return None, 0
        if z.eof:
            stream.seek(-len(z.unused_data), io.SEEK_CUR)
    return b"".join(parts), size


def _count(z: zlib._Decompress, chunk: bytes) -> int:
    total = len(z.decompress(chunk, 1024 * 1024))
    while z.unconsumed_tail and not z.eof:
        total += len(z.decompress(z.unconsumed_tail, 1024 * 1024))
    return total


def _skip_descriptor(stream: BinaryIO) -> None:
    head = read_exact(stream, 4)
    if head == b"PK\x07\x08":
        stream.seek(12, io.SEEK_CUR)
    else:
        stream.seek(8, io.SEEK_CUR)
