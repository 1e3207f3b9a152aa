"""Deterministic row samples: the same data always gives the same rows in the same order.

A table with at most ``n`` rows is read whole, ordered by its key. A larger one is sampled on the
server where the dialect can:

* PostgreSQL: ``TABLESAMPLE BERNOULLI(p) REPEATABLE(seed)`` with ``p`` a power-of-two fraction
  above ``2n / estimated rows`` (so small changes of the estimate do not change the sample),
  then ordered by ``md5`` of the key (or of ``ctid``) and cut at ``n``;
* MySQL / MariaDB: ordered by ``CRC32`` of the key (``RAND(seed)`` without a key), cut at ``n``;
* SQLite: ordered by a multiplicative hash of ``rowid``, cut at ``n``;
* any other dialect: the first ``n`` rows by key.

Column values are selected without SQLAlchemy types (plain ``column()`` objects), so that a value
the driver returns is never re-parsed (SQLite ``DATETIME`` text that is not ISO would fail).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select, TableClause

SEED = 20240601


def table_clause(schema: str | None, table: str, names: Sequence[str]) -> TableClause:
    return sa.table(table, *[sa.column(n) for n in dict.fromkeys(names)], schema=schema)


def has_more_than(conn: Connection, t: TableClause, n: int) -> bool:
    inner = sa.select(sa.literal_column("1")).select_from(t).limit(n + 1).subquery("s")
    return int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar() or 0) > n


def order_key(dialect: str, t: TableClause, key: Sequence[str], rowid: bool) -> list[ColumnElement]:
    """The column(s) that give rows a stable order, or ``[]`` if the table has none."""
    if key:
        return [t.c[k] for k in key]
    if dialect == "postgresql":
        return [sa.literal_column("ctid")]
    if dialect == "sqlite" and rowid:
        return [sa.literal_column("rowid")]
    return []


def sqlite_has_rowid(conn: Connection, t: TableClause) -> bool:
    try:
        conn.execute(sa.select(sa.literal_column("rowid")).select_from(t).limit(0))
    except sa.exc.DBAPIError:
        return False
    return True


def _pg_estimate(conn: Connection, schema: str | None, table: str, t: TableClause) -> float:
    est = conn.execute(
        sa.text(
            "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = :t AND n.nspname = :s"
        ),
        {"t": table, "s": schema or "public"},
    ).scalar()
    if est is None or est <= 0:  # never analysed: count exactly
        est = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0
    return float(est)


def bernoulli_percent(n: int, estimate: float) -> float:
    """A power-of-two fraction (in percent) at least ``2n / estimate``, at most 100."""
    if estimate <= 0:
        return 100.0
    need = min(1.0, 2.0 * n / estimate)
    k = math.floor(math.log2(1.0 / need))
    return 100.0 / (2**k)


def sample_select(
    conn: Connection,
    dialect: str,
    schema: str | None,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    n: int,
) -> Select:
    """The SELECT that reads the deterministic sample of ``columns`` (key columns included)."""
    t = table_clause(schema, table, [*columns, *key])
    rowid = dialect == "sqlite" and sqlite_has_rowid(conn, t)
    order = order_key(dialect, t, key, rowid)
    if not has_more_than(conn, t, n):
        return sa.select(*[t.c[c] for c in columns]).select_from(t).order_by(*order)
    if dialect == "postgresql":
        pct = bernoulli_percent(n, _pg_estimate(conn, schema, table, t))
        src = sa.tablesample(
            t,
            sa.func.bernoulli(sa.literal_column(f"{pct:.6f}")),
            name="piiscout_sample",
            seed=sa.literal_column(str(SEED)),
        )
        keyed = [src.c[k] for k in key] if key else [sa.literal_column("ctid")]
        text = sa.func.concat_ws("|", *[sa.cast(k, sa.Text) for k in keyed])
        return (
            sa.select(*[src.c[c] for c in columns])
            .select_from(src)
            .order_by(sa.func.md5(text), *keyed)
            .limit(n)
        )
    if dialect in ("mysql", "mariadb"):
        if key:
            crc = sa.func.crc32(sa.func.concat_ws("|", *[t.c[k] for k in key]))
            ordering: list[ColumnElement] = [crc, *order]
        else:
            ordering = [sa.func.rand(SEED)]
        return sa.select(*[t.c[c] for c in columns]).select_from(t).order_by(*ordering).limit(n)
    if dialect == "sqlite" and rowid:
        r: ColumnElement[int] = sa.literal_column("rowid")
        mixed = (r * 2654435761) % 4294967296
        return sa.select(*[t.c[c] for c in columns]).select_from(t).order_by(mixed, r).limit(n)
    return sa.select(*[t.c[c] for c in columns]).select_from(t).order_by(*order).limit(n)


def error_kind(message: str) -> str:
    """What a database error message says went wrong: a timeout, or the item was unreadable."""
    m = message.lower()
    if any(
        w in m
        for w in (
            "timeout",
            "interrupted",
            "max_statement_time",
            "canceling statement",
            "execution time exceeded",
        )
    ):
        return "timeout"
    return "unreadable"
