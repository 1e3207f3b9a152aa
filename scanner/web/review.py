"""Review decisions from the workbench: one or many findings, and reopening (back to ``open``).

Decisions other than ``open`` go through :meth:`Inventory.review` (one audit row each, in the
append-only ``reviews`` log). Reopening writes the same kind of audit row and sets the status
back, in one transaction; the reviewer is always the signed-in user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from scanner.inventory.schema import STATUSES, FindingAgg, Review
from scanner.inventory.store import Inventory, InventoryError, ReviewEntry


def decide(inv: Inventory, finding_ids: Iterable[int], status: str, *, reviewer: str,
           note: str = "") -> list[ReviewEntry]:
    if status not in STATUSES:
        raise InventoryError(f"unknown review status {status!r}")
    out = []
    for fid in dict.fromkeys(finding_ids):
        if status == "open":
            out.append(_reopen(inv, fid, reviewer, note))
        else:
            out.append(inv.review(fid, status, reviewer=reviewer, note=note))
    return out


def _reopen(inv: Inventory, finding_id: int, reviewer: str, note: str) -> ReviewEntry:
    with inv.write.begin() as s:
        row = s.get(FindingAgg, finding_id)
        if row is None:
            raise InventoryError(f"no finding with ID {finding_id}")
        entry = Review(finding_id=finding_id, reviewer=reviewer,
                       at=datetime.now(UTC).isoformat(timespec="seconds"),
                       old_status=row.status, new_status="open", note=note)
        row.status = "open"
        s.add(entry)
        s.flush()
        return ReviewEntry(entry.id, entry.finding_id, entry.reviewer, entry.at,
                           entry.old_status, entry.new_status, entry.note)
