"""The worker-side fast paths of the pattern pass find exactly what their slow paths find (issue
12, item 6; no timing asserts).

* the document-kind cue prefilter (:func:`classifiers.document_kinds._possible_cues`): cues
  whose hyperscan prefilter finds nothing are not searched with Python ``re``;
* the call-record two-number gate (:func:`classifiers.call_records._may_hold_two_numbers`): a
  line it rejects never yields two numbers in :func:`classifiers.call_records.scan_text`;
* the run-end prefilters (:func:`classifiers.patterns.run_end`): one hyperscan report per digit
  run instead of one per digit, the same matches as Python ``re`` over each whole text;
* the cookie-word shortcut (:func:`classifiers.devices.web.may_name_cookie`) and the IPv6 parse
  cache (:func:`classifiers.devices.network._parse_v6`);
* the keyed hash (:class:`scanner.redact.KeyedHash`): one HMAC key set-up copied per value
  gives :func:`scanner.redact.value_hash`'s digest.
"""

from __future__ import annotations

import random
import re

import pytest

from benchmarks import documents
from classifiers import call_records, document_kinds
from classifiers.base import Pattern
from classifiers.devices import network, web
from classifiers.document_kinds import CUES, scores
from classifiers.engine import Engine
from classifiers.patterns import PatternSet, _span_collector, byte_superset, prefilter, run_end
from classifiers.special_categories import ASCII_FOLDING
from scanner import entities
from scanner.redact import KeyedHash, value_hash
from scanner.settings import ClassifySettings


def _document_texts() -> list[tuple[str, str]]:
    """(text, name): generated documents of every kind and of none, as text and flattened to one
    line (the cues' flat variant), cut, and near-misses; ASCII and not."""
    out: list[tuple[str, str]] = []
    for d in documents.labelled_set(per_kind=4, others=3, seed=11):
        out.append((d.text, d.name))
        out.append((" ".join(d.text.split("\n")), d.name))  # flat: one long line
        out.append((d.text[: len(d.text) // 2], ""))
        out.append((d.text.upper(), d.name))
        out.append((d.text.replace("e", "\u00e9", 3), d.name))  # non-ASCII: every cue searched
    rng = random.Random(3)
    labels = [label for cues in CUES.values() for label, _, _ in cues]
    for _ in range(40):  # cue labels shuffled into noise: partial and whole hits
        words = [rng.choice(labels).strip("'") for _ in range(rng.randint(1, 12))]
        out.append(("\n".join(words), rng.choice(["", "cv.txt", "invoice_3.pdf"])))
        out.append((" ".join(words) * 20, ""))
    out += [("", ""), ("\n", ""), ("CV", "x"), ("\nCV\n", ""), ("r\u00e9sum\u00e9", ""),
            ("Curriculum  Vitae", ""), ("SKILLS:\n", ""), ("P60\n", "p60.pdf"),
            ("tax   year", ""), ("invoice\nno", "")]
    return out


def test_document_cue_prefilter_changes_no_score(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _document_texts()
    assert document_kinds._prefilter(False) is not None and document_kinds._prefilter(True)
    fast = [scores(t, n) for t, n in texts]
    # the prefilter skips cues on most texts (else it would be no fast path)
    skipped = [len(document_kinds._possible_cues(t, False) or ()) for t, _ in texts if t.isascii()]
    total = sum(len(c) for c in CUES.values())
    assert sum(skipped) < 0.5 * total * len(skipped)
    monkeypatch.setattr(document_kinds, "_possible_cues", lambda text, flat: None)
    slow = [scores(t, n) for t, n in texts]
    assert fast == slow
    kinds = {max(s.items(), key=lambda kv: kv[1][0])[0] for s in fast if any(p for p, _ in s.values())}
    assert kinds == set(CUES)  # every kind scored somewhere


def test_document_cues_hold_no_case_folding_character() -> None:
    """The prefilter is used on ASCII text only; a cue with a character that Python's
    case-insensitive matching folds to an ASCII letter would match ASCII text it does not see."""
    folding = re.compile(f"[{ASCII_FOLDING}]")
    assert not any(folding.search(rx) for cues in CUES.values() for _, _, rx in cues)


@pytest.mark.parametrize("secret", [b"\x00" * 32, bytes(range(32)), b"k" * 64, b"\xff" * 200])
def test_keyed_hash_is_value_hash(secret: bytes) -> None:
    keyed = KeyedHash(secret)
    values = ["jane.roe@example.org", "Jane.Roe@Example.ORG ", "+44 20 7946 0958", "07700 900122",
              "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "", " ", "Zo\u00eb M\u00fcller",
              "\u212aurdish", "x" * 5000, "203.0.113.7", "2001:db8::1", "a\u0000b"]
    names = [*entities.ids(), "NOT_AN_ENTITY"]
    pairs = [(n, v) for n in names for v in values]
    got = [keyed(n, v) for n, v in pairs]
    assert got == [value_hash(secret, n, v) for n, v in pairs]
    assert len(set(got)) > len(values)  # the entity's normal form matters: not one digest
    # the keyed state is copied, never consumed: the same value twice, in any order
    assert [keyed(n, v) for n, v in reversed(pairs)] == got[::-1]
    assert KeyedHash(secret + b"!")("EMAIL_ADDRESS", values[0]) != keyed("EMAIL_ADDRESS", values[0])


_FRAGMENTS = ["+44 20 7946 0958", "+447700900123", "447700900123", "0033612345678", "00 33 6 12",
              "020 7946 0958", "06 12 34 56 78", "(+33) 612345678", "(212) 555-0123", "4477009001",
              "6.20.7270743", "2024-03-01T10:02:11.480043", "10:02:11", "203.0.113.7", "1709287331",
              "call", "dur=65", "12 secs", "order", "x123", "+", "00", "-", " ", "\t", "(", ")", ".",
              "7", "1234567", "\u0664\u0664\u0667\u0667\u0660\u0660\u0669\u0660\u0660\u0661\u0662\u0663"]


def test_two_number_gate_never_rejects_a_line_with_two_numbers() -> None:
    rng = random.Random(12)
    lines = [" ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(2, 9))) for _ in range(6000)]
    lines += ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(2, 9))) for _ in range(3000)]
    two = rejected = 0
    for line in lines:
        rest = call_records._hide_fixed(line)
        for context in (False, True):
            ev = call_records.Evidence()
            call_records.scan_text(line, ev, context)
            gate = call_records._may_hold_two_numbers(rest, 0, context)
            rejected += not gate
            if len(ev.numbers) >= 2:
                two += 1
                assert gate, (line, context)
            # one phone detection plus one number, and two detections, always pass
            assert call_records._may_hold_two_numbers(rest, 2, context)
            if ev.numbers:
                assert call_records._may_hold_two_numbers(rest, 1, context), (line, context)
    assert two > 1000 and rejected > 1000  # both sides of the gate are exercised


@pytest.mark.parametrize(
    ("expr", "tight"),
    [
        (r"[0-9]{9}", r"[0-9]{9,}(?:[^0-9]|$)"),
        (r"[0-9\x80-\xff]{11,}", r"[0-9\x80-\xff]{11,}(?:[^0-9\x80-\xff]|$)"),
        (r"(?:18|19|20)[0-9]{10,}|[0-9]{10}", r"(?:18|19|20)[0-9]{10,}(?:[^0-9]|$)|[0-9]{10,}(?:[^0-9]|$)"),
        (r"[^a-z]+", r"[^a-z]{1,}(?:[a-z]|$)"),
        (r"a[b\]c]{2,5}", r"a[b\]c]{2,}(?:[^b\]c]|$)"),
        (r"a[bc]", r"a[bc]{1,}(?:[^bc]|$)"),
        # trailing groups, plain or optional, are opened into their endings
        (r"[0-9]+(?:x[0-9]{1,5})?", r"[0-9]+x[0-9]{1,}(?:[^0-9]|$)|[0-9]{1,}(?:[^0-9]|$)"),
        (r"y(?:[ab]|c[d]{2})", r"y[ab]{1,}(?:[^ab]|$)|yc[d]{2,}(?:[^d]|$)"),
        # repeated trailing groups: G{m,n} is G{m-1,n-1}G, G+ is G*G, G* and G{0,n} may be empty
        (r"[1-9][0-9](?: ?[0-9]{3}){3}", r"[1-9][0-9](?: ?[0-9]{3}){2} ?[0-9]{3,}(?:[^0-9]|$)"),
        (r"x(?:-[0-9]{4}){2,3}", r"x(?:-[0-9]{4}){1,2}-[0-9]{4,}(?:[^0-9]|$)"),
        (r"x(?:-[0-9]){1}", r"x-[0-9]{1,}(?:[^0-9]|$)"),
        (r"x[a-f]{2}(?:\.[0-9]+)+", r"x[a-f]{2}(?:\.[0-9]+)*\.[0-9]{1,}(?:[^0-9]|$)"),
        (r"x[a-f]{2}(?:\.[0-9]+)*",
         r"x[a-f]{2}(?:\.[0-9]+)*\.[0-9]{1,}(?:[^0-9]|$)|x[a-f]{2,}(?:[^a-f]|$)"),
        (r"x[ab](?:-[0-9]){0,2}",
         r"x[ab](?:-[0-9]){0,1}-[0-9]{1,}(?:[^0-9]|$)|x[ab]{1,}(?:[^ab]|$)"),
        (r"x[ab](?:-[0-9]){2,}", r"x[ab](?:-[0-9]){1,}-[0-9]{1,}(?:[^0-9]|$)"),
        # a punctuation literal ends an alternative like a one-character class
        (r"(?:[0-9a-f]{0,4}:){2,7}", r"(?:[0-9a-f]{0,4}:){1,6}[0-9a-f]{0,4}[:]{1,}(?:[^:]|$)"),
        (r"[ab]\.", r"[ab][\.]{1,}(?:[^\.]|$)"), (r"[ab]-+", r"[ab][-]{1,}(?:[^-]|$)"),
        # not the shape: the last atom of some alternative is no class or class repeat
        (r"a[bc]*", None), (r"(?:a[0-9])?", None),
        (r"y(?:[ab]|c)", None), (r"y(?=[ab])", None), (r"a\x41", None), (r"a\c:", None),
        (r"a(?:b[0-9]){2,3}?", None), (r"a(?:b[0-9]){3,2}", None), (r"(?:[ab]c)*", None),
        (r"a(?:[0-9]|)", None), (r"[ab].", None), (r"[ab]$", None), (r"[ab]:?", None),
        (r"[0-9]{3}|x", None), (r"\[abc]{3}", None), (r"[0-9]{2,4}?", None), (r"x[]a]{2}", None),
        (r"(?:x|[ab]{2})", None), (r"[0-9]{3}(", None), (r"", None), (r"a|", None),
    ],
)
def test_run_end_table(expr: str, tight: str | None) -> None:
    assert run_end(expr) == tight


def _spans(db: object, data: bytes) -> list[list[int]]:
    spans: dict[int, list[list[int]]] = {}
    db.scan(data, match_event_handler=_span_collector(spans))  # type: ignore[attr-defined]
    return spans.get(0, [])


def _digit_texts(rng: random.Random, n: int) -> list[str]:
    pieces = ["0", "1234567", "123456789", "12345678901", "1", "4111111111111111", " ", "-", ".",
              "/", "\n", "x", "ab", "2024-03-01T10:02:11.480043", "+44 20 7946 0958", "\u0664\u0665",
              "\u00e9", "\u20ac", "DE", "GB82 WEST 1234 5698 7654 32", "19850101-1234", "\t",
              # the shapes of the repeated-group and literal endings (e-mail, IBAN, cards, IPv6)
              "jane.roe@example.org", "a-b@x-y.co.uk", "@", "@ex.", "de89", "370400440532013000",
              "6011-0009-9013-9424", "5500 0000 0000 0004 123", "2001:db8::1", "fe80::1%eth0",
              "::ffff:192.0.2.1", "::", ":", "/64", "aa:bb:cc:dd:ee:ff", "12 345 678 901"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(n)]


def test_run_end_spans_cover_the_old_spans() -> None:
    hs = pytest.importorskip("hyperscan")
    engine = Engine(ClassifySettings(ner=False))
    rng = random.Random(5)
    texts = _digit_texts(rng, 400)
    tried = 0
    for p in engine.patterns.patterns:
        wide = byte_superset(prefilter(p.regex))
        tight = run_end(wide)
        if tight is None:
            continue
        tried += 1
        flags = hs.HS_FLAG_SOM_LEFTMOST | hs.HS_FLAG_ALLOWEMPTY
        dbs = []
        for expr in (wide, tight):
            db = hs.Database()
            db.compile(expressions=[expr.encode()], ids=[0], elements=1, flags=[flags])
            dbs.append(db)
        for text in texts:
            data = text.encode("utf-8")
            old, new = _spans(dbs[0], data), _spans(dbs[1], data)
            assert len(new) <= len(old)
            for s, e in old:
                assert any(a <= s and e <= b for a, b in new), (p.name, text, (s, e))
    assert tried >= 5  # the national-ID and SSN digit patterns have the shape


def test_pattern_pass_on_digit_runs_matches_plain_re() -> None:
    engine = Engine(ClassifySettings(ner=False))
    ps = engine.patterns
    assert ps.use_hyperscan
    texts = _digit_texts(random.Random(9), 600)
    texts += [" ".join(texts[i : i + 40]) for i in range(0, 600, 40)]  # long: confirmed in windows
    plain = PatternSet(ps.patterns, use_hyperscan=False)
    want = [plain.matches(t) for t in texts]
    assert ps.matches_many(texts) == want
    assert [ps.matches(t) for t in texts] == want
    assert sum(map(len, want)) > 2000


COOKIE_TEXTS = [
    "Cookie: sid=8f14e45fceea167a5a36dedd4bea2543; theme=dark",
    'GET / HTTP/1.1\r\nHost: x\r\nset-cookie: session_id=a1b2c3d4e5f6; Path=/; HttpOnly',
    "{\"cookie\": \"uid=123456789abc; lang=en\"}", "COOKIE=sid=0123456789abcdef",
    "Coo\u212aie: sid=8f14e45fceea167a5a36dedd4bea2543",  # the Kelvin sign folds to k
    "no cookies here, only cake", "biscuit: sid=8f14e45fceea167a5a36dedd4bea2543", "",
    ".example.com\tTRUE\t/\tFALSE\t1700000000\tsid\t8f14e45fceea167a5a36dedd4bea2543",
]


def test_cookie_shortcut_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.models import Location, TextUnit

    units = [TextUnit(Location("file:///c.log", i, field), t, kind)
             for i, t in enumerate(COOKIE_TEXTS, 1)
             for field, kind in ((None, "log"), ("set_cookie", "value"), ("note", "value"))]
    c = web.CookieClassifier()
    fast = [list(c.classify(u, ())) for u in units]
    skipped = sum(not web.may_name_cookie(u.text) for u in units)
    monkeypatch.setattr(web, "may_name_cookie", lambda text: True)
    slow = [list(c.classify(u, ())) for u in units]
    assert fast == slow
    assert skipped and sum(map(len, fast)) >= 6


def test_ipv6_parse_cache_changes_nothing() -> None:
    texts = ["2001:db8::1", "fe80::1%eth0", "::1", "10:02:11", "12:34", "::ffff:192.0.2.1",
             "2001:db8::/32", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "g::1", "::", ":::",
             "2001:DB8:0:0:8:800:200C:417A", "at 03:07:04.480043 from 2001:db8:85a3::8a2e:370:7334"]
    for text in texts:
        for i in range(len(text)):
            cached = network.ipv6_at(text, i)
            network._parse_v6.cache_clear()
            assert network.ipv6_at(text, i) == cached
    assert network._parse_v6("10:02:11") is None
    assert str(network._parse_v6("2001:DB8::1")) == "2001:db8::1"



# One unrepeated atom that matches a (multi-byte) non-ASCII character: the byte-level prefilter
# must let it take the whole character (it once took one byte, and hyperscan missed the match).
SINGLE_ATOMS = [r"\bx\wy\b", r"r[\u00e9e]sum[\u00e9e]", r"a.b", r"a[^b]c", r"q\Wq", r"n\Sn",
                r"d\Dd", r"k\w?z", r"(?:m\w)+p", r"[\u00e0-\u00ff]", r"\w", r"z[\u00e9]?z"]


def test_unrepeated_wide_atoms_match_non_ascii_characters() -> None:
    pytest.importorskip("hyperscan")
    patterns = [Pattern(f"p{i}", rx, "X", 0.5) for i, rx in enumerate(SINGLE_ATOMS)]
    fast = PatternSet(patterns, use_hyperscan=True)
    slow = PatternSet(patterns, use_hyperscan=False)
    texts = ["a x\u00e9y b", "my r\u00e9sum\u00e9", "a\u20acb", "a\U0001f600c", "q\u00a0q", "n\u00e9n",
             "d\u0664d", "k\u00fcz kz", "m\u00e9m\u00fcp", "\u00e9", "\u4e2d", "z\u00e9z zz",
             "x" * 70 + " x\u00e9y " + "\u00e9" * 70]  # long: confirmed in windows
    want = [slow.matches(t) for t in texts]
    assert fast.matches_many(texts) == want
    assert [fast.matches(t) for t in texts] == want
    assert all(want[:12])  # every pattern's case matches
