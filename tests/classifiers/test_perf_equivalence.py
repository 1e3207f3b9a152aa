"""The fast paths find exactly what the slow paths find (no timing asserts).

* the phone number cache (:func:`classifiers.phones.parse_phone`) and its region guard and the call-record number cache;
* the special-category hyperscan prefilter (:func:`classifiers.special_categories._may_match`),
  which lets units without any vocabulary hit skip the Python alternation.

Each test runs the engine twice on the same mixed sample (prose, CSV-like values, logs, JSON,
special categories, non-ASCII and case-folding characters): once as shipped, once with the fast
path switched off, and compares every detection.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.corpus import build
from classifiers import call_records, phones, special_categories
from classifiers.engine import Engine
from classifiers.patterns import PatternSet
from scanner import phone_form
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings
from tests.helpers.paths import DATA

EXTRA = [
    "He was diagnosed with type 2 diabetes and is a practising Muslim. Call +44 20 7946 0123.",
    "Patient denies any history of asthma; member of UNISON since 2019.",
    "The \u212aurdish community centre; \u017fikh temple visit on 12/03/2021 (İstanbul).",
    "2024-03-01T10:00:00Z call from +447700900123 to +33612345678 duration=65s",
    "caller=+14155550123 callee=+14155550188 start=2024-03-01 10:00:00 dur=30",
    "ip=203.0.113.123 phone=(212) 555-0123 ssn=123-45-6789 imei=490154203237518",
    "Müller, Zoë and José met at 5 Rue de Rivoli; card 5500 0000 0000 0004.",
]


def _units(tmp_path: Path) -> list[TextUnit]:
    paths = build(tmp_path / "c", 0.12, seed=7)
    units: list[TextUnit] = []
    for p in paths:
        for n, line in enumerate(p.read_text("utf-8").splitlines()[:150], 1):
            if p.suffix == ".csv":
                for k, cell in enumerate(line.split(",")):
                    units.append(TextUnit(Location(p.as_uri(), n, f"c{k}"), cell, "value",
                                          record=f"row:{n}"))
            else:
                kind = "prose" if p.suffix == ".txt" else "log"
                units.append(TextUnit(Location(p.as_uri(), n), line, kind))  # type: ignore[arg-type]
    units.extend(TextUnit(Location("file:///extra.txt", i), t) for i, t in enumerate(EXTRA, 1))
    units.append(TextUnit(Location("file:///big.txt", 1), "\n".join(EXTRA * 20)))
    return units


def _key(ds: list[list[Detection]]) -> list[list[tuple[object, ...]]]:
    return [[(d.entity, d.start, d.end, d.score, d.detector, d.explanation, d.value, d.linked)
             for d in unit] for unit in ds]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ClassifySettings(ner=False))


def test_fast_paths_match_slow_paths(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = _units(tmp_path)
    fast = engine.analyze(units)
    fast_again = engine.analyze(units)  # warm caches give the same answer as cold ones
    monkeypatch.setattr(phones, "parse_phone", phone_form.parse_phone_reference)
    monkeypatch.setattr(phone_form, "parse_phone", phone_form.parse_phone_reference)
    monkeypatch.setattr(phone_form, "_may_be_national", lambda key, region: True)
    monkeypatch.setattr(call_records, "normalise_number", call_records.normalise_number.__wrapped__)
    monkeypatch.setattr(special_categories, "_may_match", lambda text: True)
    slow = engine.analyze(units)
    assert _key(fast) == _key(slow) == _key(fast_again)
    entities = {d.entity for ds in fast for d in ds}
    assert {"PHONE_NUMBER", "HEALTH", "CALL_RECORD", "EMAIL_ADDRESS"} <= entities


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("He was diagnosed with type 2 diabetes", True),
        ("a practising Muslim", True),
        ("level=info user=a@example.org ip=203.0.113.9 status=200", False),
        ("Noise Cancelling Headphones", False),
        ("\u017fikh", True),  # folds to "sikh" under re.IGNORECASE: the prefilter must not skip it
    ],
)
def test_prefilter_table(text: str, may: bool) -> None:
    assert special_categories._may_match(text) is may
    pattern, _ = special_categories._matcher()
    if not may:
        assert pattern.search(text) is None


def test_ascii_folding_set_is_complete() -> None:
    letter = re.compile(r"[a-z]", re.IGNORECASE)
    folding = {chr(c) for c in range(0x80, 0x110000)
               if not 0xD800 <= c < 0xE000 and letter.match(chr(c))}
    assert folding == set(special_categories.ASCII_FOLDING)


def _mixed_texts(tmp_path: Path) -> list[str]:
    texts = [u.text for u in _units(tmp_path)]
    # Edge cases at the joins: empty texts, matches touching both ends, separator-like content,
    # lone surrogates (the re path), non-ASCII before and after matches.
    texts += ["", "+44 20 7946 0123", "a@example.org", "\n\x00\n", "x\x00+44 20 7946 0123\x00",
              "Zoë +33 6 12 34 56 78", "\ud800 card 4111111111111111", "é" * 3 + "4111111111111111",
              "4111111111111111" + "ü", "203.0.113.7", "", "www.example.com/a b@example.com"]
    return texts


def test_batched_pattern_pass_matches_per_text_pass(engine: Engine, tmp_path: Path) -> None:
    texts = _mixed_texts(tmp_path)
    ps = engine.patterns
    assert ps.use_hyperscan
    batched = ps.matches_many(texts)
    assert batched == [ps.matches(t) for t in texts]
    plain_re = PatternSet(ps.patterns, use_hyperscan=False)  # Python re over each whole text
    assert batched == [plain_re.matches(t) for t in texts]
    assert sum(map(len, batched)) > 1000
    # the same texts in another order, and in small batches: each text's matches are its own
    rev = ps.matches_many(texts[::-1])
    assert rev[::-1] == batched
    assert [m for i in range(0, len(texts), 7) for m in ps.matches_many(texts[i : i + 7])] == batched


def test_batched_engine_matches_per_unit_engine(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = _units(tmp_path)
    batched = engine.analyze(units)
    ps = type(engine.patterns)
    def per_text(self: object, texts: list[str], skip: frozenset[int] = frozenset(),
                 skipped: list[bool] | None = None) -> list[list[tuple[int, int, int]]]:
        return [[m for m in self.matches(t)  # type: ignore[attr-defined]
                 if not (skipped and skipped[i] and m[0] in skip)] for i, t in enumerate(texts)]

    monkeypatch.setattr(ps, "matches_many", per_text)
    per_unit = engine.analyze(units)
    assert _key(batched) == _key(per_unit)
    assert sum(map(len, batched)) > 500


CDR_ROWS = [  # (field -> value) records: call records and near-misses
    {"caller": "+447700900123", "callee": "+33612345678", "start": "2024-03-01 10:00:00",
     "duration": "65"},
    {"from": "+14155550123", "to": "+14155550188", "ts": "2024-03-01T10:00:00Z", "dur": "30"},
    {"phone": "+44 20 7946 0123", "mobile": "+44 7700 900123", "updated_at": "2024-03-01"},
    {"phone": "+44 20 7946 0123", "mobile": "+44 7700 900123", "note": "talked for 00:03:12"},
    {"phone": "+44 20 7946 0123", "fax": "+44 20 7946 0999", "length": "12"},
    {"a": "called +447700900123 from +33612345678 at 2024-03-01 10:00", "b": "x"},
    {"name": "Zoë", "home": "020 7946 0958", "work": "06 12 34 56 78", "seen": "12 secs"},
    # no CDR field or word: a duration decides (the numbers are looked for only after one)
    {"from": "+447700900123", "to": "+33612345678", "talk_time": "65", "ts": "2024-03-01 10:00"},
    {"from": "+447700900123", "to": "+33612345678", "ts": "2024-03-01T10:00:00"},
    {"to": "+447700900123", "from": "+447700900123", "note": "+33612345678 for 12 seconds"},
    {"id": "8198716", "phone": "001-367-255-6635x58112", "ip": "162.0.26.68",
     "created_at": "2010-05-13T10:29:34.556133", "other": "+44 20 7946 0123"},
    {"home": "+44 20 7946 0958", "work": "+33 6 12 34 56 78", "at": "10:02:11"},
]


CDR_LINES = [  # log lines: call records, and lines whose digits sit in timestamps and addresses
    "2024-03-01T10:00:00Z 10.0.0.1 -> 192.168.100.200 447700900123 33612345678 dur=5",
    "2024-03-01T10:00:00Z 2024-03-01T10:05:00Z 203.0.113.200 198.51.100.7 status=200",
    # Arabic-Indic digits count as digits
    "2024-03-01 10:00:00 caller=" + "\u0664\u0664\u0667\u0667\u0660\u0660\u0669\u0660\u0660\u0661\u0662\u0663"
    + " callee=33612345678",
    "10:02:11 447700900123 33612345678",
    "2024-03-01 10:02:11,4477009001,3361234567,00:03:12",
    "2024-03-01 10:02:11,447700900123 33612345678",
    "20240301T100211 447700900123 33612345678 call",  # a timestamp without ':' and CDR words
    "20240301T100211 447700900123 33612345678 billsec 12",
    "ts=1709287331 447700900123 33612345678",  # an epoch after a key
    "On 2024-03-01 447700900123 rang 33612345678 for 12 seconds",
    # the two-number gate: numbers after "+" or "00", national numbers with and without CDR
    # words, one number plus a phone detection, digits in versions and order numbers
    "10:02:11 +447700900123 +33612345678",
    "2024-03-01 10:02:11 00447700900123 0033612345678",
    "10:02:11 4477009001 (+33) 612345678 took 00:01:02",
    "10:02:11 from 020 7946 0958 to 06 12 34 56 78",
    "call at 10:02:11 020 7946 0958 06 12 34 56 78",
    "10:02:11 tel +44 20 7946 0958 and 447700900123 took 12 secs",
    "2024-03-01T10:02:11 version 6.20.7270743 order 6758466016 (212) 555-0123",
    "ts=1709287331 job=9596583816 order_id=8669574924 +1-766-647-8099 x123",
]


def test_call_record_fast_paths_match_slow_paths(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early exits for record groups with no CDR field, word or (possible) duration, the
    bisected phone lookup per line, and the digit and time-hint gates on log lines change
    nothing."""
    units = _units(tmp_path)
    for n, row in enumerate(CDR_ROWS):
        units.extend(TextUnit(Location("file:///cdr.json", n, k), v, "value", record=f"r{n}")
                     for k, v in row.items())
    log = "\n".join([*(" ".join(row.values()) for row in CDR_ROWS), *CDR_LINES])
    units.append(TextUnit(Location("file:///cdr.log", 1), log * 3, "log"))
    units.append(TextUnit(Location("file:///cdr.log", 1), log.replace("\n", "\r\n"), "log"))
    fast = engine.analyze(units)

    class AllPhones(call_records._Phones):
        def between(self, lo: int, hi: int) -> list[Detection]:
            return self.all

        def __init__(self, dets: list[Detection]) -> None:
            self.all = dets

    def every_line(text: str, rest: str | None = None) -> list[int]:
        return [0, *(m.end() for m in re.finditer("\n", text))]

    monkeypatch.setattr(call_records, "_DURATION_HINT", re.compile(""))
    monkeypatch.setattr(call_records, "_TIME_HINT", re.compile(""))
    monkeypatch.setattr(call_records, "_Phones", AllPhones)
    monkeypatch.setattr(call_records, "_candidate_lines", every_line)
    monkeypatch.setattr(call_records, "_may_hold_two_numbers", lambda rest, phones, ctx: True)
    evidence = call_records.CallRecordClassifier._evidence

    def always_numbers(units: object, members: object, names: object, context: bool,
                       numbers: bool) -> call_records.Evidence:
        return evidence(units, members, names, context, True)  # type: ignore[arg-type]

    monkeypatch.setattr(call_records.CallRecordClassifier, "_evidence",
                        staticmethod(always_numbers))
    slow = engine.analyze(units)
    assert _key(fast) == _key(slow)
    records = [d for ds in fast for d in ds if d.entity == "CALL_RECORD"]
    assert len(records) >= 6
    # records without CDR fields or words, made by a duration (the numbers looked for after it)
    by_duration = {d.explanation for d in records if d.explanation and "duration" in d.explanation
                   and "context" not in d.explanation and "caller" not in d.explanation}
    assert {"CDR-1: 2 numbers, timestamp, duration 65, fields from/to/talk_time",
            "CDR-1: 2 numbers, duration 12 seconds, fields to"} <= by_duration


def test_ner_value_memo_matches_plain_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short name/place values go through spaCy once per distinct text, in large batches, and
    get exactly the entities the plain per-unit ``pipe`` gives (spaCy's result for a text does
    not depend on its batch)."""
    from classifiers import ner

    names = ["Maria Garcia", "Wei Chen", "Zoë Müller", "Paris", "Dublin", "12 High Street, Leeds",
             "1950-12-13", "Dr Olga Ivanova", "n/a", "Lucas Silva", "Hiroshi Tanaka"]
    units = [TextUnit(Location("file:///p.csv", n, f), v, "value", record=f"r{n}")
             for n in range(40) for f, v in (("full_name", names[n % len(names)]),
                                            ("city", names[(n * 7) % len(names)]),
                                            ("birth_date", names[(n * 3) % len(names)]))]
    units.append(TextUnit(Location("file:///a.txt", 1), "Maria Garcia moved to Paris in 2019."))
    units.append(TextUnit(Location("file:///a.csv", 1, "full_name"), "Wei Chen " * 40, "value"))
    sner = ner.SpacyNer()
    monkeypatch.setattr(ner, "_value_memo", {})
    cold, warm = sner.analyze(units), sner.analyze(units)
    shuffled = sner.analyze(units[::-1])[::-1]
    monkeypatch.setattr(ner, "MEMO_MAX_CHARS", -1)  # every unit through the plain pipe
    plain = sner.analyze(units)
    assert _key(cold) == _key(warm) == _key(shuffled) == _key(plain)
    assert sum(d.entity == "PERSON" for ds in plain for d in ds) >= 30
    assert sum(d.entity == "LOCATION" for ds in plain for d in ds) >= 10


def test_value_memo_matches_unmemoised_engine(tmp_path: Path) -> None:
    """Short field values are classified once per (text, field, uri); the answer for a
    repeated value, a value seen in an earlier batch, or a value repeated inside one batch is the
    one the engine without the memo gives, record classifiers (call records) included."""
    units = _units(tmp_path)
    for n, row in enumerate(CDR_ROWS * 3):
        units.extend(TextUnit(Location("file:///cdr.json", n, k), v, "value", record=f"r{n}")
                     for k, v in row.items())
    # the same text under another field or in another file is classified on its own
    units += [TextUnit(Location("file:///people.csv", 1, "full_name"), "Maria Garcia", "value"),
              TextUnit(Location("file:///films.csv", 1, "title"), "Maria Garcia", "value"),
              TextUnit(Location("file:///people.csv", 2, "full_name"), "Maria Garcia", "value")]
    memo = Engine(ClassifySettings(ner=False))
    plain = Engine(ClassifySettings(ner=False, value_memo=0))
    first = memo.analyze(units)
    half = len(units) // 2  # a record's first unit carries its CALL_RECORD: keep unit order
    second = memo.analyze(units[:half]) + memo.analyze(units[half:])
    expected = plain.analyze(units)
    assert _key(first) == _key(second) == _key(expected)
    assert memo.memo.hits > len(units) // 2  # the second pass is answered from the memo
    assert len(plain.memo) == 0
    assert [d.entity for d in expected[-3]] == ["PERSON"] and expected[-2] == []
    assert sum(d.entity == "CALL_RECORD" for ds in first for d in ds) >= 6


def test_redaction_memo_matches_fresh_redaction(tmp_path: Path) -> None:
    from scanner.pipeline import Classifier
    from scanner.settings import Settings

    units = _units(tmp_path)
    secret = b"s" * 32
    memo = Classifier(Settings(classify=ClassifySettings(ner=False)), secret)
    plain = Classifier(Settings(classify=ClassifySettings(ner=False, value_memo=0)), secret)
    got = memo.findings(units) + memo.findings(units)
    assert got == plain.findings(units) * 2
    assert memo._redacted.hits > sum(map(len, got)) // 2


@pytest.mark.parametrize("size", [0, 1, 3])
def test_bounded_memo_keeps_at_most_size_newest(size: int) -> None:
    from scanner.memo import BoundedMemo

    memo: BoundedMemo[int] = BoundedMemo(size)
    for k in range(10):
        memo.put(k, k * k)
    memo.put(9, -1)  # replacing an entry evicts nothing
    assert len(memo) == size
    kept = {k: (-1 if k == 9 else k * k) for k in range(10 - size, 10)}
    assert [memo.get(k) for k in range(10)] == [kept.get(k) for k in range(10)]


def test_worker_transfer_round_trips_units_and_findings(tmp_path: Path) -> None:
    """Units go to a worker and findings come back as tuples; both arrive as they left."""
    import pickle

    from scanner.pipeline import Classifier
    from scanner.settings import Settings
    from scanner.transfer import pack_findings, pack_units, unpack_findings, unpack_units

    units = _units(tmp_path)
    units.append(TextUnit(Location("s3://b/k.json", None, "a.b"), "x", "value", "r1", "s3"))
    assert unpack_units(pickle.loads(pickle.dumps(pack_units(units)))) == units
    found = [f for fs in Classifier(Settings(classify=ClassifySettings(ner=False)),
                                    b"s" * 32).findings(units) for f in fs]
    assert {f.linked for f in found} >= {None, False}
    assert any(f.attributes for f in found) and any(not f.attributes for f in found)
    assert unpack_findings(pickle.loads(pickle.dumps(pack_findings(found)))) == found


def test_warm_classifier_builds_first_use_state_and_leaves_no_trace(tmp_path: Path) -> None:
    """Classifier.warm (run before workers fork) builds the lazy state and empties the memos:
    a warmed classifier finds exactly what a fresh one finds."""
    from scanner.pipeline import Classifier
    from scanner.settings import load_settings

    settings = load_settings().with_overrides(**{"classify.ner": False})
    warmed, fresh = Classifier(settings, b"k" * 32), Classifier(settings, b"k" * 32)
    special_categories._prefilter.cache_clear()
    warmed.warm()
    assert warmed.engine.patterns._dbs is not None  # the hyperscan databases are built
    assert special_categories._prefilter.cache_info().currsize == 1
    assert len(warmed.engine.memo) == 0 and len(warmed._redacted) == 0
    units = _units(tmp_path)
    assert [[f.to_dict() for f in fs] for fs in warmed.findings(units)] == [
        [f.to_dict() for f in fs] for fs in fresh.findings(units)
    ]


def test_span_collector_merging_changes_no_window() -> None:
    """The hyperscan handler merges overlapping spans of a pattern as they arrive; the windows
    the Python pattern then runs in are those of every span kept on its own."""
    import random

    from classifiers.patterns import _identity, _span_collector, _windows

    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(20, 400)
        matches = []
        for _ in range(rng.randint(1, 40)):
            s = rng.randint(0, n - 1)
            matches.append((rng.randint(0, 2), s, rng.randint(s, min(n, s + 30))))
        matches.sort(key=lambda m: m[2])  # hyperscan reports in order of match end
        merged: dict[int, list[list[int]]] = {}
        on_match = _span_collector(merged)
        for pid, s, e in matches:
            on_match(pid, s, e, 0, None)
        for pid in {m[0] for m in matches}:
            alone = [[s, e] for p, s, e in matches if p == pid]
            assert _windows(merged[pid], _identity, n) == _windows(alone, _identity, n)
            assert len(merged[pid]) <= len(alone)


CDR_WORD_TEXTS = [
    "CALLED +44", "callee=1", "Calling now", "cdr,x", "SMS via", "smsc=+44", "MMS", "MSISDN", "IMSI",
    "Duration: 5", "billsec=4", "dialled 0800", "DIALED", "forwarded_to", "voicemail", "a_number=1",
    "B_PARTY", "anum", "bnum 5", "Incoming", "OUTGOING", "missed", "Voice", "rang", "ringing",
    "answered", "originating", "Terminated", "recalled", "calls", "ſms from x", "\u212aey call",
    "no such words here 2024-03-01", "callous", "smsx", "numbers", "", "ıncoming",
]


@pytest.mark.parametrize("text", CDR_WORD_TEXTS)
def test_cdr_word_shortcut_matches_the_pattern(text: str) -> None:
    want = call_records._CDR_WORDS.search(text)
    got = call_records._cdr_words(text)
    assert (got and got.span()) == (want and want.span())


def test_cdr_word_stems_cover_every_alternative() -> None:
    """Each word the pattern can match, in any case, contains a stem."""
    body = call_records._CDR_WORDS.pattern
    words = re.findall(r"[a-z]{3,}", body)
    for word in words:
        if call_records._CDR_WORDS.fullmatch(word):
            assert any(stem in word for stem in call_records._CDR_STEMS), word
    for text in CDR_WORD_TEXTS:
        for m in call_records._CDR_WORDS.finditer(text):
            if text.isascii():
                assert any(stem in m.group(0).lower() for stem in call_records._CDR_STEMS)


def _long_texts(seed: int, size: int = 40_000, n: int = 6) -> list[str]:
    """Long ASCII texts mixing every labelled special-category sentence (some split over lines,
    some back to back) with log lines and ordinary prose."""
    import json
    import random

    rng = random.Random(seed)
    data = DATA / "special_categories"
    sentences = [u["text"] for f in sorted(data.glob("*.jsonl"))
                 for line in f.read_text().splitlines() if line.strip()
                 for u in json.loads(line)["units"]]
    sentences = [s for s in sentences if s.isascii()]
    filler = ["2026-03-01T10:02:11Z GET /api/v1/orders/4471 200 0.013 ms",
              "The quarterly figures were reviewed by the board and approved without changes.",
              "Invoice 2026-0042 for 1,200.00 EUR is due on 31 March.", "x" * 500, ""]
    texts = []
    for _ in range(n):
        parts: list[str] = []
        while sum(map(len, parts)) < size:
            pick = rng.random()
            if pick < 0.3:
                s = rng.choice(sentences)
                parts.append(s.replace(" ", "\n", 1) if rng.random() < 0.2 else s)
            else:
                parts.append(rng.choice(filler))
        texts.append((" " if rng.random() < 0.5 else "\n").join(parts))
    return texts


def test_special_category_windows_find_what_the_whole_text_finds() -> None:
    """The windowed match of long texts (around the prefilter's hits) equals one pass of the
    vocabulary pattern over the whole text."""
    pattern, _groups = special_categories._matcher()
    texts = _long_texts(7)
    assert all(special_categories._windows(t) for t in texts)  # the fast path is taken
    for text in texts:
        whole = [(m.span(), m.lastgroup) for m in pattern.finditer(text)]
        windowed = [(m.span(), m.lastgroup) for m in special_categories._matches(pattern, text)]
        assert whole and windowed == whole


def test_special_category_windows_of_medium_texts_find_what_the_whole_text_finds() -> None:
    """The same for texts of one to a few windows (down to WINDOW_MIN_TEXT characters)."""
    pattern, _groups = special_categories._matcher()
    texts = [t for size in (special_categories.WINDOW_MIN_TEXT, 1000, 2000, 3500)
             for t in _long_texts(size, size, 30)]
    assert min(map(len, texts)) >= special_categories.WINDOW_MIN_TEXT
    taken = 0
    for text in texts:
        whole = [(m.span(), m.lastgroup) for m in pattern.finditer(text)]
        windows = special_categories._windows(text)
        assert windows is not None
        taken += sum(b - a for a, b in windows) < len(text)
        windowed = [(m.span(), m.lastgroup) for m in special_categories._matches(pattern, text)]
        assert windowed == whole
    assert taken > len(texts) // 4  # windows smaller than the text: the fast path pays
