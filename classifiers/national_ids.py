"""National identifiers of the UK and the EU member states GDPR residents carry most often.

Every identifier is checked by its published structure and check digit, not by shape alone:

========================  =====================  ==============================================
entity                    identifier             validation
========================  =====================  ==============================================
``UK_NINO``               National Insurance no  HMRC prefix rules (no D F I Q U V first, no D F
                                                 I O Q U V second, BG GB KN NK NT TN ZZ unused),
                                                 suffix A-D
``UK_PASSPORT``           UK passport number     9 digits next to a passport word
``UK_DRIVING_LICENCE``    DVLA licence number    surname block, YMMDDY birth date (month + 50
                                                 for women), initials; a licence word nearby
``DE_TAX_ID``             Steuer-ID (IdNr)       11 digits, one digit repeated, ISO 7064 MOD 11,10
``DE_ID_CARD``            Personalausweis        9 characters + check digit (ICAO 9303, 7-3-1)
``FR_NIR``                numéro de sécurité     13 characters (Corsica 2A/2B) + key 97 - n mod 97
                          sociale
``ES_NIF``                DNI                    8 digits + letter (n mod 23)
``ES_NIE``                NIE                    X/Y/Z + 7 digits + letter (n mod 23)
``IT_FISCAL_CODE``        codice fiscale         16 characters, birth month/day codes, check
                                                 letter (odd/even tables, omocodia allowed)
``NL_BSN``                burgerservicenummer    9 digits, 11-proof
``PL_PESEL``              PESEL                  11 digits, birth date with century offset,
                                                 weights 1-3-7-9
``SE_PERSONNUMMER``       personnummer           (YY)YYMMDD-NNNN, birth date (or +60
                                                 samordningsnummer), Luhn
``BE_NATIONAL_NUMBER``    rijksregisternummer    YYMMDD-SSS-CC, CC = 97 - n mod 97 (2 prefix
                                                 for births from 2000)
``PASSPORT``              any passport number    6-9 letters/digits next to a passport word
========================  =====================  ==============================================

Entity names are Presidio's where Presidio has a recognizer (``UK_NINO``, ``UK_PASSPORT``,
``UK_DRIVING_LICENCE``, ``DE_TAX_ID``, ``DE_ID_CARD``, ``ES_NIF``,
``ES_NIE``, ``IT_FISCAL_CODE``, ``PL_PESEL``, ``SE_PERSONNUMMER``); the others follow its ``CC_NAME`` style.
Identifiers that are only digits (BSN, PESEL, Steuer-ID, personnummer without a separator, BE
number without separators) pass a random number's checksum one time in ten or eleven: their base
score is below the default threshold, and a context word nearby (``bsn``, ``pesel``,
``steuer-id``, ...) or a field that names them lifts them above it. Specimen numbers printed in
official guidance (HMRC's ``QQ 12 34 56 C``, the ``T22000129`` Mustermann card) are rejected like
Presidio rejects sample SSNs: they are on forms and templates, not about anyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from operator import mul
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner import entities as entity_table
from scanner.models import Detection

# The entities this module emits; their categories come from config/taxonomy.yaml.
CATEGORY: Mapping[str, str] = entity_table.categories((
    "UK_NINO", "UK_PASSPORT", "UK_DRIVING_LICENCE", "DE_TAX_ID", "DE_ID_CARD", "FR_NIR", "ES_NIF",
    "ES_NIE", "IT_FISCAL_CODE", "NL_BSN", "PL_PESEL", "SE_PERSONNUMMER", "BE_NATIONAL_NUMBER",
    "PASSPORT",
))
ENTITIES = frozenset(CATEGORY)

CHECKSUM_SCORE = 0.6  # structure + check digit, distinctive shape
DIGITS_ONLY_SCORE = 0.3  # a bare digit string with a valid checksum: needs context (+0.35)
CONTEXT_REQUIRED_SCORE = 0.05  # shape only: reported only next to a context word (+0.35 -> 0.4)

_PASSPORT_WORDS = ("passport", "passeport", "reisepass", "pasaporte", "passaporto", "paspoort",
                   "paszport", "pass no", "passport no")


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def luhn_ok(digits: str) -> bool:
    """The Luhn check; ASCII digits through a table of the doubled digits' digit sums (the same
    sum as :func:`luhn_ok_reference`, which any other input takes)."""
    if digits.isascii() and digits.isdigit():
        return sum(map(int, digits[-1::-2] + digits[-2::-2].translate(_LUHN_DOUBLE))) % 10 == 0
    return luhn_ok_reference(digits)


_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")  # a digit doubled, as its digit sum


def luhn_ok_reference(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


# -- checksums (pure functions, also used by the tests' generators) --------------------------------
_NINO_BAD_FIRST = set("DFIQUV")
_NINO_BAD_SECOND = set("DFIOQUV")
_NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_valid(value: str) -> bool:
    v = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", v):
        return False
    if v[0] in _NINO_BAD_FIRST or v[1] in _NINO_BAD_SECOND or v[:2] in _NINO_BAD_PREFIX:
        return False
    return len(set(v[2:8])) > 1  # 000000, 111111: filler


def de_tax_id_check(first10: str) -> int:
    """ISO 7064 MOD 11,10 check digit of the first ten digits of a Steuer-ID."""
    product = 10
    for c in first10:
        s = (int(c) + product) % 10
        if s == 0:
            s = 10
        product = (s * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


def de_tax_id_valid(value: str) -> bool:
    v = _digits(value)
    if len(v) != 11 or v[0] == "0":
        return False
    counts = sorted((v[:10].count(c) for c in set(v[:10])), reverse=True)
    # Since 2016: exactly one digit twice or three times (never three in a row), the rest once.
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    if counts[0] == 3 and re.search(r"(\d)\1\1", v[:10]):
        return False
    return de_tax_id_check(v[:10]) == int(v[10])


_ICAO_WEIGHTS = (7, 3, 1)


def icao_check(chars: str) -> int:
    """ICAO 9303 check digit (7-3-1 weights; A=10 ... Z=35; '<' = 0)."""
    total = 0
    for i, c in enumerate(chars.upper()):
        n = 0 if c == "<" else int(c, 36)
        total += n * _ICAO_WEIGHTS[i % 3]
    return total % 10


_DE_ID_ALPHABET = set("CFGHJKLMNPRTVWXYZ0123456789")
_DE_ID_SPECIMENS = {"T22000129", "L01X00T47", "LZ6311T47"}


def de_id_card_valid(value: str, with_check: bool) -> bool:
    v = value.upper()
    body = v[:9]
    if not set(body) <= _DE_ID_ALPHABET or not body[0].isalpha() or body in _DE_ID_SPECIMENS:
        return False
    if sum(c.isdigit() for c in body) < 4:
        return False
    if with_check:
        return len(v) == 10 and v[9].isdigit() and icao_check(body) == int(v[9])
    return len(v) == 9


def fr_nir_key(first13: str) -> int:
    n = first13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(n) % 97


def fr_nir_valid(value: str) -> bool:
    v = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}", v):
        return False
    month = int(v[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    dept = v[5:7]
    if dept == "00" or (dept.isdigit() and dept == "20"):  # Corsica is 2A / 2B since 1976
        return False
    if v[7:10] == "000" or v[10:13] == "000":
        return False
    return fr_nir_key(v[:13]) == int(v[13:])


_ES_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_letter(number: int) -> str:
    return _ES_LETTERS[number % 23]


def es_dni_valid(value: str) -> bool:
    v = re.sub(r"[\s.\-]", "", value).upper()
    if re.fullmatch(r"\d{7}[A-Z]", v):
        v = "0" + v  # an old DNI written without its leading zero
    if not re.fullmatch(r"\d{8}[A-Z]", v) or len(set(v[:8])) == 1:
        return False
    return es_letter(int(v[:8])) == v[8]


def es_nie_valid(value: str) -> bool:
    v = re.sub(r"[\s.\-]", "", value).upper()
    if not re.fullmatch(r"[XYZ]\d{7}[A-Z]", v):
        return False
    return es_letter(int(str("XYZ".index(v[0])) + v[1:8])) == v[8]


_IT_ODD = dict(zip(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6,
     8, 12, 14, 16, 10, 22, 25, 24, 23),
    strict=True,
))
_IT_MONTHS = "ABCDEHLMPRST"
_IT_OMOCODIA = "LMNPQRSTUV"  # digit d may be replaced by _IT_OMOCODIA[d]


def it_check_char(first15: str) -> str:
    total = 0
    for i, c in enumerate(first15.upper()):
        if i % 2 == 0:  # 1st, 3rd, ... character (1-based odd)
            total += _IT_ODD[c]
        else:
            total += int(c) if c.isdigit() else ord(c) - 65
    return chr(65 + total % 26)


def it_fiscal_code_valid(value: str) -> bool:
    v = value.upper()
    if not re.fullmatch(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
                        r"[0-9LMNPQRSTUV]{3}[A-Z]", v):
        return False
    def num(s: str) -> int:
        return int("".join(str(_IT_OMOCODIA.index(c)) if c.isalpha() else c for c in s))
    day = num(v[9:11])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        return False
    return it_check_char(v[:15]) == v[15]


_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def nl_bsn_valid(value: str) -> bool:
    v = _digits(value)
    if len(v) != 9 or len(set(v)) == 1 or v == "123456782":  # the specimen in every manual
        return False
    total = sum(map(mul, map(int, v[:8]), _BSN_WEIGHTS)) - int(v[8])
    return total % 11 == 0 and total > 0


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pesel_check(first10: str) -> int:
    return (10 - sum(int(c) * w for c, w in zip(first10, _PESEL_WEIGHTS, strict=True)) % 10) % 10


def pesel_valid(value: str) -> bool:
    v = _digits(value)
    if len(v) != 11 or len(set(v)) == 1:
        return False
    yy, mm, dd = int(v[:2]), int(v[2:4]), int(v[4:6])
    century = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}[mm // 20]
    if not _valid_date(century + yy, mm % 20, dd):
        return False
    return pesel_check(v[:10]) == int(v[10])


_SE_NUMBER = re.compile(r"(18|19|20)?(\d{2})(\d{2})(\d{2})[-+]?(\d{4})")


def se_personnummer_valid(value: str) -> bool:
    v = value.strip()
    m = _SE_NUMBER.fullmatch(v)
    if not m:
        return False
    yy, mm, dd = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if dd > 60:
        dd -= 60  # samordningsnummer (coordination number)
    year = int((m.group(1) or "19") + m.group(2)) if m.group(1) else 1900 + yy
    if not _valid_date(year, mm, dd) and not _valid_date(year + 100, mm, dd):
        return False
    ten = m.group(2) + m.group(3) + m.group(4) + m.group(5)
    return luhn_ok(ten)


def be_check(first9: str, born_2000: bool) -> int:
    n = int(("2" if born_2000 else "") + first9)
    return 97 - n % 97


def be_national_number_valid(value: str) -> bool:
    v = _digits(value)
    if len(v) != 11:
        return False
    mm, dd = int(v[2:4]), int(v[4:6])
    if not (0 <= mm <= 12 or 20 <= mm <= 32 or 40 <= mm <= 52) or dd > 31:  # bis numbers
        return False
    if v[6:9] in ("000", "999"):
        return False
    check = int(v[9:])
    # The check digits say the century: a 2000s birth only for a year that has already come.
    born_2000_possible = int(v[:2]) <= date.today().year % 100
    return check == be_check(v[:9], False) or (born_2000_possible and check == be_check(v[:9], True))


_DVLA_MONTH = re.compile(r"0[1-9]|1[0-2]|5[1-9]|6[0-2]")


def uk_licence_valid(value: str) -> bool:
    v = value.upper()
    if not re.fullmatch(r"[A-Z][A-Z9]{4}\d{6}[A-Z][A-Z9]\d[A-Z0-9]{2}", v):
        return False
    surname = v[:5]
    if "9" in surname.rstrip("9"):  # the 9s only pad a short surname
        return False
    if not _DVLA_MONTH.fullmatch(v[6:8]):
        return False
    return 1 <= int(v[8:10]) <= 31


# -- the classifier ---------------------------------------------------------------------------------
_SEP = r"[ \t]?"
_B = r"(?<![\w\-./])"  # not inside a longer token (letters, digits, dashes, dots, slashes)
_E = r"(?![\w\-]|[./][0-9A-Za-z])"


def _p(name: str, regex: str, entity: str, score: float, ignore_case: bool = False) -> Pattern:
    # grouped: the boundaries hold for every alternative of ``regex`` (ungrouped, the NL BSN's
    # first alternative had no end boundary and its second no start one, and matched the first
    # nine digits of every longer number)
    return Pattern(name, _B + "(?:" + regex + ")" + _E, entity, score, ignore_case)


_VALIDATORS = {
    "UK_NINO": nino_valid,
    "UK_DRIVING_LICENCE": uk_licence_valid,
    "DE_TAX_ID": de_tax_id_valid,
    "FR_NIR": fr_nir_valid,
    "ES_NIF": es_dni_valid,
    "ES_NIE": es_nie_valid,
    "IT_FISCAL_CODE": it_fiscal_code_valid,
    "NL_BSN": nl_bsn_valid,
    "PL_PESEL": pesel_valid,
    "SE_PERSONNUMMER": se_personnummer_valid,
    "BE_NATIONAL_NUMBER": be_national_number_valid,
}

# Context words per entity (lower case; matched in a window around the value or in the field).
CONTEXT: Mapping[str, tuple[str, ...]] = {
    "UK_NINO": ("national insurance", "ni number", "ni no", "nino", "nin", "insurance number"),
    "UK_PASSPORT": _PASSPORT_WORDS,
    "UK_DRIVING_LICENCE": ("driving licence", "driving license", "driver licence",
                          "driver's licence", "driver license", "licence no", "licence number",
                          "dvla", "licence"),
    "DE_TAX_ID": ("steuer-id", "steuerid", "steuer id", "steueridentifikationsnummer",
                  "identifikationsnummer", "steuernummer", "idnr", "tax id", "tin",
                  "tax identification"),
    "DE_ID_CARD": ("personalausweis", "ausweis", "id card", "identity card", "id-karte",
                   "ausweisnummer", "card number", "id number"),
    "FR_NIR": ("sécurité sociale", "securite sociale", "nir", "insee", "numéro de sécu",
               "social security", "carte vitale", "n° ss", "no ss"),
    "ES_NIF": ("dni", "nif", "documento nacional", "identidad"),
    "ES_NIE": ("nie", "extranjero", "identidad"),
    "IT_FISCAL_CODE": ("codice fiscale", "cod. fisc", "c.f.", "fiscal code", "tax code", "cf"),
    "NL_BSN": ("bsn", "burgerservicenummer", "sofinummer", "sofi", "citizen service number"),
    "PL_PESEL": ("pesel",),
    "SE_PERSONNUMMER": ("personnummer", "personal identity number", "personal identity code",
                        "samordningsnummer", "swedish id", "pnr"),
    "BE_NATIONAL_NUMBER": ("rijksregisternummer", "rijksregister", "numéro national",
                           "numero national", "registre national", "national number",
                           "insz", "niss"),
    "PASSPORT": _PASSPORT_WORDS,
}


_PROCESS_KEY = re.compile(r"(?<![A-Za-z])(?:pid|tid|thread|process)[ \t]*[:=#]?[ \t]*$",
                          re.IGNORECASE)


class NationalIdClassifier(PatternClassifier):
    """UK and EU national identifiers, each with its checksum or structure rules."""

    id = "PII-NATIONAL-ID"
    order = 200  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = CATEGORY
    patterns = (
        _p("UK NINO", r"[A-Z]{2}" + _SEP + r"\d{2}" + _SEP + r"\d{2}" + _SEP + r"\d{2}" + _SEP
           + r"[A-D]", "UK_NINO", CHECKSUM_SCORE, ignore_case=True),
        _p("UK passport", r"\d{9}", "UK_PASSPORT", CONTEXT_REQUIRED_SCORE),
        _p("UK driving licence", r"[A-Z][A-Z9]{4}\d{6}[A-Z][A-Z9]\d[A-Z0-9]{2}",
           "UK_DRIVING_LICENCE", 0.5),
        _p("DE Steuer-ID", r"[1-9]\d(?: ?\d{3}){3}", "DE_TAX_ID", DIGITS_ONLY_SCORE),
        _p("DE Personalausweis with check digit", r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d",
           "DE_ID_CARD", 0.5),
        _p("DE Personalausweis", r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}", "DE_ID_CARD",
           CONTEXT_REQUIRED_SCORE),
        _p("FR NIR", r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}", "FR_NIR",
           CHECKSUM_SCORE),
        _p("ES DNI", r"\d{7,8}[ \-]?[A-Z]", "ES_NIF", 0.5, ignore_case=True),
        _p("ES NIE", r"[XYZ][ \-]?\d{7}[ \-]?[A-Z]", "ES_NIE", CHECKSUM_SCORE),
        _p("IT codice fiscale", r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
           r"[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", "IT_FISCAL_CODE", 0.8, ignore_case=True),
        _p("NL BSN", r"\d{4}\.?\d{2}\.?\d{3}|\d{3} \d{3} \d{3}", "NL_BSN", DIGITS_ONLY_SCORE),
        _p("PL PESEL", r"\d{11}", "PL_PESEL", DIGITS_ONLY_SCORE),
        _p("SE personnummer", r"(?:19|20)?\d{6}[-+]\d{4}", "SE_PERSONNUMMER", 0.5),
        _p("SE personnummer (no separator)", r"(?:18|19|20)\d{10}|\d{10}", "SE_PERSONNUMMER",
           DIGITS_ONLY_SCORE),
        _p("BE national number", r"\d{2}\.\d{2}\.\d{2}[-. ]\d{3}[-. ]\d{2}", "BE_NATIONAL_NUMBER",
           CHECKSUM_SCORE),
        _p("BE national number (digits)", r"\d{11}", "BE_NATIONAL_NUMBER", DIGITS_ONLY_SCORE),
        _p("passport number", r"[A-Z]{1,2}\d{6,8}|\d{2}[A-Z]{2}\d{5}|[A-Z]\d[A-Z0-9]\d{5,6}",
           "PASSPORT", CONTEXT_REQUIRED_SCORE),
    )

    def validate(self, candidate: Candidate) -> Detection | None:
        entity = candidate.pattern.entity
        value = candidate.value
        if _PROCESS_KEY.search(candidate.unit.text, max(0, candidate.start - 16), candidate.start):
            return None  # "[pid 2000934:tid 139013818074995]": a thread's id in a server's log
        check = _VALIDATORS.get(entity)
        extra = "checksum valid" if check else "context word"
        if entity == "DE_ID_CARD":
            with_check = "check digit" in candidate.pattern.name
            if not de_id_card_valid(value, with_check):
                return None
            extra = "ICAO check digit valid" if with_check else "card number format"
        elif check is not None and not check(value):
            return None
        if entity == "UK_NINO" and value[:2].upper() == "QQ":
            return None  # HMRC's specimen prefix (never allocated)
        if entity == "UK_DRIVING_LICENCE":
            extra = "DVLA structure valid"
        context = CONTEXT[entity]
        window = candidate.window(60, 20)
        hit = next((w for w in context if _word_in(w, window)), "")
        field = (candidate.unit.location.field or "").lower()
        if not hit and field:
            flat = re.sub(r"[^a-z]", "", field)
            hit = next((f"field:{candidate.unit.location.field}" for w in context
                        if re.sub(r"[^a-z]", "", w) in flat and len(w) > 2), "")
        if entity == "ES_NIF" and not hit and value[-1] in "smhdwy" and value[-2].isdigit():
            return None  # "lease=9233020s", "ttl 86400s": a duration and its unit (lower case)
        score = candidate.pattern.score + (0.35 if hit else 0.0)
        d = Detection(
            entity=entity,
            start=candidate.start,
            end=candidate.end,
            score=min(1.0, score),
            detector=self.id,
            explanation=f"{self.id}: pattern {candidate.pattern.name}; {extra}"
            + (f"; context '{hit}'" if hit else ""),
            value=value,
        )
        return d if d.score > CONTEXT_REQUIRED_SCORE else None


def _word_in(word: str, window: str) -> bool:
    """``word`` occurs in ``window`` as a whole word (short words: "nin", "cf", "nie")."""
    i = window.find(word)
    while i != -1:
        before = window[i - 1] if i else " "
        after = window[i + len(word)] if i + len(word) < len(window) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        i = window.find(word, i + 1)
    return False


CLASSIFIERS: tuple[type[PatternClassifier], ...] = (NationalIdClassifier,)
