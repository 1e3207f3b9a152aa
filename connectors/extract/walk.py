"""Recursive extraction: the one place where items are sniffed, recursed into and guarded.

``extract_all(item, settings)`` yields the text units and errors of an item and of everything
inside it (archive members, attachments), depth first. Child items are extracted while the
parent's extractor is suspended, so a child's ``open()`` may use the parent's open handles.

* ``media_type`` is sniffed from the first 8 KB when the item has none; the stream opened for
  sniffing is handed to the extractor's first ``open()`` (head put back), so a member of a
  streamed archive is read once;
* an item deeper than ``limits.max_depth`` is recorded as ``too_deep`` and not opened;
* any exception in an extractor becomes a ``ScanError`` for that item (``ItemError`` keeps its
  kind, anything else is ``corrupt``); units already yielded stay valid;
* text beyond ``limits.max_text_chars`` per item is cut and recorded as ``truncated``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import BinaryIO

from connectors.extract import extract, sniff
from connectors.extract.mediatype import HEAD_BYTES
from connectors.extract.streams import buffered, read_exact
from scanner.models import Item, ItemError, ScanError, TextUnit
from scanner.settings import Settings

log = logging.getLogger("piiscout.extract")


def extract_all(item: Item, settings: Settings) -> Iterator[TextUnit | ScanError]:
    """Units and errors of ``item`` and, recursively, of every item inside it."""
    limits = settings.limits
    if item.depth > limits.max_depth:
        yield ScanError(item.uri, "too_deep", f"nested deeper than max_depth ({limits.max_depth})")
        return
    opener: _ReplayOpen | None = None
    try:
        if item.media_type is None:
            opener = _ReplayOpen(item)
            item = dataclasses.replace(item, media_type=opener.sniff(), open=opener)
        yield from _guarded(item, settings)
    except ItemError as exc:  # raised while sniffing
        yield ScanError(exc.location or item.uri, exc.kind, exc.message)
    except OSError as exc:
        yield ScanError(item.uri, "unreadable", f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        yield ScanError(item.uri, "corrupt", f"{type(exc).__name__}: {exc}")
    finally:
        if opener is not None:
            opener.close()


def _guarded(item: Item, settings: Settings) -> Iterator[TextUnit | ScanError]:
    budget = settings.limits.max_text_chars
    chars = 0
    produced = extract(item, settings)
    try:
        while True:
            try:
                out = next(produced)
            except StopIteration:
                return
            except ItemError as exc:
                yield ScanError(exc.location or item.uri, exc.kind, exc.message)
                return
            except NotImplementedError as exc:  # e.g. a zip compression method we lack
                yield ScanError(item.uri, "unsupported", f"{type(exc).__name__}: {exc}")
                return
            except MemoryError:
                yield ScanError(item.uri, "too_large", "out of memory while extracting")
                return
            except Exception as exc:
                log.debug("extraction of %s failed", item.uri, exc_info=True)
                yield ScanError(item.uri, "corrupt", f"{type(exc).__name__}: {exc}")
                return
            if isinstance(out, Item):
                yield from extract_all(out, settings)
            elif isinstance(out, TextUnit):
                chars += len(out.text)
                if chars > budget:
                    keep = len(out.text) - (chars - budget)
                    if keep > 0:
                        yield dataclasses.replace(out, text=out.text[:keep])
                    yield ScanError(
                        item.uri, "truncated", f"text over max_text_chars ({budget}) not scanned"
                    )
                    return
                yield out
            else:
                yield out
    finally:
        produced.close()


class _ReplayOpen:
    """``open()`` for a sniffed item: the first call gets the sniffing stream back, head first."""

    def __init__(self, item: Item) -> None:
        self._item = item
        self._stream: BinaryIO | None = None
        self._head = b""

    def sniff(self) -> str:
        self._stream = self._item.open()
        self._head = read_exact(self._stream, HEAD_BYTES)
        return sniff(self._head, self._item.name)

    def __call__(self) -> BinaryIO:
        stream, self._stream = self._stream, None
        if stream is None:
            return self._item.open()
        try:
            if stream.seekable():
                stream.seek(0)
                return stream
        except (OSError, ValueError):
            pass
        return buffered(self._head, stream)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
