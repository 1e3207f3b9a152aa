"""Local and mounted folders: walk a directory (or one file) read-only.

* include/exclude globs on the path relative to the target (``connectors.base.accepts``);
* symbolic links are not followed by default; when they are, each real directory is entered once,
  so a link loop never loops;
* devices, FIFOs and sockets are skipped (opening a FIFO would block the scan forever);
* items larger than ``limits.max_item_bytes`` are skipped and the skip recorded;
* the order is stable (sorted names), so two scans of the same tree report in the same order.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from connectors.base import Walked, accepts, glob_match, parent_root
from scanner.models import Item, ScanError
from scanner.settings import Settings


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _opener(path: Path):
    def open_() -> BinaryIO:
        return open(path, "rb")

    return open_


class FileConnector:
    source_kind = "file"  # what policy packs call this kind of source
    uri_root = staticmethod(parent_root)  # the source a location belongs to

    def __init__(self, target: str, settings: Settings) -> None:
        target = target.removeprefix("file://")
        self.root = Path(target).expanduser()
        self.settings = settings

    def close(self) -> None:
        return None

    def walk(self) -> Iterator[Walked]:
        root = self.root
        try:
            st = root.stat() if self.settings.walk.follow_symlinks else root.lstat()
        except OSError as exc:
            yield ScanError(str(root), "unreadable", f"cannot read target: {exc.strerror}")
            return
        if stat.S_ISLNK(st.st_mode):
            # The target itself may be a link the user named on purpose: follow it once.
            st = root.stat()
        if stat.S_ISDIR(st.st_mode):
            yield from self._walk_dir(root.resolve())
        else:
            yield from self._file(root.resolve(), root.name, st)

    def _walk_dir(self, top: Path) -> Iterator[Walked]:
        seen: set[tuple[int, int]] = set()
        stack: list[Path] = [top]
        while stack:
            directory = stack.pop()
            try:
                dst = directory.stat()
            except OSError as exc:
                yield ScanError(file_uri(directory), "unreadable", exc.strerror or str(exc))
                continue
            key = (dst.st_dev, dst.st_ino)
            if key in seen:  # a followed link pointing back up the tree
                continue
            seen.add(key)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                yield ScanError(file_uri(directory), "unreadable", exc.strerror or str(exc))
                continue
            subdirs: list[Path] = []
            for entry in entries:
                path = Path(entry.path)
                rel = path.relative_to(top).as_posix()
                try:
                    is_link = entry.is_symlink()
                    if is_link and not self.settings.walk.follow_symlinks:
                        continue
                    est = entry.stat(follow_symlinks=True)
                except OSError as exc:
                    if accepts(rel, self.settings.walk):
                        yield ScanError(file_uri(path), "unreadable", exc.strerror or str(exc))
                    continue
                if stat.S_ISDIR(est.st_mode):
                    if not self._pruned(rel):
                        subdirs.append(path)
                    continue
                if not accepts(rel, self.settings.walk):
                    continue
                yield from self._file(path, entry.name, est)
            stack.extend(reversed(subdirs))

    def _pruned(self, rel: str) -> bool:
        """A directory is not entered when a ``dir/**`` exclude covers everything below it."""
        probe = rel + "/x"
        return any(glob_match(probe, g) for g in self.settings.walk.exclude if g.endswith("/**"))

    def _file(self, path: Path, name: str, st: os.stat_result) -> Iterator[Walked]:
        uri = file_uri(path)
        if not stat.S_ISREG(st.st_mode):
            yield ScanError(uri, "skipped", "not a regular file (device, FIFO or socket)")
            return
        limit = self.settings.limits.max_item_bytes
        if st.st_size > limit:
            yield ScanError(uri, "too_large", f"{st.st_size} bytes is over the {limit}-byte limit")
            return
        if not os.access(path, os.R_OK):
            yield ScanError(uri, "unreadable", "permission denied")
            return
        yield Item(
            uri=uri,
            source_kind="file",
            open=_opener(path),
            size=st.st_size,
            name=name,
            metadata={"mtime": st.st_mtime, "size": st.st_size,
                      "version": f"file:{st.st_size}:{st.st_mtime_ns}"},
        )
