"""The ``piiscout`` command: one click group, one module per command group."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from importlib import import_module

import click

# name -> (module under scanner.cli, attribute): each a click command or group of ``main``.
COMMANDS = {
    "scan": ("scan", "command"),
    "inventory": ("inventory", "command"),
    "findings": ("findings", "command"),
    "subject": ("subject", "command"),
    "policy": ("policy", "command"),
    "secret": ("secret", "command"),
    "users": ("users", "command"),
    "serve": ("serve", "command"),
    "classifiers": ("plugins", "classifiers_command"),
    "connectors": ("plugins", "connectors_command"),
    "formats": ("plugins", "formats_command"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run (click's documented lazy-loading
    pattern): ``piiscout scan`` no longer imports the web workbench's schema, the subject-access
    search and the inventory tables (measured 60 ms of a one-file scan's start-up). ``--help``
    imports them all, to show each one's summary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attr = COMMANDS[cmd_name]
        command = getattr(import_module(f"scanner.cli.{module}"), attr)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"scanner.cli.{module}.{attr} is not the {cmd_name!r} command")
        self.add_command(command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="piiscout")
def main() -> None:
    """piiscout: find personal data and map it to privacy-policy clauses."""

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
