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
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast

from connectors.extract import Extracted, extractor_ref, load_extractor
from connectors.extract.mediatype import DOCX, ODS, ODT, PPTX, XLSX
from connectors.extract.members import MemberGuard, child_item, member_uri
from connectors.extract.streams import Budget, CountingReader, LimitedReader, seekable_stream
from connectors.extract.zipsalvage import salvage_zip
from scanner.models import Item, ScanError
from scanner.settings import Settings


def _binary(opener: Callable[[BinaryIO], io.BufferedIOBase]) -> Callable[[BinaryIO], BinaryIO]:
    """A decompressor as the binary stream the readers take: GzipFile, BZ2File and LZMAFile
    are ``io.BufferedIOBase``, which typeshed does not count as ``BinaryIO``."""
    return cast(Callable[[BinaryIO], BinaryIO], opener)


_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "application/gzip": _binary(lambda f: gzip.GzipFile(fileobj=f, mode="rb")),
    "application/x-gzip": _binary(lambda f: gzip.GzipFile(fileobj=f, mode="rb")),
    "application/x-bzip2": _binary(lambda f: bz2.BZ2File(f)),
    "application/x-xz": _binary(lambda f: lzma.LZMAFile(f)),  # noqa: SIM115
}
_SUFFIXES = {".gz": "", ".tgz": ".tar", ".bz2": "", ".tbz2": ".tar", ".xz": "", ".txz": ".tar",
             ".gzip": "", ".z": ""}
_OOXML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
# The names the package readers (connectors/extract/package.py) import from here.
_child = child_item
_Guard = MemberGuard


# -- zip --------------------------------------------------------------------------------------
def extract_zip(item: Item, settings: Settings) -> Iterator[Extracted]:
    stream = seekable_stream(item, settings.limits)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
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
        guard = MemberGuard(item, settings)
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
            yield child_item(item, name, info.file_size, _zip_opener(archive, info, guard))


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo, guard: MemberGuard
                ) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        return guard.limited(archive.open(info), info.filename, info.compress_size)

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
    guard = MemberGuard(item, settings)
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
            yield child_item(item, name, member.size, _tar_opener(archive, member, guard, compressed))
    finally:
        archive.close()


def _tar_opener(archive: tarfile.TarFile, member: tarfile.TarInfo, guard: MemberGuard,
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
    with io.BufferedReader(counter) as source, decompress(source) as plain:
        guard = Budget(settings.limits)
        whole = io.BufferedReader(LimitedReader(plain, guard, lambda: counter.count, item.uri),
                                  buffer_size=64 * 1024)
        head = whole.peek(512)[:512]
        if _is_tar(head):
            yield from tar_members(item, settings, whole, lambda: counter.count)
            return
    name = _inner_name(item.name)

    def open_() -> BinaryIO:
        inner_counter = CountingReader(item.open())
        plain = decompress(io.BufferedReader(inner_counter))
        reader = LimitedReader(plain, Budget(settings.limits), lambda: inner_counter.count,
                               member_uri(item, name))
        return io.BufferedReader(reader)

    yield child_item(item, name, None, open_)


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
