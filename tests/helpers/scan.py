"""Comparing whole scan results: what two ways of running the same scan must agree on."""

from __future__ import annotations

from scanner.models import ScanResult


def facts(r: ScanResult) -> tuple[list[dict[str, object]], list[dict[str, str]], tuple[int, ...]]:
    """Findings and errors in order, and the item counts, of one scan (its timings left out)."""
    return ([f.to_dict() for f in r.findings], [e.to_dict() for e in r.errors],
            (r.info.scanned, r.info.skipped, r.info.failed))
