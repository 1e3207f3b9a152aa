"""``piiscout``'s commands are imported when run (scanner.cli.LazyGroup): the lazy table names
every command under its own name, the group lists and runs the same commands an eager one
would, and running ``scan`` leaves the other commands' modules unimported."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import click
import pytest

import scanner.cli as cli


def test_the_lazy_table_names_each_command_by_its_own_name() -> None:
    ctx = click.Context(cli.main)
    assert cli.main.list_commands(ctx) == list(cli.COMMANDS)
    for name, (module, attr) in cli.COMMANDS.items():
        command = getattr(import_module(f"scanner.cli.{module}"), attr)
        assert isinstance(command, click.Command) and command.name == name
        assert cli.main.get_command(ctx, name) is command
    assert cli.main.get_command(ctx, "no-such-command") is None


def test_a_wrong_entry_is_an_error_not_another_command(monkeypatch: pytest.MonkeyPatch) -> None:
    group = cli.LazyGroup(name="piiscout")
    monkeypatch.setitem(cli.COMMANDS, "audit", ("scan", "command"))  # scan's, not audit's
    with pytest.raises(RuntimeError, match="not the 'audit' command"):
        group.get_command(click.Context(group), "audit")


def test_scan_does_not_import_the_other_commands() -> None:
    code = ("import sys\nfrom scanner.cli import main\n"
            "try:\n    main(['scan', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('scanner.'))))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    loaded = set(res.stdout.strip().splitlines()[-1].split())
    assert "scanner.cli.scan" in loaded
    others = {f"scanner.cli.{m}" for m, _ in cli.COMMANDS.values()} - {"scanner.cli.scan"}
    assert not loaded & others
    assert "scanner.inventory.web_schema" not in loaded and "scanner.subject" not in loaded
