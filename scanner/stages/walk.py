"""The walk stage: what a target holds, as its connector yields it, with the walk's errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from connectors.base import connector_for
from scanner.models import ItemError, ScanError
from scanner.settings import Settings
from scanner.targets import display_target

log = logging.getLogger("piiscout.pipeline")


@dataclass(frozen=True)
class Unusable:
    """A target no connector takes: recorded, and counted as failed."""

    error: ScanError


def guarded_walk(connector: object, target: str) -> Iterator[object]:
    """A connector that fails mid-walk loses the rest of its source, not the scan."""
    try:
        yield from connector.walk()  # type: ignore[attr-defined]
    except ItemError as exc:
        yield ScanError(exc.location or display_target(target), exc.kind, exc.message)
    except Exception as exc:
        log.warning("walk of %s stopped: %s", display_target(target), type(exc).__name__)
        yield ScanError(display_target(target), "walk_failed", f"{type(exc).__name__}: {exc}")


def target_walk(target: str, settings: Settings) -> Iterator[object]:
    """What a target holds, connector errors included; the connector is closed at the end."""
    try:
        connector = connector_for(target, settings)
    except (ValueError, ItemError) as exc:
        yield Unusable(ScanError(display_target(target), "unsupported", str(exc)))
        return
    try:
        yield from guarded_walk(connector, target)
    finally:
        connector.close()


def unskipped(walked: Iterable[object], skip_item: Callable[[object], bool] | None
              ) -> Iterator[object]:
    """What the walk yields, minus the items ``skip_item`` says need not be read again."""
    if skip_item is None:
        yield from walked
        return
    for w in walked:
        if isinstance(w, ScanError) or not skip_item(w):
            yield w
