"""Alembic environment for the inventory: runs on a connection handed over by
:func:`scanner.inventory.store.migrate` (``config.attributes["connection"]``)."""

from __future__ import annotations

from alembic import context

from scanner.inventory.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
