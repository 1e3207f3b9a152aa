"""Mail archives: mbox, Maildir and MH, .eml, Apple .emlx, Outlook .msg and .pst/.ost.

Two ways in:

* a plain path (or an SMB share, an S3 bucket) holding archives goes through its connector and
  extraction, which sniffs the content and calls the extractors here
  (:func:`connectors.mail.message.extract_message`, ``extract_emlx``,
  :func:`connectors.mail.mbox.extract_mbox`, :func:`connectors.mail.msg.extract_msg`,
  :func:`connectors.mail.pst.extract_pst`);
* a mail target names the format: ``mbox:///abs/archive.mbox`` (a file, or a folder of mbox
  files), ``maildir:///abs/Maildir`` (``cur``/``new``/``tmp`` folders at any depth, Maildir++
  ``.Sub`` folders and MH folders of numbered files), ``pst:///abs/x.pst``, ``eml:///abs/a.eml``
  and ``msg:///abs/a.msg`` (a file or a folder). :class:`MailConnector` yields one item per
  message.

Locations (see :mod:`connectors.mail.uris`): the container, then ``#`` and ``/``-separated
``folder=``, ``msg=``, ``attachment=`` segments::

    mbox:///abs/archive.mbox#msg=12/attachment=cv.pdf
    pst:///abs/x.pst#folder=Top%20of%20Personal%20Folders/Inbox/msg=3
    maildir:///abs/Maildir#folder=Sent/msg=1700000000.M1P2.host
    file:///abs/a.eml#attachment=cv.pdf

Units of one message share ``record="msg:<index>"`` (folder and attachment path included for
nested ones); headers are ``value`` units with ``field`` = the header name, bodies ``prose``.
The Message-ID of an mbox message is in ``Item.metadata["message_id"]``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from connectors.base import Walked, accepts, parent_root
from connectors.mail.mbox import looks_like_mbox, mbox_items
from connectors.mail.pst import pst_items
from connectors.mail.uris import scheme_uri
from scanner.models import Item, ScanError
from scanner.settings import Settings

_FORCED_TYPES = {"eml": "message/rfc822", "msg": "application/vnd.ms-outlook"}
_MAILDIR_SUBS = ("cur", "new", "tmp")


class MailConnector:
    source_kind = "mail"  # what policy packs call this kind of source
    uri_root = staticmethod(parent_root)  # the source a location belongs to

    def __init__(self, target: str, settings: Settings) -> None:
        scheme, _, rest = target.partition("://")
        self.scheme = scheme.lower()
        self.path = Path(rest or ".").expanduser()
        self.settings = settings

    def close(self) -> None:
        return None

    def walk(self) -> Iterator[Walked]:
        path = self.path
        if not path.exists():
            yield ScanError(scheme_uri(self.scheme, path), "unreadable", "no such file or folder")
            return
        if self.scheme == "mbox":
            yield from self._mboxes(path)
        elif self.scheme == "maildir":
            yield from self._maildir(path.resolve())
        elif self.scheme == "pst":
            yield from self._pst(path)
        else:
            yield from self._files(path)

    def _mboxes(self, path: Path) -> Iterator[Walked]:
        files = [path] if path.is_file() else _files_under(path, self.settings)
        for f in files:
            uri = scheme_uri("mbox", f)
            try:
                with open(f, "rb") as stream:
                    if path.is_dir() and not looks_like_mbox(stream.read(4096)):
                        continue
                    stream.seek(0)
                    yield from mbox_items(stream, uri, None, self.settings)
            except OSError as exc:
                yield ScanError(uri, "unreadable", exc.strerror or str(exc))

    def _pst(self, path: Path) -> Iterator[Walked]:
        uri = scheme_uri("pst", path)
        try:
            with open(path, "rb") as stream:
                yield from pst_items(stream, uri, None, self.settings)
        except OSError as exc:
            yield ScanError(uri, "unreadable", exc.strerror or str(exc))

    def _files(self, path: Path) -> Iterator[Walked]:
        from connectors.files import FileConnector

        forced = _FORCED_TYPES.get(self.scheme)
        for walked in FileConnector(str(path), self.settings).walk():
            if isinstance(walked, Item) and path.is_file():
                walked = replace(walked, uri=scheme_uri(self.scheme, path), source_kind="mail",
                                 media_type=forced)  # fmt: skip
            yield walked

    def _maildir(self, root: Path) -> Iterator[Walked]:
        base = scheme_uri("maildir", root)
        limit = self.settings.limits.max_item_bytes
        for folder, files in _maildir_folders(root):
            label = "/".join(p.lstrip(".") for p in folder.relative_to(root).parts) or "INBOX"
            for f in files:
                rel = f.relative_to(root).as_posix()
                if not accepts(rel, self.settings.walk):
                    continue
                key = f.name.split(":", 1)[0]
                uri = f"{base}#folder={_q(label)}/msg={_q(key)}"
                try:
                    st = f.stat()
                except OSError as exc:
                    yield ScanError(uri, "unreadable", exc.strerror or str(exc))
                    continue
                if st.st_size > limit:
                    yield ScanError(uri, "too_large", f"{st.st_size} bytes is over the limit")
                    continue
                yield Item(
                    uri=uri,
                    source_kind="mail",
                    open=_opener(f),
                    size=st.st_size,
                    name=f.name,
                    media_type="message/rfc822",
                    metadata={"mtime": st.st_mtime, "size": st.st_size, "path": str(f)},
                )


def _opener(path: Path) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        return open(path, "rb")

    return open_


def _q(value: str) -> str:
    from connectors.mail.uris import quote_segment

    return "/".join(quote_segment(p) for p in value.split("/"))


def _maildir_folders(root: Path) -> Iterator[tuple[Path, list[Path]]]:
    """(folder, message files) for every Maildir and MH folder under ``root``; links not followed."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs = {e.name: Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)}
        messages: list[Path] = []
        if all(s in dirs for s in _MAILDIR_SUBS[:2]):
            for sub in _MAILDIR_SUBS:
                if sub in dirs:
                    messages += _regular(dirs[sub], lambda n: not n.startswith("."))
        # MH: numbered files
        messages += sorted(
            (
                Path(e.path)
                for e in entries
                if e.name.isdigit() and e.is_file(follow_symlinks=False)
            ),
            key=lambda p: int(p.name),
        )
        if messages:
            yield folder, messages
        stack.extend(p for n, p in sorted(dirs.items(), reverse=True) if n not in _MAILDIR_SUBS)


def _regular(folder: Path, keep: Callable[[str], bool]) -> list[Path]:
    try:
        return sorted(
            Path(e.path) for e in os.scandir(folder)
            if keep(e.name) and e.is_file(follow_symlinks=False)
        )  # fmt: skip
    except OSError:
        return []


def _files_under(path: Path, settings: Settings) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            f = Path(dirpath, name)
            rel = f.relative_to(path).as_posix()
            if accepts(rel, settings.walk) and stat.S_ISREG(f.lstat().st_mode):
                out.append(f)
    return out
