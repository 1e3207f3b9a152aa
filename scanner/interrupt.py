"""Ctrl-C and SIGTERM while a scan runs: both raise a :class:`KeyboardInterrupt` in the main
thread (SIGTERM as :class:`Terminated`), so that the same clean-up runs — the report file is
flushed and closed with its complete lines, the inventory run is marked ``interrupted`` and its
lock released. Inside :func:`deferred` (a batch being recorded and written) the signal waits until
the block is done, so that a batch is always both recorded and written, or neither."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


_depth = 0
_pending: int | None = None
_owner = 0  # the process that installed the handlers (forked workers inherit them)


def _interrupt(signum: int) -> KeyboardInterrupt:
    return Terminated(f"signal {signum}") if signum == signal.SIGTERM else KeyboardInterrupt()


def _handler(signum: int, _frame: FrameType | None) -> None:
    global _pending
    if os.getpid() != _owner:  # a forked worker: what it would have done without us
        if signum == signal.SIGTERM:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        raise KeyboardInterrupt
    if _depth:
        _pending = signum
        return
    raise _interrupt(signum)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Install the handlers (SIGTERM and SIGINT) for the duration of a scan."""
    global _owner
    _owner = os.getpid()
    try:
        previous = {s: signal.signal(s, _handler) for s in (signal.SIGTERM, signal.SIGINT)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """A block that Ctrl-C and SIGTERM do not cut: a signal received inside is raised after it."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending is not None:
            signum, _pending = _pending, None
            raise _interrupt(signum)
