"""The unchanged items' findings of an incremental rescan, read in chunks
(:func:`scanner.inventory.versions.iter_findings_under`), against the whole-run read and filter
it replaces (:func:`findings_of_run` with the item filter)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.inventory import Inventory
from scanner.inventory.versions import _item_prefixes, findings_of_run, iter_findings_under
from scanner.models import Finding, Location, ScanInfo, Severity

URIS = ("file:///d/a.txt", "file:///d/b.zip!/in.csv", "file:///d/b.zip!/deep.zip!/x.txt",
        "file:///d/c.mbox#msg=3", "file:///d/c.mbox#msg=3/attachment=cv.pdf", "file:///d/e.txt",
        "file:///d/a.txt.bak")


def info() -> ScanInfo:
    return ScanInfo("s", "2026-12-01T10:00:00+00:00", "2026-12-01T10:01:00+00:00", ("/d",))


def some(rng: random.Random, n: int) -> list[Finding]:
    return [Finding(Location(rng.choice(URIS), rng.randrange(1, 9), rng.choice([None, "f"])),
                    "EMAIL_ADDRESS", "user.contact.email", 0.9, Severity.MEDIUM, "PII-EMAIL",
                    "x", "j***@e.org", f"{rng.randrange(30):064x}") for _ in range(n)]


@pytest.mark.parametrize("chunk", [1, 3, 2000])
@pytest.mark.parametrize("unchanged", [
    (), ("file:///d/a.txt",), ("file:///d/b.zip", "file:///d/c.mbox"), ("file:///d/e.txt",
                                                                        "file:///d/nothing")])
def test_chunks_are_the_whole_read(tmp_path: Path, chunk: int, unchanged: tuple[str, ...]) -> None:
    with Inventory.open(f"sqlite:///{tmp_path / 'inv.db'}", tmp_path) as inv:
        recorder = inv.start(info(), [])
        recorder.add(some(random.Random(chunk), 400))
        recorder.finish(info(), ())
        wanted = set(unchanged)
        want = findings_of_run(inv, recorder.run_id, lambda u: u in wanted or any(
            p in wanted for p in _item_prefixes(u))) if unchanged else []
        parts = list(iter_findings_under(inv, recorder.run_id, list(unchanged), chunk=chunk))
    assert all(0 < len(p) <= chunk for p in parts)
    assert [s for p in parts for s in p] == want
    if unchanged and unchanged != ("file:///d/e.txt", "file:///d/nothing"):
        assert want  # the case is not empty by accident
    # a.txt.bak is not under a.txt
    assert all(s.identity[0] != "file:///d/a.txt.bak" for p in parts for s in p)
