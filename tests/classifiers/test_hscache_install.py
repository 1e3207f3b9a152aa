"""The installation's copy of the compiled pattern databases (``<sys.prefix>/share/piiscout/
hyperscan``, written by ``piiscout classifiers warm``): a user whose own cache is empty (a new
account, a container with an empty home) loads from it instead of compiling; it is used only
when no one but this user or root may write it, never when ``$PIISCOUT_HS_CACHE`` is set, and a
corrupt file there falls back to compiling."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from classifiers import hscache

hs = pytest.importorskip("hyperscan")

EXPRS = [rb"[0-9]{3}-[0-9]{4}", rb"[a-z]+@[a-z]+\.org"]
IDS = [1, 2]
FLAGS = [hs.HS_FLAG_SOM_LEFTMOST] * 2
TEXT = b"call 555-0132 or write to jane@example.org"


def _matches(db: object) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    db.scan(TEXT, match_event_handler=lambda i, s, e, f, c: out.append((i, s, e)))  # type: ignore[attr-defined]
    return out


@pytest.fixture()
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A prefix of its own, a first user's home, no $PIISCOUT_HS_CACHE."""
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.delenv(hscache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "first-user"))
    monkeypatch.setattr(hscache, "_ALSO_WRITE", [])
    return tmp_path / "venv" / "share" / "piiscout" / "hyperscan"


def _other_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(hscache, "_ALSO_WRITE", [])
    home = tmp_path / "other-user"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "piiscout" / "hyperscan"


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("compiled instead of loaded")

    monkeypatch.setattr(hscache, "_compiled", refuse)


def test_warm_writes_the_installation_copy(install: Path) -> None:
    assert hscache.write_installation_copy() == install
    db = hscache.compile_database(EXPRS, IDS, FLAGS)
    files = list(install.glob("*.hsdb"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o644  # every user reads it
    assert not stat.S_IMODE(install.stat().st_mode) & (stat.S_IWGRP | stat.S_IWOTH)
    assert len(_matches(db)) == 2


def test_a_new_user_loads_it_without_compiling(install: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    hscache.write_installation_copy()
    first = hscache.compile_database(EXPRS, IDS, FLAGS)
    own = _other_user(tmp_path, monkeypatch)
    _no_compiling(monkeypatch)
    loaded = hscache.compile_database(EXPRS, IDS, FLAGS)
    assert _matches(loaded) == _matches(first)
    assert not own.exists() or not list(own.glob("*.hsdb"))  # nothing copied into the home


def test_a_user_cache_hit_is_copied_by_warm(install: Path) -> None:
    hscache.compile_database(EXPRS, IDS, FLAGS)  # the user's cache only
    assert not install.exists() or not list(install.glob("*.hsdb"))
    hscache.write_installation_copy()
    hscache.compile_database(EXPRS, IDS, FLAGS)  # loaded from the user's cache, copied
    assert len(list(install.glob("*.hsdb"))) == 1


@pytest.mark.parametrize("what", ["directory", "file"])
def test_group_writable_copy_is_not_used(what: str, install: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hscache.write_installation_copy()
    hscache.compile_database(EXPRS, IDS, FLAGS)
    for path in [install] if what == "directory" else list(install.glob("*.hsdb")):
        os.chmod(path, 0o777 if what == "directory" else 0o666)
    _other_user(tmp_path, monkeypatch)
    key = hscache.cache_key(EXPRS, IDS, FLAGS, hs.HS_MODE_BLOCK)
    assert hscache.load(key, hs.HS_MODE_BLOCK) is None


def test_not_read_nor_written_with_the_variable_set(install: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    hscache.write_installation_copy()
    hscache.compile_database(EXPRS, IDS, FLAGS)
    monkeypatch.setenv(hscache.ENV, str(tmp_path / "explicit"))
    monkeypatch.setattr(hscache, "_ALSO_WRITE", [])
    assert hscache.write_installation_copy() is None
    key = hscache.cache_key(EXPRS, IDS, FLAGS, hs.HS_MODE_BLOCK)
    assert hscache.load(key, hs.HS_MODE_BLOCK) is None  # only the explicit cache counts


def test_corrupt_copy_falls_back_to_compiling(install: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    hscache.write_installation_copy()
    first = hscache.compile_database(EXPRS, IDS, FLAGS)
    for f in install.glob("*.hsdb"):
        f.write_bytes(f.read_bytes()[:-7] + b"garbage")
    _other_user(tmp_path, monkeypatch)
    again = hscache.compile_database(EXPRS, IDS, FLAGS)
    assert _matches(again) == _matches(first)
