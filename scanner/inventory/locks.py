"""Safe sharing of one inventory between several commands and processes.

* SQLite: the driver's own transaction handling is switched off and every transaction begins
  explicitly, reads with ``BEGIN`` and writes with ``BEGIN IMMEDIATE`` (the write lock is taken at
  once, so two writers queue instead of failing half-way); a busy handler waits up to
  :data:`BUSY_SECONDS` for a lock. The file is in WAL mode with ``synchronous=NORMAL``: a
  committed transaction survives the process being killed (only a power cut may lose the last
  ones, never corrupting the file), readers (the workbench) do not wait for a recording scan, and
  a commit costs no fsync of a rollback journal — half of recording's time in the default mode.
  A file that cannot be switched (read-only) keeps its mode. Migrations run in one such write transaction, so commands that
  start together on a fresh file migrate it once, one after the other.
* PostgreSQL: migrations run under a transaction-level advisory lock.
* Recording: one scan at a time records into an inventory. The recorder holds the *recording lock*
  for the whole run — an exclusive ``flock`` on ``<file>.lock`` next to an SQLite file, a
  session-level advisory lock on its own PostgreSQL connection. Both vanish with the process
  (kill -9 included), which is how a later command tells a dead run from a live one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text

BUSY_SECONDS = 15
WAL_CHECKPOINT_PAGES = 4000  # SQLite's default is 1000
WRITE = {"sqlite_begin": "IMMEDIATE"}  # execution options of the writing sessions
_PG_CLASS = 0x5049  # "PI": first key of piiscout's advisory locks; the second is per schema
_PG_MIGRATE, _PG_RECORD = 1, 2
_PG_SCHEMA = "hashtext(coalesce(current_schema(), ''))"  # one lock per inventory schema


def configure_sqlite(engine: Engine) -> None:
    """Explicit BEGIN / BEGIN IMMEDIATE, foreign keys on, and a busy timeout (see module doc)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        with contextlib.suppress(sqlite3.DatabaseError):  # read-only, busy: the mode it has
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MB: a batch's index pages stay in memory
        # RETURNING's rows and sorts in memory, not in a temporary file
        cur.execute("PRAGMA temp_store=MEMORY")
        # Checkpoint the WAL every 16 MB instead of every 4 MB: a page written by many batches
        # (the value hash index's, at random places) is copied into the file fewer times.
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def migration_guard(conn: Connection) -> None:
    """Serialise migrations: called first inside the migration's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock(:a, {_PG_SCHEMA})"),
                     {"a": _PG_CLASS * 16 + _PG_MIGRATE})


def sqlite_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


class RecordingLock:
    """The inventory's recording lock (see module doc). :meth:`acquire` does not wait."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fd: int | None = None
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self._conn is not None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            got = conn.execute(
                text(f"SELECT pg_try_advisory_lock(:a, {_PG_SCHEMA})"),
                {"a": _PG_CLASS * 16 + _PG_RECORD},
            ).scalar()
            conn.commit()  # a session-level lock outlives the transaction
            if got:
                self._conn = conn
            else:
                conn.close()
            return bool(got)
        path = sqlite_path(self.engine)
        if path is None:
            self._fd = -1  # an in-memory database is private to this process
            return True
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
                conn.commit()
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            if fd >= 0:
                os.close(fd)  # closing the descriptor drops the flock
