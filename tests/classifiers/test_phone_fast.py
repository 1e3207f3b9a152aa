"""The phone fast paths against their slow paths (no timing asserts).

* :func:`scanner.phone_form.parse_phone` (phonenumbers' parse taken step by step on the digits,
  metadata patterns compiled once) against :func:`parse_phone_reference` (the full
  ``phonenumbers.parse`` region after region): the same (E.164, region, valid) for every key, so
  the E.164 form the keyed hash is taken on cannot move;
* the classifier with either parse: the same detections (span, score, explanation) and the same
  normal form of each found value, on a generated table of candidates;
* the cheap checks in front of the regexes (``_names_identifier``'s word check, ``not_a_phone``'s
  separators, the type alternations, ``_digits`` on ASCII) against the plain forms.

The table: Faker's ``phone_number()`` in many locales (its extensions, ``001-`` and ``+1``
prefixes included) and spelt again with ``+1``/``001-``/``x123``; phonenumbers' example numbers of
every region in three formats; random digit strings after country codes, trunk and international
prefixes; and negatives (timestamps' fractions, decimals, versions, order and job ids, IPs, dates,
card-like numbers). Seeds are fixed.
"""

from __future__ import annotations

import random
import re

import phonenumbers as pn
import pytest

from classifiers import phones
from classifiers.engine import Engine
from classifiers.phones import PhoneClassifier
from scanner import phone_form
from scanner.models import Detection, Location, TextUnit
from scanner.redact import normalize
from scanner.settings import ClassifySettings

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "en_IN", "es_ES", "it_IT", "pt_BR",
           "he_IL", "en_CA", "en_AU", "pl_PL", "ja_JP", "ru_RU", "sv_SE", "da_DK", "pt_PT",
           "en_IE", "fr_CH", "de_AT", "zh_CN", "ko_KR", "tr_TR", "cs_CZ", "fi_FI")


def _faker_numbers(per_locale: int, seed: int) -> list[str]:
    faker = pytest.importorskip("faker")
    out = []
    for i, locale in enumerate(LOCALES):
        fake = faker.Faker(locale)
        fake.seed_instance(seed + i)
        out += [fake.phone_number() for _ in range(per_locale)]
    return out


def _example_numbers() -> list[str]:
    out = []
    types = (pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.TOLL_FREE,
             pn.PhoneNumberType.VOIP, pn.PhoneNumberType.PREMIUM_RATE)
    fmts = (pn.PhoneNumberFormat.NATIONAL, pn.PhoneNumberFormat.INTERNATIONAL,
            pn.PhoneNumberFormat.E164)
    for region in sorted(pn.SUPPORTED_REGIONS):
        for t in types:
            example = pn.example_number_for_type(region, t)
            if example is not None:
                out += [pn.format_number(example, f) for f in fmts]
    return out


def _card(r: random.Random, n: int) -> str:
    digits = [r.randint(0, 9) for _ in range(n - 1)]
    total = sum(d if i % 2 else sum(divmod(2 * d, 10)) for i, d in enumerate(reversed(digits)))
    return "".join(map(str, digits)) + str(-total % 10)  # Luhn-valid


def _negatives(r: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        out += [
            f"{r.randint(0, 23):02}:{r.randint(0, 59):02}:{r.randint(0, 59):02}.{r.randint(0, 999999):06}",
            f"{r.randint(1, 99999)}.{r.randint(0, 10**8)}",
            f"{r.randint(0, 9)}.{r.randint(0, 20)}.{r.randint(1000000, 99999999)}",
            f"order {r.randint(10**9, 10**10 - 1)}",
            f"job_id={r.randint(10**9, 10**11)}",
            ".".join(str(r.randint(0, 255)) for _ in range(4)),
            f"{r.randint(1990, 2030)}-{r.randint(1, 12):02}-{r.randint(1, 28):02}",
            f"{r.randint(1, 28):02}/{r.randint(1, 12):02}/{r.randint(1990, 2030)}",
            _card(r, r.choice((13, 15, 16))),
            f"{r.randint(1990, 2030)}{r.randint(1, 12):02}{r.randint(1, 28):02}{r.randint(0, 235959):06}",
        ]
    return out


def _random_keys(r: random.Random, n: int) -> list[str]:
    heads = ("", "0", "00", "1", "+", "+1", "001", "011", "0011", "33", "330", "44", "440", "49",
             "490", "91", "972", "55", "+44", "+33", "+49", "+91", "+7", "+39", "+61", "+0", "+80",
             "+882", "0044", "00044", "9", "8")
    return [r.choice(heads) + "".join(r.choice("0123456789") for _ in range(r.randint(4, 14)))
            for _ in range(n)]


def _values(seed: int = 12) -> list[str]:
    r = random.Random(seed)
    faked = _faker_numbers(90, seed)  # skips the test without Faker
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    us = [fake.phone_number() for _ in range(400)]
    spelt = []
    for v in us[:300]:
        core = re.sub(r"x\d+$", "", v)
        digits = phone_form._digits(core)[-10:]
        spelt += [f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}", f"001-{digits[:3]}-{digits[3:6]}-{digits[6:]}",
                  f"{core}x{r.randint(1, 99999)}", f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"]
    return faked + us + spelt + _example_numbers() + _negatives(r, 150) + _random_keys(r, 2500)


@pytest.fixture(scope="module")
def values() -> list[str]:
    return _values()


def test_fast_parse_gives_the_reference_answer_for_every_key(values: list[str]) -> None:
    keys = list(dict.fromkeys(phone_form.phone_key(v) for v in values))
    fast_answers = unsure = valid = possible = 0
    differ = []
    for key in keys:
        fast = phone_form._parse_fast(key)
        ref = phone_form.parse_phone_reference(key)
        if isinstance(fast, phone_form._Unsure):
            unsure += 1
        else:
            fast_answers += 1
        got = phone_form.parse_phone.__wrapped__(key)  # the cached function's own answer
        if got != ref or (not isinstance(fast, phone_form._Unsure) and fast != ref):
            differ.append((key, fast, ref))
        valid += ref is not None and ref[2]
        possible += ref is not None and not ref[2]
    assert differ == []
    assert len(keys) > 6000 and valid > 2500 and possible > 300, (len(keys), valid, possible)
    assert fast_answers > 0.9 * len(keys), (fast_answers, unsure)  # the fast path answers itself


def test_fast_path_leaves_to_the_reference_what_it_does_not_cover() -> None:
    # another digit script, "+" without a country code, a non-geographic code, all zeros
    for key in ("٠٧٧٠٠٩٠٠١٢٢", "+01144207946095", "+80012345678", "+8821234567", "+4400000000"):
        assert isinstance(phone_form._parse_fast(key), phone_form._Unsure), key
        assert phone_form.parse_phone.__wrapped__(key) == phone_form.parse_phone_reference(key)


def _texts(values: list[str], seed: int = 5) -> list[str]:
    r = random.Random(seed)
    templates = ("Call {} now", "tel {}.", "{}", "Contact: {} (office)", "from {} to the desk",
                 "2024-03-01T10:00:00Z sms to={} status=sent", "order {} shipped",
                 "Phone no. {} (desk)", "Mobile - {}", "caller_id={} dur=30", '{{"phone": "{}"}}')
    return [r.choice(templates).format(v) for v in values]


def _run(units: list[TextUnit]) -> list[list[tuple[object, ...]]]:
    engine = Engine(ClassifySettings(ner=False), [PhoneClassifier()])
    found: list[list[Detection]] = engine.analyze(units)
    return [[(d.entity, d.start, d.end, d.score, d.explanation, normalize(d.entity, d.value))
             for d in ds] for ds in found]


def test_classifier_finds_the_same_with_the_reference_parse(
    values: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _texts(values)
    units = [TextUnit(Location(f"mem://{i}", 1, "phone" if i % 7 == 0 else None), t,
                      "value" if i % 7 == 0 else "prose") for i, t in enumerate(texts)]
    phone_form.parse_phone.cache_clear()
    fast = _run(units)
    monkeypatch.setattr(phones, "parse_phone", phone_form.parse_phone_reference)
    monkeypatch.setattr(phone_form, "parse_phone", phone_form.parse_phone_reference)
    slow = _run(units)
    assert fast == slow
    found = sum(map(len, fast))
    assert found > 3000 and len(units) - sum(1 for ds in fast if ds) > 1000, found


def test_type_alternations_match_the_descs_one_by_one() -> None:
    r = random.Random(3)
    nsns = [phone_form._digits(pn.format_number(pn.parse(v), pn.PhoneNumberFormat.E164))
            for v in _example_numbers() if v.startswith("+")]
    nsns += ["".join(r.choice("0123456789") for _ in range(r.randint(4, 13))) for _ in range(1500)]
    compared = agree_true = 0
    for region in sorted(pn.SUPPORTED_REGIONS):
        md = phone_form._region(region)
        assert md is not None
        for nsn in nsns[:: 7] + [n[len(str(md.cc)):] for n in nsns if n.startswith(str(md.cc))]:
            fast, slow = phone_form._has_type(nsn, md), phone_form._has_type_slow(nsn, md)
            assert fast == slow, (region, nsn)
            compared += 1
            agree_true += fast
    assert compared > 50000 and agree_true > 500, (compared, agree_true)


def _names_identifier_slow(before: str) -> bool:
    m = phones._ID_KEY.search(before)
    if m is None:
        return False
    return m.group("specific") is not None or phones._PHONE_WORD.search(before[: m.start()]) is None


def test_identifier_key_word_check_changes_no_answer() -> None:
    r = random.Random(9)
    words = [*phones._ID_WORDS, *phones._ID_SUFFIXES, "phone", "call", "tel", "Order", "ORDER_ID",
             "orderno", "x", "\u212a", "ta\u017fk", "\u017feq", "\u0130d", "no.", "#", ":", "=", '"',
             "'", " ", "\n", "\t", "\xa0", "\u2003", "12", "_", "-", "é", "ID", "Nr.", "Tracking",
             "Job", "job=", "2job", "x_order", "\u0661", "order ref", "ref", "invoice no", "\u212aey",
             '""', "'\"", ".#", "::", "=:", "#.", "phone no", "tel. id", "sku-code", "item_number"]
    seps = ["", " ", "_", "-", ": ", "=", "\n", ' "', "#", '"\n', '""\n', " .\n", "1", "\u00b2"]
    true = 0
    for _ in range(40000):
        before = "".join(r.choice(words) + r.choice(seps) for _ in range(r.randint(0, 6)))[-32:]
        want = _names_identifier_slow(before)
        assert phones._names_identifier(before) is want, repr(before)
        true += want
    assert 10000 < true < 30000, true


def _not_a_phone_slow(value: str) -> bool:
    v = value.strip()
    if phones._DOTTED_QUAD.fullmatch(v) or phones._DATE_SHAPED.match(v):
        return True
    if v.count("/") > 1:
        return True
    if not v.startswith("+"):
        if phones._DECIMAL.fullmatch(v) or (
                phones._VERSION.fullmatch(v) and not phones._NANP_DOTTED.fullmatch(v)):
            return True
        if v.isdigit() and phones._COMPACT_STAMP.fullmatch(v):
            return True
    if phones._SSN_SHAPED.fullmatch(v) is None:
        return False
    return phones.ssn_valid(v)


def test_shape_checks_and_digits_change_no_answer(values: list[str]) -> None:
    rejected = 0
    for v in values:
        assert phones.not_a_phone(v) is _not_a_phone_slow(v), v
        rejected += phones.not_a_phone(v)
        assert phone_form._digits(v) == "".join(filter(str.isdigit, v))
        core = phone_form._EXTENSION.sub("", v.strip())
        old_key = ("+" if core.lstrip("(").startswith("+") else "") + "".join(
            filter(str.isdigit, core))
        assert phone_form.phone_key(v) == old_key, v
    assert rejected > 900, rejected
    r = random.Random(4)
    for _ in range(20000):
        t = "".join(chr(r.randrange(0, 0x3000)) for _ in range(r.randint(0, 16)))
        assert phone_form._digits(t) == "".join(filter(str.isdigit, t)), repr(t)


def test_matcher_patterns_need_the_character_checked_first(values: list[str]) -> None:
    """_matcher_checks and find_phone skip phonenumbers' bracket, page, slash-date and timestamp
    patterns when the candidate lacks "(" / ")", "/" or a space: each pattern's answer is then
    the one the skip assumes."""
    from phonenumbers import phonenumbermatcher as pnm

    pattern = re.compile(PhoneClassifier.patterns[0].regex)
    candidates = [m.group() for t in _texts(values) for m in pattern.finditer(t)]
    assert len(candidates) > 8000
    for c in candidates:
        if "(" not in c and ")" not in c:
            assert pnm._MATCHING_BRACKETS.fullmatch(c) and not pnm._PUB_PAGES.search(c), c
        if "/" not in c:
            assert not pnm._SLASH_SEPARATED_DATES.search(c), c
        if " " not in c:
            assert not pnm._TIME_STAMPS.search(c), c
    assert any(not pnm._MATCHING_BRACKETS.fullmatch(c) for c in candidates + ["(12) 34)"])


def test_warm_builds_every_length_of_the_regions_and_their_country_codes() -> None:
    """What the workers inherit (Classifier.warm calls PhoneClassifier.warm before they fork):
    the type alternations of every possible length of PHONE_REGIONS and of the regions sharing
    their codes (the NANP countries of +1, the Crown dependencies of +44), the same answers."""
    PhoneClassifier().warm()
    for region in ("US", "CA", "JM", "GB", "JE", "DE", "FR", "IL", "IN", "BR"):
        md = phone_form._region(region)
        assert md is not None
        assert {*md.lengths, *md.local_lengths} <= md.typed.keys(), region
    for key in ("2125550199", "+442079460958", "07700900123", "9876543210", "+18765550123"):
        assert phone_form.parse_phone.__wrapped__(key) == phone_form.parse_phone_reference(key)
