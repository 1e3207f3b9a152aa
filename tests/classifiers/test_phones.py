"""Phone numbers: tables of positives and negatives, the fast path against phonenumbers' matcher,
and one normal form (the hashed E.164) per number whatever its spelling."""

from __future__ import annotations

import random
import re

import phonenumbers
import pytest

from classifiers import pii
from classifiers.engine import Engine
from classifiers.pii import PhoneClassifier
from scanner import phone_form
from scanner.models import Location, TextUnit
from scanner.redact import normalize, value_hash
from scanner.settings import ClassifySettings
from tests.helpers import classify
from tests.helpers.classify import BACKENDS


def found(text: str, backend: str = "re", kind: str = "prose") -> list[str]:
    return classify.found(PhoneClassifier, text, backend, kind)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # national formats in prose (issue 16.3)
        ("Call Jane on +44 7700 900122 tomorrow.", ["+44 7700 900122"]),
        ("Mobile: 07700 900122", ["07700 900122"]),
        ("ring me on 07700 900122 after six", ["07700 900122"]),
        ("Her number is +33 6 12 34 56 78.", ["+33 6 12 34 56 78"]),
        ("Berlin office +49 30 901820, ask for Jan", ["+49 30 901820"]),
        ("tel: 020 7946 0958", ["020 7946 0958"]),
        ("Reception 0113 496 0123 (Leeds)", ["0113 496 0123"]),
        ("+41 22 730 5989", ["+41 22 730 5989"]),
        # Faker's en_US shapes: extensions, 001- and +1- prefixes, (ddd) forms, dots
        ("call (212) 555-0199 x123 today", ["(212) 555-0199 x123"]),
        ("001-212-555-0188 is the desk", ["001-212-555-0188"]),
        ("+1-212-555-0101x4567", ["+1-212-555-0101x4567"]),
        ("fax 212.555.0160", ["212.555.0160"]),
        ("1.212.555.0160", ["1.212.555.0160"]),
        ("(415)555-2671", ["(415)555-2671"]),
        # a phone word before a national format phonenumbers is not asked about
        ("Phone: 467 3395", ["467 3395"]),
        ("Can someone call me on 9472 7916?", ["9472 7916"]),
        # a "+" number of the right length for its country, in no assigned range
        ("WhatsApp +1 (514) 014-1931", ["+1 (514) 014-1931"]),
        # a number in a log line with a phone key
        ("2024-03-01T10:00:00Z sms to=+447700900123 status=sent", ["+447700900123"]),
        ("caller_id=+14155552671 dur=30", ["+14155552671"]),
        ("Phone no. 4155552671 (desk)", ["4155552671"]),  # a generic key after a phone word
    ],
)
def test_phone_positives(text: str, expected: list[str], backend: str) -> None:
    assert found(text, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "text",
    [
        # timestamps: the fractional seconds validated for region DE before
        "2024-03-01T06:17:21.130059 level=info msg=ok",
        "06:17:21.130059+00:00 GET /api",
        "at 2021-07-14 09:12:55.873311, job done",
        "20240301101711 backup written",
        "on 12/03/2021 10:00 the meeting",
        "2024-03-01",
        # decimals and versions
        "pi is 3.14159265 roughly",
        "balance 1234.567890 EUR",
        "upgraded to 1.2.3456789 today",
        "release 2.0.1234567 shipped",
        # identifiers named by a key
        "job 4415552671 finished in 3 s",
        "order_id=2125550123 status=paid",
        "invoice #2125550188 is overdue",
        "INFO request_id: 7700900122 handled",
        "Ticket 0207946 0958 closed",
        "paid with card 4934106496652",
        "call the phone. Order 8720382151 was packed",  # a specific key: never a phone
        "boxes for Order\n5289312708 were packed",  # wrapped in a document
        '{"order_id": 8074929527, "amount": 757.7}',
        "tracking no. 020 7946 0123",
        # IPs and other shapes
        "ip 203.0.113.142 blocked",
        "from 192.168.100.200:8080",
        "0188 / 7206 / 4539 / 25946",
        "ssn 591-33-7561",
        "5555555555",
        "+123456",
        "abc8005001234",
    ],
)
def test_phone_negatives(text: str, backend: str) -> None:
    assert found(text, backend) == []


def test_local_number_only_as_a_whole_value() -> None:
    assert found("567-8900", kind="value") == ["567-8900"]
    assert found("call 567-8900") == []


# -- one normal form ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spellings", "e164"),
    [
        (["07700 900122", "+44 7700 900122", "+44 (0)7700 900122", "0044 7700 900122",
          "+447700900122"], "+447700900122"),
        (["(212) 555-0123", "+1 212 555 0123", "001-212-555-0123", "212.555.0123",
          "+1-212-555-0123x99"], "+12125550123"),
        (["030 901820", "+49 30 901820", "0049 30 901820"], "+4930901820"),
        (["+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78"], "+33612345678"),
    ],
)
def test_spellings_of_one_number_hash_alike(spellings: list[str], e164: str) -> None:
    secret = b"k" * 32
    assert {normalize("PHONE_NUMBER", s) for s in spellings} == {e164}
    assert len({value_hash(secret, "PHONE_NUMBER", s) for s in spellings}) == 1


def test_national_number_reads_in_the_first_region_where_valid() -> None:
    # 07700 900122 is also a valid German number; GB comes first in Presidio's region order.
    assert pii.parse_phone(pii.phone_key("07700 900122")) == ("+447700900122", "GB", True)
    # A French national number is ambiguous without its country: it reads as German (valid
    # there, GB not): documented in classifiers/pii.py; the +33 spelling is exact.
    assert pii.phone_e164("06 12 34 56 78") != pii.phone_e164("+33 6 12 34 56 78")


def test_the_cache_is_keyed_on_the_number_not_its_surroundings() -> None:
    pii.parse_phone.cache_clear()
    texts = [f"{w} +44 20 7946 0{n} {w}" for w in ("Call", "phone:", "ring") for n in (123, 124)]
    texts += ["+44 (20) 7946-0123", "+442079460123", "tel 0044 20 7946 0124"]
    engine = Engine(ClassifySettings(ner=False), [PhoneClassifier()])
    units = [TextUnit(Location(f"mem://{i}"), t) for i, t in enumerate(texts)]
    assert all(len(ds) == 1 for ds in engine.analyze(units))
    info = pii.parse_phone.cache_info()
    assert info.misses == 3  # +442079460123, +442079460124, 00442079460124
    assert info.hits == len(texts) - 3


# -- fast path against the matcher ----------------------------------------------------------------
def _generated(seed: int = 7, n: int = 500) -> list[str]:
    """Sentences holding phonenumbers' example numbers of many regions in three formats,
    Faker's default phone_number() in twelve locales, and random digit groups with phone
    punctuation (mostly not phone numbers)."""
    faker = pytest.importorskip("faker")
    r = random.Random(seed)
    values = []
    fmts = (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.E164)
    types = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
             phonenumbers.PhoneNumberType.TOLL_FREE)
    for region in pii.PHONE_REGIONS + ("CH", "ES", "IT", "NL", "AU", "JP"):
        for t in types:
            example = phonenumbers.example_number_for_type(region, t)
            if example is not None:
                values += [phonenumbers.format_number(example, f) for f in fmts]
    fake = faker.Faker(["en_US", "en_GB", "de_DE", "fr_FR", "en_IN", "pt_BR", "he_IL", "en_CA",
                        "it_IT", "es_ES", "nl_NL", "pl_PL"])
    fake.seed_instance(seed)
    values += [fake.phone_number() for _ in range(n)]
    for _ in range(n):
        groups = [str(r.randint(0, 10 ** r.randint(1, 5))).zfill(r.randint(1, 4))
                  for _ in range(r.randint(2, 4))]
        v = r.choice([" ", "-", ".", "/", " / "]).join(groups)
        values.append(("+" + v) if r.random() < 0.3 else v)
    templates = ("Call {} now", "tel {}.", "{}", "Contact: {} (office)", "from {} to the desk")
    return [r.choice(templates).format(v) for v in values]


def test_fast_path_finds_what_the_matcher_finds() -> None:
    """find_phone (one parse per region of the candidate) against match_phone_reference
    (PhoneNumberMatcher over the candidate's window, region after region) on every candidate
    that passes the shape checks. Left out, as documented in classifiers/pii.py: Ofcom's drama
    numbers and possible-but-unassigned "+" numbers (accepted by the fast path only), and inner
    groups of fewer than 7 digits (the matcher reads "16937" in "54756 16937 93000" as German)."""
    pattern = re.compile(PhoneClassifier.patterns[0].regex)
    compared, differ, valid = 0, [], 0
    for text in _generated():
        for m in pattern.finditer(text):
            s, e = m.span()
            ndigits = len(pii._digits(pii._EXTENSION.sub("", m.group())))
            if not 7 <= ndigits <= 16 or pii.not_a_phone(m.group()):
                continue
            if pii._named_identifier(text, s, e):
                continue
            fast = pii.find_phone(text, s, e)
            if fast is not None and not fast[4]:
                continue  # a possible "+" number: an addition
            if fast is not None:
                nsn = phonenumbers.national_significant_number(phonenumbers.parse(fast[2]))
                if fast[2].startswith("+44") and pii._FICTIONAL_GB.fullmatch(nsn):
                    continue  # a drama number: an addition
            w0 = max(0, s - pii.PHONE_CONTEXT)
            window = text[w0 : e + pii.PHONE_CONTEXT]
            ref = pii.match_phone_reference(window, s - w0, e - w0)
            if ref is not None and len(pii._digits(window[ref[0] : ref[1]])) < 7:
                ref = None
            got = None if fast is None else (fast[0], fast[1])
            want = None if ref is None else (w0 + ref[0], w0 + ref[1])
            compared += 1
            valid += want is not None
            if got != want:
                differ.append((text, got, want))
    assert compared > 700 and valid > 400, (compared, valid)
    assert differ == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 379-215-0008x063", ["379-215-0008x063"]),  # Faker en_US: unassigned area code
        ("call 001-379-215-0008", ["001-379-215-0008"]),
        ("call (379) 215-0008", ["(379) 215-0008"]),
        ("call 3792150008", []),  # unformatted and unassigned: not enough
        ("call 179-215-0008", []),  # area codes never start with 1
        ("call 379-115-0008", []),  # nor exchanges
    ],
)
def test_nanp_formats_with_unassigned_area_codes(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("phone", "4155552671", ["4155552671"]),
        ("mobile_no", "07700 900122", ["07700 900122"]),
        ("order_id", "4155552671", []),
        ("customer.order_id", "8074929527", []),
        ("card_number", "060401492461", []),
        ("id", "1680621", []),
        ("order_id", "+14155552671", ["+14155552671"]),  # written as an international number
    ],
)
def test_fields_that_name_identifiers(field: str, value: str, expected: list[str]) -> None:
    engine = Engine(ClassifySettings(ner=False), [PhoneClassifier()])
    unit = TextUnit(Location("mem://t", 1, field), value, kind="value")
    assert [value[d.start : d.end] for d in engine.analyze([unit])[0]] == expected


def test_region_guard_never_skips_a_region_that_would_accept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """_may_be_national skips a region's parse by length; parse_phone_reference (and so the fast
    path, which skips the same regions) must answer the same with the guard as without it, on
    digit strings of every length and on the prefixes the parse strips (country codes with and
    without a national prefix after them, IDD prefixes)."""
    r = random.Random(11)
    keys = ["330838016880", "33612345678", "4402079460958", "0033612345678", "011442079460958",
            "02079460958", "07700900123", "01134960123", "08081570123", "03069990123"]
    heads = ("", "0", "00", "1", "33", "330", "44", "440", "49", "490", "91", "972", "55", "011")
    for _ in range(1500):
        head = r.choice(heads)
        keys.append(head + "".join(r.choice("0123456789") for _ in range(r.randint(5, 13))))
    from faker import Faker

    for locale in ("en_US", "en_GB", "de_DE", "fr_FR", "he_IL", "en_IN", "en_CA", "pt_BR"):
        fake = Faker(locale)
        fake.seed_instance(5)
        keys.extend(pii.phone_key(fake.phone_number()) for _ in range(150))
    keys = [k for k in dict.fromkeys(keys) if 7 <= len(k) <= 17]
    guarded = [phone_form.parse_phone_reference(k) for k in keys]
    valid = sum(g is not None and g[2] for g in guarded)
    assert [pii.parse_phone.__wrapped__(k) for k in keys] == guarded  # the fast path, guarded
    monkeypatch.setattr(phone_form, "_may_be_national", lambda key, region: True)  # parse's guard
    assert [phone_form.parse_phone_reference(k) for k in keys] == guarded
    assert [pii.parse_phone.__wrapped__(k) for k in keys] == guarded
    assert sum(g is not None for g in guarded) > 100
    assert valid > 500  # the guard is tried on numbers that are valid somewhere too
