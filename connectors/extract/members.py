"""What the container readers share: a member's uri, its child item, and the per-container
limits (:class:`MemberGuard`). Used by the zip and tar readers (:mod:`connectors.extract.archives`),
the damaged-zip salvage (:mod:`connectors.extract.zipsalvage`) and the package readers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import IO, BinaryIO, cast

from connectors.extract.streams import RATIO_MIN_BYTES, Budget, LimitedReader
from scanner.models import Item, ScanError
from scanner.settings import Settings

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """True for a member path that would leave the folder it is extracted to."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


def member_uri(item: Item, name: str) -> str:
    return f"{item.uri}!/{name.removeprefix('./')}"


def child_item(item: Item, name: str, size: int | None, opener: Callable[[], BinaryIO]) -> Item:
    path = name.removeprefix("./")
    return Item(
        uri=member_uri(item, path),
        source_kind=item.source_kind,
        open=opener,
        size=size,
        name=path.rsplit("/", 1)[-1],
        depth=item.depth + 1,
    )


class MemberGuard:
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

    def limited(self, stream: IO[bytes], name: str, compressed: Callable[[], int] | int | None
                ) -> BinaryIO:
        # a member's stream (zipfile's ZipExtFile, tarfile's extractfile) is an IO[bytes]
        reader = LimitedReader(cast(BinaryIO, stream), self.budget, compressed,
                               member_uri(self.item, name))
        return io.BufferedReader(reader)
