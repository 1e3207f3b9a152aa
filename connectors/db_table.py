"""One database table as a ``UnitSource``, and its BLOB values as items.

Units: one :class:`~scanner.models.TextUnit` per non-empty sampled cell, ``location.field`` = the
column name, ``record = "row:<n>"`` (``n`` = 1-based position in the deterministic sample, so the
linkage classifier sees a row), ``kind`` "value" for short values and "prose" for long free text.
While the scan runs, a unit's ``location.uri`` is ``<table uri>#row=<n>`` so that
the pipeline's post-scan stage (:mod:`scanner.stages.columns`, which reads ``sampled`` and
``prose``) can count matched rows; the column-level findings it makes carry the table uri,
``line=None`` and the column in ``field``.

Column types: booleans, floats, decimals with a fractional part, times and intervals are not
sampled (they cannot hold personal data worth reporting); BLOB columns are read as items.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import sqltypes

from connectors.db_sampling import (
    error_kind,
    order_key,
    sample_select,
    sqlite_has_rowid,
    table_clause,
)
from scanner.models import Finding, Item, ItemError, Location, ScanError, TextUnit
from scanner.settings import Settings

Role = Literal["text", "blob", "skip"]
MAX_CELL_CHARS = 100_000
MAX_BLOBS_PER_COLUMN = 100
PROSE_MIN_CHARS = 80
PROSE_MIN_SPACES = 8


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    role: Role
    type_name: str


def column_role(type_: Any) -> Role:
    if isinstance(type_, sqltypes._Binary):  # LargeBinary, BLOB, BYTEA, VARBINARY
        return "blob"
    if isinstance(type_, sqltypes.Boolean | sqltypes.Float | sqltypes.Time | sqltypes.Interval):
        return "skip"
    if isinstance(type_, sqltypes.Numeric) and not isinstance(type_, sqltypes.Integer):
        scale = getattr(type_, "scale", None)
        return "text" if scale == 0 else "skip"
    return "text"


def plan_columns(columns: Sequence[ReflectedColumn], key: Sequence[str] = ()) -> list[ColumnPlan]:
    """Roles of the reflected columns; a single integer primary key (a surrogate) is skipped."""
    out = []
    for c in columns:
        if list(key) == [c["name"]] and isinstance(c["type"], sqltypes.Integer):
            out.append(ColumnPlan(str(c["name"]), "skip", "INTEGER KEY"))
            continue
        try:
            type_name = str(c["type"])
        except Exception:
            type_name = type(c["type"]).__name__
        out.append(ColumnPlan(str(c["name"]), column_role(c["type"]), type_name))
    return out


def cell_text(value: object) -> str | None:
    """The text of one cell, or ``None`` when there is nothing to classify."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\x00" in text:
            return None
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    text = text.strip()
    return text[:MAX_CELL_CHARS] if text else None


def unit_kind(text: str) -> Literal["prose", "value"]:
    long = len(text) >= PROSE_MIN_CHARS and text.count(" ") >= PROSE_MIN_SPACES
    return "prose" if long else "value"


@dataclass
class TableSource:
    """A sampled table. ``units()`` reads it; the pipeline makes its column-level findings."""

    uri: str
    engine: Engine
    schema: str | None
    table: str
    plan: list[ColumnPlan]
    key: list[str]
    settings: Settings
    scrub: Callable[[BaseException], str]
    source_kind: str = "database"
    sampled: Counter[str] = field(default_factory=Counter)
    prose: Counter[str] = field(default_factory=Counter)
    _version: list[str | None] = field(default_factory=list, repr=False)

    def version(self) -> str | None:
        """The table's version for incremental scans (computed once): its schema, row count and
        the cheapest change marker the database offers; ``None`` when there is no trustworthy
        marker (the table is then read every time)."""
        if not self._version:
            self._version.append(table_version(self))
        return self._version[0]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def text_columns(self) -> list[str]:
        return [c.name for c in self.plan if c.role == "text"]

    def units(self) -> Iterator[TextUnit]:
        columns = self.text_columns()
        if not columns:
            return
        self.sampled.clear()
        self.prose.clear()
        n = self.settings.database.sample_rows
        try:
            with self.engine.connect() as conn:
                stmt = sample_select(
                    conn, self.dialect, self.schema, self.table, columns, self.key, n
                )
                result = conn.execution_options(stream_results=True, max_row_buffer=1000).execute(
                    stmt
                )
                for i, row in enumerate(result, 1):
                    yield from self._row_units(i, columns, row)
        except Exception as exc:
            msg = self.scrub(exc)
            raise ItemError(error_kind(msg), msg, self.uri) from None

    def _row_units(
        self, i: int, columns: Sequence[str], row: Sequence[object]
    ) -> Iterator[TextUnit]:
        uri = f"{self.uri}#row={i}"
        for name, value in zip(columns, row, strict=True):
            text = cell_text(value)
            if text is None:
                continue
            kind = unit_kind(text)
            self.sampled[name] += 1
            if kind == "prose":
                self.prose[name] += 1
            yield TextUnit(Location(uri, None, name), text, kind, f"row:{i}", self.source_kind)

    def summarize(self, findings: Sequence[Finding]) -> list[Finding]:
        """Unchanged: a table's column findings need the column-name classifier, which a
        connector never sees; :func:`scanner.stages.columns.summarize` makes them."""
        return list(findings)


def _blob_opener(
    src: TableSource, column: str, where: dict[str, object], uri: str
) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        t = table_clause(src.schema, src.table, [column, *where])
        cond = [
            (sa.literal_column(k) if k in ("rowid", "ctid") else t.c[k]) == sa.bindparam(f"k{i}", v)
            for i, (k, v) in enumerate(where.items())
        ]
        try:
            with src.engine.connect() as conn:
                value = conn.execute(sa.select(t.c[column]).where(*cond)).scalar()
        except (SQLAlchemyError, sqlite3.Error) as exc:
            msg = src.scrub(exc)
            raise ItemError(error_kind(msg), msg, uri) from None
        if value is None:
            raise ItemError("unreadable", "the row is gone or its value is now empty", uri)
        return io.BytesIO(bytes(value))

    return open_


def _row_label(key_values: Sequence[object], n: int) -> str:
    """``row=<key>`` for an integer key; otherwise the sample position (a key may be personal)."""
    if len(key_values) == 1 and isinstance(key_values[0], int):
        return f"row={key_values[0]}"
    return f"rownum={n}"


def blob_items(src: TableSource) -> Iterator[Item | ScanError]:
    """The first sampled non-empty values of each BLOB column (by key), as items."""
    blobs = [c.name for c in src.plan if c.role == "blob"]
    if not blobs:
        return
    limit = min(MAX_BLOBS_PER_COLUMN, src.settings.database.sample_rows)
    max_bytes = src.settings.limits.max_item_bytes
    for column in blobs:
        col_uri = f"{src.uri}/{quote(column, safe='')}"
        try:
            with src.engine.connect() as conn:
                t = table_clause(src.schema, src.table, [column, *src.key])
                rowid = src.dialect == "sqlite" and sqlite_has_rowid(conn, t)
                order = order_key(src.dialect, t, src.key, rowid)
                if not order:
                    yield ScanError(col_uri, "skipped", "BLOB column in a table without a key")
                    continue
                key_names = src.key or [str(order[0])]
                keyed = [sa.cast(o, sa.Text) if str(o) == "ctid" else o for o in order]
                stmt = (
                    sa.select(*keyed, sa.func.length(t.c[column]))
                    .where(t.c[column].is_not(None))
                    .order_by(*order)
                    .limit(limit)
                )
                rows = conn.execute(stmt).all()
        except (SQLAlchemyError, sqlite3.Error) as exc:
            msg = src.scrub(exc)
            yield ScanError(col_uri, error_kind(msg), msg)
            continue
        for n, row in enumerate(rows, 1):
            *key_values, size = row
            uri = f"{col_uri}/{_row_label(key_values, n)}"
            size = int(size) if size is not None else None
            if size is not None and size > max_bytes:
                yield ScanError(
                    uri, "too_large", f"{size} bytes is over the {max_bytes}-byte limit"
                )
                continue
            where = dict(zip(key_names, key_values, strict=True))
            yield Item(
                uri=uri,
                source_kind="database",
                open=_blob_opener(src, column, where, uri),
                size=size,
                name=column,
                metadata={"table": src.uri, "column": column, "version": src.version},
            )


# A change marker younger than this is not trusted (coarse clocks: a second change in the same
# second would leave it equal).
_MARKER_MIN_AGE_S = 2.0


def table_version(src: TableSource) -> str | None:
    """Schema + row count + a change marker: SQLite the database file's (and its WAL's) size and
    mtime; PostgreSQL the table's insert/update/delete counters (``pg_stat_user_tables``);
    MySQL/MariaDB ``information_schema.TABLES.UPDATE_TIME``. ``None`` when unavailable."""
    import hashlib
    import os

    schema = ";".join(f"{c.name}:{c.type_name}:{c.role}" for c in src.plan) + "|" + ",".join(src.key)
    try:
        with src.engine.connect() as conn:
            t = table_clause(src.schema, src.table, [])
            rows = int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
            if src.dialect == "sqlite":
                files = [r[2] for r in conn.exec_driver_sql("PRAGMA database_list") if r[1] == "main"]
                if not files or not files[0]:
                    return None
                marks = []
                for path in (files[0], files[0] + "-wal"):
                    try:
                        st = os.stat(path)
                    except FileNotFoundError:
                        continue
                    marks.append(f"{st.st_size}:{st.st_mtime_ns}")
                marker = "/".join(marks)
            elif src.dialect == "postgresql":
                row = conn.execute(sa.text(
                    "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                    "WHERE schemaname = :s AND relname = :t"), {"s": src.schema, "t": src.table}
                ).first()
                if row is None or any(v is None for v in row):
                    return None
                marker = ":".join(str(v) for v in row)
            elif src.dialect in ("mysql", "mariadb"):
                row = conn.execute(sa.text(
                    "SELECT UPDATE_TIME, TIMESTAMPDIFF(SECOND, UPDATE_TIME, NOW()) "
                    "FROM information_schema.TABLES WHERE TABLE_SCHEMA = :s AND TABLE_NAME = :t"),
                    {"s": src.schema, "t": src.table}).first()
                if row is None or row[0] is None or row[1] is None or row[1] < _MARKER_MIN_AGE_S:
                    return None
                marker = str(row[0])
            else:
                return None
    except Exception:
        return None
    digest = hashlib.sha256(f"{schema}|{rows}|{marker}".encode("utf-8", "surrogatepass"))
    return f"{src.dialect}:{digest.hexdigest()}"
