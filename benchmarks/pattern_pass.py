"""What the hyperscan pass itself costs, apart from what follows it (a figure, not a test).

Scans TARGET in-process (``--no-ner``, one worker) and records every buffer the engine hands to
a span database and every short text it scans for presence; then scans them all again with
python-hyperscan, best of three, three ways: without a callback, with a trivial Python callback
and with the engine's span collector. The differences are what a match collector in C could
save at most. Also prints how many spans each pattern gives (the work that follows a span:
mapping, confirmation, validation), and what the phone validator answers its candidates: the
first check that rejects each (the field's name, the digit count, ``not_a_phone``) or "later".

    .venv/bin/python benchmarks/pattern_pass.py DIR [--top 8]
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import classifiers.patterns as patterns_module
import classifiers.phones as phones
from classifiers.patterns import PatternSet, _presence_collector, _span_collector
from scanner.phone_form import _digits
from scanner.pipeline import iter_scan
from scanner.settings import Settings
from scanner.stages.classify import Classifier


class _Recorder:
    """A database that remembers what it scans."""

    def __init__(self, db: Any, index: int, log: list[tuple[int, bytes]]) -> None:
        self.db, self.index, self.log = db, index, log

    def scan(self, data: bytes, match_event_handler: Any = None) -> Any:
        self.log.append((self.index, bytes(data)))
        return self.db.scan(data, match_event_handler=match_event_handler)


PHONE_ANSWERS: collections.Counter[str] = collections.Counter()


def _phone_answer(candidate: Any, found: object) -> str:
    """Which of the phone validator's first checks rejected ``candidate`` (in its order)."""
    if found is not None:
        return "a phone number"
    value = candidate.unit.text[candidate.start:candidate.end]
    if phones._identifier_field(candidate.unit.location.field) and not value.startswith("+"):
        return "rejected: an identifier field"
    if not 7 <= len(_digits(value)) <= 16:
        return "rejected: digit count"
    if phones.not_a_phone(value):
        return "rejected: not_a_phone (dates, times, decimals)"
    return "rejected later"


Recorded = tuple[PatternSet, Sequence[Any], list[tuple[int, bytes]], list[bytes], dict[int, str]]


def record(target: str) -> Recorded:
    """The engine's pattern set, its span databases, the (database, buffer) scans, the short
    texts of one in-process scan of ``target`` and each pattern's classifier id (and the phone
    validator's answers, counted in :data:`PHONE_ANSWERS`)."""
    settings = Settings().with_overrides(**{"workers": 1, "classify.ner": False})
    secret = b"k" * 32
    classifier = Classifier(settings, secret)
    classifier.warm()
    ps = classifier.engine.patterns
    owners = {i: o.id for i, o in enumerate(classifier.engine._owners)}
    if not ps.use_hyperscan or ps._dbs is None:
        raise SystemExit("hyperscan is not in use")
    dbs = ps._dbs
    scans: list[tuple[int, bytes]] = []
    shorts: list[bytes] = []
    ps._dbs = tuple(_Recorder(db, i, scans) for i, db in enumerate(dbs))
    short_with = PatternSet._short_with

    def recording_short(self: PatternSet, text: str, data: bytes, hits: list[int],
                        on_match: Callable[..., None]) -> list[Any]:
        if self is ps:
            shorts.append(data)
        return short_with(self, text, data, hits, on_match)

    validate = phones.PhoneClassifier.validate

    def counting_validate(self: phones.PhoneClassifier, candidate: Any) -> Any:
        found = validate(self, candidate)
        PHONE_ANSWERS[_phone_answer(candidate, found)] += 1
        return found

    PHONE_ANSWERS.clear()
    patterns_module.PatternSet._short_with = recording_short  # type: ignore[method-assign]
    phones.PhoneClassifier.validate = counting_validate  # type: ignore[method-assign]
    try:
        for _ in iter_scan([target], settings, secret=secret, classifier=classifier):
            pass
    finally:
        patterns_module.PatternSet._short_with = short_with  # type: ignore[method-assign]
        phones.PhoneClassifier.validate = validate  # type: ignore[method-assign]
        ps._dbs = dbs
    return ps, dbs, scans, shorts, owners


def best_of(n: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target")
    ap.add_argument("--top", type=int, default=8, help="patterns listed by their spans")
    args = ap.parse_args(argv)
    ps, dbs, scans, shorts, owners = record(args.target)
    spans_by_pid: collections.Counter[int] = collections.Counter()
    matches = [0]

    def count(*_: object) -> None:
        matches[0] += 1

    def plain() -> None:
        for k, data in scans:
            dbs[k].scan(data)

    def trivial() -> None:
        for k, data in scans:
            dbs[k].scan(data, match_event_handler=count)

    def collected() -> None:
        spans_by_pid.clear()
        for k, data in scans:
            spans: dict[int, list[list[int]]] = {}
            dbs[k].scan(data, match_event_handler=_span_collector(spans))
            for pid, lst in spans.items():
                spans_by_pid[pid] += len(lst)

    hits: list[int] = []
    on_hit = _presence_collector(hits)

    def presence_plain() -> None:
        for data in shorts:
            for db in ps._presence:
                db.scan(data)  # type: ignore[attr-defined]

    def presence_collected() -> None:
        for data in shorts:
            hits.clear()
            for db in ps._presence:
                db.scan(data, match_event_handler=on_hit)  # type: ignore[attr-defined]

    t_plain, t_collect = best_of(3, plain), best_of(3, collected)
    matches[0] = 0
    t_trivial = best_of(1, trivial)
    p_plain, p_collect = best_of(3, presence_plain), best_of(3, presence_collected)
    total = sum(spans_by_pid.values())
    print(f"span databases: {len(scans):,} scans, {sum(len(d) for _, d in scans) / 1e6:.1f} MB; "
          f"{matches[0]:,} matches, {total:,} spans")
    print(f"  no callback {t_plain:.3f} s, trivial callback {t_trivial:.3f} s, "
          f"span collector {t_collect:.3f} s")
    print(f"presence database: {len(shorts):,} short texts; no callback {p_plain:.3f} s, "
          f"collector {p_collect:.3f} s")
    print(f"at most saved by a C collector: {t_collect - t_plain + p_collect - p_plain:.3f} s")
    pats = ps.patterns
    for pid, n in spans_by_pid.most_common(args.top):
        print(f"  {n:9,d} spans ({100 * n / max(total, 1):4.1f}%) {owners.get(pid, '?')}: "
              f"{pats[pid].name}")
    print(f"phone candidates validated: {sum(PHONE_ANSWERS.values()):,}")
    for answer, n in PHONE_ANSWERS.most_common():
        print(f"  {n:9,d} {answer}")


if __name__ == "__main__":
    main()
