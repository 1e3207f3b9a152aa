"""Databases compiled ahead in threads (hscache.prefetch): compile_database hands back the same
database it would have compiled, once; a refused job is left to compile_database, which raises
it; jobs the disk cache already holds are not compiled again; ``piiscout classifiers warm``
fills the cache a first scan then loads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifiers import hscache, patterns
from classifiers.engine import Engine
from scanner.cli import main
from scanner.models import Location, TextUnit
from scanner.settings import load_settings

hs = pytest.importorskip("hyperscan")

SOM = hs.HS_FLAG_SOM_LEFTMOST
JOBS = [
    ([rb"[0-9]{3}-[0-9]{4}", rb"foo(bar)?"], [1, 2], [SOM, SOM]),
    ([rb"[a-z]+@[a-z]+\.org"], [7], [SOM | hs.HS_FLAG_CASELESS]),
    ([rb"(?:[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"], [0], [SOM]),
]
TEXT = b"call 555-0132 or write to Jane@Example.org about foobar; DE44 5001 0517 5407 3249 31"


def _matches(db: object) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    db.scan(TEXT, match_event_handler=lambda pid, s, e, f, c: out.append((pid, s, e)))  # type: ignore[attr-defined]
    return sorted(out)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "hs"
    monkeypatch.setenv(hscache.ENV, str(where))
    monkeypatch.setattr(hscache, "_AHEAD", {})
    return where


@pytest.mark.parametrize("disk", ["on", "off"])
def test_prefetched_databases_match_compiled_ones(cache: Path, disk: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if disk == "off":
        monkeypatch.setenv(hscache.ENV, "off")
    assert hscache.prefetch(JOBS, threads=2) == len(JOBS)
    assert len(hscache._AHEAD) == len(JOBS)
    for exprs, ids, flags in JOBS:
        ahead = hscache.compile_database(exprs, ids, flags)
        plain = hs.Database(mode=hs.HS_MODE_BLOCK)
        plain.compile(expressions=list(exprs), ids=list(ids), elements=len(exprs),
                      flags=list(flags))
        assert _matches(ahead) == _matches(plain)
        assert _matches(plain)  # the text holds a match of every job
    assert hscache._AHEAD == {}  # each handed out once
    assert len(list(cache.glob("*.hsdb"))) == (len(JOBS) if disk == "on" else 0)


def test_jobs_on_disk_are_not_compiled_again(cache: Path) -> None:
    assert hscache.prefetch(JOBS[:1]) == 1
    hscache._AHEAD.clear()
    assert hscache.prefetch(JOBS) == len(JOBS) - 1  # the first is on disk
    assert hscache.prefetch(JOBS) == 0


def test_refused_job_is_left_to_compile_database(cache: Path) -> None:
    bad = ([rb"(?<=a)b"], [0], [SOM])  # lookbehind: hyperscan refuses it
    assert hscache.prefetch([bad, JOBS[0]]) == 1
    with pytest.raises(hs.error):
        hscache.compile_database(*bad)
    assert _matches(hscache.compile_database(*JOBS[0]))


def test_ahead_is_bounded(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hscache, "AHEAD_MAX", 2)
    jobs = [([f"x{n}y".encode()], [0], [SOM]) for n in range(5)]
    assert hscache.prefetch(jobs) == 5
    assert len(hscache._AHEAD) == 2


def test_engine_with_prefetch_finds_what_it_found_before(cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The pattern pass with its databases compiled ahead equals the pass with each compiled
    one after the other (prefetch disabled)."""
    units = [TextUnit(Location("file:///a.txt", 1),
                      "Mail jane.roe@example.org or call +44 20 7946 0958; card 4111 1111 1111 "
                      "1111, IBAN GB82 WEST 1234 5698 7654 32, ip 203.0.113.9, born 1980-02-03"),
             TextUnit(Location("file:///b.csv", 2, "phone"), "(212) 555-0123", "value",
                      record="r")]
    settings = load_settings().with_overrides(**{"classify.ner": False})

    def run() -> list[list[tuple[object, ...]]]:
        patterns._hyperscan_database.cache_clear()
        patterns._presence_database.cache_clear()
        try:
            ds = Engine(settings.classify).analyze(units)
        finally:
            patterns._hyperscan_database.cache_clear()
            patterns._presence_database.cache_clear()
        return [[(d.entity, d.start, d.end, d.score, d.explanation) for d in u] for u in ds]

    monkeypatch.setenv(hscache.ENV, "off")
    ahead = run()
    monkeypatch.setattr(hscache, "prefetch", lambda jobs, mode=None, threads=None: 0)
    one_by_one = run()
    assert ahead == one_by_one
    assert {e for u in ahead for e, *_ in u} >= {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD",
                                                "IBAN_CODE", "IP_ADDRESS"}


def test_warm_command_fills_the_cache_a_scan_loads(cache: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    r = CliRunner().invoke(main, ["classifiers", "warm"])
    assert r.exit_code == 0, r.output
    files = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.hsdb")}
    assert len(files) >= 5 and f"{len(files)} compiled" in r.output
    again = CliRunner().invoke(main, ["classifiers", "warm"])
    assert again.exit_code == 0 and "0 compiled" in again.output
    # a scan now compiles nothing: no new file
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text("write to jane.roe@example.org\n")
    patterns._hyperscan_database.cache_clear()
    patterns._presence_database.cache_clear()
    scan = CliRunner().invoke(main, ["scan", str(tmp_path / "data"), "--no-ner", "--workers", "1",
                                     "--no-progress", "--format", "jsonl", "-o",
                                     str(tmp_path / "r.jsonl"), "--no-inventory"])
    assert scan.exit_code in (0, 1), scan.output
    assert "EMAIL_ADDRESS" in (tmp_path / "r.jsonl").read_text()
    assert {p.name for p in cache.glob("*.hsdb")} == set(files)
    for p in cache.glob("*.hsdb"):
        assert b"jane.roe" not in p.read_bytes()
    assert os.stat(cache).st_mode & 0o077 == 0
