"""Compiled hyperscan databases kept on disk between runs, per user.

Compiling the pattern databases is most of a scan's start-up (measured: 17 databases, 1.6 s on an
idle core, several seconds on a loaded one); loading a serialised database takes milliseconds.
:func:`compile_database` returns the same database as compiling, from a file when one was
written before for exactly these expressions, ids, flags and mode by this hyperscan version.

* Where: ``$PIISCOUT_HS_CACHE`` if set (``off`` or an empty value: no disk cache), else
  ``$XDG_CACHE_HOME/piiscout/hyperscan`` (``~/.cache/piiscout/hyperscan``). The directory is
  created ``0700``; a directory or file owned by another user, or writable by group or others,
  is not used (a database from someone else is never loaded: hyperscan trusts its input).
* What: patterns only -- the file holds the compiled expressions, never a scanned value.
* Key: sha256 over the hyperscan binding's version, the machine, the mode, and every
  (id, expression, flags). A changed pattern is a new file.
* A file is ``MAGIC + sha256(payload) + payload``; a short, corrupt or foreign file, or one
  hyperscan refuses (another library build, another CPU), is ignored and rebuilt. Writing goes
  through a temporary file and ``os.replace``, so a concurrent run never reads half a file.
  Beyond :data:`MAX_FILES` files (old pattern sets), the least recently used are removed.
Any failure of the cache itself falls back to compiling: the cache can make a scan faster, never
stop it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("piiscout.hscache")

try:  # hyperscan ships x86-64 wheels only
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None  # type: ignore[assignment]

MAGIC = b"piiscout-hs1\n"
MAX_FILES = 128  # older pattern sets' files beyond this are removed, least recently used first
DIGEST = 32  # sha256 bytes after MAGIC
ENV = "PIISCOUT_HS_CACHE"


def cache_dir() -> Path | None:
    """The cache directory (not created here), or None when the disk cache is off."""
    if ENV in os.environ:
        value = os.environ[ENV].strip()
        return None if value.lower() in ("", "off", "0", "no", "false") else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "piiscout" / "hyperscan"


def cache_key(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int],
              mode: int) -> str:
    h = hashlib.sha256()
    version = getattr(_hs, "__version__", "none")
    h.update(f"{version}|{platform.machine()}|{mode}|{len(expressions)}\n".encode())
    for e, i, f in zip(expressions, ids, flags, strict=True):
        h.update(f"{i}|{f}|{len(e)}|".encode())
        h.update(e)
    return h.hexdigest()


def _private(path: Path, is_dir: bool) -> bool:
    """``path`` is ours and not writable by anyone else (and of the expected kind)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    kind = stat.S_ISDIR(st.st_mode) if is_dir else stat.S_ISREG(st.st_mode)
    return kind and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_dir(create: bool) -> Path | None:
    where = cache_dir()
    if where is None:
        return None
    if create and not where.exists():
        try:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(where, 0o700)
        except OSError:
            return None
    return where if _private(where, is_dir=True) else None


def load(key: str, mode: int) -> Any:
    """The database stored under ``key``, or None (absent, foreign, corrupt or refused)."""
    where = _usable_dir(create=False)
    if where is None or _hs is None:
        return None
    path = where / f"{key}.hsdb"
    if not _private(path, is_dir=False):
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + DIGEST
    if len(blob) <= head or not blob.startswith(MAGIC):
        return None
    payload = blob[head:]
    if hashlib.sha256(payload).digest() != blob[len(MAGIC):head]:
        log.debug("hyperscan cache file %s is corrupt: rebuilt", path.name)
        return None
    try:
        db = _hs.loadb(payload, mode)
        db.scratch = _hs.Scratch(db)  # a loaded database has none (python-hyperscan #153)
    except Exception as exc:  # another hyperscan build or CPU: compile instead
        log.debug("hyperscan cache file %s refused: %s", path.name, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by _evict
    return db


def store(key: str, db: Any) -> None:
    where = _usable_dir(create=True)
    if where is None or _hs is None:
        return
    try:
        payload = _hs.dumpb(db)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, where / f"{key}.hsdb")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _evict(where)
    except Exception as exc:  # a full disk or a read-only home: the scan goes on
        log.debug("hyperscan cache not written: %s", exc)


def _evict(where: Path, keep: int | None = None) -> None:
    """Remove the least recently used files beyond ``keep`` (:data:`MAX_FILES`): each change of
    a pattern set leaves its old files behind."""
    keep = MAX_FILES if keep is None else keep
    files = []
    for f in where.glob("*.hsdb"):
        try:
            files.append((f.stat().st_mtime, f))
        except OSError:
            continue
    files.sort(reverse=True)
    for _, f in files[keep:]:
        f.unlink(missing_ok=True)


def compile_database(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int],
                     mode: int | None = None) -> Any:
    """A hyperscan database of ``expressions`` (as ``Database.compile`` builds it), loaded from
    the disk cache when it holds one. Raises what compiling raises (``hyperscan.error``)."""
    assert _hs is not None
    mode = _hs.HS_MODE_BLOCK if mode is None else mode
    key = cache_key(expressions, ids, flags, mode)
    db = load(key, mode)
    if db is not None:
        return db
    db = _hs.Database(mode=mode)
    db.compile(expressions=list(expressions), ids=list(ids), elements=len(expressions),
               flags=list(flags))
    store(key, db)
    return db
