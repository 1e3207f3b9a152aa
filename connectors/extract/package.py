"""Reading the parts of an OOXML (docx/xlsx/pptx) or ODF (odt/ods) package within the limits.

A package is a zip, and its parts are held to the same limits as archive members
(:mod:`connectors.extract.archives`): the declared size of each part against
``limits.max_item_bytes`` (``too_large``) and its compression ratio against ``limits.max_ratio``
(``bomb``), all parts together against ``limits.max_total_bytes`` (``bomb``), each checked before
the part is opened and again while it is read (a :class:`~connectors.extract.streams.LimitedReader`),
plus a time limit for the whole package (``timeout``, :data:`PACKAGE_SECONDS`).

XML parts are parsed as a stream (lxml ``iterparse`` over the bounded reader, with no DTD, no
entity expansion and no network), and the caller clears each element once it has used it, so
memory does not grow with the size of a part. A part that is over a limit, or that cannot be
parsed, is recorded as an error against ``<item uri>!/<part name>`` and the other parts are still
read: see :meth:`Package.errors`.
"""

from __future__ import annotations

import posixpath
import re
import time
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO, Self

from connectors.extract.archives import _child, _Guard, member_uri
from connectors.extract.streams import seekable_stream
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings

PACKAGE_SECONDS = 300.0  # all parts of one package are read within this
SMALL_PART_BYTES = 16 * 1024 * 1024  # relationships, manifests, workbook.xml: read whole
_EMBEDDED = re.compile(r"(?:word|xl|ppt)/embeddings/[^/]+")


def local(tag: object) -> str:
    """``{namespace}name`` -> ``name`` (OOXML transitional and strict share local names)."""
    text = tag if isinstance(tag, str) else ""
    return text.rpartition("}")[2]


class _Timed:
    """A stream that raises ``ItemError("timeout")`` once the package's deadline has passed."""

    def __init__(self, stream: BinaryIO, deadline: float, location: str) -> None:
        self._stream = stream
        self._deadline = deadline
        self._location = location

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self._deadline:
            raise ItemError("timeout", f"package not read within {PACKAGE_SECONDS:g} s",
                            self._location)
        return self._stream.read(size if size is not None and size >= 0 else 64 * 1024)

    def close(self) -> None:
        self._stream.close()


class Package:
    """One opened package; use as a context manager."""

    def __init__(self, item: Item, settings: Settings) -> None:
        self.item = item
        self.settings = settings
        self._stream = seekable_stream(item, settings.limits)
        try:
            self.zip = zipfile.ZipFile(self._stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            self._stream.close()
            raise ItemError("corrupt", f"not a valid package: {exc}", item.uri) from None
        self._infos = {i.filename: i for i in self.zip.infolist()}
        self._guard = _Guard(item, settings)
        self.deadline = time.monotonic() + PACKAGE_SECONDS
        self._errors: list[ScanError] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()
        self._stream.close()

    # -- parts ----------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def uri(self, name: str) -> str:
        return member_uri(self.item, name)

    def record(self, error: ScanError) -> None:
        self._errors.append(error)

    def errors(self) -> Iterator[ScanError]:
        """The part errors recorded since the last call."""
        errors, self._errors = self._errors, []
        yield from errors

    def open(self, name: str) -> BinaryIO | None:
        """A bounded stream of part ``name``; ``None`` (and an error recorded) when it is over a
        limit, encrypted, or missing."""
        info = self._infos.get(name)
        if info is None:
            return None
        if time.monotonic() > self.deadline:  # the time of the whole package is spent
            raise ItemError("timeout", f"package not read within {PACKAGE_SECONDS:g} s",
                            self.item.uri)
        problem = self._guard.refuse(name, info.file_size, info.compress_size)
        if problem is None and info.flag_bits & 0x1:
            problem = ScanError(self.uri(name), "encrypted", "encrypted package part")
        if problem is not None:
            self._errors.append(problem)
            return None
        try:
            raw = self.zip.open(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
            self._errors.append(ScanError(self.uri(name), "corrupt", f"{type(exc).__name__}: {exc}"))
            return None
        timed = _Timed(raw, self.deadline, self.uri(name))  # type: ignore[arg-type]
        return self._guard.limited(timed, name, info.compress_size)  # type: ignore[arg-type]

    def embedded(self) -> Iterator[Item | ScanError]:
        """Files embedded in the document (``word/embeddings/...``: a workbook in a letter, an
        OLE object) as child items, extracted like archive members and under the same limits;
        a refused one is an error. Extract them while the package is open."""
        for name, info in self._infos.items():
            if info.is_dir() or not _EMBEDDED.fullmatch(name):
                continue
            problem = self._guard.refuse(name, info.file_size, info.compress_size)
            if problem is not None:
                yield problem
                continue
            yield _child(self.item, name, info.file_size, self._opener(name))

    def _opener(self, name: str) -> Any:
        def open_() -> BinaryIO:
            stream = self.open(name)
            if stream is None:
                error = self._errors.pop() if self._errors else None
                raise ItemError(error.kind if error else "corrupt",
                                error.message if error else "cannot open the part",
                                self.uri(name))
            return stream

        return open_

    def read(self, name: str, limit: int = SMALL_PART_BYTES) -> bytes | None:
        """A small part read whole (at most ``limit`` bytes, else ``too_large`` is recorded)."""
        info = self._infos.get(name)
        if info is None:
            return None
        if info.file_size > limit:
            self._errors.append(ScanError(self.uri(name), "too_large",
                                          f"{info.file_size} bytes is over {limit} for this part"))
            return None
        stream = self.open(name)
        if stream is None:
            return None
        try:
            with stream:
                return stream.read(limit + 1)[:limit]
        except ItemError as exc:
            self._errors.append(ScanError(exc.location or self.uri(name), exc.kind, exc.message))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            self._errors.append(ScanError(self.uri(name), "corrupt", f"{type(exc).__name__}: {exc}"))
        return None

    def iterparse(self, name: str, events: tuple[str, ...] = ("start", "end"),
                  tags: tuple[str, ...] | None = None) -> Iterator[tuple[str, Any]]:
        """``(event, element)`` pairs of XML part ``name``, streamed and bounded.

        Any problem (a limit, a parse error, a truncated part) ends this part only: it is recorded
        and the iteration stops. The caller should ``clear()`` elements it is done with.
        ``tags``: only the events of elements with these names (``"{*}c"``: any namespace or
        none), filtered by lxml; the others are parsed all the same.
        """
        from lxml import etree

        stream = self.open(name)
        if stream is None:
            return
        try:
            parser = etree.iterparse(
                stream, events=events, resolve_entities=False, no_network=True, load_dtd=False,
                huge_tree=False, remove_comments=True, remove_pis=True, tag=tags,
            )
            yield from parser
        except ItemError as exc:
            self._errors.append(ScanError(exc.location or self.uri(name), exc.kind, exc.message))
        except etree.XMLSyntaxError as exc:
            self._errors.append(ScanError(self.uri(name), "corrupt", f"XML: {exc}"[:300]))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            self._errors.append(ScanError(self.uri(name), "corrupt",
                                          f"{type(exc).__name__}: {exc}"[:300]))
        except MemoryError:
            self._errors.append(ScanError(self.uri(name), "too_large", "out of memory"))
        finally:
            stream.close()

    def root(self, name: str) -> Any:
        """The parsed tree of a small XML part (relationships, workbook), or ``None``."""
        from lxml import etree

        data = self.read(name)
        if data is None:
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            self._errors.append(ScanError(self.uri(name), "corrupt", f"XML: {exc}"[:300]))
            return None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """``rId -> (relationship type, target part name)`` of ``part`` ('' for the package)."""
        folder, base = posixpath.split(part)
        root = self.root(posixpath.join(folder, "_rels", base + ".rels"))
        out: dict[str, tuple[str, str]] = {}
        if root is None:
            return out
        for rel in root:
            if local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            if target.startswith("/"):
                path = target.lstrip("/")
            else:
                path = posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id") or ""] = (rel.get("Type") or "", path)
        return out

    def main_part(self, default: str) -> str:
        """The package's main document part (from ``_rels/.rels``), else ``default``."""
        for kind, target in self.rels("").values():
            if kind.endswith("/officeDocument") and self.has(target):
                return target
        return default


def clear(elem: Any) -> None:
    """Free an element and the siblings before it (the usual iterparse memory idiom)."""
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]
