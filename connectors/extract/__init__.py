"""Text extraction: one module per format, dispatched on the sniffed media type.

``extract(item, data, settings)`` yields :class:`~scanner.models.TextUnit` (text with its
location), child :class:`~scanner.models.Item` (archive members, attachments, messages in a mail
archive: the pipeline types and extracts them in turn, one level deeper) and
:class:`~scanner.models.ScanError` (a problem with one location; extraction of the rest goes on).

Extractors are referenced by "module:function" and imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings

Extracted = TextUnit | Item | ScanError
