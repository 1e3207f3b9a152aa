"""The normal form of a phone number (E.164), as the phone classifier reads it.

A number written with "+" or an international prefix (00, 011) carries its country. A national
number ("07700 900122") is read in the first region of PHONE_REGIONS where it is valid (the same
rule as detection), so "07700 900122" and "+44 7700 900122" hash alike. The normalised key is
read in each region as phonenumbers' parse reads it (a fast path on the digits, with the full
parse as its reference), cached per process. This is shared vocabulary: redaction hashes a number's
normal form (:func:`scanner.redact.normalize_phone`) and the phone classifier
(:mod:`classifiers.phones`) validates with the same parse, so a number is hashed as detected.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import phonenumbers as pn
from phonenumbers import phonenumbermatcher as pnm
from phonenumbers import phonenumberutil as pnu

_NOT_DIGITS = bytes(c for c in range(256) if not chr(c).isdigit() or c > 127)


def _digits(text: str) -> str:
    """The characters of ``text`` that are digits (str.isdigit); ASCII text ("0"-"9" only) as
    bytes, four times faster."""
    if text.isascii():
        return text.encode("ascii").translate(None, _NOT_DIGITS).decode("ascii")
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
    core = value.strip()
    if "x" in core:  # the extension pattern needs one
        core = _EXTENSION.sub("", core)
    digits = _digits(core)
    return "+" + digits if core.lstrip("(").startswith("+") else digits


@functools.lru_cache(maxsize=1 << 16)
def parse_phone(key: str) -> tuple[str, str, bool] | None:
    """(E.164, region, valid) of a :func:`phone_key`, exactly as :func:`parse_phone_reference`
    answers it, without phonenumbers' parse: the same steps on the digits, with the metadata's
    patterns compiled once (see "The fast path" below). Pure, so cached per process on the key:
    the same number in any spelling or place is read once."""
    found = _parse_fast(key)
    if isinstance(found, _Unsure):
        return parse_phone_reference(key)
    return found


def parse_phone_reference(key: str) -> tuple[str, str, bool] | None:
    """(E.164, region, valid) of a :func:`phone_key`: valid in the first of PHONE_REGIONS that
    accepts it (for a "+" number: its own country); for a "+" number phonenumbers calls possible
    but not valid, valid is False; ``None`` otherwise. phonenumbers' full parse, region after
    region (at most one per region): the reference :func:`parse_phone` must agree with on every
    key (tests/classifiers/test_phone_fast.py), and its answer where the fast path is unsure."""
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
    n = len(key)
    if n in lengths or prefixes is None or not lengths or (idd is not None and idd.match(key)):
        return True
    if key.startswith(prefixes[-1]):
        return True  # the parse may strip the country code, then zeros and prefixes: parse it
    return any(p and key.startswith(p) and n - len(p) in lengths for p in prefixes[:-1])


def phone_e164(value: str) -> str | None:
    """The E.164 form of a phone number as written (see the normal form above), or ``None``."""
    found = parse_phone(phone_key(value))
    return found[0] if found else None


# -- the fast path --------------------------------------------------------------------------------
# parse_phone_reference costs ~0.9 ms per national number: a pn.parse per region, then
# region_code_for_number, which for a +1 number tries the patterns of 25 regions, each looked up
# or compiled again through phonenumbers' regex helpers. On the keys phone_key makes (ASCII digits,
# "+" before them or not) phonenumbers' parse comes down to a few steps on the digits: strip the
# region's international prefix or read its country code, strip a national prefix, test lengths.
# They are taken here step by step as phonenumberutil.parse, region_code_for_number,
# is_valid_number_for_region and is_possible_number take them, and as the matcher's
# _is_national_prefix_present_if_required checks the national prefix, with the same metadata
# (phonenumbers' PhoneMetadata of each region, its patterns compiled once per process). What
# this does not cover goes to the reference: digits of other scripts, a "+" and no country code
# (parse then retries the digits as a national number), a non-geographic code (+800, +882),
# an all-zero national number. tests/classifiers/test_phone_fast.py compares both paths on
# thousands of keys; the reference stays the documentation of what the answer is.
_MIN_NSN = pnu._MIN_LENGTH_FOR_NSN
_MAX_NSN = pnu._MAX_LENGTH_FOR_NSN
_MAX_CC = pnu._MAX_LENGTH_COUNTRY_CODE
_NON_GEO = "001"  # the region of +800, +808, +870, +882, ... (PhoneMetadata: non-geographic)
_LOCAL_ONLY, _POSSIBLE, _TOO_SHORT, _TOO_LONG, _INVALID_LENGTH = range(5)  # ValidationResult

# A PhoneNumberDesc as its checks use it: (possible lengths, national number pattern).
_Desc = tuple[tuple[int, ...], str | None]


_NOT_NANP = tuple(r for r in PHONE_REGIONS if r not in ("US", "CA"))  # for a key "0..."


class _Unsure:
    """parse_phone's fast path cannot answer this key: ask the reference."""


_UNSURE = _Unsure()


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _desc(desc: pn.PhoneNumberDesc | None) -> _Desc | None:
    if desc is None:
        return None
    return tuple(desc.possible_length), desc.national_number_pattern or None


@dataclasses.dataclass(frozen=True)
class _Region:
    """What the parse and the validity checks read of one region's PhoneMetadata."""

    cc: int
    idd: re.Pattern[str] | None  # international_prefix
    national_prefix: re.Pattern[str] | None  # national_prefix_for_parsing
    transform: str | None  # national_prefix_transform_rule
    general: re.Pattern[str] | None  # general_desc.national_number_pattern
    lengths: tuple[int, ...]  # general_desc.possible_length
    local_lengths: tuple[int, ...]  # general_desc.possible_length_local_only
    general_desc: _Desc | None
    special: tuple[_Desc | None, ...]  # premium rate ... voicemail, in _number_type_helper's order
    fixed: _Desc | None
    mobile: _Desc | None
    same_mobile_and_fixed: bool
    leading: re.Pattern[str] | None  # leading_digits: the region of a shared country code
    types: tuple[_Desc, ...]  # special, fixed line, mobile (unless the same): those tested
    # their patterns as one alternation per number length, made when a length is first asked
    typed: dict[int, re.Pattern[str] | None]


@functools.cache
def _region(region: str) -> _Region | None:
    md = pn.PhoneMetadata.metadata_for_region(region, None)
    if md is None or md.country_code is None:
        return None
    general = md.general_desc
    special = tuple(_desc(d) for d in (md.premium_rate, md.toll_free, md.shared_cost, md.voip,
                                       md.personal_number, md.pager, md.uan, md.voicemail))
    fixed, mobile = _desc(md.fixed_line), _desc(md.mobile)
    same = bool(md.same_mobile_and_fixed_line_pattern)
    types = [d for d in (*special, fixed, None if same else mobile) if d is not None]
    return _Region(
        cc=md.country_code,
        idd=_compiled(md.international_prefix),
        national_prefix=_compiled(md.national_prefix_for_parsing),
        transform=md.national_prefix_transform_rule or None,
        general=_compiled(general.national_number_pattern) if general else None,
        lengths=tuple(general.possible_length) if general else (),
        local_lengths=tuple(general.possible_length_local_only) if general else (),
        general_desc=_desc(general),
        special=special,
        fixed=fixed,
        mobile=mobile,
        same_mobile_and_fixed=same,
        leading=_compiled(md.leading_digits),
        types=tuple(types),
        typed={},
    )


@functools.cache
def _formats(region: str) -> tuple[tuple[re.Pattern[str] | None, re.Pattern[str], bool], ...]:
    """The region's number formats as _choose_formatting_pattern_for_number reads them: (last
    leading digits pattern, pattern, whether the national prefix is required)."""
    md = pn.PhoneMetadata.metadata_for_region(region, None)
    formats = []
    for f in md.number_format if md is not None else ():
        rule = f.national_prefix_formatting_rule
        required = bool(rule) and not f.national_prefix_optional_when_formatting and not (
            pnu._formatting_rule_has_first_group_only(rule))
        lead = f.leading_digits_pattern
        if f.pattern is not None:  # always set in the metadata
            formats.append((re.compile(lead[-1]) if lead else None, re.compile(f.pattern),
                            required))
    return tuple(formats)


def _typed(md: _Region, n: int) -> re.Pattern[str] | None:
    """The patterns of ``md.types`` whose possible lengths admit ``n`` (no lengths: any), as one
    alternation: it matches a whole number when one of them does, as any(_matches_desc(...))."""
    if n not in md.typed:
        alternatives = [p for lengths, p in md.types if p and (not lengths or n in lengths)]
        md.typed[n] = re.compile("|".join(f"(?:{a})" for a in dict.fromkeys(alternatives))
                                 ) if alternatives else None
    return md.typed[n]


def _national_match(number: str, pattern: re.Pattern[str] | None) -> bool:
    """phonenumberutil._match_national_number (no prefix match)."""
    return pattern is not None and pattern.fullmatch(number) is not None


def _matches_desc(nsn: str, desc: _Desc | None) -> bool:
    """phonenumberutil._is_number_matching_desc."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(nsn) not in lengths:
        return False
    return pattern is not None and re.fullmatch(pattern, nsn) is not None


def _has_type(nsn: str, md: _Region) -> bool:
    """phonenumberutil._number_type_helper(nsn, md) != UNKNOWN: the general pattern (and its
    lengths), then one of the type patterns."""
    if md.general_desc is None or (md.lengths and len(nsn) not in md.lengths) or not (
            _national_match(nsn, md.general)):
        return False
    typed = md.typed[len(nsn)] if len(nsn) in md.typed else _typed(md, len(nsn))
    return typed is not None and typed.fullmatch(nsn) is not None


def _has_type_slow(nsn: str, md: _Region) -> bool:
    """_has_type as _number_type_helper writes it, desc after desc (the test's reference for
    the alternations)."""
    if not _matches_desc(nsn, md.general_desc):
        return False
    if any(_matches_desc(nsn, d) for d in md.special) or _matches_desc(nsn, md.fixed):
        return True
    return not md.same_mobile_and_fixed and _matches_desc(nsn, md.mobile)


def _length(number: str, md: _Region) -> int:
    """phonenumberutil._test_number_length(number, md) for type UNKNOWN."""
    n, lengths = len(number), md.lengths
    if n in md.local_lengths:
        return _LOCAL_ONLY
    if lengths[0] == n:
        return _POSSIBLE
    if lengths[0] > n:
        return _TOO_SHORT
    if lengths[-1] < n:
        return _TOO_LONG
    return _POSSIBLE if n in lengths[1:] else _INVALID_LENGTH


def _strip_national_prefix(number: str, md: _Region) -> tuple[str, bool]:
    """phonenumberutil._maybe_strip_national_prefix_carrier_code: (the number with its national
    prefix or carrier code stripped, whether one was)."""
    prefix = md.national_prefix
    if not number or prefix is None:
        return number, False
    m = prefix.match(number)
    if m is None:
        return number, False
    viable = _national_match(number, md.general)
    groups = m.groups()
    if not md.transform or groups[-1] is None:
        if viable and not _national_match(number[m.end() :], md.general):
            return number, False
        return number[m.end() :], True
    transformed = prefix.sub(md.transform, number, count=1)
    if viable and not _national_match(transformed, md.general):
        return number, False
    return transformed, True


def _read(digits: str, md: _Region, plus: bool) -> tuple[int, str, bool] | None | _Unsure:
    """phonenumberutil.parse of ``digits`` ("+" before them when ``plus``) in the region ``md``,
    as (country code, national significant number, whether the country is the region's default
    rather than written); ``None`` where parse raises."""
    international, rest = plus, digits
    m = None if plus or md.idd is None else md.idd.match(digits)  # _parse_prefix_as_idd
    if m is not None and digits[m.end() : m.end() + 1] != "0":
        international, rest = True, digits[m.end() :]
    default = False
    if international:  # _maybe_extract_country_code after "+" or the IDD
        if len(rest) <= _MIN_NSN:
            return None
        cc, national = 0, rest
        if rest[0] != "0":
            for i in range(1, min(len(rest), _MAX_CC) + 1):
                if int(rest[:i]) in pn.COUNTRY_CODE_TO_REGION_CODE:
                    cc, national = int(rest[:i]), rest[i:]
                    break
        if cc == 0:
            return _UNSURE if plus else None  # after "+", parse retries the digits alone
    else:
        cc, national, default = md.cc, digits, True
        code = str(md.cc)
        if digits.startswith(code):
            potential, _ = _strip_national_prefix(digits[len(code) :], md)
            if (not _national_match(digits, md.general) and _national_match(potential, md.general)
                    ) or _length(digits, md) == _TOO_LONG:
                national, default = potential, False
    if not default:  # the metadata of the country's main region from here on
        main = pn.region_code_for_country_code(cc)
        found = None if main == _NON_GEO else _region(main)
        if found is None:
            return _UNSURE
        md = found
    if len(national) < _MIN_NSN:
        return None
    potential, _ = _strip_national_prefix(national, md)
    if _length(potential, md) not in (_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH):
        national = potential
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    if not national.strip("0"):
        return _UNSURE  # national number 0: format_number writes the raw input
    return cc, national, default


def _home(cc: int, nsn: str) -> str | None:
    """phonenumberutil.region_code_for_number."""
    found = _country(cc)
    if found is None:
        return None
    names, listed = found
    if len(names) == 1:
        return names[0]
    for region, md in listed:
        if md.leading is not None:
            if md.leading.match(nsn):
                return region
        elif _has_type(nsn, md):
            return region
    return None


@functools.cache
def _country(cc: int) -> tuple[tuple[str, ...], tuple[tuple[str, _Region], ...]] | None:
    """The regions of a country code in phonenumbers' order, and (for a code shared by several)
    those with metadata, as _region_code_for_number_from_list walks them."""
    regions = pn.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if regions is None:
        return None
    listed = tuple((r, md) for r in regions if (md := _region(r)) is not None)
    return tuple(regions), listed if len(regions) > 1 else ()


def _prefix_present_if_required(cc: int, nsn: str, raw: str) -> bool:
    """phonenumbermatcher._is_national_prefix_present_if_required of a number read in its
    default country (the check holds for a number written with its country code)."""
    main = pn.region_code_for_country_code(cc)
    md = _region(main)
    if md is None:
        return True
    for lead, pattern, required in _formats(main):  # _choose_formatting_pattern_for_number
        if (lead is None or lead.match(nsn)) and pattern.fullmatch(nsn):
            return not required or _strip_national_prefix(raw, md)[1]
    return True


def _parse_fast(key: str) -> tuple[str, str, bool] | None | _Unsure:
    """parse_phone_reference's answer, the same loop over the same regions, each parse and
    check taken as above; ``_UNSURE`` where those steps do not cover the key."""
    if not 7 <= len(key.lstrip("+")) <= 17:
        return None
    plus = key.startswith("+")
    digits = key[1:] if plus else key
    if not (digits.isascii() and digits.isdigit()):
        return _UNSURE
    if plus:
        regions: tuple[str, ...] = PHONE_REGIONS[:1]
    elif key.startswith("0") and not key.startswith("011"):
        regions = _NOT_NANP
    else:
        regions = PHONE_REGIONS
    possible = None
    judged: dict[tuple[int, str, bool], tuple[bool, str | None]] = {}
    for region in regions:
        if not _may_be_national(key, region):
            continue
        md = _region(region)
        read = _read(digits, md, plus) if md is not None else _UNSURE
        if read is None:
            continue
        if isinstance(read, _Unsure):
            return read
        cc, nsn, default = read
        if read not in judged:  # "001 ..." reads alike in every region with the IDD 00
            home = _home(cc, nsn)
            ok = (not default or _prefix_present_if_required(cc, nsn, digits)) and (
                (home is not None and _valid_for_region(cc, nsn, home))
                or (cc == 44 and _FICTIONAL_GB.fullmatch(nsn) is not None))
            judged[read] = ok, home
        ok, home = judged[read]
        e164 = f"+{cc}{nsn}"
        if ok:
            return e164, home or region, True
        if plus and _possible(cc, nsn):
            possible = (e164, home or "ZZ", False)
    if possible is None and (m := _NANP_DIGITS.fullmatch(key)):
        possible = ("+1" + m.group(1), "US", False)
    return possible


def _valid_for_region(cc: int, nsn: str, region: str) -> bool:
    """phonenumberutil.is_valid_number_for_region."""
    md = _region(region)
    return md is not None and md.cc == cc and _has_type(nsn, md)


def _possible(cc: int, nsn: str) -> bool:
    """phonenumberutil.is_possible_number."""
    md = _region(pn.region_code_for_country_code(cc))
    return md is not None and _length(nsn, md) in (_POSSIBLE, _LOCAL_ONLY)


def warm(regions: tuple[str, ...] = PHONE_REGIONS) -> None:
    """Build now what the fast path builds at first use: the metadata, formats and type
    alternations (every possible length) of ``regions`` and of the regions sharing their
    country codes. Called before worker processes fork (the phone and call-record classifiers'
    warm), so that each inherits them instead of compiling its own; pure caches, so no answer
    changes."""
    codes = {md.cc for r in regions if (md := _region(r)) is not None}
    for cc in sorted(codes):
        found = _country(cc)
        for region in found[0] if found else ():
            md = _region(region)
            if md is None:
                continue
            _formats(region)
            _region_shape(region)
            for n in {*md.lengths, *md.local_lengths}:
                _typed(md, n)
