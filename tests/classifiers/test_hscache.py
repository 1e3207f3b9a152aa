"""The per-user cache of compiled hyperscan databases (classifiers/hscache.py): a loaded database
finds exactly what a compiled one finds; a corrupt, foreign or unreadable file is never used and
is rebuilt; the directory is private; the files hold patterns, never a scanned value."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from classifiers import hscache, patterns
from classifiers.engine import Engine
from scanner.models import Detection, Location, TextUnit
from scanner.settings import load_settings

hs = pytest.importorskip("hyperscan")

EXPRS = [rb"[0-9]{3}-[0-9]{4}", rb"foo(bar)?", rb"[a-z]+@[a-z]+\.org"]
IDS = [3, 5, 9]
FLAGS = [hs.HS_FLAG_SOM_LEFTMOST] * 3
TEXT = b"call 555-0132 or write to jane@example.org about foobar and foo"


def _matches(db: object, data: bytes = TEXT) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []

    def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
        out.append((pid, start, end))

    db.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
    return out


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache" / "piiscout" / "hyperscan"
    monkeypatch.setenv(hscache.ENV, str(where))
    return where


def _plain() -> object:
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=EXPRS, ids=IDS, elements=len(EXPRS), flags=FLAGS)
    return db


def test_loaded_database_matches_compiled(cache: Path) -> None:
    first = hscache.compile_database(EXPRS, IDS, FLAGS)  # compiled, stored
    files = list(cache.glob("*.hsdb"))
    assert len(files) == 1
    second = hscache.compile_database(EXPRS, IDS, FLAGS)  # loaded
    key = hscache.cache_key(EXPRS, IDS, FLAGS, hs.HS_MODE_BLOCK)
    assert hscache.load(key, hs.HS_MODE_BLOCK) is not None
    assert _matches(first) == _matches(second) == _matches(_plain())
    assert len(_matches(second)) >= 3


def test_directory_and_files_are_private(cache: Path) -> None:
    hscache.compile_database(EXPRS, IDS, FLAGS)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for f in cache.iterdir():
        assert not stat.S_IMODE(f.stat().st_mode) & 0o077


def test_key_changes_with_every_input() -> None:
    base = hscache.cache_key(EXPRS, IDS, FLAGS, hs.HS_MODE_BLOCK)
    assert base != hscache.cache_key([*EXPRS[:2], rb"[a-z]+@[a-z]+\.com"], IDS, FLAGS,
                                     hs.HS_MODE_BLOCK)
    assert base != hscache.cache_key(EXPRS, [3, 5, 10], FLAGS, hs.HS_MODE_BLOCK)
    assert base != hscache.cache_key(EXPRS, IDS, [hs.HS_FLAG_CASELESS] * 3, hs.HS_MODE_BLOCK)
    assert base != hscache.cache_key(EXPRS, IDS, FLAGS, hs.HS_MODE_STREAM)
    assert base == hscache.cache_key(list(EXPRS), list(IDS), list(FLAGS), hs.HS_MODE_BLOCK)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other-database"])
def test_corrupt_file_is_ignored_and_rebuilt(cache: Path, damage: str) -> None:
    hscache.compile_database(EXPRS, IDS, FLAGS)
    (path,) = cache.glob("*.hsdb")
    blob = path.read_bytes()
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    elif damage == "flip":
        blob = blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:]
    elif damage == "garbage":
        blob = hscache.MAGIC + b"\0" * 32 + b"not a database"
    elif damage == "empty":
        blob = b""
    else:  # a valid file of another database under this key: checksum fine, content foreign
        other = hs.Database(mode=hs.HS_MODE_BLOCK)
        other.compile(expressions=[rb"zzz"], ids=[1], elements=1, flags=[0])
        payload = hs.dumpb(other)
        import hashlib

        blob = hscache.MAGIC + hashlib.sha256(payload).digest() + payload
    path.write_bytes(blob)
    key = path.stem
    if damage != "other-database":
        assert hscache.load(key, hs.HS_MODE_BLOCK) is None
    db = hscache.compile_database(EXPRS, IDS, FLAGS)
    if damage != "other-database":
        assert _matches(db) == _matches(_plain())
        assert path.read_bytes() != blob  # rebuilt and written again
        assert hscache.load(key, hs.HS_MODE_BLOCK) is not None


@pytest.mark.skipif(os.getuid() != 0, reason="chown to another user needs root")
def test_foreign_file_or_directory_is_not_used(cache: Path) -> None:
    hscache.compile_database(EXPRS, IDS, FLAGS)
    (path,) = cache.glob("*.hsdb")
    key = path.stem
    os.chown(path, 65534, 65534)  # nobody's file
    assert hscache.load(key, hs.HS_MODE_BLOCK) is None
    os.chown(path, 0, 0)
    os.chmod(path, 0o666)  # writable by others
    assert hscache.load(key, hs.HS_MODE_BLOCK) is None
    os.chmod(path, 0o600)
    assert hscache.load(key, hs.HS_MODE_BLOCK) is not None
    os.chmod(cache, 0o777)  # a directory others can write to
    assert hscache.load(key, hs.HS_MODE_BLOCK) is None
    assert _matches(hscache.compile_database(EXPRS, IDS, FLAGS)) == _matches(_plain())


def test_writable_by_others_without_root(cache: Path) -> None:
    hscache.compile_database(EXPRS, IDS, FLAGS)
    (path,) = cache.glob("*.hsdb")
    os.chmod(path, 0o622)
    assert hscache.load(path.stem, hs.HS_MODE_BLOCK) is None


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(hscache.ENV, "off")
    assert hscache.cache_dir() is None
    assert _matches(hscache.compile_database(EXPRS, IDS, FLAGS)) == _matches(_plain())
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv(hscache.ENV)
    assert hscache.cache_dir() == tmp_path / "xdg" / "piiscout" / "hyperscan"


def test_unwritable_cache_does_not_stop_compiling(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(hscache.ENV, str(blocker / "sub"))  # cannot be created
    assert _matches(hscache.compile_database(EXPRS, IDS, FLAGS)) == _matches(_plain())


def test_engine_from_cache_finds_the_same_and_stores_no_value(cache: Path) -> None:
    """The whole pattern pass with databases compiled, then loaded from the cache in a fresh
    PatternSet (the in-process lru_cache emptied): same detections; no file holds a value."""
    secret_value = "zq.unique.person@example.org"
    units = [
        TextUnit(Location("file:///a.txt", 1), f"Mail {secret_value} or call +44 20 7946 0958; "
                 "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, ip 203.0.113.9"),
        TextUnit(Location("file:///b.csv", 2, "phone"), "(212) 555-0123", "value", record="r"),
    ]
    settings = load_settings().with_overrides(**{"classify.ner": False})
    patterns._hyperscan_database.cache_clear()
    compiled = Engine(settings.classify).analyze(units)
    assert any(cache.glob("*.hsdb"))
    patterns._hyperscan_database.cache_clear()
    loaded = Engine(settings.classify).analyze(units)
    patterns._hyperscan_database.cache_clear()

    def key(ds: list[list[Detection]]) -> list[list[tuple[object, ...]]]:
        return [[(d.entity, d.start, d.end, d.score, d.explanation) for d in u] for u in ds]

    assert key(compiled) == key(loaded)
    assert {d.entity for u in loaded for d in u} >= {"EMAIL_ADDRESS", "PHONE_NUMBER",
                                                    "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS"}
    for f in cache.iterdir():
        blob = f.read_bytes()
        assert secret_value.encode() not in blob and b"7946 0958" not in blob


def test_old_files_are_evicted_least_recently_used_first(cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hscache, "MAX_FILES", 3)
    keys = []
    for n in range(5):
        exprs = [*EXPRS[:2], f"x{n}y".encode()]
        hscache.compile_database(exprs, IDS, FLAGS)
        keys.append(hscache.cache_key(exprs, IDS, FLAGS, hs.HS_MODE_BLOCK))
        path = cache / f"{keys[-1]}.hsdb"
        os.utime(path, (1000 + n, 1000 + n))  # distinct ages, oldest first
    hscache.load(keys[0], hs.HS_MODE_BLOCK)  # gone already: only the 3 newest are kept
    assert sorted(p.stem for p in cache.glob("*.hsdb")) == sorted(keys[2:])
    assert hscache.load(keys[2], hs.HS_MODE_BLOCK) is not None  # used now: the newest
    hscache.compile_database([*EXPRS[:2], b"fresh"], IDS, FLAGS)
    assert keys[2] in {p.stem for p in cache.glob("*.hsdb")}
    assert keys[3] not in {p.stem for p in cache.glob("*.hsdb")}
