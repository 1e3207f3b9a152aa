"""Pattern classifiers for the standard identifiers, in Presidio's vocabulary.

Each class is small: a stable ``id``, the entities it emits, its patterns (run by the engine in one
multi-pattern pass, see :mod:`classifiers.patterns`) and a ``validate`` hook that only sees
candidates. The regular expressions and validation rules follow Presidio's predefined recognizers
(``presidio_analyzer.predefined_recognizers``) unless a comment says why they differ.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

import phonenumbers as pn
from phonenumbers import phonenumbermatcher as pnm

from classifiers.addresses import StreetAddressClassifier
from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner.models import Detection

CATEGORY = {
    "EMAIL_ADDRESS": "user.contact.email",
    "PHONE_NUMBER": "user.contact.phone_number",
    "CREDIT_CARD": "user.financial.credit_card",
    "IBAN_CODE": "user.financial.bank_account",
    "US_SSN": "user.government_id.national_identification_number",
    "URL": "user.behavior.browsing_history",
    "DATE_TIME": "user.demographic.date_of_birth",
}


def _digits(text: str) -> str:
    return "".join(filter(str.isdigit, text))


def _with_extra(d: Detection, extra: str) -> Detection:
    return replace(d, explanation=f"{d.explanation}; {extra}")


# -- e-mail ---------------------------------------------------------------------------------------
@functools.cache
def _tld_extractor() -> object:
    import tldextract

    # The bundled public-suffix snapshot only: never fetch the list from the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=1 << 14)
def _split_host(host: str) -> tuple[str, str, str]:
    """(fqdn, domain, suffix) of a host name by the bundled public suffix list. Pure, so cached
    per process: e-mail domains and URL hosts repeat (in memory only, like the detections)."""
    r = _tld_extractor()(host)  # type: ignore[operator]
    return r.fqdn, r.domain, r.suffix


class EmailClassifier(PatternClassifier):
    """E-mail addresses: Presidio's pattern, a known public suffix, not a URL's user:password."""

    id = "PII-EMAIL"
    entities: ClassVar[Mapping[str, str]] = {"EMAIL_ADDRESS": CATEGORY["EMAIL_ADDRESS"]}
    patterns = (
        Pattern(
            "Email (Medium)",
            r"\b((([!#$%&'*+\-/=?^_`{|}~\w])|([!#$%&'*+\-/=?^_`{|}~\w][!#$%&'*+\-/=?^_`{|}~\.\w]"
            r"{0,}[!#$%&'*+\-/=?^_`{|}~\w]))[@]\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+)\b",
            "EMAIL_ADDRESS",
            0.5,
        ),
    )
    context = ("email", "e-mail", "mail")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        # https://user:secret@example.org is a URL with credentials, not an address.
        line_start = max(text.rfind(c, 0, start) for c in " \t\r\n<>\"'") + 1
        before = text[line_start:start]
        mailto = before[-7:].lower() == "mailto:"  # a link to the address, not a URL's user
        if not mailto and ("://" in before or (start and text[start - 1] in ":/")):
            return None
        local, _, domain = candidate.value.rpartition("@")
        if not _split_host(domain)[0]:
            return None
        key = _LOG_KEY.match(local)
        if key and key.end() < len(local):  # user=jane@example.org: the address follows the key
            candidate = Candidate(candidate.pattern, candidate.unit, start + key.end(),
                                  candidate.end)
        return super().validate(candidate)


# "key=" before an address in a log line or a query string ('=' is legal in a local part, so the
# pattern takes it in); an SRS/VERP local part ("bounces+SRS=...") does not start like a key.
_LOG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=")


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
# 4. one parse per region of the *normalised* number ("+" and the digits, or the national digits)
#    -- :func:`parse_phone`, cached on that key, so the same number in any spelling or
#    surroundings is parsed once -- valid in the first of Presidio's regions, in their order;
#    a region whose national lengths cannot fit the digits is not parsed at all;
# 5. when the whole candidate fails: the matcher's inner groups (a second number after "/", a
#    leading group), each through 3 and 4.
#
# Steps 3-5 are what PhoneNumberMatcher does for one candidate; match_phone_reference runs the
# matcher itself, region after region, and tests/test_phones.py checks both agree on a generated
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
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR")  # Presidio's defaults
PHONE_CONTEXT = 12  # characters of text on each side the reference matcher sees
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_LOCAL = re.compile(r"[2-9][0-9]{2}-[0-9]{4}")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?[0-9]{1,5}$")
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
_ID_KEY = re.compile(
    r"(?:\b(?P<specific>job|order|invoice|inv|ticket|case|request|req|txn|transaction|trace|span|build|"
    r"pid|tid|uid|ref|reference|account|acct|sku|serial|tracking|shipment|parcel|po|batch|run|"
    r"task|session|seq|sequence|booking|confirmation|policy|claim|item|product|part|record|row|"
    r"msg|message|event|correlation|doc|document|file|version|ver|release|port|size|bytes|"
    r"duration|elapsed|latency|count|amount|total|price|qty|quantity|offset|timestamp|ts|epoch|"
    r"hash|checksum|crc|nonce|isbn|issn|lot|container|pallet|vat|tax|iban|bic|sort|card)"
    r"(?:[ _-]?(?:id|no|nr|num|number|code|ref|key))?|\b(?:id|no|nr))"
    r"[\"']?\.?\s*[#:=]?\s*[#:=]?\s*[\"']?$",
    re.IGNORECASE,
)
_PHONE_WORD = re.compile(
    r"(?:phone|tel|telephone|mobile|cell|fax|msisdn|caller|callee|contact|call|sms|whatsapp)"
    r"[\w .-]{0,12}$", re.IGNORECASE,
)
# A phone word right before the candidate ("Phone: 467 3395", "call me on 9472 7916", "Mobile -
# 432 03 163"): a number in a national format of a region phonenumbers is not asked about is still
# a phone number there. Only the word, an optional "number"/"no." and punctuation may come between.
_PHONE_LEAD = re.compile(
    r"\b(?:phone|telephone|tel|mobile|cell|cellphone|fax|landline|whatsapp|sms|"
    r"(?:call|reach|text|ring)(?:ed|ing)?(?: (?:me|us|him|her|them) (?:on|at)| (?:on|at)))"
    r"\.?(?: ?(?:number|no\.?|nr\.?|#))?(?: is)?\s*[:=\-]?\s*$",
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
_NANP_DIGITS = re.compile(r"(?:\+?1|001|011)?([2-9][0-9]{2}[2-9][0-9]{6})")
# Ofcom's ranges reserved for drama and examples, as national significant numbers: written like
# any UK number (Faker's en_GB provider uses them) but left out of phonenumbers' valid ranges.
_FICTIONAL_GB = re.compile(
    r"(?:11[3-8]|121|131|141|151|161)4960[0-9]{3}|1914980[0-9]{3}|2079460[0-9]{3}|"
    r"2896496[0-9]{3}|2920180[0-9]{3}|1632960[0-9]{3}|7700900[0-9]{3}|8081570[0-9]{3}|"
    r"9098790[0-9]{3}|3069990[0-9]{3}"
)


def not_a_phone(value: str) -> bool:
    """``value`` (a phone candidate) has the shape of an IP address, version, date, decimal,
    compact timestamp or SSN."""
    v = value.strip()
    if _DOTTED_QUAD.fullmatch(v) or _DATE_SHAPED.match(v):
        return True
    if v.count("/") > 1:
        return True  # 12/03/2021, 0188 / 7206 / 4539: phonenumbers' strict grouping rule
    if not v.startswith("+"):
        if _DECIMAL.fullmatch(v) or (_VERSION.fullmatch(v) and not _NANP_DOTTED.fullmatch(v)):
            return True
        if v.isdigit() and _COMPACT_STAMP.fullmatch(v):
            return True
    return _SSN_SHAPED.fullmatch(v) is not None and ssn_valid(v)


def _named_identifier(text: str, start: int, end: int) -> bool:
    """The candidate ``text[start:end]`` is the fraction or part of a time, or follows a key that
    names it an identifier (and no phone word)."""
    if start >= 2 and text[start - 1] == ":" and text[start - 2].isdigit():
        return True  # 06:17:21.130059 -> "21.130059", the seconds of a timestamp
    if end + 1 < len(text) and text[end] == ":" and text[end + 1].isdigit():
        return True  # a date and hour before ":mm"
    if start and text[start - 1] in "#@$€£%":
        return True  # #4155552671: a ticket or a tag, not a number to call
    if text[start] == "+":
        return False  # an international number is one, whatever key names it
    return _names_identifier(text[max(0, start - 32) : start].replace("\n", " "))


def _names_identifier(before: str) -> bool:
    m = _ID_KEY.search(before)
    if m is None:
        return False
    return m.group("specific") is not None or _PHONE_WORD.search(before[: m.start()]) is None


def _identifier_field(field: str | None) -> bool:
    """A column, header or key that names its values identifiers (order_id, card_number, sku,
    amount, ...) and no phone word: its numbers are not phone numbers."""
    if not field:
        return False
    last = field.rsplit(".", 1)[-1]
    return _names_identifier(last) and _PHONE_WORD.search(last) is None


def _number_ok(num: pn.PhoneNumber, region: str | None) -> bool:
    """Valid at the matcher's leniency VALID, or one of Ofcom's drama numbers. ``region`` is
    ``region_code_for_number(num)``: is_valid_number is is_valid_number_for_region on it, and
    finding it is most of the cost for +1 numbers (25 regions share the code), so once."""
    if not pnm._is_national_prefix_present_if_required(num):
        return False
    if pn.is_valid_number_for_region(num, region):
        return True
    nsn = pn.national_significant_number(num)
    return num.country_code == 44 and _FICTIONAL_GB.fullmatch(nsn) is not None


def phone_key(value: str) -> str:
    """The number's normalised key: "+" and its digits when written with a plus, else its digits
    (an international prefix such as 00 or 011 stays: the parse reads it), extension dropped."""
    core = _EXTENSION.sub("", value.strip())
    digits = _digits(core)
    return "+" + digits if core.lstrip("(").startswith("+") else digits


@functools.lru_cache(maxsize=1 << 16)
def parse_phone(key: str) -> tuple[str, str, bool] | None:
    """(E.164, region, valid) of a :func:`phone_key`: valid in the first of PHONE_REGIONS that
    accepts it (for a "+" number: its own country); for a "+" number phonenumbers calls possible
    but not valid, valid is False; ``None`` otherwise. At most one parse per region, and pure,
    so cached per process on the key: the same number in any spelling or place is parsed once."""
    if not 7 <= len(key.lstrip("+")) <= 17:
        return None
    if key.startswith("+"):
        regions: tuple[str, ...] = PHONE_REGIONS[:1]  # the number carries its country
    elif key.startswith("0") and not key.startswith("011"):
        regions = tuple(r for r in PHONE_REGIONS if r not in ("US", "CA"))  # NANP: never 0...
    else:
        regions = PHONE_REGIONS
    possible = None
    for region in regions:
        if not _may_be_national(key, region):
            continue
        try:
            num = pn.parse(key, region, keep_raw_input=True)
        except pn.NumberParseException:
            continue
        home = pn.region_code_for_number(num)
        if _number_ok(num, home):
            e164 = pn.format_number(num, pn.PhoneNumberFormat.E164)
            return e164, home or region, True
        if key.startswith("+") and pn.is_possible_number(num):
            e164 = pn.format_number(num, pn.PhoneNumberFormat.E164)
            possible = (e164, home or "ZZ", False)
    if possible is None and (m := _NANP_DIGITS.fullmatch(key)):
        possible = ("+1" + m.group(1), "US", False)  # a well-formed NANP number, unassigned
    return possible


@functools.cache
def _region_shape(region: str) -> tuple[re.Pattern[str] | None, tuple[str, ...] | None,
                                        frozenset[int]]:
    """(international prefix, prefixes, possible national lengths) of a region, from
    phonenumbers' metadata. Prefixes: the national ones and the country code (parse also reads
    "33612345678" in FR as +33 6 12 34 56 78); ``None`` when the region's national prefix rule
    is more than a few literals (BR strips carrier codes too)."""
    md = pn.PhoneMetadata.metadata_for_region(region)
    idd = re.compile(md.international_prefix) if md.international_prefix else None
    rule = md.national_prefix_for_parsing or md.national_prefix or ""
    literal = re.fullmatch(r"[0-9|]*", rule)
    prefixes = (*rule.split("|"), str(md.country_code)) if literal else None
    desc = md.general_desc
    lengths = frozenset(desc.possible_length) | frozenset(desc.possible_length_local_only)
    return idd, prefixes, lengths


def _may_be_national(key: str, region: str) -> bool:
    """False only when ``key`` (digits, no "+") cannot be a number of ``region`` written
    nationally or with the region's international prefix: its length, with or without a national
    prefix, is none of the region's possible lengths, or its digits match the general pattern of
    no region with the country code. A cheap guard before a parse (valid numbers only count for
    a key without "+", see parse_phone)."""
    if key.startswith("+"):
        return True
    idd, prefixes, lengths = _region_shape(region)
    if prefixes is None or not lengths or (idd is not None and idd.match(key)):
        return True
    national, cc = prefixes[:-1], prefixes[-1]
    if key.startswith(cc):
        return True  # the parse may strip the country code, then zeros and prefixes: parse it
    sizes = {len(key)} | {len(key) - len(p) for p in national if p and key.startswith(p)}
    if sizes.isdisjoint(lengths):
        return False
    patterns = _national_patterns(region)
    if patterns is None:
        return True
    # A valid number's national significant number matches the general pattern of its region
    # (one of those sharing the country code: region_code_for_number picks it); parsed here it
    # is the key, or the key less a national prefix the parse strips.
    nsns = [key, *(key[len(p) :] for p in national if p and key.startswith(p))]
    if any(rx.fullmatch(n) for rx in patterns for n in nsns):
        return True
    return cc == "44" and any(_FICTIONAL_GB.fullmatch(n) for n in nsns)  # see _number_ok


@functools.cache
def _national_patterns(region: str) -> tuple[re.Pattern[str], ...] | None:
    """The general national-number patterns of every region sharing ``region``'s country code
    (``None`` when the region rewrites numbers as it parses them: a transform rule)."""
    md = pn.PhoneMetadata.metadata_for_region(region)
    if md is None or md.national_prefix_transform_rule:
        return None
    out = []
    for other in pn.COUNTRY_CODE_TO_REGION_CODE.get(md.country_code, ()):
        omd = pn.PhoneMetadata.metadata_for_region(other)
        pattern = omd.general_desc.national_number_pattern if omd and omd.general_desc else None
        if pattern is None:
            return None  # no pattern to rule a number out by
        out.append(re.compile(pattern))
    return tuple(out) or None


def phone_e164(value: str) -> str | None:
    """The E.164 form of a phone number as written (see the normal form above), or ``None``."""
    found = parse_phone(phone_key(value))
    return found[0] if found else None


def _matcher_checks(text: str, start: int, end: int) -> bool:
    """phonenumbers' PhoneNumberMatcher checks on the candidate ``text[start:end]`` before it
    parses one (leniency VALID): brackets, page references, Latin letters or a currency or
    percent sign right before or after."""
    candidate = text[start:end]
    if not pnm._MATCHING_BRACKETS.fullmatch(candidate) or pnm._PUB_PAGES.search(candidate):
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
    if pnm._SLASH_SEPARATED_DATES.search(candidate):
        return None
    if pnm._TIME_STAMPS.search(candidate) and pnm._TIME_STAMPS_SUFFIX.match(text, end):
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
                t = pnm._UNWANTED_END_CHAR_PATTERN.search(head)
                groups.append((0, t.start() if t else len(head)))
                first = False
            g = m.group(1)
            t = pnm._UNWANTED_END_CHAR_PATTERN.search(g)
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
    PhoneNumberMatcher would (leniency VALID, Presidio's regions), one parse per region of each
    distinct number (see the comment above PHONE_REGIONS)."""

    id = "PII-PHONE"
    entities: ClassVar[Mapping[str, str]] = {"PHONE_NUMBER": CATEGORY["PHONE_NUMBER"]}
    patterns = (
        Pattern(
            "phone candidate",
            r"(?<![0-9+\-./])(?:\+|\(\+?)?[0-9][0-9()\-./ \t]{4,22}[0-9](?:\s?(?:x|ext\.?)\s?[0-9]{1,5})?"
            r"(?![\w\-]|\.[0-9])",
            "PHONE_NUMBER",
            0.4,
        ),
    )
    context = ("phone", "number", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax")

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        ndigits = len(_digits(_EXTENSION.sub("", value)))
        # E.164 allows at most 15 digits; a trunk prefix adds one at most.
        if not 7 <= ndigits <= 16 or not_a_phone(value):
            return None
        if value.isdigit() and (ndigits == 16 or len(set(value)) == 1):
            return None  # too long for E.164, or unformatted filler such as 5555555555
        text = candidate.unit.text
        if _named_identifier(text, candidate.start, candidate.end):
            return None
        if _identifier_field(candidate.unit.location.field) and not value.startswith("+"):
            return None
        best = find_phone(text, candidate.start, candidate.end)
        if best is None:
            if _E164.fullmatch(value):  # "+" and 7-15 digits: the international format itself
                d = super().validate(candidate)
                return _with_extra(d, "E.164 format") if d else None
            before = text[max(0, candidate.start - 40) : candidate.start]
            if _PHONE_LEAD.search(before[before.rfind("\n") + 1 :]):
                d = super().validate(candidate)  # "Phone: 467 3395": any national format
                return _with_extra(d, "number after a phone word") if d else None
            if candidate.unit.kind == "value" and _LOCAL.fullmatch(text.strip()):
                d = super().validate(candidate)  # a whole value "555-0132": a local number
                return _with_extra(d, "local number format") if d else None
            return None
        ms, me, _, region, valid = best
        international = text[ms:me].lstrip("(").startswith("+")
        if not valid and not international and not _NANP_SHAPE.fullmatch(
            _EXTENSION.sub("", text[ms:me])
        ):
            return None  # a national number possible only: in a NANP format at least
        found = Candidate(candidate.pattern, candidate.unit, ms, me)
        d = super().validate(found)
        if d is None:
            return None
        if not valid:
            return _with_extra(d, f"possible number, not assigned (region {region})")
        return _with_extra(d, f"phonenumbers: valid for region {region}")


# -- payment cards --------------------------------------------------------------------------------
def luhn(number: str) -> bool:
    digits = [int(c) for c in number]
    odd, even = digits[-1::-2], digits[-2::-2]
    return (sum(odd) + sum(sum(divmod(2 * d, 10)) for d in even)) % 10 == 0


# Issuer identification number ranges: (first, last, prefix digits, lengths) - ISO/IEC 7812
# as the card schemes publish them (Visa, Mastercard, Amex, Discover, JCB, Diners, Maestro,
# UnionPay, UATP).
_IIN = (
    (4, 4, 1, (13, 16, 19)), (51, 55, 2, (16,)), (2221, 2720, 4, (16,)), (34, 34, 2, (15,)),
    (37, 37, 2, (15,)), (6011, 6011, 4, range(16, 20)), (644, 649, 3, range(16, 20)),
    (65, 65, 2, range(16, 20)), (3528, 3589, 4, range(16, 20)), (2131, 2131, 4, (15,)),
    (1800, 1800, 4, (15,)), (300, 305, 3, range(14, 20)), (36, 36, 2, range(14, 20)),
    (38, 39, 2, range(14, 20)), (50, 50, 2, range(12, 20)), (56, 69, 2, range(12, 20)),
    (1, 1, 1, (15,)),
)


def iin_known(number: str) -> bool:
    return any(
        lo <= int(number[:k]) <= hi and len(number) in lengths for lo, hi, k, lengths in _IIN
    )


class CreditCardClassifier(PatternClassifier):
    """Payment card numbers: Presidio's pattern plus the Luhn checksum, and (beyond Presidio)
    12-19 digit numbers of a known issuer range and length with a valid Luhn checksum
    (Maestro, 2-series Mastercard, 19-digit Visa/UnionPay, which Presidio's pattern misses)."""

    id = "PII-CARD"
    entities: ClassVar[Mapping[str, str]] = {"CREDIT_CARD": CATEGORY["CREDIT_CARD"]}
    patterns = (
        Pattern(
            "All Credit Cards (weak)",
            r"\b(?!1\d{12}(?!\d))((4\d{3})|(5[0-5]\d{2})|(6\d{3})|(1\d{3})|(3\d{3}))[- ]?(\d{3,4})"
            r"[- ]?(\d{3,4})[- ]?(\d{3,5})\b",
            "CREDIT_CARD",
            0.3,
        ),
        Pattern(
            "issuer range",
            r"(?<![\w\-])(?:[1-6][0-9]{11,18}|[1-6][0-9]{3}(?:[- ][0-9]{4}){2,3}(?:[- ][0-9]{1,3})?)"
            r"(?![\w\-])",
            "CREDIT_CARD",
            0.3,
        ),
    )
    context = ("credit", "card", "visa", "mastercard", "cc ", "amex", "discover", "jcb",
               "diners", "maestro", "instapayment")

    def validate(self, candidate: Candidate) -> Detection | None:
        number = _digits(candidate.value)
        if not luhn(number) or len(set(number)) == 1:
            return None
        if candidate.pattern.name == "issuer range" and not iin_known(number):
            return None
        if number[0] == "4" and len(number) not in (13, 16, 19):
            return None  # Visa numbers have 13, 16 or 19 digits (a 15-digit one is an IMEI)
        if len(number) == 15 and "imei" in candidate.window():
            return None  # 15 Luhn-valid digits next to "imei": the device classifier's IMEI
        if len(number) == 15 and number[0] in "12" and _nir_in_context(candidate):
            return None  # a French social security number (NIR) that also passes Luhn
        d = super().validate(candidate)
        # A checksum is strong evidence on its own; Presidio scores Luhn-valid cards at 1.0.
        return replace(d, score=1.0, explanation=f"{d.explanation}; Luhn checksum valid") if d else d


def _nir_in_context(candidate: Candidate) -> bool:
    from classifiers.national_ids import CONTEXT, _word_in, fr_nir_valid

    if not fr_nir_valid(candidate.value):
        return False
    window = candidate.window(60, 20)
    return any(_word_in(w, window) for w in CONTEXT["FR_NIR"])


# -- IBAN -----------------------------------------------------------------------------------------
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_valid(text: str) -> bool:
    """ISO 13616: known country, its length, and the mod-97 check."""
    iban = text.replace(" ", "").replace("-", "").upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    if not rearranged.isalnum() or not rearranged.isascii():
        return False
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


class IbanClassifier(PatternClassifier):
    """IBANs: Presidio's generic pattern, the country's length and the mod-97 checksum. Like
    Presidio, a trailing group that breaks the checksum is dropped ("... 2 days")."""

    id = "PII-IBAN"
    entities: ClassVar[Mapping[str, str]] = {"IBAN_CODE": CATEGORY["IBAN_CODE"]}
    patterns = (
        Pattern(
            "IBAN Generic",
            r"(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"
            r"((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])",
            "IBAN_CODE",
            0.5,
            ignore_case=True,
        ),
    )
    context = ("iban", "bank", "transaction")

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        end = len(value)
        while end >= 15:
            if iban_valid(value[:end]):
                c = Candidate(candidate.pattern, candidate.unit, candidate.start,
                              candidate.start + end)
                d = super().validate(c)
                # Like Presidio: upper case + checksum is certain; lower case keeps the base score.
                score = 1.0 if value[:end].isupper() or not d else d.score
                return replace(d, score=score, explanation=f"{d.explanation}; mod-97 valid") if d else d
            cut = max(value.rfind(" ", 0, end), value.rfind("-", 0, end))
            if cut <= 4:
                return None
            end = cut
        return None


# -- US SSN ---------------------------------------------------------------------------------------
class UsSsnClassifier(PatternClassifier):
    """US social security numbers with Presidio's invalid-SSN rules (mixed delimiters, one repeated
    digit, zero groups, area 000/666, published sample numbers)."""

    id = "PII-SSN"
    entities: ClassVar[Mapping[str, str]] = {"US_SSN": CATEGORY["US_SSN"]}
    patterns = (
        Pattern("SSN5 (medium)", r"\b([0-9]{3})[- .]([0-9]{2})[- .]([0-9]{4})\b", "US_SSN", 0.5),
        Pattern("SSN4 (very weak)", r"\b[0-9]{9}\b", "US_SSN", 0.05),
    )
    context = ("social", "security", "ssn", "ssns", "ssid")

    def validate(self, candidate: Candidate) -> Detection | None:
        return super().validate(candidate) if ssn_valid(candidate.value) else None


def ssn_valid(text: str) -> bool:
    if len({c for c in text if c in ".- "}) > 1:
        return False
    digits = _digits(text)
    if len(set(digits)) == 1 or digits[3:5] == "00" or digits[5:] == "0000":
        return False
    return digits[:3] not in ("000", "666") and digits not in (
        "123456789", "987654320", "078051120")


# -- URL ------------------------------------------------------------------------------------------
_HOST = r"[a-z0-9](?:[a-z0-9\-]{0,62}\.)+[a-z]{2,63}"
_PATH = r"(?:[/?#](?:[^\s()<>\"']*[^\s()<>\"'.,;:!?])?)?"
# File extensions that are also top-level domains: "setup.py" or "README.md" is not a URL.
_FILE_SUFFIXES = frozenset(
    ["py", "md", "sh", "pl", "rs", "zip", "mov", "so", "ps", "cs", "pm", "rb", "php", "jsp", "asp", "gz", "bz", "tgz", "rar", "json", "yml"]
)


class UrlClassifier(PatternClassifier):
    """URLs: with a scheme (and possibly user:password@), or a bare host with a public suffix.

    Presidio lists top-level domains in its regex; here the host's suffix is checked against the
    public suffix list bundled with tldextract (offline), which also knows second-level suffixes.
    """

    id = "PII-URL"
    entities: ClassVar[Mapping[str, str]] = {"URL": CATEGORY["URL"]}
    patterns = (
        Pattern(
            "Standard Url",
            r"\b(?:https?|ftp)://(?:[^\s:@/<>\"']+(?::[^\s@/<>\"']*)?@)?"
            r"(?:" + _HOST + r"|\d{1,3}(?:\.\d{1,3}){3}|localhost)(?::\d{1,5})?" + _PATH,
            "URL",
            0.6,
            ignore_case=True,
        ),
        Pattern(
            "Non schema URL",
            r"(?<![\w@.\-/:])(?:www\d{0,3}\.)?" + _HOST + r"(?![\w\-@]|\.\w)" + _PATH,
            "URL",
            0.5,
            ignore_case=True,
        ),
    )
    context = ("url", "website", "link", "site", "web")

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        if candidate.pattern.name == "Non schema URL":
            host = re.split(r"[/?#:]", value, maxsplit=1)[0]
            suffix = host.rpartition(".")[2].lower()
            if suffix in _FILE_SUFFIXES and not host.lower().startswith("www"):
                return None
            _, domain, suffix = _split_host(host)
            if not suffix or not domain or domain.lower() == "www":
                return None
        return super().validate(candidate)


# -- dates ----------------------------------------------------------------------------------------
_M = "(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
_DATE_PATTERNS = (  # Presidio's DateRecognizer patterns, case-insensitive as Presidio runs them
    ("Datetime (yyyy-mm-ddThh:mm[:ss[.f]] with timezone)",
     (r"\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T[0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
      r"(?:[+-][0-2]\d:[0-5]\d|Z)\b"), 0.8),
    ("mm/dd/yyyy or mm/dd/yy",
     r"\b(([1-9]|0[1-9]|1[0-2])/([1-9]|0[1-9]|[1-2][0-9]|3[0-1])/(\d{4}|\d{2}))\b", 0.6),
    ("dd/mm/yyyy or dd/mm/yy",
     r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])/([1-9]|0[1-9]|1[0-2])/(\d{4}|\d{2}))\b", 0.6),
    ("yyyy/mm/dd", r"\b(\d{4}/([1-9]|0[1-9]|1[0-2])/([1-9]|0[1-9]|[1-2][0-9]|3[0-1]))\b", 0.6),
    ("mm-dd-yyyy", r"\b(([1-9]|0[1-9]|1[0-2])-([1-9]|0[1-9]|[1-2][0-9]|3[0-1])-\d{4})\b", 0.6),
    ("dd-mm-yyyy", r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])-([1-9]|0[1-9]|1[0-2])-\d{4})\b", 0.6),
    ("yyyy-mm-dd", r"\b(\d{4}-([1-9]|0[1-9]|1[0-2])-([1-9]|0[1-9]|[1-2][0-9]|3[0-1]))\b", 0.6),
    ("dd.mm.yyyy or dd.mm.yy",
     r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])\.([1-9]|0[1-9]|1[0-2])\.(\d{4}|\d{2}))\b", 0.6),
    ("dd-MMM-yyyy or dd-MMM-yy", r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])-" + _M + r"-(\d{4}|\d{2}))\b",
     0.6),
    ("MMM-yyyy or MMM-yy", r"\b(" + _M + r"-(\d{4}|\d{2}))\b", 0.6),
    ("dd-MMM or dd-MMM", r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])-" + _M + r")\b", 0.6),
    ("mm/yyyy or m/yyyy", r"\b(([1-9]|0[1-9]|1[0-2])/\d{4})\b", 0.2),
    ("mm/yy or m/yy", r"\b(([1-9]|0[1-9]|1[0-2])/\d{2})\b", 0.1),
    ("yyyy-mm-dd hh:mm[:ss]",
     r"\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[ T][0-2]\d:[0-5]\d(?::[0-5]\d)?\b", 0.8),
)


_DATE_CONTINUES = re.compile(r"[./\-:][0-9]")


class DateClassifier(PatternClassifier):
    """Dates in numeric formats (Presidio's DateRecognizer), not version numbers or parts of
    longer dotted/dashed numbers ("v2.10.12", "1.2.10.4", "10.0.19041")."""

    id = "PII-DATE"
    entities: ClassVar[Mapping[str, str]] = {"DATE_TIME": CATEGORY["DATE_TIME"]}
    patterns = tuple(Pattern(n, r, "DATE_TIME", s, ignore_case=True) for n, r, s in _DATE_PATTERNS)
    context = ("date", "birthday", "born", "dob", "birth", "today")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, s, e = candidate.unit.text, candidate.start, candidate.end
        before, after = text[max(0, s - 9) : s].lower(), text[e : e + 2]
        if before.endswith(("v", ".", "-", "/", "version ", "version", "ver ", "release ")):
            return None
        if _DATE_CONTINUES.match(after):  # 12/03/2024.5, 2024-03-12-7: part of a longer number
            return None
        sep_dot = "." in candidate.value and ":" not in candidate.value
        # dd.mm.yy is also how versions look: only with a date word near it.
        short_year = sep_dot and len(candidate.value.rpartition(".")[2]) == 2
        if short_year and not any(w in candidate.window() for w in self.context):
            return None
        return super().validate(candidate)



# -- dates of birth by context ------------------------------------------------------------------
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_YEAR4 = r"(?:19|20)[0-9]{2}"
_ANY_DATE = (
    rf"(?:{_DAY}[ \-]+(?:of[ ]+)?{_MONTHS}[ ,\-]+{_YEAR4}"  # 17 August 1982, 3rd of May 1990
    rf"|{_MONTHS}[ ]+{_DAY},?[ ]+{_YEAR4}"  # August 17, 1982
    r"|[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"  # 17/08/1982, 08-17-82
    rf"|{_YEAR4}[/.\-][0-9]{{1,2}}[/.\-][0-9]{{1,2}})"  # 1982-08-17
)
BIRTH_CUE = (r"(?:date[ \t]+of[ \t]+birth|birth[ \t]*date|d\.?o\.?b\.?|born(?:[ \t]+on)?|"
             r"birthday|geboren(?:[ \t]+am)?|n[ée]e?[ \t]+le|fecha[ \t]+de[ \t]+nacimiento|"
             r"data[ \t]+di[ \t]+nascita|geburtsdatum)")
_DOB_DATE = re.compile(_ANY_DATE + r"$", re.IGNORECASE)


class DateOfBirthClassifier(PatternClassifier):
    """A date right after a birth cue in text ("Date of birth: 17/08/1982", "DOB 1982-08-17",
    "born on 3 March 1985"): DATE_OF_BIRTH, not DATE_TIME (overlap resolution then reports the
    span once, as the birth date). Only the date is the value; the cue is the evidence."""

    id = "PII-DOB"
    entities: ClassVar[Mapping[str, str]] = {"DATE_OF_BIRTH": "user.demographic.date_of_birth"}
    patterns = (
        Pattern("birth cue + date",
                r"\b" + BIRTH_CUE + r"[ \t]*[:=\-]?[ \t]*(?:\(?[a-z/]{2,10}\)?[ \t]*[:=]?[ \t]*)?"
                + _ANY_DATE + r"(?![0-9])",
                "DATE_OF_BIRTH", 0.85, ignore_case=True),
    )

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        m = _DOB_DATE.search(value)
        if m is None:
            return None
        cue = value[: m.start()].strip(" \t:=-").lower()
        start = candidate.start + m.start()
        return Detection(
            entity="DATE_OF_BIRTH",
            start=start,
            end=candidate.end,
            score=candidate.pattern.score,
            detector=self.id,
            explanation=f"{self.id}: pattern {candidate.pattern.name}; context '{cue}'",
            value=candidate.unit.text[start : candidate.end],
        )


CLASSIFIERS: tuple[type[PatternClassifier], ...] = (
    DateOfBirthClassifier,
    EmailClassifier,
    PhoneClassifier,
    CreditCardClassifier,
    IbanClassifier,
    UsSsnClassifier,
    UrlClassifier,
    DateClassifier,
    StreetAddressClassifier,
)
