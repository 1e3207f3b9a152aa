"""Pattern classifiers for the standard identifiers, in Presidio's vocabulary.

Each class is small: a stable ``id``, the entities it emits, its patterns (run by the engine in one
multi-pattern pass, see :mod:`classifiers.patterns`) and a ``validate`` hook that only sees
candidates. The regular expressions and validation rules follow Presidio's predefined recognizers
(``presidio_analyzer.predefined_recognizers``) unless a comment says why they differ. Phone
numbers are in :mod:`classifiers.phones` (imported here: ``classifiers.pii.PhoneClassifier``,
``parse_phone``, ``phone_e164`` ... still work).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import ClassVar

from classifiers.addresses import StreetAddressClassifier
from classifiers.base import Candidate, Pattern, PatternClassifier

# Phone numbers live in classifiers.phones; their names stay importable from here.
from classifiers.phones import (  # noqa: F401 - re-exported
    _EXTENSION,
    _FICTIONAL_GB,
    PHONE_CONTEXT,
    PHONE_REGIONS,
    PhoneClassifier,
    _digits,
    _may_be_national,
    _named_identifier,
    _with_extra,
    find_phone,
    log_lead,
    match_phone_reference,
    not_a_phone,
    parse_phone,
    phone_e164,
    phone_key,
    ssn_valid,
)
from scanner import entities
from scanner.models import Detection

CATEGORY = entities.categories(  # from config/taxonomy.yaml
    ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "URL", "DATE_TIME",
     "DATE_OF_BIRTH"))


# -- e-mail ---------------------------------------------------------------------------------------
@functools.cache
def _suffix_list() -> object:
    """The public suffix list bundled with publicsuffixlist, ICANN section (never fetched).

    It replaced tldextract here: tldextract imports requests and urllib3 at module level for the
    remote lists we never fetch, 0.1 s of every scan's start-up (0.03 s now, the list parsed)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)


_IDEOGRAPHIC_DOTS = str.maketrans("\u3002\uff0e\uff61", "...")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_HOST = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


@functools.lru_cache(maxsize=1 << 14)
def _split_host(host: str) -> tuple[str, str, str]:
    """(fqdn, domain, suffix) of a host name by the bundled public suffix list (ICANN rules, an
    unknown top-level label is no suffix), as tldextract's ``fqdn``, ``domain`` and ``suffix``
    give them: the input's case kept, surrounding blanks and a trailing dot dropped, no fqdn
    without a domain and a suffix (:func:`_split_host_reference` is tldextract's answer;
    tests/classifiers/test_hosts.py compares them). Pure, so cached per process: e-mail domains
    and URL hosts repeat."""
    labels = host.strip().translate(_IDEOGRAPHIC_DOTS).split(".")
    if len(labels) > 1 and not labels[-1]:
        labels.pop()  # "example.com."
    tail = labels[len(labels) - labels[::-1].index(""):] if "" in labels else labels
    found = _suffix_list().publicsuffix(  # type: ignore[attr-defined]
        ".".join(tail).lower(), accept_unknown=False) if tail else None
    if found is None:
        dotted = ".".join(labels)
        return "", dotted if _IPV4_HOST.fullmatch(dotted) else labels[-1], ""
    k = found.count(".") + 1
    suffix = ".".join(labels[-k:])
    domain = labels[-k - 1] if k < len(labels) else ""
    return (".".join(labels) if domain else ""), domain, suffix


@functools.cache
def _tld_extractor() -> object:
    import tldextract

    # The bundled public-suffix snapshot only: never fetch the list from the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _split_host_reference(host: str) -> tuple[str, str, str]:
    """tldextract's (fqdn, domain, suffix): what :func:`_split_host` answered before."""
    r = _tld_extractor()(host)  # type: ignore[operator]
    return r.fqdn, r.domain, r.suffix


class EmailClassifier(PatternClassifier):
    """E-mail addresses: Presidio's pattern, a known public suffix, not a URL's user:password."""

    id = "PII-EMAIL"
    order = 101  # run order in its stage (classifiers/registry.py)
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
        if not mailto and ("://" in before or (start and (
                text[start - 1] == "/" or (text[start - 1] == ":" and not _labelled(before))))):
            return None
        local, _, domain = candidate.value.rpartition("@")
        if not _split_host(domain)[0]:
            return None
        key = _LOG_KEY.match(local)
        if key and key.end() < len(local):  # user=jane@example.org: the address follows the key
            candidate = Candidate(candidate.pattern, candidate.unit, start + key.end(),
                                  candidate.end)
        return super().validate(candidate)


def _labelled(before: str) -> bool:
    """``before`` (the token before an address, ending on ":") labels it: "Email:", "From:",
    vCard's "EMAIL;TYPE=INTERNET:", "item1.EMAIL:". A URL's user ("user:secret@host") has no
    parameters and is no such word."""
    token = before[:-1]
    return ";" in token or "=" in token or token.rpartition(".")[2].lower() in _ADDRESS_LABELS


_ADDRESS_LABELS = frozenset(("email", "e-mail", "mail", "from", "to", "cc", "bcc", "reply-to",
                             "sender", "recipient", "contact", "courriel", "correo"))


# "key=" before an address in a log line or a query string ('=' is legal in a local part, so the
# pattern takes it in); an SRS/VERP local part ("bounces+SRS=...") does not start like a key.
_LOG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=")


# -- payment cards --------------------------------------------------------------------------------
def luhn(number: str) -> bool:
    """The Luhn (mod 10) check. ASCII digits are summed through a table of the doubled digits'
    digit sums (:func:`luhn_reference` is the plain form, used for any other input)."""
    if number.isascii() and number.isdigit():
        return sum(map(int, number[-1::-2] + number[-2::-2].translate(_LUHN_DOUBLE))) % 10 == 0
    return luhn_reference(number)


# A digit doubled, as the digit sum of the double (2 * 7 = 14 -> 5).
_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")


def luhn_reference(number: str) -> bool:
    digits = [int(c) for c in number]
    odd, even = digits[-1::-2], digits[-2::-2]
    return (sum(odd) + sum(sum(divmod(2 * d, 10)) for d in even)) % 10 == 0


# Issuer identification number ranges: (first, last, prefix digits, lengths) - ISO/IEC 7812
# as the card schemes publish them (Visa, Mastercard, Amex, Discover, JCB, Diners, Maestro,
# UnionPay, UATP). JCB is 3528-3589; the whole 35 block is taken, as test-data generators
# (Faker's jcb16) and the labelled sets written with them use it.
_IIN = (
    (4, 4, 1, (13, 16, 19)), (51, 55, 2, (16,)), (2221, 2720, 4, (16,)), (34, 34, 2, (15,)),
    (37, 37, 2, (15,)), (6011, 6011, 4, range(16, 20)), (644, 649, 3, range(16, 20)),
    (65, 65, 2, range(16, 20)), (3500, 3599, 4, range(16, 20)), (2131, 2131, 4, (15,)),
    (1800, 1800, 4, (15,)), (300, 305, 3, range(14, 20)), (36, 36, 2, range(14, 20)),
    (38, 39, 2, range(14, 20)), (50, 50, 2, range(12, 20)), (56, 69, 2, range(12, 20)),
    (1, 1, 1, (15,)),
)


def iin_known(number: str) -> bool:
    # Only the first four digits and the length count: card numbers are unique, their heads not.
    return _iin_known(number[:4], len(number))


@functools.lru_cache(maxsize=4096)
def _iin_known(head: str, length: int) -> bool:
    return any(lo <= int(head[:k]) <= hi and length in lengths for lo, hi, k, lengths in _IIN)


# Words naming a number as something other than a payment card: product codes (EAN-13, UPC and
# ISBN numbers pass the Luhn check one time in ten, like any digits), orders, shipments, serials.
_NOT_CARD_WORDS = frozenset((
    "sku", "ean", "ean13", "ean8", "gtin", "upc", "barcode", "isbn", "issn", "asin", "mpn",
    "article", "product", "item", "part", "model", "serial", "lot", "batch", "order", "invoice",
    "inv", "po", "shipment", "parcel", "tracking", "consignment", "waybill", "container",
    "ticket", "booking", "confirmation", "reservation", "job", "task", "imei", "meid", "iccid",
    # times written as a count of seconds or milliseconds ("ts_ms", "lastSeen", "createdAt")
    "ts", "timestamp", "epoch", "ms", "millis", "seen", "created", "updated", "time",
    # a process's or thread's id ("[pid 2000934:tid 139074374279163]" in Apache's error log)
    "pid", "tid", "thread", "process",
    # loyalty and voucher numbers pass Luhn one time in ten too; "locked since 637909421074"
    "loyalty", "membership", "member", "voucher", "coupon", "reward", "since",
))
# Words that name a card number, in a key or right before the number in text.
_CARD_NAMES = ("card", "maestro", "visa", "mastercard", "amex", "debit", "credit", "pan", "jcb",
               "uatp", "diners")
# A card word in the same key wins ("card_sku" is a card): these name card numbers (in a key
# only, also "cc", "payment", "discover": in text they are an abbreviation, a noun, a verb).
_CARD_WORDS = frozenset((*_CARD_NAMES, "cc", "payment", "discover"))
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
# The key right before a number in running text: "EAN 4006381333931", "sku=...", "Order no. ...".
_NOT_CARD_KEY = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(sorted(_NOT_CARD_WORDS, key=len, reverse=True))
    + r")(?:[ _-]?(?:id|no|nr|num|number|code))?[\"']?\.?(?:[ \t]+(?:is|was))?[ \t]*[#:=]?[ \t]*"
    r"[\"']?$",
    re.IGNORECASE,
)


# A card word right before a number: "corporate card 060430744833", "Maestro no. ...".
_CARD_WORD_BEFORE = re.compile(
    r"\b(?:" + "|".join(_CARD_NAMES) + r")(?:[ _-]?(?:no|nr|num|number))?"
    r"[\"']?\.?[ \t]*[#:=]?[ \t]*$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _field_words(field: str) -> frozenset[str]:
    """The lower-case words of a column, header or key's last part (``orders[3].EAN13``)."""
    last = re.sub(r"\[[0-9]+\]", "", field.rstrip(". ").rsplit(".", 1)[-1])
    return frozenset(w.lower() for w in _KEY_WORDS.findall(last))


def _not_card_field(field: str | None) -> bool:
    """A column, header or key (its last part) that names its values product codes, orders,
    serials (``sku``, ``orders[3].ean``, ``TrackingNumber``) and no card word."""
    if not field:
        return False
    words = _field_words(field)
    return bool(words & _NOT_CARD_FIELD_WORDS) and not words & _CARD_WORDS


# In a key also "at" ("lastLogin.at", "createdAt": a time in milliseconds); in text it is a word.
_NOT_CARD_FIELD_WORDS = _NOT_CARD_WORDS | {"at"}


def _signed_or_decimal(text: str, start: int, end: int) -> bool:
    """The digits at ``text[start:end]`` carry a sign ("-6258...", not after a letter: "card-4111"
    stays) or are the whole or fractional part of a decimal ("...231.9", "0.4556...")."""
    before = text[start - 1] if start else ""
    if before and before in "-+" and not (start >= 2 and text[start - 2].isalpha()):
        return True
    if before == "." and start >= 2 and text[start - 2].isdigit():
        return True
    # (not a comma: "2962,4550892179581885,GB22..." is a CSV line, not a decimal)
    return end + 1 < len(text) and text[end] == "." and text[end + 1].isdigit()


# Presidio's card context words, and the words of paying ("Please charge ... for the order").
_CARD_CONTEXT = ("credit", "card", "visa", "mastercard", "cc ", "amex", "discover", "jcb",
                 "diners", "maestro", "instapayment")
_CARD_CUE_WORDS = (*_CARD_CONTEXT, "charge", "payment", "paid with", "pay with")


def _card_word_before(candidate: Candidate) -> bool:
    text = candidate.unit.text
    return _CARD_WORD_BEFORE.search(text[max(0, candidate.start - 32) : candidate.start]) is not None


def _card_named(candidate: Candidate) -> bool:
    """The field's name or the words right before the number name a card."""
    field = candidate.unit.location.field
    return bool(field and _field_words(field) & _CARD_WORDS) or _card_word_before(candidate)


def _card_cue(candidate: Candidate) -> bool:
    """A card word in the field's name (``card_number``, ``cc``, ``PAN``), right before the
    number, or in the text around it."""
    if _card_named(candidate):
        return True
    window = candidate.window()
    return any(w in window for w in _CARD_CUE_WORDS)


def _not_card_key(candidate: Candidate) -> bool:
    """The words right before the number name it a product code, an order, a serial."""
    text = candidate.unit.text
    before = text[max(0, candidate.start - 24) : candidate.start]
    return _NOT_CARD_KEY.search(before) is not None


class CreditCardClassifier(PatternClassifier):
    """Payment card numbers: Presidio's pattern plus the Luhn checksum, and (beyond Presidio)
    12-19 digit numbers of a known issuer range and length with a valid Luhn checksum
    (Maestro, 2-series Mastercard, 19-digit Visa/UnionPay, which Presidio's pattern misses)."""

    id = "PII-CARD"
    order = 103  # run order in its stage (classifiers/registry.py)
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
        Pattern(
            "card word, number",  # any first digit (Faker's Maestro "0604..."): the word decides
            r"(?<![\w\-])0[0-9]{11,18}(?![\w\-])",
            "CREDIT_CARD",
            0.3,
        ),
    )
    context = _CARD_CONTEXT

    def validate(self, candidate: Candidate) -> Detection | None:
        number = _digits(candidate.value)
        if not luhn(number) or len(set(number)) == 1:
            return None
        word_pattern = candidate.pattern.name == "card word, number"
        if not word_pattern and not iin_known(number):
            return None  # no scheme issues this head at this length (an EAN-13 "5155...")
        if candidate.unit.kind == "log" and log_lead(candidate.unit.text, candidate.start,
                                                     candidate.end):
            return None  # "572231659507 dhcpd: ...": the line's timestamp in milliseconds
        if _signed_or_decimal(candidate.unit.text, candidate.start, candidate.end):
            return None  # "-62588237596231.9", "3.4556737...": a number with a sign or fraction
        if word_pattern and not _card_named(candidate):
            return None  # no issuer starts with 0: only a card word right before (or the
            # field's name: a "Card number" column) makes it one
        if len(number) == 13 and number[0] != "4" and not _card_cue(candidate):
            return None  # a 13-digit Maestro is rare; a 13-digit EAN code or phone number
            # passes Luhn one time in ten: only with a card word or field (Visa's 13 digits,
            # Faker's visa13, stay cards)
        if len(number) == 14 and not _diners(number) and not _card_cue(candidate):
            return None  # 14 digits are Diners Club's (30, 36, 38, 39); another head at this
            # length (a Maestro's in theory) is a GTIN-14 or a loyalty number far more often
        if number[0] == "4" and len(number) not in (13, 16, 19):
            return None  # Visa numbers have 13, 16 or 19 digits (a 15-digit one is an IMEI)
        if len(number) == 15 and "imei" in candidate.window():
            return None  # 15 Luhn-valid digits next to "imei": the device classifier's IMEI
        if (len(number) == 15 and number[0] in "12" and _nir_valid(candidate.value)
                and not _card_named(candidate)):
            # a French social security number (NIR) that also passes Luhn: its key (mod 97)
            # and its birth month and department are stronger evidence than a UATP card's
            # prefix and Luhn digit (Faker's fr_FR ssn(): 6 in 100 were cards), unless the
            # field or the word right before names a card (a JCB "1800..." in a `card` field)
            return None
        if _not_card_field(candidate.unit.location.field) or _not_card_key(candidate):
            return None  # a product code, order or serial number that passes Luhn by chance
        d = super().validate(candidate)
        # A checksum is strong evidence on its own; Presidio scores Luhn-valid cards at 1.0.
        return _with_extra(d, "Luhn checksum valid", 1.0) if d else d


def _diners(number: str) -> bool:
    """Diners Club's heads (300-305, 36, 38, 39), the only scheme that issues 14 digits."""
    return number[:2] in ("36", "38", "39") or "300" <= number[:3] <= "305"


def _nir_valid(value: str) -> bool:
    from classifiers.national_ids import fr_nir_valid

    return fr_nir_valid(value)


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
    order = 104  # run order in its stage (classifiers/registry.py)
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
                return _with_extra(d, "mod-97 valid", score) if d else d
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
    order = 105  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"US_SSN": CATEGORY["US_SSN"]}
    patterns = (
        Pattern("SSN5 (medium)", r"\b([0-9]{3})[- .]([0-9]{2})[- .]([0-9]{4})\b", "US_SSN", 0.5),
        Pattern("SSN4 (very weak)", r"\b[0-9]{9}\b", "US_SSN", 0.05),
    )
    context = ("social", "security", "ssn", "ssns", "ssid")

    def validate(self, candidate: Candidate) -> Detection | None:
        return super().validate(candidate) if ssn_valid(candidate.value) else None


# -- URL ------------------------------------------------------------------------------------------
_HOST = r"[a-z0-9](?:[a-z0-9\-]{0,62}\.)+[a-z]{2,63}"
_PATH = r"(?:[/?#](?:[^\s()<>\"']*[^\s()<>\"'.,;:!?])?)?"
# File extensions that are also top-level domains: "setup.py" or "README.md" is not a URL.
_FILE_SUFFIXES = frozenset(
    ["py", "md", "sh", "pl", "rs", "zip", "mov", "so", "ps", "cs", "pm", "rb", "php", "jsp", "asp",
     "gz", "bz", "tgz", "rar", "json", "yml", "java", "properties", "mk"]
)


# A host name followed by its address in brackets, as postfix, sendmail and exim log a peer.
_HOST_AND_ADDRESS = re.compile(r"\[(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?:IPv6:)?[0-9A-Fa-f:]+)\]")


class UrlClassifier(PatternClassifier):
    """URLs: with a scheme (and possibly user:password@), or a bare host with a public suffix.

    Presidio lists top-level domains in its regex; here the host's suffix is checked against the
    public suffix list bundled with publicsuffixlist (offline), which also knows second-level
    suffixes.
    """

    id = "PII-URL"
    order = 106  # run order in its stage (classifiers/registry.py)
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
            if value == host and _HOST_AND_ADDRESS.match(candidate.unit.text, candidate.end):
                return None  # a mail log's "client=mx.example.com[192.0.2.7]": a relay's name
            last = host.rpartition(".")[2]
            if last.istitle() and len(last) > 1 and value == host and \
                    not host.lower().startswith("www"):
                return None  # "B.Sc", "Univ.Prof", "Dipl.Ing": an abbreviated title, not a host
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
    order = 107  # run order in its stage (classifiers/registry.py)
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
    order = 100  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"DATE_OF_BIRTH": CATEGORY["DATE_OF_BIRTH"]}
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
