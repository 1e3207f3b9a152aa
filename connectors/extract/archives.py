"""Containers: zip, tar and gzip/bzip2/xz streams, read recursively and never expanded to disk.

A container yields one child :class:`~scanner.models.Item` per regular member (uri =
``<parent uri>!/<member path>``, one level deeper, ``source_kind`` copied); the child's ``open()``
streams the member through a :class:`~connectors.extract.streams.LimitedReader`, so the limits
hold whatever the headers declare:

* ``max_members`` members per container (then ``too_many_members``);
* ``max_total_bytes`` uncompressed bytes from all members together, and ``max_ratio`` between a
  member's uncompressed and compressed size (``bomb``, checked from the declared sizes before a
  member is opened and again while it is read);
* a member path that is absolute or contains ``..`` (``traversal``), a symlink or hardlink member
  (``link``) and an encrypted member (``encrypted``) are recorded and never opened;
* a corrupt container yields a ``corrupt`` error after the members that could be read (a zip
  without its central directory is salvaged from its local headers).

Tar archives are read as a stream (``r|``), so a ``.tar.gz`` is decompressed once, front to back;
a member's ``open()`` is then good for one pass, while the archive is suspended on that member.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import io
import lzma
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from connectors.extract import Extracted, extractor_ref, load_extractor
from connectors.extract.mediatype import DOCX, ODS, ODT, PPTX, XLSX
from connectors.extract.streams import (
    RATIO_MIN_BYTES,
    Budget,
    CountingReader,
    LimitedReader,
    seekable_stream,
)
from scanner.models import Item, ScanError
from scanner.settings import Settings

_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "application/gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    "application/x-gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    "application/x-bzip2": lambda f: bz2.BZ2File(f),  # type: ignore[dict-item]
    "application/x-xz": lambda f: lzma.LZMAFile(f),  # noqa: SIM115
}
_SUFFIXES = {".gz": "", ".tgz": ".tar", ".bz2": "", ".tbz2": ".tar", ".xz": "", ".txz": ".tar",
             ".gzip": "", ".z": ""}
_OOXML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """True for a member path that would leave the folder it is extracted to."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


def member_uri(item: Item, name: str) -> str:
    return f"{item.uri}!/{name.removeprefix('./')}"


def _child(item: Item, name: str, size: int | None, opener: Callable[[], BinaryIO]) -> Item:
    path = name.removeprefix("./")
    return Item(
        uri=member_uri(item, path),
        source_kind=item.source_kind,
        open=opener,
        size=size,
        name=path.rsplit("/", 1)[-1],
        depth=item.depth + 1,
    )


class _Guard:
    """Per-container checks shared by the zip and tar readers."""

    def __init__(self, item: Item, settings: Settings) -> None:
        self.item = item
        self.limits = settings.limits
        self.budget = Budget(settings.limits)
        self.members = 0

    def stop(self) -> ScanError | None:
        """An error that ends the container (too many members, total size spent)."""
        self.members += 1
        if self.members > self.limits.max_members:
            return ScanError(self.item.uri, "too_many_members",
                             f"more than max_members ({self.limits.max_members}); rest not read")
        if self.budget.exhausted:
            return ScanError(self.item.uri, "bomb",
                             f"expands past max_total_bytes ({self.limits.max_total_bytes})")
        return None

    def refuse(self, name: str, size: int | None, compressed: int | None) -> ScanError | None:
        """An error for one member that must not be opened, from its name and declared sizes."""
        uri = member_uri(self.item, name)
        if unsafe_name(name):
            return ScanError(uri, "traversal", "member path leaves the archive folder")
        if size is None:
            return None
        if size > self.limits.max_item_bytes:
            return ScanError(uri, "too_large",
                             f"{size} bytes is over the {self.limits.max_item_bytes}-byte limit")
        if self.budget.total + size > self.limits.max_total_bytes:
            return ScanError(uri, "bomb",
                             f"would expand past max_total_bytes ({self.limits.max_total_bytes})")
        if compressed is not None and size >= RATIO_MIN_BYTES and (
            size > max(compressed, 1) * self.limits.max_ratio
        ):
            return ScanError(uri, "bomb", f"declared compression ratio {size / max(compressed, 1):.0f}"
                             f" is over max_ratio ({self.limits.max_ratio:g})")
        return None

    def limited(self, stream: BinaryIO, name: str, compressed: Callable[[], int] | int | None
                ) -> BinaryIO:
        reader = LimitedReader(stream, self.budget, compressed, member_uri(self.item, name))
        return io.BufferedReader(reader)  # type: ignore[return-value]


# -- zip --------------------------------------------------------------------------------------
def extract_zip(item: Item, settings: Settings) -> Iterator[Extracted]:
    stream = seekable_stream(item, settings.limits)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        from connectors.extract.zipsalvage import salvage_zip

        stream.seek(0)
        lost = yield from salvage_zip(item, settings, stream)
        yield ScanError(item.uri, "corrupt", f"damaged zip ({exc}); read what was readable"
                        + (f"; {lost}" if lost else ""))
        stream.close()
        return
    with stream, archive:
        package = _package_type(archive)
        if package is not None:  # an OOXML/ODF document that sniffing saw only as a zip
            ref = extractor_ref(package)
            if ref is not None:
                stream.seek(0)
                yield from load_extractor(ref)(dataclasses.replace(item, media_type=package),
                                               settings)
                return
        guard = _Guard(item, settings)
        for info in archive.infolist():
            if info.is_dir():
                continue
            stop = guard.stop()
            if stop is not None:
                yield stop
                return
            name = info.filename
            problem = guard.refuse(name, info.file_size, info.compress_size)
            if problem is None and stat.S_ISLNK(info.external_attr >> 16):
                problem = ScanError(member_uri(item, name), "link", "symbolic link member")
            if problem is None and info.flag_bits & 0x1:
                problem = ScanError(member_uri(item, name), "encrypted", "encrypted zip member")
            if problem is not None:
                yield problem
                continue
            yield _child(item, name, info.file_size, _zip_opener(archive, info, guard))


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo, guard: _Guard
                ) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        return guard.limited(archive.open(info), info.filename, info.compress_size)  # type: ignore[arg-type]

    return open_


def _package_type(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        for part, media_type in _OOXML.items():
            if part in names:
                return media_type
    if "mimetype" in names and "content.xml" in names:
        mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        if mimetype in (ODT, ODS):
            return mimetype
    return None


# -- tar --------------------------------------------------------------------------------------
def extract_tar(item: Item, settings: Settings) -> Iterator[Extracted]:
    with item.open() as stream:
        yield from tar_members(item, settings, stream, None)


def tar_members(item: Item, settings: Settings, stream: BinaryIO,
                compressed: Callable[[], int] | None) -> Iterator[Extracted]:
    """Members of a tar read front to back from ``stream`` (already decompressed)."""
    guard = _Guard(item, settings)
    try:
        archive = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 - closed below
    except (tarfile.TarError, EOFError, OSError) as exc:
        yield ScanError(item.uri, "corrupt", f"not a readable tar: {exc}")
        return
    try:
        while True:
            try:
                member = archive.next()
            except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
                yield ScanError(item.uri, "corrupt", f"damaged tar ({exc}); rest not read")
                return
            if member is None:
                return
            if member.isdir():
                continue
            stop = guard.stop()
            if stop is not None:
                yield stop
                return
            name = member.name
            problem = guard.refuse(name, member.size, None)
            if problem is None and (member.issym() or member.islnk()):
                problem = ScanError(member_uri(item, name), "link", "link member not followed")
            if problem is not None:
                yield problem
                continue
            if not member.isfile():  # devices, FIFOs: nothing to read
                continue
            yield _child(item, name, member.size, _tar_opener(archive, member, guard, compressed))
    finally:
        archive.close()


def _tar_opener(archive: tarfile.TarFile, member: tarfile.TarInfo, guard: _Guard,
                compressed: Callable[[], int] | None) -> Callable[[], BinaryIO]:
    start = compressed() if compressed else 0

    def open_() -> BinaryIO:
        handle = archive.extractfile(member)
        if handle is None:
            raise OSError(f"cannot open tar member {member.name}")
        since = (lambda: compressed() - start) if compressed else None
        return guard.limited(handle, member.name, since)

    return open_


# -- gzip, bzip2, xz --------------------------------------------------------------------------
def extract_compressed(item: Item, settings: Settings) -> Iterator[Extracted]:
    decompress = _DECOMPRESSORS[item.media_type or "application/gzip"]
    raw = item.open()
    counter = CountingReader(raw)
    with io.BufferedReader(counter) as source, decompress(source) as plain:  # type: ignore[arg-type]
        guard = Budget(settings.limits)
        whole = io.BufferedReader(LimitedReader(plain, guard, lambda: counter.count, item.uri),
                                  buffer_size=64 * 1024)
        head = whole.peek(512)[:512]
        if _is_tar(head):
            yield from tar_members(item, settings, whole, lambda: counter.count)  # type: ignore[arg-type]
            return
    name = _inner_name(item.name)

    def open_() -> BinaryIO:
        inner_counter = CountingReader(item.open())
        plain = decompress(io.BufferedReader(inner_counter))  # type: ignore[arg-type]
        reader = LimitedReader(plain, Budget(settings.limits), lambda: inner_counter.count,
                               member_uri(item, name))
        return io.BufferedReader(reader)  # type: ignore[return-value]

    yield _child(item, name, None, open_)


def _inner_name(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    lower = base.lower()
    for suffix, replacement in _SUFFIXES.items():
        if lower.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)] + replacement
    return (base or "data") + ".out"


def _is_tar(head: bytes) -> bool:
    if len(head) < 512:
        return False
    if head[257:262] == b"ustar":
        return True
    try:
        declared = int(head[148:156].strip(b"\x00 ") or b"-1", 8)
    except ValueError:
        return False
    return declared == sum(head[:148]) + 8 * 32 + sum(head[156:512])
