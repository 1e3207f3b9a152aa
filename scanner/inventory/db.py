"""Connecting to the inventory database: URLs, messages without passwords, migrations, and
database failures turned into one-line :class:`InventoryError` messages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from scanner.inventory import recording
from scanner.inventory.locks import BUSY_SECONDS, WRITE, migration_guard

T = TypeVar("T")
log = logging.getLogger("piiscout.inventory")


class InventoryError(click.ClickException):
    """A problem with the inventory database that the user can act on.

    A :class:`click.ClickException`, so that any command shows its message instead of a traceback.
    """


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(text: str) -> str:
    return recording.key_of(text)


def normalize_url(url: str) -> str:
    """``postgresql://`` -> psycopg 3; a bare path -> an SQLite file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """The URL without user name and password (secret query values masked), for messages."""
    from scanner.urls import redact_url

    return redact_url(url)


def _error_text(exc: Exception, url: str) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    from scanner.urls import redact_text, url_secrets

    return redact_text(text, str(password) if password else None, *url_secrets(url))


def describe(exc: SQLAlchemyError, url: str) -> str:
    """A one-line message for a database failure (a busy SQLite file says so)."""
    where = safe_url(url)
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return (f"the inventory at {where} stayed locked by another piiscout command for over "
                f"{BUSY_SECONDS} s; try again when it has finished")
    return f"inventory {where}: {_error_text(exc, url)}"


def _db_errors(method: Callable[..., T]) -> Callable[..., T]:
    """Database failures of an :class:`Inventory` (or recorder) method become one-line
    :class:`InventoryError` messages: a busy SQLite file says so, nothing shows a traceback."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            engine = getattr(self, "engine", None) or self.inv.engine
            url = engine.url.render_as_string(hide_password=False)
            raise InventoryError(describe(exc, url)) from None

    return wrapper


# The newest migration in ``migrations/versions`` (tests/scanner/inventory/test_migrations_head.py
# checks it against Alembic's own idea of the head).
HEAD = "0007_findings_ix"


def at_head(engine: Engine) -> bool:
    """Whether the schema is already the newest: then a command need not import Alembic (a
    third of a second, every scheduled scan)."""
    try:
        with engine.connect() as conn:
            heads = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
            conn.rollback()
    except SQLAlchemyError:  # no table yet (a new inventory), or not readable: migrate
        return False
    return heads == [HEAD]


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration shipped in ``migrations/``, in one transaction
    that concurrent commands queue for (SQLite write lock, PostgreSQL advisory lock). A new SQLite
    inventory is made from the head's schema directly (:mod:`scanner.inventory.sqlite_head`)."""
    if at_head(engine):
        return
    if engine.dialect.name == "sqlite":
        from scanner.inventory import sqlite_head

        with engine.execution_options(**WRITE).begin() as conn:
            if sqlite_head.create(conn, HEAD):
                log.debug("new inventory: schema %s made from %d statements", HEAD,
                          len(sqlite_head.STATEMENTS))
                return
    migrate_with_alembic(engine)


def migrate_with_alembic(engine: Engine) -> None:
    """:func:`migrate` by Alembic, whatever the database holds."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    from alembic.runtime.migration import MigrationContext
    from alembic.util.exc import CommandError

    log.debug("inventory schema: migrating to %s with Alembic", HEAD)
    with engine.execution_options(**WRITE).begin() as conn:
        migration_guard(conn)
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        except CommandError:  # the stamped revision is not one this version ships
            stamped = MigrationContext.configure(conn).get_current_heads()
            raise UnknownSchema(", ".join(stamped) or "?") from None


class UnknownSchema(Exception):
    """The inventory's schema revision is not one of ours (a newer or unreleased piiscout)."""
