"""Phone numbers: the PHONE_NUMBER classifier, its normal form (E.164) and the checks behind it.

Split out of :mod:`classifiers.pii` (which still exports every name here). How a candidate is
judged, and why each rule is there, is the comment below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import ClassVar

import phonenumbers as pn
from phonenumbers import phonenumbermatcher as pnm
from phonenumbers.phonenumberutil import _UNWANTED_END_CHAR_PATTERN

from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner import entities
from scanner.models import Detection
from scanner.phone_form import (  # noqa: F401 - the normal form; re-exported for its users
    _EXTENSION,
    _FICTIONAL_GB,
    PHONE_REGIONS,
    _digits,
    _may_be_national,
    parse_phone,
    phone_e164,
    phone_key,
)
from scanner.phone_form import warm as phone_form_warm

CATEGORY = entities.category("PHONE_NUMBER")  # config/taxonomy.yaml


# The US SSN rule (classifiers.pii.UsSsnClassifier uses it too): a ddd-dd-dddd that passes it
# is an SSN, not a phone number.
def ssn_valid(text: str) -> bool:
    if len({c for c in text if c in ".- "}) > 1:
        return False
    digits = _digits(text)
    if len(set(digits)) == 1 or digits[3:5] == "00" or digits[5:] == "0000":
        return False
    return digits[:3] not in ("000", "666") and digits not in (
        "123456789", "987654320", "078051120")


def _with_extra(d: Detection, extra: str, score: float | None = None) -> Detection:
    """``d`` with ``extra`` added to its explanation (and ``score``, if given). Built directly:
    ``dataclasses.replace`` costs ten times as much, once per finding (detections are never
    changed in place: tests/conftest.py)."""
    return Detection(d.entity, d.start, d.end, d.score if score is None else score, d.detector,
                     f"{d.explanation}; {extra}", d.value, d.linked, d.attributes)


# -- phone ----------------------------------------------------------------------------------------
# How a candidate is judged (bounded cost: cheap string checks, then at most one parse per region,
# once per distinct number in a process):
#
# 1. the candidate pattern (digits with phone punctuation, an optional extension);
# 2. shape and surroundings, no parsing: 7-16 digits; not an IP address, date, version, decimal,
#    SSN, the fractional seconds of a timestamp (``06:17:21.130059``), or an identifier that a key
#    names (``order 4412345678``, ``job_id=20240301123``, ``#4155552671``, a value in an
#    ``order_id`` or ``card_number`` column), see not_a_phone, _named_identifier and
#    _identifier_field;
# 3. phonenumbers' own checks on the candidate text, as its PhoneNumberMatcher makes them at
#    leniency VALID (brackets, page references, slash dates, timestamps, Latin letters around);
# 4. the *normalised* number ("+" and the digits, or the national digits) read in each region
#    -- :func:`parse_phone`, cached on that key, so the same number in any spelling or
#    surroundings is read once -- valid in the first of Presidio's regions, in their order;
#    a region whose national lengths cannot fit the digits is not read at all. The reading is
#    phonenumbers' parse and validity checks taken step by step on the digits with its metadata
#    (scanner/phone_form.py, "the fast path"), the same answer as a full parse per region
#    (parse_phone_reference; tests/classifiers/test_phone_fast.py) at a fifth of the cost;
# 5. when the whole candidate fails: the matcher's inner groups (a second number after "/", a
#    leading group), each through 3 and 4.
#
# Steps 3-5 are what PhoneNumberMatcher does for one candidate; match_phone_reference runs the
# matcher itself, region after region, and tests/classifiers/test_phones.py checks both agree on a generated
# set. Deliberate additions, each left out of that comparison: Ofcom's numbers reserved for drama
# (07700 900xxx, 01632 960xxx, ...), which phonenumbers does not validate but Faker and test data
# write, count as valid UK numbers; a "+" number phonenumbers calls possible (right length for its
# country) but not valid is accepted as an international number; so is a well-formed North
# American number written in a NANP format ((212) 555-0199, 379-215-0008x063: Faker's en_US
# numbers have random area codes); and any national format right after a phone word ("Phone:
# 467 3395"). Inner groups need 7 digits, as whole candidates do.
#
# Normal form (what the redaction hashes, scanner.redact.normalize_phone -> phone_e164): E.164.
# A number written with "+" or an international prefix (00, 011) carries its country. A national
# number ("07700 900122") is read in the first region of PHONE_REGIONS where it is valid -- the same
# rule as detection -- so "07700 900122" and "+44 7700 900122" hash alike (GB comes before DE,
# whose open numbering plan also accepts it). A national number valid in several regions takes the
# earliest: it is ambiguous without its country, and the hash must not depend on the document.
PHONE_CONTEXT = 12  # characters of text on each side the reference matcher sees
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_LOCAL = re.compile(r"[2-9][0-9]{2}-[0-9]{4}")
# A date at the start of the candidate. A prefix match: it also rejects "06.12.34.56.78" (a French
# number) but keeps 4-2-4 identifiers such as "2270-66-1551" (a licence number that phonenumbers
# validates for region IN) out of the phone results; tried as a full match, the labelled set lost
# phone precision (test_accuracy_corpus).
_DATE_SHAPED = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
# Shapes that are never a phone number, rejected before phonenumbers sees them: a dotted quad of
# 1-3 digit groups is an IPv4 address or a version ("203.0.113.142" validates as an Indian number
# in phonenumbers) and ddd-dd-dddd that passes the SSN rules is the SSN classifier's.
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_SSN_SHAPED = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
# One dot between digits and nothing else but spaces: a decimal ("3.14159265", "1234.567890").
_DECIMAL = re.compile(r"[0-9 ]+\.[0-9]+")
# Dotted groups with a one-digit group before the last: a version ("1.2.3456789", "2.0.1234567");
# 1.212.555.0160 (a NANP number with its trunk 1) is the one dotted phone shape that starts so.
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*\.[1-9]\.[0-9]+|[1-9]\.[0-9]+\.[0-9]+(?:\.[0-9]+)*")
_NANP_DOTTED = re.compile(r"1\.[0-9]{3}\.[0-9]{3}\.[0-9]{4}")
# Compact dates and timestamps written as bare digits: 20240301, 202403011017, 20240301101711.
_COMPACT_STAMP = re.compile(
    r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?:[0-9]{4}|[0-9]{6})?"
)
# A key that names what follows as an identifier, right before the candidate: order, invoice,
# job, ticket, ... numbers in log lines and prose (checked on the 32 characters before, line
# breaks read as spaces: documents wrap lines). A generic key ("id", "no", "nr") names a phone
# number when a phone word comes right before it ("Phone no. 4155552671"); a specific one never.
_ID_WORDS = (
    "job", "order", "invoice", "inv", "ticket", "case", "request", "req", "txn",
    "transaction", "trace", "span", "build", "pid", "tid", "uid", "ref", "reference",
    "account", "acct", "sku", "serial", "tracking", "shipment", "parcel", "po", "batch",
    "run", "task", "session", "seq", "sequence", "booking", "confirmation", "policy",
    "claim", "item", "product", "part", "record", "row", "msg", "message", "event",
    "correlation", "doc", "document", "file", "version", "ver", "release", "port", "size",
    "bytes", "duration", "elapsed", "latency", "count", "amount", "total", "price", "qty",
    "quantity", "offset", "timestamp", "ts", "epoch", "hash", "checksum", "crc", "nonce",
    "isbn", "issn", "sbn", "lot", "container", "pallet", "vat", "tax", "iban", "bic", "sort",
    "card", "ein", "ean", "upc", "gtin", "aba", "routing", "passport", "licence", "license",
    "plate", "vin", "ssn", "itin", "imei", "imsi", "iccid",
)
_ID_SUFFIXES = ("id", "no", "nr", "num", "number", "code", "ref", "key")
_ID_GENERIC = ("id", "no", "nr")
_ID_KEY = re.compile(
    r"(?:\b(?P<specific>" + "|".join(_ID_WORDS) + r")(?:[ _-]?(?:" + "|".join(_ID_SUFFIXES)
    + r"))?|\b(?:" + "|".join(_ID_GENERIC) + r"))" r"[\"']?\.?\s*[#:=]?\s*[#:=]?\s*[\"']?$",
    re.IGNORECASE,
)
# The last word _ID_KEY can end on, lower-cased: a key, a key and its suffix written together
# ("orderid"), a suffix after a separator ("order_id", "tracking no."), a generic key. Checked
# first, before the search (see _names_identifier).
_ID_TAILS = frozenset((*_ID_WORDS, *_ID_SUFFIXES, *_ID_GENERIC,
                       *(w + x for w in _ID_WORDS for x in _ID_SUFFIXES)))
_ID_TRAILING = "\"'.#:="  # what _ID_KEY allows after the key, with white space
# What _ID_KEY allows after the key, exactly (its tail after the key alternatives), and the last
# words that are a specific key by themselves or with their suffix (see _names_identifier).
_ID_AFTER = re.compile(r"[\"']?\.?\s*[#:=]?\s*[#:=]?\s*[\"']?$")
_ID_SPECIFIC_TAILS = frozenset((*_ID_WORDS, *(w + x for w in _ID_WORDS for x in _ID_SUFFIXES)))
_PHONE_WORDS = r"(?:phone|tel|telephone|mobile|cell|fax|msisdn|caller|callee|contact|call|sms|whatsapp)"
_PHONE_WORD = re.compile(_PHONE_WORDS + r"[\w .-]{0,12}$", re.IGNORECASE)
# A phone word right before the candidate ("Phone: 467 3395", "call me on 9472 7916", "Mobile -
# 432 03 163"): a number in a national format of a region phonenumbers is not asked about is still
# a phone number there. Only the word, an optional "number"/"no." and punctuation may come between.
_PHONE_LEAD = re.compile(
    r"(?:\b|_)(?:phone|telephone|tel|mobile|cell|cellphone|fax|landline|whatsapp|sms|"
    r"dial(?:-in| in)?|"
    r"(?:call|reach|text|ring)(?:ed|ing)?(?: (?:me|us|him|her|them) (?:on|at)| (?:on|at)))"
    r"\.?(?: ?(?:number|no\.?|nr\.?|#))?(?: is)?\s*[:=\-]?\s*$"
    # vCard's property with its parameters: "TEL;TYPE=CELL:", "item1.TEL;TYPE=WORK,VOICE:"
    r"|\bTEL(?:;[\w=,\-\"]*)*:\s*$",
    re.IGNORECASE,
)
# A North American number in one of its written formats, area code and exchange well formed
# (first digit 2-9): (212) 555-0199, 212-555-0199, 212.555.0199, with +1, 1 or 001 before. Faker's
# en_US provider writes these with random area codes, most of them unassigned, so phonenumbers
# does not validate them; written so, they are phone numbers all the same.
_NANP_SHAPE = re.compile(
    r"(?:(?:\+1|001|1)[-. ]?)?(?:\([2-9][0-9]{2}\) ?[2-9][0-9]{2}[-. ]|[2-9][0-9]{2}([-.])"
    r"[2-9][0-9]{2}\1)[0-9]{4}"
)
# An ISBN-10 in its hyphenated form: group, publisher, title, check digit.
_ISBN10 = re.compile(r"[0-9]{1,5}-[0-9]{1,7}-[0-9]{1,7}-[0-9X]")
_NANP_REGIONS = frozenset(("US", "CA"))
# Regions whose national numbers are written with the trunk prefix 0 (0228 15121, 020 7946 0958,
# 01 23 45 67 89, 03-123-4567). Brazil's is not written ("(11) 91234-5678").
_TRUNK_ZERO = frozenset(("GB", "DE", "FR", "IL", "IN"))
# A word naming a phone number, in the text around a number or in its field's name.
_PHONE_CUE = re.compile(
    r"(?:phone|tele?fon|tel[eé]fono|telefone|telefoon|t[ée]l[ée]phone|\btel\b|t[ée]l\.|mobile?|"
    r"\bmobil|m[oó]vil|cellulare|\bgsm\b|handy|\bcell|"
    r"celular|\bfax|\bcall|\bsms\b|whatsapp|msisdn|landline|contact|kontakt|rufnummer|\bdial)",
    re.IGNORECASE,
)
# North America's written form with any digits (Faker's area codes are mostly unassigned, and
# phonenumbers may then find another region valid): (957)513-8708, 966-316-2502, 1-788.312.0048.
_NANP_WRITTEN = re.compile(
    r"(?:(?:\+1|001|1)[-. ]?)?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ])[0-9]{3}[-. ]?[0-9]{4}")
# Brazil's area code and number: "62 6176-0313", "(11) 91234-5678".
_BR_WRITTEN = re.compile(r"\(?[1-9][0-9]\)? ?9?[0-9]{4}-[0-9]{4}")


def _needs_cue(number: str, region: str, whole_value: bool = False) -> bool:
    """A number phonenumbers validates for a region other than North America only without the
    way its people write it: a bare run of digits (an ISBN's, an EAN's, a routing number's
    "022815121" read as Bonn's area code), or with no trunk prefix where one is written (the ISBN
    "1-392-33214-1" read as an Indian landline). Ten digits, bare or in North America's written
    form, need none: the length of North American and Indian mobile numbers."""
    bare = _EXTENSION.sub("", number) if "x" in number else number
    digits = _digits(bare)
    if (len(digits) == 10 and number.isdigit() and (whole_value or digits[0] not in "01")) or \
            _NANP_WRITTEN.fullmatch(bare):
        # ten digits, bare or in 3-3-4 groups: how North America writes them (area codes start
        # 2-9), the length of Indian mobiles (6-9). In a sentence or a log line (not a cell
        # that holds nothing else) a bare run starting 1 is a count read as
        # Delhi's or São Paulo's landline without its trunk prefix: "OK 1139419885" is
        # postfix's epoch in seconds (every one from 2001 to 2033 starts 1).
        return False
    if _BR_WRITTEN.fullmatch(bare):
        return False  # "62 6176-0313": Brazil's area code and number, whatever region read it
    if number.isdigit():
        # a run with its trunk prefix is how Britain, Germany, Israel write numbers by hand
        # ("02074960482", "039093786"), but not an EAN-13 (UPC codes start with 0) nor a
        # 9-digit ABA routing number, whose check digits hold
        return not (digits[0] == "0" and region in _TRUNK_ZERO and 9 <= len(digits) <= 12
                    and not (len(digits) == 9 and aba_valid(digits)))
    return region in _TRUNK_ZERO and not digits.startswith("0")


def aba_valid(digits: str) -> bool:
    """An ABA routing number: a Federal Reserve prefix (00-12, 21-32, 61-72, 80) and the 3-7-1
    weighted check."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    head = int(digits[:2])
    if not (head <= 12 or 21 <= head <= 32 or 61 <= head <= 72 or head == 80):
        return False
    d = [int(c) for c in digits]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def _phone_cue(field: str | None, text: str, start: int, end: int) -> bool:
    """A phone word in the field's name or in the text around ``text[start:end]``."""
    if field and _PHONE_CUE.search(field):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    around = text[max(line_start, start - 60) : min(len(text) if line_end < 0 else line_end,
                                                   end + 30)]
    return _PHONE_CUE.search(around) is not None


def not_a_phone(value: str) -> bool:
    """``value`` (a phone candidate) has the shape of an IP address, version, date, decimal,
    compact timestamp or SSN. Each shape needs its separator: a value without it skips the
    shape's pattern."""
    v = value.strip()
    dot = "." in v
    if (dot and _DOTTED_QUAD.fullmatch(v)) or _DATE_SHAPED.match(v):
        return True
    if v.count("/") > 1:
        return True  # 12/03/2021, 0188 / 7206 / 4539: phonenumbers' strict grouping rule
    if not v.startswith("+"):
        if dot and (_DECIMAL.fullmatch(v) or (
                _VERSION.fullmatch(v) and not _NANP_DOTTED.fullmatch(v))):
            return True
        if v.isdigit() and _COMPACT_STAMP.fullmatch(v):
            return True
    if "-" not in v:
        return False
    if v.count("-") == 3 and _ISBN10.fullmatch(v) and isbn10_valid(v):
        return True  # 0-9736993-5-3: a book number, its check digit a group of its own
    if _SSN_SHAPED.fullmatch(v) is None:
        return False
    return ssn_valid(v)


def isbn10_valid(value: str) -> bool:
    """The ISBN-10 check: the digits weighted 10 down to 1 sum to a multiple of 11."""
    chars = [c for c in value.upper() if c.isdigit() or c == "X"]
    if len(chars) != 10 or "X" in chars[:9]:
        return False
    return sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(chars)) % 11 == 0


# A web server's access log: the request, its status, then the body's size in bytes
# ('"GET /x HTTP/1.1" 200 4196084169'), which ten digits make a valid US or Indian number.
_HTTP_STATUS_BEFORE = re.compile(r"HTTP/[0-9.]+\"? [1-5][0-9]{2} $")


# What follows a log line's leading number when it is the line's time: syslog's program tag.
_LOG_TAG_AFTER = re.compile(r" [A-Za-z][\w.\-/]*(?:\[[0-9]+\])?: ")


def log_lead(text: str, start: int, end: int) -> bool:
    """The bare number ``text[start:end]`` opens a line of a log and a program's tag follows it
    ("1589446026 sshd[512]: ...", "1429203075953 dhcpd: ..."): the line's time in seconds or
    milliseconds, not a phone or card number. A number followed by anything else (a call-detail
    line that opens with the caller, "4155552671 called ...") is not one."""
    if not text[start:end].isdigit():
        return False
    if start == 0 or text[start - 1] == "\n":
        return _LOG_TAG_AFTER.match(text, end) is not None
    # A field of the line's header: the process id after the level ("INFO 3631469 --- [main]",
    # Spring Boot's), postfix's queue id after the program's tag ("postfix/smtpd[39]: 8166391935:")
    line_start = text.rfind("\n", 0, start) + 1
    if _LEVEL_BEFORE.search(text, max(line_start, start - 40), start):
        return True
    return text.startswith(": ", end) and text.startswith("]: ", start - 3)


_LEVEL_BEFORE = re.compile(r"(?<![\w.])(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL|NOTICE|CRIT|"
                           r"CRITICAL|SEVERE) +$")


def _named_identifier(text: str, start: int, end: int) -> bool:
    """The candidate ``text[start:end]`` is the fraction or part of a time, follows a key that
    names it an identifier (and no phone word), is a process id in a log line's tag
    ("crm[1691999]:") or the body size of an access-log line."""
    if start >= 2 and text[start - 1] == ":" and text[start - 2].isdigit():
        return True  # 06:17:21.130059 -> "21.130059", the seconds of a timestamp
    if end + 1 < len(text) and text[end] == ":" and text[end + 1].isdigit():
        return True  # a date and hour before ":mm"
    if start and text[start - 1] in "#@$€£%":
        return True  # #4155552671: a ticket or a tag, not a number to call
    if text[start] == "(" and text.startswith(",", end) and ")" not in text[start:end]:
        return True  # "VALUES (052277499,'...'": the first value of an SQL row, not "(0522) 77499"
    if start >= 2 and text[start - 1] == "[" and text[start - 2].isalnum() and text.startswith(
            "]:", end):
        return True  # syslog's "program[pid]:"
    if start >= 14 and text[start - 1] == " " and _HTTP_STATUS_BEFORE.search(
            text, max(0, start - 24), start):
        return True  # '"GET / HTTP/1.1" 200 4196084169': the response's size in bytes
    if text[start] == "+":
        return False  # an international number is one, whatever key names it
    before = text[max(0, start - 32) : start].replace("\n", " ")
    return _names_identifier(before) or compound_key(before)


def _names_identifier(before: str) -> bool:
    # _ID_KEY ends on a key, then only quotes, a dot, "#", ":", "=" and white space: the word
    # before those must be one of _ID_TAILS (a word of other letters: the search decides).
    i = len(before)
    while i and (before[i - 1] in _ID_TRAILING or before[i - 1].isspace()):
        i -= 1
    j = i
    while j and before[j - 1].isalpha():
        j -= 1
    word = before[j:i]
    if word.lower() in ("is", "was") and i == len(before.rstrip()):
        return _names_identifier(before[:j].rstrip())  # "The passport number is 012345678"
    if not word or (word.isascii() and word.lower() not in _ID_TAILS):
        return False
    if _ID_AFTER.match(before, i) is None:
        return False  # a key ends on a letter, so on the last one, at i: _ID_AFTER follows it
    if word.isascii() and word.lower() in _ID_SPECIFIC_TAILS and (
            j == 0 or not (before[j - 1].isalnum() or before[j - 1] == "_")):
        # _ID_KEY matches here, at a word boundary, with "specific" set; a match further left
        # must run on through before[j - 1] into this word as its suffix: "specific" is set too.
        return True
    m = _ID_KEY.search(before)
    if m is None:
        return False
    return m.group("specific") is not None or _PHONE_WORD.search(before[: m.start()]) is None


def compound_key(before: str) -> bool:
    """``before`` (the text before a number, or a field name) ends on a key joined of words
    ("memory_bytes", "rxBytes", "ts_ms", "lastSeen") whose last word is a specific identifier word
    (:data:`_ID_WORDS`) or a time's (:data:`_TIME_KEY_TAILS`), and none of them a phone word:
    its number is a count, a size or a time. :func:`_names_identifier` takes a key's suffix
    after a separator ("order_id") but not a word after another word: this does."""
    i = len(before)
    while i and (before[i - 1] in _ID_TRAILING or before[i - 1].isspace()):
        i -= 1
    if i == 0 or _ID_AFTER.match(before, i) is None:
        return False
    j = i
    while j and before[j - 1].isalpha():
        j -= 1
    word = before[j:i]
    if not word.isascii() or not word.isalpha():
        return False
    k = len(word) - 1
    while k > 0 and not (word[k].isupper() and word[k - 1].islower()):
        k -= 1
    if k == 0 and not (j and before[j - 1] == "_"):
        return False  # one word ("Order", "bytes"): _names_identifier's
    last = word[k:].lower()
    if last not in _ID_WORDS_SET and last not in _TIME_KEY_TAILS:
        return False
    m = j
    while m and (before[m - 1].isalnum() or before[m - 1] == "_"):
        m -= 1
    return _PHONE_KEY_WORD.search(before, m, i) is None


_ID_WORDS_SET = frozenset(_ID_WORDS)
# The last words of keys that hold a time as a count of (milli)seconds: "ts_ms", "lastSeen",
# "createdAt" (alone, "at" and "seen" are ordinary words: only as the end of a compound key).
_TIME_KEY_TAILS = frozenset(("ms", "millis", "secs", "seconds", "seen", "at", "time", "date"))
_PHONE_KEY_WORD = re.compile(_PHONE_WORDS, re.IGNORECASE)  # anywhere in a compound key


@functools.lru_cache(maxsize=4096)
def _identifier_field(field: str | None) -> bool:
    """A column, header or key that names its values identifiers (order_id, card_number, sku,
    amount, ...) and no phone word: its numbers are not phone numbers. Cached: a table has few
    columns and many values."""
    if not field:
        return False
    last = field.rstrip(". ").rsplit(".", 1)[-1]  # "Bestellnr.": the key, not ""
    if last.lower() in _TIME_KEY_TAILS:
        return True  # "lastLogin.at", "event.time": a time in (milli)seconds
    if _NUMBER_FIELD.search(last):  # "N° client", "Kundennummer", "numéro de commande"
        return _PHONE_CUE.search(last) is None  # not "Telefonnummer", "numéro de téléphone"
    return (_names_identifier(last) or compound_key(last)) and _PHONE_WORD.search(last) is None


# A column named "number of ..." in another language than English, or with the sign: "N° client",
# "Nº de pedido", "# order", "Kundennummer", "Bestellnr.", "numéro", "número", "numer klienta",
# "číslo". A number of what it does not say: a phone word in it makes it a phone column.
_NUMBER_FIELD = re.compile(
    r"^\s*(?:n\s?[°º]|#)|num[ée]ro|n[úu]mero|nummer|\bnumer\b|\bčíslo|[a-zäöüß]nr\.?\s*$",
    re.IGNORECASE,
)


def _matcher_checks(text: str, start: int, end: int) -> bool:
    """phonenumbers' PhoneNumberMatcher checks on the candidate ``text[start:end]`` before it
    parses one (leniency VALID): brackets, page references, Latin letters or a currency or
    percent sign right before or after."""
    candidate = text[start:end]
    # Both patterns need a bracket; "(" and ")" are the only ones the candidate pattern takes.
    if ("(" in candidate or ")" in candidate) and (
            not pnm._MATCHING_BRACKETS.fullmatch(candidate) or pnm._PUB_PAGES.search(candidate)):
        return False
    matcher = pnm.PhoneNumberMatcher
    bad = (matcher._is_invalid_punctuation_symbol, matcher._is_latin_letter)
    if start > 0 and not pnm._LEAD_PATTERN.match(candidate) and any(
        f(text[start - 1]) for f in bad
    ):
        return False
    return not (end < len(text) and any(f(text[end]) for f in bad))


def _verified(text: str, start: int, end: int) -> tuple[str, str, bool] | None:
    if not _matcher_checks(text, start, end):
        return None
    return parse_phone(phone_key(text[start:end]))


def find_phone(text: str, start: int, end: int) -> tuple[int, int, str, str, bool] | None:
    """The phone number in the candidate ``text[start:end]`` as (start, end, E.164, region,
    valid): the whole candidate, else the first inner group that is one (as PhoneNumberMatcher
    tries them), else ``None``."""
    candidate = text[start:end]
    if "/" in candidate and pnm._SLASH_SEPARATED_DATES.search(candidate):
        return None  # the pattern needs a slash, the next one a space
    if " " in candidate and pnm._TIME_STAMPS.search(candidate) and (
            pnm._TIME_STAMPS_SUFFIX.match(text, end)):
        return None
    found = _verified(text, start, end)
    if found is not None:
        return (start, end, *found)
    if len(_digits(candidate)) < 8:
        return None  # no inner group of 7 digits or more can be valid where the whole was not
    for inner in pnm._INNER_MATCHES:
        m = inner.search(candidate)
        first = True
        while m:
            groups = []
            if first:
                head = candidate[: m.start()]
                t = _UNWANTED_END_CHAR_PATTERN.search(head)
                groups.append((0, t.start() if t else len(head)))
                first = False
            g = m.group(1)
            t = _UNWANTED_END_CHAR_PATTERN.search(g)
            groups.append((m.start(1), m.start(1) + (t.start() if t else len(g))))
            for gs, ge in groups:
                if ge > gs and len(_digits(candidate[gs:ge])) >= 7:
                    found = _verified(text, start + gs, start + ge)
                    if found is not None and found[2]:
                        return (start + gs, start + ge, *found)
            m = inner.search(candidate, m.start() + 1)
    return None


def match_phone_reference(window: str, s: int, e: int) -> tuple[int, int, str] | None:
    """The slow path :func:`find_phone` replaces, kept as its reference: the longest number
    phonenumbers' matcher (leniency VALID) finds in ``window`` overlapping ``window[s:e]``,
    trying Presidio's regions in order, as (start, end, region); ``None`` when no region finds
    one. A matcher per region on every window: this was half the CPU of a scan."""
    best: tuple[int, int, str] | None = None
    for region in PHONE_REGIONS:
        for m in pn.PhoneNumberMatcher(window, region, leniency=1):
            if m.start < e and s < m.end and (best is None or m.end - m.start > best[1] - best[0]):
                best = (m.start, m.end, region)
        if best is not None and best[0] <= s and best[1] >= e:
            break  # the whole candidate is a valid number: other regions cannot do better
    return best


class PhoneClassifier(PatternClassifier):
    """Phone numbers: a cheap regex finds candidates; shape and surroundings rule out timestamps,
    decimals, versions, dates, IPs and named identifiers; phonenumbers validates the rest as its
    PhoneNumberMatcher would (leniency VALID, Presidio's regions), one reading per region of each
    distinct number (see the comment above PHONE_CONTEXT)."""

    id = "PII-PHONE"
    order = 102  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"PHONE_NUMBER": CATEGORY}
    patterns = (
        Pattern(
            "phone candidate",
            r"(?<![0-9+\-./])(?:\+\(?|\(\+?)?[0-9][0-9()\-./ \t]{4,22}[0-9](?:\s?(?:x|ext\.?)\s?[0-9]{1,5})?"
            r"(?![\w\-]|\.[0-9])",
            "PHONE_NUMBER",
            0.4,
        ),
    )
    context = ("phone", "number", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax")

    def warm(self) -> None:
        """Compile now what the fast parse compiles at first use, region after region
        (scanner.phone_form.warm); Classifier.warm calls it before the workers fork."""
        phone_form_warm()

    def validate(self, candidate: Candidate) -> Detection | None:
        unit = candidate.unit
        text = unit.text
        value = text[candidate.start : candidate.end]
        # Each check below only rejects: their order changes no answer. The extension pattern
        # needs an "x"; E.164 allows at most 15 digits, a trunk prefix adds one at most.
        if _identifier_field(unit.location.field) and not value.startswith("+"):
            return None
        ndigits = len(_digits(_EXTENSION.sub("", value) if "x" in value else value))
        if not 7 <= ndigits <= 16:
            return None
        if not_a_phone(value):
            return None
        if value.isdigit() and (ndigits == 16 or len(set(value)) == 1):
            return None  # too long for E.164, or unformatted filler such as 5555555555
        if _named_identifier(text, candidate.start, candidate.end):
            return None
        if unit.kind == "log" and log_lead(text, candidate.start, candidate.end):
            return None
        best = find_phone(text, candidate.start, candidate.end)
        if best is None:
            if _E164.fullmatch(value):  # "+" and 7-15 digits: the international format itself
                d = super().validate(candidate)
                return _with_extra(d, "E.164 format") if d else None
            named = self._named_phone(candidate, value)
            if named is not None:
                return named
            if candidate.unit.kind == "value" and _LOCAL.fullmatch(text.strip()):
                d = super().validate(candidate)  # a whole value "555-0132": a local number
                return _with_extra(d, "local number format") if d else None
            return None
        ms, me, _, region, valid = best
        if ms != candidate.start and (_named_identifier(text, ms, me) or (
                unit.kind == "log" and log_lead(text, ms, me))):
            return None  # an inner group ("200 4196084169" -> the size after a status code)
        international = text[ms:me].lstrip("(").startswith("+")
        whole = unit.kind == "value" and ms == 0 and me == len(text.rstrip())
        if not international and region not in _NANP_REGIONS and _needs_cue(
                text[ms:me], region, whole) and not _phone_cue(unit.location.field, text, ms, me):
            return None  # a bare run of digits or no trunk prefix: an ISBN, EAN, routing number
        if not valid and not international and not _NANP_SHAPE.fullmatch(
            _EXTENSION.sub("", text[ms:me])
        ):
            # a national number possible only: in a NANP format at least, or named a phone
            # number ("TEL;TYPE=CELL:3965278959", "oncall_phone = 1-028-303-1182x413")
            return self._named_phone(candidate, value)
        found = Candidate(candidate.pattern, candidate.unit, ms, me)
        d = super().validate(found)
        if d is None:
            return None
        if not valid:
            return _with_extra(d, f"possible number, not assigned (region {region})")
        return _with_extra(d, f"phonenumbers: valid for region {region}")

    def _named_phone(self, candidate: Candidate, value: str) -> Detection | None:
        """The candidate, whatever phonenumbers makes of it, when a phone word comes right
        before it ("Phone: 467 3395", "oncall_phone = ", vCard's "TEL;TYPE=CELL:") or it is the
        whole value of a phone-named field ("22 454 92 01" under "Telefon"): any national format
        of any region is written so."""
        unit, text = candidate.unit, candidate.unit.text
        before = text[max(0, candidate.start - 40) : candidate.start]
        if _PHONE_LEAD.search(before[before.rfind("\n") + 1 :]):
            d = super().validate(candidate)
            return _with_extra(d, "number after a phone word") if d else None
        field = unit.location.field
        if unit.kind == "value" and field and _PHONE_CUE.search(field) and (
                text.strip() == value.strip()):
            d = super().validate(candidate)
            return _with_extra(d, "number in a phone column") if d else None
        return None
