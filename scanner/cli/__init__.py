"""The ``piiscout`` command: one click group, one module per command group."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from importlib import import_module

import click

# (module under scanner.cli, attribute): each is a click command or group added to ``main``.
COMMANDS = (
    ("scan", "command"),
    ("inventory", "command"),
    ("findings", "command"),
    ("subject", "command"),
    ("policy", "command"),
    ("secret", "command"),
    ("users", "command"),
    ("serve", "command"),
    ("plugins", "classifiers_command"),
    ("plugins", "connectors_command"),
    ("plugins", "formats_command"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="piiscout")
def main() -> None:
    """piiscout: find personal data and map it to privacy-policy clauses."""


for _module, _attr in COMMANDS:
    main.add_command(getattr(import_module(f"scanner.cli.{_module}"), _attr))


def run() -> None:
    """The ``piiscout`` console script: :func:`main`, then a quick exit.

    What a normal interpreter exit adds after the command has returned is the teardown of every
    module and object the scan loaded (spaCy, Presidio, SQLAlchemy): measured 0.27 s of a
    one-file scan's 1.3 s, on every scheduled or scripted run. Everything a command leaves
    open is closed before it returns (the inventory, the report, the worker pool); what is
    registered to run at exit (logging's flush, temporary directories, multiprocessing) runs
    here, then the output streams are flushed and the process ends with the command's exit code.
    If another non-daemon thread is still alive, it is left to the normal exit, which waits
    for it. An exception click did not turn into an exit code propagates as a traceback."""
    try:
        main()  # standalone mode: always ends in SystemExit
        code: int | str | None = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int | None) else str(stop.code)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):
        sys.exit(code)
    if isinstance(code, str):  # sys.exit("message"): the message on stderr, exit code 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or a closed stream
            code = code or 120  # what the interpreter returns when its final flush fails
    os._exit(code or 0)
