"""Exceptions that end a whole scan, and the exit status each one means.

A problem with one location is never one of these: it is a recorded error and the scan goes on.
These are for the scan itself being unable to go on; the CLI maps them to an exit status and
one line on stderr (no traceback), and the inventory's run is left ``running``, which
``piiscout inventory runs`` shows as interrupted.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

EXIT_INTERRUPTED = 3

F = TypeVar("F", bound=Callable[..., object])


class ScanInterrupted(Exception):
    """The scan stopped before its end: e.g. the Dask scheduler of a ``--cluster`` scan was lost
    or could not be reached. The message says what happened, never a credential."""

    exit_code = EXIT_INTERRUPTED


def exits_on_interrupt(func: F) -> F:
    """Turn :class:`ScanInterrupted` raised by ``func`` into its message and exit status."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return func(*args, **kwargs)
        except ScanInterrupted as exc:
            import click

            click.echo(f"piiscout: scan interrupted: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]
