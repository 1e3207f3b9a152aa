"""Inventory report as JSON (``piiscout.inventory/1``): groups and gaps."""

from __future__ import annotations

import json
from typing import TextIO

from scanner.inventory.views import InventoryReport


def write(report: InventoryReport, stream: TextIO, *, color: bool = False) -> None:
    json.dump(report.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
