"""SQL databases by SQLAlchemy URL: every table of every user schema, sampled read-only.

``sqlite:///path.db``, ``postgresql+psycopg://user:pw@host/db``, ``mysql+pymysql://...`` or any
dialect SQLAlchemy can reflect. The walk yields, per table (schemas and tables in sorted order):

* one :class:`~connectors.db_table.TableSource` (a ``UnitSource``): a deterministic sample of rows,
  one text unit per non-empty cell, summarised into one finding per (column, entity);
* one :class:`~scanner.models.Item` per sampled BLOB value (uri ``<table uri>/<column>/row=<key>``),
  typed and extracted like a file. BLOBs are yielded from ``walk()`` (not from the table source)
  because a ``UnitSource`` yields text only; each item's ``open()`` fetches its value by key;
* a :class:`~scanner.models.ScanError` for a table that cannot be read (the walk goes on).

Include/exclude globs (``walk.include`` / ``walk.exclude``) apply to ``<schema>/<table>``, e.g.
``main/Customer`` or ``public/*``.

Sessions are read-only (``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` on PostgreSQL,
``SET SESSION TRANSACTION READ ONLY`` on MySQL/MariaDB, SQLite opened with ``mode=ro``,
``immutable=1`` and ``PRAGMA query_only``, so nothing is created beside the file: no ``-wal``,
``-shm`` or journal; a live WAL is read from a private copy, see :func:`sqlite_source`) with a
statement timeout (``database.statement_timeout_s``). URLs are parsed by
:func:`scanner.urls.parse_db_url`, so a password may hold ``/``, ``#`` or ``@``. Locations and
messages never carry the user name or password: URIs are built from host, port and database only.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from connectors.base import Walked, accepts
from connectors.db_sampling import error_kind
from connectors.db_table import TableSource, blob_items, plan_columns
from scanner.models import ScanError
from scanner.settings import Settings
from scanner.urls import parse_db_url, redact_text, url_secrets

log = logging.getLogger("piiscout.database")

SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys", "temp"}
)
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "oracle": 1521}


def is_database_url(target: str) -> bool:
    """True when ``target`` is a URL naming a dialect SQLAlchemy knows."""
    if "://" not in target:
        return False
    try:
        parse_db_url(target).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        return False
    except Exception:
        return False
    return True


def base_uri(url: URL) -> str:
    """``postgresql://host:5432/db``, ``mysql://host:3306``, ``sqlite:///abs/path.db``.

    Built from the parts that identify the database; the user, password and query string (which
    may hold keys) never appear. MySQL-like servers have no level between server and schema, so
    their tables are ``mysql://host:3306/<schema>/<table>``.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        db = url.database or ""
        if db in ("", ":memory:"):
            return "sqlite://:memory:"
        if db.startswith("file:"):
            db = db[len("file:") :].split("?", 1)[0]
        return "sqlite://" + quote(str(Path(db).expanduser().resolve()))
    host = url.host or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = url.port or DEFAULT_PORTS.get(backend)
    netloc = f"{host}:{port}" if port else host
    if backend in ("mysql", "mariadb"):
        return f"{backend}://{netloc}"
    return f"{backend}://{netloc}/{quote(url.database or '', safe='')}"


def table_uri(base: str, schema: str, table: str) -> str:
    return f"{base}/{quote(schema, safe='')}/{quote(table, safe='')}"


class Scrubber:
    """Makes driver messages safe to record: one line, no user name, password or query values."""

    def __init__(self, url: URL, target: str | None = None) -> None:
        secrets = [url.password, url.username, *[str(v) for v in url.query.values()]]
        if target is not None:
            secrets.extend(url_secrets(target))
        self._secrets = sorted(
            {str(s) for s in secrets if s and len(str(s)) >= 2}, key=len, reverse=True
        )

    def __call__(self, exc: BaseException) -> str:
        orig = getattr(exc, "orig", None)
        text = str(orig if orig is not None else exc).strip()
        text = text.splitlines()[0] if text else type(exc).__name__
        text = redact_text(text, *self._secrets)
        name = type(orig if orig is not None else exc).__name__
        return f"{name}: {text}"[:300]


class _ReadOnlySqlite(sqlite3.Connection):
    """A SQLite connection that carries the deadline of its running statement."""

    piiscout_deadline: list[float]


def sqlite_source(db: str) -> tuple[str, Path | None]:
    """The ``file:`` URI to open the SQLite file ``db`` with, and a private copy to remove later.

    The source must stay untouched: opening a WAL-mode database even with ``mode=ro`` creates
    ``-wal`` and ``-shm`` files beside it. So the file is opened ``mode=ro&immutable=1`` (no
    locks, no journal, nothing created). When a non-empty ``-wal`` file is there (a live
    database, or one not checkpointed), ``immutable`` would ignore the rows still in it: the
    database and its WAL are copied into a private temporary folder (mode 0700, never beside the
    source) and the copy is read, so nothing is missed and nothing is written next to the source.
    """
    if db.startswith("file:"):
        path_part, _, query = db[len("file:") :].partition("?")
        path = Path(path_part).expanduser()
        extra = [p for p in query.split("&") if p and p.split("=", 1)[0] not in ("mode", "immutable")]
    else:
        path, extra = Path(db).expanduser(), []
    path = path.resolve()
    wal = path.with_name(path.name + "-wal")
    copy: Path | None = None
    try:
        live = wal.is_file() and wal.stat().st_size > 0
    except OSError:
        live = False
    if live:
        import shutil
        import tempfile

        copy = Path(tempfile.mkdtemp(prefix="piiscout-sqlite-"))
        target = copy / "db.sqlite"
        shutil.copyfile(path, target)
        shutil.copyfile(wal, copy / "db.sqlite-wal")
        return "file:" + quote(str(target)) + "?" + "&".join([*extra, "mode=ro"]), copy
    return "file:" + quote(str(path)) + "?" + "&".join([*extra, "mode=ro", "immutable=1"]), None


def _sqlite_engine(url: URL, timeout_s: int) -> tuple[Engine, Path | None]:
    uri, copy = sqlite_source(url.database or "")

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, factory=_ReadOnlySqlite)
        conn.execute("PRAGMA query_only = ON")
        deadline = [0.0]

        def progress() -> int:  # non-zero aborts the running statement ("interrupted")
            return 1 if time.monotonic() > deadline[0] else 0

        conn.set_progress_handler(progress, 20_000)
        conn.piiscout_deadline = deadline
        return conn

    engine = sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool)

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        dbapi = conn.connection.dbapi_connection
        deadline = getattr(dbapi, "piiscout_deadline", None)
        if deadline is not None:
            deadline[0] = time.monotonic() + timeout_s

    return engine, copy


def _server_engine(url: URL, timeout_s: int) -> Engine:
    backend, driver = url.get_backend_name(), url.get_driver_name()
    connect_args: dict[str, Any] = {}
    if driver == "pymysql":
        connect_args = {"connect_timeout": 10, "read_timeout": timeout_s + 15}
    elif driver in ("psycopg", "psycopg2"):
        connect_args = {"connect_timeout": 10}
    engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)

    @event.listens_for(engine, "connect")
    def _session(dbapi_conn: Any, record: Any) -> None:
        if backend == "postgresql":
            statements = [
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                f"SET statement_timeout = {int(timeout_s * 1000)}",
                f"SET lock_timeout = {int(timeout_s * 1000)}",
            ]
        elif backend in ("mysql", "mariadb"):
            statements = [
                "SET SESSION TRANSACTION READ ONLY",
                f"SET SESSION max_statement_time = {int(timeout_s)}",  # MariaDB
                f"SET SESSION max_execution_time = {int(timeout_s * 1000)}",  # MySQL
            ]
        else:
            statements = []
        for stmt in statements:
            cur = dbapi_conn.cursor()
            try:
                cur.execute(stmt)
            except Exception:  # the other server family's variable
                if backend == "postgresql":
                    raise
            finally:
                cur.close()
        dbapi_conn.commit()  # session settings made in a transaction must survive its end

    return engine


def make_engine(url: URL, settings: Settings) -> Engine:
    engine, _copy = make_engine_and_copy(url, settings)
    return engine


def make_engine_and_copy(url: URL, settings: Settings) -> tuple[Engine, Path | None]:
    """The engine, and for a live SQLite file the private copy it reads (remove it after)."""
    timeout_s = settings.database.statement_timeout_s
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout_s)
    return _server_engine(url, timeout_s), None


class DatabaseConnector:
    """Walks every table of a database; see the module docstring."""

    source_kind = "database"  # what policy packs call this kind of source

    @staticmethod
    def uri_root(uri: str) -> str:
        """The database a location lies in (its source name): :func:`database_root`."""
        return database_root(uri)

    def __init__(self, target: str, settings: Settings) -> None:
        self.url = parse_db_url(target)  # ValueError (secret-free message) when it does not parse
        self.settings = settings
        self.base = base_uri(self.url)
        self.scrub = Scrubber(self.url, target)
        self.backend = self.url.get_backend_name()
        self._engine: Engine | None = None
        self._copy: Path | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine, self._copy = make_engine_and_copy(self.url, self.settings)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._copy is not None:
            import shutil

            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None

    def schemas(self, inspector: sa.Inspector) -> list[str]:
        if self.backend in ("mysql", "mariadb") and self.url.database:
            return [self.url.database]
        try:
            names = inspector.get_schema_names()
        except NotImplementedError:
            names = [inspector.default_schema_name or "main"]
        return sorted(
            n
            for n in names
            if n.lower() not in SYSTEM_SCHEMAS and not n.lower().startswith(("pg_temp", "pg_toast"))
        )

    def walk(self) -> Iterator[Walked]:
        for listed in self.tables():
            if isinstance(listed, ScanError):
                yield listed
            else:
                yield from self._table(*listed)

    def tables(self) -> Iterator[ScanError | tuple[sa.Inspector, str, str]]:
        """The (inspector, schema, table) of every table the walk settings accept, in order,
        and the errors met listing them (also the plan of a cluster scan)."""
        if self.backend == "sqlite" and self.url.database not in (None, "", ":memory:"):
            path = Path(self.url.database.removeprefix("file:").split("?", 1)[0]).expanduser()
            if not path.is_file():
                yield ScanError(self.base, "unreadable", "no such database file")
                return
        try:
            inspector = sa.inspect(self.engine)
            schemas = self.schemas(inspector)
        except Exception as exc:
            msg = self.scrub(exc)
            yield ScanError(self.base, error_kind(msg), f"cannot connect: {msg}")
            return
        for schema in schemas:
            try:
                tables = sorted(inspector.get_table_names(schema=schema))
            except Exception as exc:
                msg = self.scrub(exc)
                yield ScanError(f"{self.base}/{quote(schema, safe='')}", error_kind(msg), msg)
                continue
            for table in tables:
                if accepts(f"{schema}/{table}", self.settings.walk):
                    yield inspector, schema, table

    def _table(self, inspector: sa.Inspector, schema: str, table: str) -> Iterator[Walked]:
        uri = table_uri(self.base, schema, table)
        try:
            columns = inspector.get_columns(table, schema=schema)
            key = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
        except Exception as exc:
            msg = self.scrub(exc)
            yield ScanError(uri, error_kind(msg), msg)
            return
        plan = plan_columns(columns, key)
        source = TableSource(
            uri=uri,
            engine=self.engine,
            schema=schema,
            table=table,
            plan=plan,
            key=list(key),
            settings=self.settings,
            scrub=self.scrub,
        )
        yield source
        yield from blob_items(source)


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")


def sqlite_db_path(uri: str) -> str | None:
    """The database file of an SQLite location ``sqlite:///abs/x.db/<schema>/<table>[/...]``."""
    if not uri.startswith("sqlite:///"):
        return None
    segments = uri[len("sqlite://"):].split("#", 1)[0].split("/")
    for i, seg in enumerate(segments):
        if seg.startswith("row="):  # a BLOB item: <table uri>/<column>/row=<key>
            segments = segments[: i - 1]
            break
    else:
        if segments[-1].lower().endswith(SQLITE_SUFFIXES):  # the database itself
            return "/".join(segments)
    if len(segments) < 4:  # "", a file, a schema, a table at least
        return None
    return "/".join(segments[:-2])


def database_root(uri: str) -> str:
    """``sqlite:////abs/x.db`` (a target: four slashes) for an SQLite location,
    ``postgresql://host:5432/db`` for a server's; never a user or password (locations have none)."""
    parts = urlsplit(uri)
    if parts.scheme == "sqlite":
        path = sqlite_db_path(uri)
        return "sqlite:///" + unquote(path if path else parts.path)
    db = next((p for p in parts.path.split("/") if p), "")
    return f"{parts.scheme}://{parts.netloc}/{db}" if db else f"{parts.scheme}://{parts.netloc}"
