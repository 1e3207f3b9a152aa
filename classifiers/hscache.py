"""Compiled hyperscan databases kept on disk between runs, per user.

Compiling the pattern databases is most of a scan's start-up (measured: 17 databases, 1.6 s on an
idle core, several seconds on a loaded one); loading a serialised database takes milliseconds.
:func:`compile_database` returns the same database as compiling, from a file when one was
written before for exactly these expressions, ids, flags and mode by this hyperscan version.

* Where: ``$PIISCOUT_HS_CACHE`` if set (``off`` or an empty value: no disk cache), else
  ``$XDG_CACHE_HOME/piiscout/hyperscan`` (``~/.cache/piiscout/hyperscan``). The directory is
  created ``0700``; a directory or file owned by another user, or writable by group or others,
  is not used (a database from someone else is never loaded: hyperscan trusts its input).
* The installation's copy: ``piiscout classifiers warm`` (which ``make`` runs) also writes the
  databases under ``<sys.prefix>/share/piiscout/hyperscan`` (the virtualenv), when it may. A
  user whose cache lacks a database loads it from there, if that directory and file belong to
  this user or to root and no one else may write them: a new user, a service account or a
  container with an empty home starts warm. With ``$PIISCOUT_HS_CACHE`` set it is neither read
  nor written.
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
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
# Databases compiled ahead by :func:`prefetch` in this process, by key, until compile_database
# hands each to its caller (bounded: a job nobody asks for again is dropped oldest first).
_AHEAD: dict[str, Any] = {}
AHEAD_MAX = 64
# Set by ``classifiers warm``: a second directory each database is written to (the installation's).
_ALSO_WRITE: list[Path] = []


def cache_dir() -> Path | None:
    """The cache directory (not created here), or None when the disk cache is off."""
    if ENV in os.environ:
        value = os.environ[ENV].strip()
        return None if value.lower() in ("", "off", "0", "no", "false") else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "piiscout" / "hyperscan"


def install_dir() -> Path:
    """The installation's copy of the databases (read by every user of this installation)."""
    return Path(sys.prefix) / "share" / "piiscout" / "hyperscan"


def _trusted(path: Path, is_dir: bool) -> bool:
    """Like :func:`_private`, but root's may do too (a system-wide installation)."""
    return _private(path, is_dir, owners=(os.getuid(), 0))


def _read_dirs() -> list[tuple[Path, Callable[[Path, bool], bool]]]:
    """Where a database is looked for, in order, with the check its files must pass (the
    user's own cache: :func:`_private`; the installation's copy: :func:`_trusted`)."""
    out: list[tuple[Path, Callable[[Path, bool], bool]]] = []
    mine = _usable_dir(create=False)
    if mine is not None:
        out.append((mine, _private))
    if ENV not in os.environ:
        shared = install_dir()
        if shared != mine and _trusted(shared, is_dir=True):
            out.append((shared, _trusted))
    return out


def write_installation_copy() -> Path | None:
    """Have every database this process compiles or loads written to :func:`install_dir` too
    (``classifiers warm``). Returns the directory, or None where it cannot be written or when
    ``$PIISCOUT_HS_CACHE`` names the cache (then the installation's copy is not read either)."""
    if ENV in os.environ:
        return None
    where = install_dir()
    try:
        where.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError:
        return None
    if not _trusted(where, is_dir=True) or not os.access(where, os.W_OK):
        return None
    if where not in _ALSO_WRITE:
        _ALSO_WRITE.append(where)
    return where


def cache_key(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int],
              mode: int) -> str:
    h = hashlib.sha256()
    version = getattr(_hs, "__version__", "none")
    h.update(f"{version}|{platform.machine()}|{mode}|{len(expressions)}\n".encode())
    for e, i, f in zip(expressions, ids, flags, strict=True):
        h.update(f"{i}|{f}|{len(e)}|".encode())
        h.update(e)
    return h.hexdigest()


def _private(path: Path, is_dir: bool, owners: tuple[int, ...] | None = None) -> bool:
    """``path`` is ours (or one of ``owners``') and not writable by anyone else (and of the
    expected kind)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    kind = stat.S_ISDIR(st.st_mode) if is_dir else stat.S_ISREG(st.st_mode)
    return kind and st.st_uid in (owners or (os.getuid(),)) and not st.st_mode & (
        stat.S_IWGRP | stat.S_IWOTH)


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
    if _hs is None:
        return None
    for where, ok in _read_dirs():
        db = _load_from(where / f"{key}.hsdb", mode, ok)
        if db is not None:
            return db
    return None


def _present(key: str) -> bool:
    return any(ok(where / f"{key}.hsdb", False) for where, ok in _read_dirs())


def _load_from(path: Path, mode: int, ok: Callable[[Path, bool], bool]) -> Any:
    assert _hs is not None
    if not ok(path, False):
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
    if ok is _private:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by _evict
    return db


def store(key: str, db: Any) -> None:
    where = _usable_dir(create=True)
    if _hs is None:
        return
    _copy_to_installation(key, db)
    if where is not None:
        _write(where, key, db)


def _copy_to_installation(key: str, db: Any) -> None:
    """Write ``db`` to each directory :func:`write_installation_copy` named, where it is not yet."""
    for also in _ALSO_WRITE:
        if not (also / f"{key}.hsdb").exists():
            _write(also, key, db, 0o644)  # the installation's copy: every user reads it


def _write(where: Path, key: str, db: Any, mode: int = 0o600) -> None:
    assert _hs is not None
    try:
        payload = _hs.dumpb(db)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)
        try:
            os.chmod(tmp, mode)
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


def _compiled(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int],
              mode: int) -> Any:
    assert _hs is not None
    db = _hs.Database(mode=mode)
    db.compile(expressions=list(expressions), ids=list(ids), elements=len(expressions),
               flags=list(flags))
    return db


def compile_database(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int],
                     mode: int | None = None) -> Any:
    """A hyperscan database of ``expressions`` (as ``Database.compile`` builds it), loaded from
    the disk cache when it holds one. Raises what compiling raises (``hyperscan.error``)."""
    assert _hs is not None
    mode = _hs.HS_MODE_BLOCK if mode is None else mode
    key = cache_key(expressions, ids, flags, mode)
    db = _AHEAD.pop(key, None)
    if db is not None:
        return db  # compiled by prefetch and already stored on disk
    db = load(key, mode)
    if db is not None:
        _copy_to_installation(key, db)
        return db
    db = _compiled(expressions, ids, flags, mode)
    store(key, db)
    return db


Job = tuple[Sequence[bytes], Sequence[int], Sequence[int]]


def prefetch(jobs: Sequence[Job], mode: int | None = None, threads: int | None = None) -> int:
    """Compile side by side, in threads, the databases of ``jobs`` (expressions, ids, flags) that
    neither the disk cache nor this process holds yet; :func:`compile_database` then returns
    them at once. Returns how many were compiled.

    What a first scan on a new machine pays is this compile (about 6 s of CPU for the default
    pattern sets, one of them alone 2 s). Hyperscan's compiler runs without the GIL, so threads
    overlap it: start-up waits for the longest database instead of the sum. A job hyperscan
    refuses is skipped here, and compile_database raises the error again for its caller, which
    decides what to do (the patterns' fallback to ``re``)."""
    if _hs is None or not jobs:
        return 0
    mode = _hs.HS_MODE_BLOCK if mode is None else mode
    todo = []
    for exprs, ids, flags in jobs:
        key = cache_key(exprs, ids, flags, mode)
        if key in _AHEAD or _present(key):
            continue
        todo.append((key, exprs, ids, flags))
    if not todo:
        return 0
    t0 = time.perf_counter()

    def one(job: tuple[str, Sequence[bytes], Sequence[int], Sequence[int]]) -> tuple[str, Any]:
        key, exprs, ids, flags = job
        try:
            return key, _compiled(exprs, ids, flags, mode)
        except _hs.error:
            return key, None

    # the longest first: it decides when the pool is done
    todo.sort(key=lambda j: -sum(len(e) for e in j[1]))
    workers = threads or min(len(todo), os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hs-compile") as pool:
        done = list(pool.map(one, todo))
    compiled = 0
    for key, db in done:
        if db is None:
            continue
        store(key, db)
        _AHEAD[key] = db
        compiled += 1
    while len(_AHEAD) > AHEAD_MAX:
        _AHEAD.pop(next(iter(_AHEAD)))
    log.debug("hyperscan: %d databases compiled in %d threads in %.2f s", compiled, workers,
              time.perf_counter() - t0)
    return compiled
