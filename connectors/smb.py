"""SMB/CIFS shares: ``smb://[user@]host[:port]/share[/path]``, read-only, with smbprotocol.

* Credentials: the user from the target's ``user@`` or ``PIISCOUT_SMB_USER``, the password from
  ``PIISCOUT_SMB_PASSWORD`` or a prompt when stdin is a terminal. They never appear in a uri, an
  error message or a log: every uri this connector yields is ``smb://host[:port]/share/path``.
* The walk applies the same rules as local folders (include/exclude globs on the path relative
  to the target, ``limits.max_item_bytes`` with the skip recorded, stable sorted order).
  Reparse points (symbolic links, junctions) are not entered unless ``walk.follow_symlinks``;
  a directory is entered once by its file id, so links the server resolves itself (Samba
  follows symlinks by default) never loop.
* Items stream with ``smbclient.open_file(..., mode="rb")``; files are opened read-only with
  shared read access and nothing is ever written.
* A connection that drops mid-scan is re-established once (connection cache reset, session
  registered again) and the operation retried; if that fails too, the location is recorded as
  ``unreadable`` and the walk goes on with the next one.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote, unquote, urlsplit

from connectors.base import Walked, accepts, glob_match, share_root
from scanner.models import Item, ScanError
from scanner.settings import Settings
from scanner.urls import redact_text, split_userinfo

log = logging.getLogger("piiscout.smb")
T = TypeVar("T")

FILE_ATTRIBUTE_DIRECTORY = 0x10
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
DEFAULT_PORT = 445


# smbprotocol logs the user name at INFO and whole messages (NTLM exchanges included) at DEBUG.
QUIET_LOGGERS = ("smbprotocol", "smbclient", "spnego")


def quiet_smb_logging() -> None:
    """Keep the SMB libraries at WARNING or above, whatever ``-v``/``-vv`` set."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


def public_uri(target: str) -> str:
    """``target`` without user, password, query or fragment."""
    parts = urlsplit(split_userinfo(target).without_userinfo())
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"smb://{host}{port}{parts.path}".rstrip("/")


class SmbConnector:
    source_kind = "smb"  # what policy packs call this kind of source
    uri_root = staticmethod(share_root)  # the source a location belongs to

    def __init__(self, target: str, settings: Settings) -> None:
        # The password may hold '/', '#', '@': split the user information off first (on the
        # last '@' before the host), then parse what is left.
        split = split_userinfo(target)
        parts = urlsplit(split.without_userinfo())
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ValueError("an SMB target looks like smb://host[:port]/share/path "
                             "(the port is not a number)") from None
        if not parts.hostname:
            raise ValueError("an SMB target looks like smb://host[:port]/share/path")
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if not segments:
            raise ValueError("an SMB target needs a share: smb://host[:port]/share/path")
        self.settings = settings
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORT
        self.share = segments[0]
        self.base = segments[1:]
        self.root_uri = public_uri(target)
        self._user = split.username or None
        self._password = split.password or None
        self._cache: dict[str, Any] = {}
        self._registered = False
        quiet_smb_logging()

    # -- credentials and connection ---------------------------------------------------------

    def _credentials(self) -> tuple[str | None, str | None]:
        user = self._user or os.environ.get("PIISCOUT_SMB_USER")
        password = os.environ.get("PIISCOUT_SMB_PASSWORD") or self._password
        if user and password is None and sys.stdin.isatty():
            password = getpass.getpass(f"SMB password for {self.host}: ")
            self._password = password
        return user, password

    def _secret_free(self, exc: BaseException) -> str:
        """An exception message with any credential blanked out."""
        text = f"{type(exc).__name__}: {exc}"
        user, password = self._credentials_nonprompt()
        return redact_text(text, password, user)[:500]

    def _credentials_nonprompt(self) -> tuple[str | None, str | None]:
        return (self._user or os.environ.get("PIISCOUT_SMB_USER"),
                os.environ.get("PIISCOUT_SMB_PASSWORD") or self._password)  # fmt: skip

    def _register(self) -> None:
        import smbclient

        user, password = self._credentials()
        smbclient.register_session(self.host, username=user, password=password, port=self.port,
                                   connection_cache=self._cache)  # fmt: skip
        self._registered = True

    def _kw(self) -> dict[str, Any]:
        """Keyword arguments of every smbclient call: with the credentials, a call that finds its
        connection closed registers a new session by itself."""
        user, password = self._credentials_nonprompt()
        return {"port": self.port, "connection_cache": self._cache, "username": user,
                "password": password}  # fmt: skip

    def _reconnect(self) -> None:
        import smbclient

        with contextlib.suppress(Exception):
            smbclient.reset_connection_cache(fail_on_error=False, connection_cache=self._cache)
        self._cache = {}
        self._register()

    def _retry(self, op: Callable[[], T]) -> T:
        """Run ``op``; on a connection failure reconnect once and run it again."""
        try:
            return op()
        except Exception as exc:
            if not _is_connection_error(exc):
                raise
            log.info("SMB connection to %s lost; reconnecting", self.root_uri)
            self._reconnect()
            return op()

    def _listing(self, unc: str) -> list[Any]:
        """The entries of the folder ``unc``, sorted by name."""
        import smbclient

        return sorted(smbclient.scandir(unc, **self._kw()), key=lambda e: e.name)

    def close(self) -> None:
        import smbclient

        if self._registered:
            with contextlib.suppress(Exception):
                smbclient.reset_connection_cache(fail_on_error=False, connection_cache=self._cache)
        self._registered = False

    # -- the walk -----------------------------------------------------------------------

    def _unc(self, parts: list[str]) -> str:
        return "\\\\" + "\\".join([self.host, self.share, *parts])

    def _uri(self, rel: list[str]) -> str:
        return "/".join([self.root_uri, *(quote(p) for p in rel)])

    def walk(self) -> Iterator[Walked]:
        try:
            self._register()
        except Exception as exc:
            yield ScanError(
                self.root_uri, "unreadable", f"cannot connect: {self._secret_free(exc)}"
            )
            return
        import smbclient

        try:
            info = self._retry(lambda: smbclient.stat(self._unc(self.base), **self._kw()))  # fmt: skip
        except Exception as exc:
            yield ScanError(self.root_uri, "unreadable", self._secret_free(exc))
            return
        if not (info.st_file_attributes & FILE_ATTRIBUTE_DIRECTORY):
            name = self.base[-1] if self.base else self.share
            yield from self._file(self.base, [], name, info.st_size, info.st_mtime)
            return
        yield from self._walk_dirs(getattr(info, "st_ino", None))

    def _walk_dirs(self, root_id: int | None) -> Iterator[Walked]:
        seen: set[int] = {root_id} if root_id else set()
        stack: list[list[str]] = [[]]
        follow = self.settings.walk.follow_symlinks
        while stack:
            rel = stack.pop()
            unc = self._unc([*self.base, *rel])
            try:
                entries = self._retry(functools.partial(self._listing, unc))
            except Exception as exc:
                yield ScanError(self._uri(rel), "unreadable", self._secret_free(exc))
                continue
            subdirs: list[list[str]] = []
            for entry in entries:
                smb = entry.smb_info
                attrs = smb.file_attributes
                child = [*rel, entry.name]
                relpath = "/".join(child)
                if attrs & FILE_ATTRIBUTE_REPARSE_POINT and not follow:
                    continue
                if attrs & FILE_ATTRIBUTE_DIRECTORY:
                    if smb.file_id in seen:
                        continue  # a link back into the tree: entered once only
                    seen.add(smb.file_id)
                    if not any(glob_match(relpath + "/x", g) for g in
                               self.settings.walk.exclude if g.endswith("/**")):  # fmt: skip
                        subdirs.append(child)
                    continue
                if not accepts(relpath, self.settings.walk):
                    continue
                mtime = smb.last_write_time.timestamp() if smb.last_write_time else None
                yield from self._file([*self.base, *child], child, entry.name,
                                      smb.end_of_file, mtime)  # fmt: skip
            stack.extend(reversed(subdirs))

    def _file(self, parts: list[str], rel: list[str], name: str, size: int,
              mtime: float | None) -> Iterator[Walked]:  # fmt: skip
        uri = self._uri(rel) if rel else self.root_uri
        limit = self.settings.limits.max_item_bytes
        if size > limit:
            yield ScanError(uri, "too_large", f"{size} bytes is over the {limit}-byte limit")
            return
        yield Item(
            uri=uri,
            source_kind="smb",
            open=self._opener(self._unc(parts)),
            size=size,
            name=name,
            metadata={"mtime": mtime, "size": size,
                      "version": f"smb:{size}:{mtime}" if mtime is not None else None},
        )

    def _opener(self, unc: str) -> Callable[[], BinaryIO]:
        def open_() -> BinaryIO:
            import smbclient

            return self._retry(lambda: smbclient.open_file(
                unc, mode="rb", share_access="r", **self._kw()))  # fmt: skip

        return open_


def _is_connection_error(exc: BaseException) -> bool:
    from smbprotocol.exceptions import SMBConnectionClosed

    if isinstance(exc, SMBConnectionClosed | ConnectionError | BrokenPipeError | TimeoutError):
        return True
    text = str(exc).lower()
    return any(s in text for s in ("connection", "socket", "network name", "session"))
