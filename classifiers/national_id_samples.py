"""Synthetic national identifiers for tests and ``benchmarks/accuracy.py``: valid ones built from
each scheme's rules (random, seeded), and near misses (one digit off, a wrong letter).

Nothing here is a real person's number except by chance; the generators only follow the public
structure of each scheme (:mod:`classifiers.national_ids` documents the rules). Each sample comes
with the sentence it is shown in, so context words are part of the sample.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator

from classifiers import national_ids as n

Gen = Callable[[random.Random], str]


def _d(r: random.Random, k: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(k))


def _date(r: random.Random, y0: int = 1940, y1: int = 2005) -> tuple[int, int, int]:
    return r.randint(y0, y1), r.randint(1, 12), r.randint(1, 28)


def nino(r: random.Random) -> str:
    while True:
        a = r.choice([c for c in string.ascii_uppercase if c not in "DFIQUV"])
        b = r.choice([c for c in string.ascii_uppercase if c not in "DFIOQUV"])
        if a + b not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    return f"{a}{b}{_d(r, 6)}{r.choice('ABCD')}"


def uk_passport(r: random.Random) -> str:
    return str(r.randint(1, 9)) + _d(r, 8)


def uk_licence(r: random.Random) -> str:
    surname = "".join(r.choice(string.ascii_uppercase) for _ in range(r.randint(2, 5))).ljust(5, "9")
    y, m, d = _date(r)
    month = m + (50 if r.random() < 0.5 else 0)
    initials = r.choice(string.ascii_uppercase) + r.choice(string.ascii_uppercase + "9")
    tail = "".join(r.choice(string.ascii_uppercase) for _ in range(2))
    return f"{surname}{str(y)[2]}{month:02d}{d:02d}{str(y)[3]}{initials}9{tail}"


def de_tax_id(r: random.Random) -> str:
    while True:
        digits = r.sample(string.digits, 9)
        digits.append(r.choice(digits))
        r.shuffle(digits)
        body = "".join(digits)
        if body[0] != "0" and n.de_tax_id_valid(body + str(n.de_tax_id_check(body))):
            return body + str(n.de_tax_id_check(body))


def de_id_card(r: random.Random) -> str:
    letters = "CFGHJKLMNPRTVWXYZ"
    while True:
        body = r.choice("LMNPRTVWXY") + "".join(r.choice(letters + "0123456789" * 3)
                                                 for _ in range(8))
        if sum(c.isdigit() for c in body) >= 4:
            return body + str(n.icao_check(body))


def fr_nir(r: random.Random) -> str:
    y, m, _ = _date(r)
    dept = r.choice([f"{k:02d}" for k in range(1, 96) if k != 20] + ["2A", "2B"])
    body = f"{r.choice('12')}{y % 100:02d}{m:02d}{dept}{r.randint(1, 999):03d}{r.randint(1, 999):03d}"
    return body + f"{n.fr_nir_key(body):02d}"


def es_dni(r: random.Random) -> str:
    num = _d(r, 8)
    return num + n.es_letter(int(num))


def es_nie(r: random.Random) -> str:
    p = r.choice("XYZ")
    num = _d(r, 7)
    return p + num + n.es_letter(int(str("XYZ".index(p)) + num))


def it_fiscal_code(r: random.Random) -> str:
    y, m, d = _date(r)
    day = d + (40 if r.random() < 0.5 else 0)
    body = ("".join(r.choice("BCDFGHLMNPRSTVZ") for _ in range(3))
            + "".join(r.choice("BCDFGHLMNPRSTVZAEIOU") for _ in range(3))
            + f"{y % 100:02d}{n._IT_MONTHS[m - 1]}{day:02d}{r.choice('ABCDEFGHILMZ')}{_d(r, 3)}")
    return body + n.it_check_char(body)


def nl_bsn(r: random.Random) -> str:
    while True:
        body = str(r.randint(1, 9)) + _d(r, 7)
        last = sum(int(c) * w for c, w in zip(body, range(9, 1, -1), strict=True)) % 11
        if last < 10 and n.nl_bsn_valid(body + str(last)):
            return body + str(last)


def pesel(r: random.Random) -> str:
    y, m, d = _date(r, 1930, 2015)
    mm = m + (20 if y >= 2000 else 0)
    body = f"{y % 100:02d}{mm:02d}{d:02d}{_d(r, 4)}"
    return body + str(n.pesel_check(body))


def se_personnummer(r: random.Random) -> str:
    y, m, d = _date(r)
    body = f"{y % 100:02d}{m:02d}{d:02d}{_d(r, 3)}"
    for c in string.digits:
        if n.luhn_ok(body + c):
            return f"{body[:6]}-{body[6:]}{c}"
    raise AssertionError("unreachable")


def be_national_number(r: random.Random) -> str:
    y, m, d = _date(r, 1940, 2015)
    body = f"{y % 100:02d}{m:02d}{d:02d}{r.randint(1, 998):03d}"
    check = n.be_check(body, y >= 2000)
    return f"{body[:2]}.{body[2:4]}.{body[4:6]}-{body[6:9]}.{check:02d}"


def passport(r: random.Random) -> str:
    return r.choice(string.ascii_uppercase) + r.choice(string.ascii_uppercase) + _d(r, 7)


# entity -> (generator, sentence template with {v}); templates carry each scheme's usual words.
SCHEMES: dict[str, tuple[Gen, tuple[str, ...]]] = {
    "UK_NINO": (nino, ("National Insurance number: {v}", "NI no {v} on the P45",
                       "Her NINO is {v}.")),
    "UK_PASSPORT": (uk_passport, ("UK passport number {v}, expires 2031",
                                  "Passport no: {v}")),
    "UK_DRIVING_LICENCE": (uk_licence, ("Driving licence number: {v}", "DVLA licence {v}")),
    "DE_TAX_ID": (de_tax_id, ("Steuer-ID: {v}", "Steueridentifikationsnummer {v}")),
    "DE_ID_CARD": (de_id_card, ("Personalausweis Nr. {v}", "ID card number {v}")),
    "FR_NIR": (fr_nir, ("Numéro de sécurité sociale : {v}", "NIR {v}")),
    "ES_NIF": (es_dni, ("DNI {v}", "NIF: {v}")),
    "ES_NIE": (es_nie, ("NIE {v}", "tarjeta de identidad de extranjero {v}")),
    "IT_FISCAL_CODE": (it_fiscal_code, ("Codice fiscale: {v}", "C.F. {v}")),
    "NL_BSN": (nl_bsn, ("BSN {v}", "burgerservicenummer: {v}")),
    "PL_PESEL": (pesel, ("PESEL: {v}", "nr PESEL {v}")),
    "SE_PERSONNUMMER": (se_personnummer, ("Personnummer {v}", "personnummer: {v}")),
    "BE_NATIONAL_NUMBER": (be_national_number, ("Rijksregisternummer {v}",
                                                "numéro national : {v}")),
    "PASSPORT": (passport, ("Passport number {v} (Canada)", "passport no. {v}")),
}

# Entities whose validity is a check digit/letter: one character off must be rejected.
CHECKSUMMED = ("DE_TAX_ID", "DE_ID_CARD", "FR_NIR", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE",
               "NL_BSN", "PL_PESEL", "SE_PERSONNUMMER", "BE_NATIONAL_NUMBER")


def off_by_one(value: str, r: random.Random) -> str:
    """``value`` with its last digit (or, for a trailing letter, the letter) changed by one."""
    chars = list(value)
    for i in range(len(chars) - 1, -1, -1):
        c = chars[i]
        if c.isdigit():
            chars[i] = str((int(c) + r.randint(1, 9)) % 10)
            return "".join(chars)
        if c.isalpha():
            chars[i] = chr((ord(c.upper()) - 65 + r.randint(1, 25)) % 26 + 65)
            return "".join(chars)
    raise ValueError("no character to change")


def samples(entity: str, count: int, seed: int = 16) -> Iterator[tuple[str, str]]:
    """(value, sentence) pairs of valid identifiers of ``entity``."""
    r = random.Random(f"{seed}:{entity}")
    gen, templates = SCHEMES[entity]
    for k in range(count):
        v = gen(r)
        yield v, templates[k % len(templates)].format(v=v)


def invalid_samples(entity: str, count: int, seed: int = 16) -> Iterator[tuple[str, str]]:
    """Near misses in the same sentences: checksum off by one, or an unallocated NINO prefix,
    or (passports, which have no check digit) the number without a passport word."""
    r = random.Random(f"{seed}:{entity}:invalid")
    gen, templates = SCHEMES[entity]
    for k in range(count):
        v = gen(r)
        if entity in CHECKSUMMED:
            bad = off_by_one(v, r)
            t = templates[k % len(templates)]
        elif entity == "UK_NINO":
            bad = r.choice(["D", "F", "Q", "U", "V"]) + v[1:]
            t = templates[k % len(templates)]
        elif entity == "UK_DRIVING_LICENCE":
            bad = v[:6] + "3" + v[7:]  # month 3x: no such month
            t = templates[k % len(templates)]
        else:
            bad, t = v, "Order reference {v} shipped"
        yield bad, t.format(v=bad)
