"""The collector settings a scan runs under (scanner/gctune.py) are the scan's own: they apply
while it runs and the caller's settings are back afterwards, however the scan ends."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from scanner import gctune
from scanner.pipeline import iter_scan, scan
from scanner.settings import load_settings

SECRET = b"k" * 32


@pytest.fixture
def default_gc() -> tuple[int, int, int]:
    gc.unfreeze()
    old = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*old)


def test_tuned_raises_the_threshold_freezes_and_restores(default_gc: tuple[int, int, int]) -> None:
    with gctune.tuned():
        assert gc.get_threshold() == (gctune.YOUNG_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() > 1000  # the modules and classes alive now
    assert gc.get_threshold() == default_gc
    assert gc.get_freeze_count() == 0


def test_tuned_restores_after_an_error(default_gc: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), gctune.tuned():
        raise RuntimeError("boom")
    assert gc.get_threshold() == default_gc
    assert gc.get_freeze_count() == 0


def test_cycles_are_still_collected_while_tuned(default_gc: tuple[int, int, int]) -> None:
    class Node:
        pass

    with gctune.tuned():
        gc.collect()
        before = len(gc.get_objects(generation=2))
        for _ in range(3 * gctune.YOUNG_THRESHOLD):  # cyclic garbage, never collected by hand
            a, b = Node(), Node()
            a.other, b.other = b, a  # type: ignore[attr-defined]
        assert sum(gc.get_count()) < 2 * gctune.YOUNG_THRESHOLD  # automatic passes ran
        assert len(gc.get_objects(generation=2)) - before < gctune.YOUNG_THRESHOLD


def test_a_scan_leaves_the_callers_settings(tmp_path: Path,
                                            default_gc: tuple[int, int, int]) -> None:
    (tmp_path / "a.csv").write_text("name,email\nJane Roe,jane@example.org\n", "utf-8")
    settings = load_settings().with_overrides(workers=1)
    result = scan([str(tmp_path)], settings, secret=SECRET)
    assert any(f.entity == "EMAIL_ADDRESS" for f in result.findings)
    assert gc.get_threshold() == default_gc
    assert gc.get_freeze_count() == 0
    events = iter_scan([str(tmp_path)], settings, secret=SECRET)
    next(events)
    assert gc.get_threshold()[0] == gctune.YOUNG_THRESHOLD  # while the scan is running
    events.close()  # abandoned half way
    assert gc.get_threshold() == default_gc
    assert gc.get_freeze_count() == 0
