"""The normal form of a phone number (E.164), as the phone classifier reads it.

A number written with "+" or an international prefix (00, 011) carries its country. A national
number ("07700 900122") is read in the first region of PHONE_REGIONS where it is valid (the same
rule as detection), so "07700 900122" and "+44 7700 900122" hash alike. One parse per region of
the normalised key, cached per process. This is shared vocabulary: redaction hashes a number's
normal form (:func:`scanner.redact.normalize_phone`) and the phone classifier
(:mod:`classifiers.phones`) validates with the same parse, so a number is hashed as detected.
"""

from __future__ import annotations

import functools
import re

import phonenumbers as pn
from phonenumbers import phonenumbermatcher as pnm


def _digits(text: str) -> str:
    return "".join(filter(str.isdigit, text))


PHONE_REGIONS = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR")  # Presidio's defaults
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?[0-9]{1,5}$")
_NANP_DIGITS = re.compile(r"(?:\+?1|001|011)?([2-9][0-9]{2}[2-9][0-9]{6})")
# Ofcom's ranges reserved for drama and examples, as national significant numbers: written like
# any UK number (Faker's en_GB provider uses them) but left out of phonenumbers' valid ranges.
_FICTIONAL_GB = re.compile(
    r"(?:11[3-8]|121|131|141|151|161)4960[0-9]{3}|1914980[0-9]{3}|2079460[0-9]{3}|"
    r"2896496[0-9]{3}|2920180[0-9]{3}|1632960[0-9]{3}|7700900[0-9]{3}|8081570[0-9]{3}|"
    r"9098790[0-9]{3}|3069990[0-9]{3}"
)


def _number_ok(num: pn.PhoneNumber, region: str | None) -> bool:
    """Valid at the matcher's leniency VALID, or one of Ofcom's drama numbers. ``region`` is
    ``region_code_for_number(num)``: is_valid_number is is_valid_number_for_region on it, and
    finding it is most of the cost for +1 numbers (25 regions share the code), so once."""
    if not pnm._is_national_prefix_present_if_required(num):
        return False
    if region is not None and pn.is_valid_number_for_region(num, region):
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
    assert md is not None, region  # one of PHONE_REGIONS
    idd = re.compile(md.international_prefix) if md.international_prefix else None
    rule = md.national_prefix_for_parsing or md.national_prefix or ""
    literal = re.fullmatch(r"[0-9|]*", rule)
    prefixes = (*rule.split("|"), str(md.country_code)) if literal else None
    desc = md.general_desc
    if desc is None:
        return idd, prefixes, frozenset()  # no lengths: the guard never skips (_may_be_national)
    lengths = frozenset(desc.possible_length) | frozenset(desc.possible_length_local_only)
    return idd, prefixes, lengths


def _may_be_national(key: str, region: str) -> bool:
    """False only when ``key`` (digits, no "+") cannot be a number of ``region`` written
    nationally or with the region's international prefix: its length, with or without a national
    prefix, is none of the region's possible lengths. A cheap guard before a parse."""
    if key.startswith("+"):
        return True
    idd, prefixes, lengths = _region_shape(region)
    if prefixes is None or not lengths or (idd is not None and idd.match(key)):
        return True
    national, cc = prefixes[:-1], prefixes[-1]
    if key.startswith(cc):
        return True  # the parse may strip the country code, then zeros and prefixes: parse it
    sizes = {len(key)} | {len(key) - len(p) for p in national if p and key.startswith(p)}
    return not sizes.isdisjoint(lengths)


def phone_e164(value: str) -> str | None:
    """The E.164 form of a phone number as written (see the normal form above), or ``None``."""
    found = parse_phone(phone_key(value))
    return found[0] if found else None
