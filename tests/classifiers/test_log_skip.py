"""Log units do not run the patterns of a classifier that reports only a log line's own metadata
(DATE_TIME: the engine drops it there), against the path that runs them and drops the findings
after: the same detections, from the same patterns' matches less theirs."""

from __future__ import annotations

import random

import pytest

from classifiers.engine import LOG_METADATA, Engine
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings
from tests.helpers.classify import BACKENDS

LINES = [
    "2016-05-18T05:02:35.255272 INFO job=1925461172 task=68741 elapsed=8.528463s",
    "2024-03-01 10:15:02,114 WARN user jane.roe@example.org logged in from 203.0.113.7",
    "[10/Oct/2000:13:55:36 -0700] \"GET /a?phone=+44 20 7946 0958 HTTP/1.1\" 200 2326",
    "2023-11-05 08:00:00 call from +44 7700 900123 to +33 6 12 34 56 78 duration 00:03:12",
    "Mar  3 14:22:01 host sshd[811]: Accepted password for bob from 198.51.100.23 port 2222",
    "2021-07-14T09:30:00Z payment card 4111 1111 1111 1111 declined, IBAN GB82 WEST 1234 5698 7654 32",
    "2022-02-02 12:00:00 INFO patient record updated: diagnosis diabetes for MRN 12345678",
    "2020-01-01 00:00:00 DEBUG born 1984-03-12, DOB 12/03/1984, date of birth 1984-03-12",
    "1999-12-31 23:59:59 ERROR ua=Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0",
    "2025-06-30 17:45:12.5 INFO ipv6 2001:db8::8a2e:370:7334 at 17:45:12 on 30/06/2025",
]


def _engine(backend: str) -> Engine:
    return Engine(ClassifySettings(ner=False), use_hyperscan=backend == "hyperscan")


def _units(rng: random.Random, n: int) -> list[TextUnit]:
    units = []
    for i in range(n):
        lines = rng.sample(LINES, rng.randint(1, len(LINES)))
        text = "\n".join(lines) if rng.random() < 0.7 else lines[0][:60]  # long ones and short
        kind = rng.choice(["log", "log", "prose", "value"])
        units.append(TextUnit(Location(f"mem://u{i}", rng.randint(1, 9),
                                       "msg" if kind == "value" else None), text, kind=kind))
    return units


def test_the_skipped_patterns_are_the_log_metadata_classifiers() -> None:
    engine = _engine("re")
    assert engine._log_skip  # the date patterns
    for pid in engine._log_skip:
        assert set(engine._owners[pid].entities) <= LOG_METADATA
    assert any(p.entity == "DATE_TIME" for i, p in enumerate(engine.patterns.patterns)
               if i in engine._log_skip)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", range(6))
def test_matches_are_the_whole_set_less_the_skipped(backend: str, seed: int) -> None:
    engine = _engine(backend)
    ps, skip = engine.patterns, engine._log_skip
    rng = random.Random(seed)
    units = _units(rng, 40)
    texts = [u.text for u in units]
    flags = [u.kind == "log" for u in units]
    whole = ps.matches_many(texts)
    got = ps.matches_many(texts, skip, flags)
    want = [[m for m in ms if not (f and m[0] in skip)] for ms, f in zip(whole, flags, strict=True)]
    assert got == want
    assert any(m[0] in skip for ms, f in zip(whole, flags, strict=True) if f for m in ms)
    # a batch of log units only: the date databases are not scanned at all
    logs = [t for t, f in zip(texts, flags, strict=True) if f]
    assert ps.matches_many(logs, skip, [True] * len(logs)) == [
        [m for m in ms if m[0] not in skip] for ms in ps.matches_many(logs)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", range(4))
def test_detections_are_those_of_the_path_that_runs_them(backend: str, seed: int) -> None:
    fast, slow = _engine(backend), _engine(backend)
    slow._log_skip = frozenset()  # every pattern on every unit, DATE_TIME dropped after
    units = _units(random.Random(100 + seed), 30)
    assert fast.analyze(units) == slow.analyze(units)
    assert any(d.entity != "DATE_TIME" for ds in fast.analyze(units) for d in ds)
