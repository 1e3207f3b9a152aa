"""The fast paths of the pattern pass and of the common validators give what their slow paths give
(issue 12, item 6; no timing asserts).

* the presence database for short texts (:func:`classifiers.patterns._presence_database`): one
  scan per text naming the patterns to confirm, instead of the joined span scan;
* the IPv4 reader (:func:`classifiers.devices.network._parse_v4`) against :mod:`ipaddress`;
* the table Luhn checks (:func:`classifiers.pii.luhn`, :func:`classifiers.national_ids.luhn_ok`)
  and the memoised issuer-range check;
* the tail masks (:func:`scanner.redact.mask`) against the character loop;
* the whole pattern stage on a mixed sample with every fast path above switched off.
"""

from __future__ import annotations

import ipaddress
import random

import pytest

from classifiers import national_ids, patterns, pii
from classifiers.devices import network
from classifiers.engine import Engine
from classifiers.patterns import WHOLE_TEXT, PatternSet
from scanner import redact
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings

PIECES = [
    "jane.roe@example.org", "a-b@x-y.co.uk", "user=jane@example.org", "@", "203.0.113.7",
    "10.0.0.1/24", "2001:db8::1", "fe80::1%eth0", "::ffff:192.0.2.1", "10:02:11",
    "2024-03-01T10:02:11.480043", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005",
    "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "+44 20 7946 0958", "(212) 555-0123",
    "123-45-6789", "bsn 111222333", "111222333", "811228-9874", "19811228-9874", "AB 12 34 56 C", "aa:bb:cc:dd:ee:ff",
    "490154203237518", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36",
    "https://user:pw@example.com/x", "www.example.org", "IBAN", "card", "ip", "bsn", " ", ", ",
    "\n", "\t", "-", ".", ":", "/", "x", "0", "12", "123456789012", "\u00e9", "\u0664\u0665\u0666",
    "\u212a", "Z\u00fcrich", "\u20ac", "DOB 17/08/1982", "Jane Roe",
]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.choice((1, 1, 2, 3, 5, 12, 40))
        out.append("".join(rng.choice(PIECES) + rng.choice(("", " ", ", ", "; "))
                           for _ in range(k)))
    out += ["", "x" * WHOLE_TEXT, "1" * (WHOLE_TEXT + 1), "a@b.co" + " " * (WHOLE_TEXT - 6)]
    return out


def test_presence_path_gives_the_span_path_and_re_matches() -> None:
    pytest.importorskip("hyperscan")
    engine = Engine(ClassifySettings(ner=False))
    ps = engine.patterns
    ps.matches_many(["a", "b"])
    assert ps._presence, "the presence database is built"
    texts = _texts(1, 1500)
    short = sum(0 < len(t) <= WHOLE_TEXT for t in texts)
    assert 300 < short < len(texts) - 100  # both paths are taken
    fast = ps.matches_many(texts)
    single = [ps.matches(t) for t in texts]
    plain = PatternSet(ps.patterns, use_hyperscan=False)
    want = [plain.matches(t) for t in texts]
    spans_only = PatternSet(ps.patterns, use_hyperscan=True, groups=ps.groups)
    spans_only._build()
    spans_only._presence = ()  # short texts through the joined span scan, as before
    assert fast == want == single == spans_only.matches_many(texts)
    assert sum(map(len, want)) > 3000
    # the second time the short texts' matches come from the memo; a caller's change to a list
    # it was given does not reach the memo
    assert ps._short_memo
    for found in fast:
        found.clear()
    assert ps.matches_many(texts) == want


def test_presence_database_reports_each_pattern_once() -> None:
    pytest.importorskip("hyperscan")
    ps = Engine(ClassifySettings(ner=False)).patterns
    ps.matches_many(["a", "b"])
    hits: list[int] = []
    on_match = patterns._presence_collector(hits)
    for db in ps._presence:
        db.scan(b"203.0.113.7 203.0.113.8 203.0.113.9", match_event_handler=on_match)
    assert hits and len(hits) == len(set(hits))


def test_ipv4_reader_is_ipaddress() -> None:
    cuts = network._v4_cuts()
    assert cuts is not None and len(cuts) > 10
    rng = random.Random(6)
    numbers = {c + d for c in cuts for d in (-1, 0, 1) if 0 <= c + d < 1 << 32}
    numbers |= {rng.getrandbits(32) for _ in range(20000)}
    texts = [str(ipaddress.IPv4Address(n)) for n in numbers]
    texts += ["01.2.3.4", "1.2.3.04", "00.0.0.0", "256.1.1.1", "1.2.3.256", "999.1.1.1", "1.2.3",
              "1.2.3.4.5", "1..2.3", "", "\u0661.2.3.4", "1.2.3.\u0664", " 1.2.3.4", "1.2.3.4 ",
              "0.0.0.0", "127.0.0.1", "255.255.255.255", "169.254.1.1", "224.0.0.1", "10.1.2.3"]
    for text in texts:
        assert network._parse_v4.__wrapped__(text) == network._parse_v4_reference(text), text
    scopes = {network._parse_v4.__wrapped__(t)[1] for t in texts if network._parse_v4_reference(t)}
    assert scopes == {"global", "private", "loopback", "unspecified", "link_local", "multicast"}


@pytest.mark.parametrize("check", [(pii.luhn, pii.luhn_reference),
                                   (national_ids.luhn_ok, national_ids.luhn_ok_reference)])
def test_table_luhn_is_the_plain_luhn(check: tuple[object, object]) -> None:
    fast, slow = check
    rng = random.Random(8)
    numbers = ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
               for _ in range(20000)]
    numbers += ["4111111111111111", "378282246310005", "0", "00", "\u0664\u0661\u0661\u0661"]
    got = [fast(n) for n in numbers]  # type: ignore[operator]
    assert got == [slow(n) for n in numbers]  # type: ignore[operator]
    assert 1000 < sum(got) < len(got) - 1000


def test_issuer_range_memo_is_the_table() -> None:
    rng = random.Random(9)
    for _ in range(20000):
        number = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 20)))
        want = any(lo <= int(number[:k]) <= hi and len(number) in lengths
                   for lo, hi, k, lengths in pii._IIN)
        assert pii.iin_known(number) == want, number


def test_tail_masks_are_the_character_loop() -> None:
    rng = random.Random(10)
    alphabet = "0123456789 -()+.abcXYZ_/*\u0664\u00e9\u00b2\u2155\u212a"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(5000)]
    values += ["4111 1111 1111 1111", "(212) 555-0123", "GB82 WEST 1234 5698 7654 32", "12", "1",
               "abc", "_____", "1_2_3_4_5_6_7_8_9"]
    for style in ("tail2", "tail4"):
        entity = next(e for e in ("CREDIT_CARD", "PHONE_NUMBER", "IBAN_CODE", "US_SSN")
                      if redact._mask_style(e) == style)
        for v in values:
            norm = redact._SPACE.sub(" ", v.strip())
            if len(norm) <= 4 and not norm:
                continue
            assert redact.mask(entity, v) == redact._mask_tail_reference(norm, style), (v, style)


def _key(ds: list[list[Detection]]) -> list[list[tuple[object, ...]]]:
    return [[(d.entity, d.start, d.end, d.score, d.detector, d.explanation, d.value, d.linked,
              tuple(sorted(d.attributes.items()))) for d in unit] for unit in ds]


def test_pattern_stage_with_fast_paths_off(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(ClassifySettings(ner=False))
    texts = _texts(2, 1200)
    units = [TextUnit(Location("file:///m.txt", i, field), t, kind)  # type: ignore[arg-type]
             for i, t in enumerate(texts, 1)
             for field, kind in ((None, "prose"), (None, "log"), ("card_number", "value"))]
    fast = engine.analyze(units)
    monkeypatch.setattr(network, "_parse_v4", network._parse_v4_reference)
    monkeypatch.setattr(pii, "luhn", pii.luhn_reference)
    monkeypatch.setattr(national_ids, "luhn_ok", national_ids.luhn_ok_reference)
    monkeypatch.setattr(pii, "iin_known", lambda n: any(
        lo <= int(n[:k]) <= hi and len(n) in lengths for lo, hi, k, lengths in pii._IIN))
    slow_engine = Engine(ClassifySettings(ner=False))
    slow_engine.patterns._build()
    slow_engine.patterns._presence = ()
    slow = slow_engine.analyze(units)
    assert _key(fast) == _key(slow)
    entities = {d.entity for ds in fast for d in ds}
    assert {"IP_ADDRESS", "CREDIT_CARD", "EMAIL_ADDRESS", "IBAN_CODE", "NL_BSN"} <= entities
