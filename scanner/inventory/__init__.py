"""The data inventory: every scan's findings, aggregated per location + field + entity + value
hash, mapped to policy clauses, with per-location errors and an append-only review log.

SQLAlchemy 2 models are in :mod:`.schema`, the Alembic migrations ship in ``migrations/`` and run
on open, and :class:`~scanner.inventory.store.Inventory` is the one entry point.
"""

from scanner.inventory.store import FindingRow, Inventory, InventoryError, ReviewEntry

__all__ = ["FindingRow", "Inventory", "InventoryError", "ReviewEntry"]
