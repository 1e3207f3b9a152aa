"""SIGTERM handled like Ctrl-C: while a scan runs, ``kill PID`` (or a service manager stopping
it) raises :class:`Terminated`, a :class:`KeyboardInterrupt`, in the main thread, so that the same
clean-up runs — the report file is flushed and closed with its complete lines, the inventory run
is marked ``interrupted`` and its lock released."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(f"signal {signum}")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
