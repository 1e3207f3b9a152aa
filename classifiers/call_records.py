"""CALL_RECORD (CDR-1): call-detail and SMS records.

A call record is two or more *distinct* phone numbers (caller, callee, forwarded-to, SMSC) in one
record together with a timestamp and/or a duration. The record is

* a line, for units without a ``record`` (logs, prose, a CSV file read as text): the detection
  spans the line within the unit;
* the ``record`` group, for CSV rows / JSON objects whose short ``value`` units carry field names
  (caller, callee, msisdn, a_number, forwarded_to, smsc, duration, start_time, call_type, ...):
  the detection spans the whole first unit of the group (0..len). Long or multi-line units of a
  group (a message body) are still read line by line.

Category: ``user.behavior.telephony_log``. fideslang 3.2 has no key for telephony metadata, so the
taxonomy marks it ``extension: true``; it is the closest ``user.behavior.*`` key in spirit
(records of what a person did), and a dedicated key keeps CDRs out of ``browsing_history``.

Numbers are found here with :mod:`phonenumbers` (CDR numbers are often bare digits such as
``447700900123`` that a prose phone recogniser misses) and PHONE_NUMBER detections already made on
the unit are added. International numbers (``+44 ...``, ``0044 ...``) need only be *possible*;
E.164 without ``+`` (11-15 digits) must be *valid*, or possible when CDR words or fields are
present; national formats (``020 7946 0958``, ``06 12 34 56 78``) count only with CDR words or
fields, tried in the regions of :data:`REGIONS`. Timestamps, durations and IP addresses are masked
before numbers are looked for, so ``2024-03-01 10:02`` never becomes a phone number.

Evidence rules: a line needs a date with a time of day, a date plus CDR words, or a duration
(``00:03:12``, ``duration=192``). A record group needs a duration or CDR context (field names or
words), because database rows of people often carry two phone columns and an ``updated_at``.
Negatives: a contact list with two numbers and no time, one number with a timestamp, version
strings, price lists.

The detection's ``value`` (hashed, never printed) is the sorted E.164 numbers joined with ``|``
plus the first timestamp, so the same record hashes alike wherever it is found; the explanation
names the evidence but never a number.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import phonenumbers

from classifiers.phones import _names_identifier
from scanner import entities as entity_table
from scanner.models import Detection, TextUnit
from scanner.phone_form import (
    _UNSURE,
    _digits,
    _home,
    _possible,
    _read,
    _region,
    _Unsure,
    _valid_for_region,
)
from scanner.phone_form import warm as phone_form_warm

ID = "CDR-1"
REGIONS = ("GB", "FR", "DE", "US", "ES", "IT", "NL")

_TIMESTAMPS = (
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
               r"(?:Z|[+-]\d{2}:?\d{2})?)?"),
    re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:[ T,]{1,2}\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"\b\d{1,2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?"),
    re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +\d{1,2},?"
               r"(?: \d{4})? +\d{1,2}:\d{2}(?::\d{2})?"),
    re.compile(r"\b(?:19|20)\d{2}[01]\d[0-3]\d[T ]?[0-2]\d[0-5]\d[0-5]\d\b"),
)
_EPOCH = re.compile(r"\b1[0-9]{9}(?:\.\d{1,6})?\b")
_TS_KEY = re.compile(r"\b(?:ts|time\w*|timestamp|date\w*|start\w*|end\w*|answer\w*)\b[\"']?\s*[:=]"
                     r"\s*[\"']?$", re.IGNORECASE)
_DURATION_KEY = re.compile(
    r"\b(?:duration|dur|billsec|call_?duration|call_?length|talk_?time|length)\b[\"']?\s*[:=]?\s*"
    r"[\"']?(\d{1,3}:[0-5]\d(?::[0-5]\d)?|\d{1,6}(?:\.\d+)?(?:\s?(?:s|secs?|seconds|min|mins)\b)?)",
    re.IGNORECASE,
)
_HMS = re.compile(r"\b\d{1,3}:[0-5]\d:[0-5]\d\b")
_SECONDS = re.compile(r"\b\d{1,5}\s?(?:secs?|seconds)\b", re.IGNORECASE)
# Every duration scan_text can find contains one of these (a key word, h:mm:ss, "secs").
_DURATION_HINT = re.compile(r":|sec|dur|length|billsec|talk", re.IGNORECASE)
# A line's time evidence (Evidence.line_time) without CDR words is a duration (see _DURATION_HINT),
# a timestamp with a time of day (always has ':') or an epoch after a key ending in ':' or '='.
_TIME_HINT = re.compile("=|" + _DURATION_HINT.pattern, re.IGNORECASE)
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_PHONE_RUN = re.compile(r"(?:\+|\b)\(?\d[\d \t().-]{4,28}\d\b")
_CDR_WORDS = re.compile(
    r"\b(?:call(?:s|ed|er|ee|ing)?|cdr|sms|mms|msisdn|smsc|imsi|duration|billsec|dial(?:l?ed)?|"
    r"forward(?:ed)?|voicemail|[ab]_?(?:number|party|num)|incoming|outgoing|missed|voice|"
    r"rang|ringing|answered|originat\w*|terminat\w*)\b",
    re.IGNORECASE,
)
_NUMBER_FIELDS = re.compile(
    r"^(?:caller|callee|calling|called|calling_?(?:number|party|num)|called_?(?:number|party|num)|"
    r"msisdn|[ab]_?(?:number|party|num|nr)|anum|bnum|forward(?:ed)?_?to|forward_?number|"
    r"redirect\w*|smsc|smsc_?(?:number|address)|originator|sender|recipient|from|to|"
    r"(?:from|to|source|destination|dest|src|dst)_?(?:number|num|msisdn|phone)?|clid|cli|"
    r"dial(?:l?ed)?_?(?:number)?|phone\w*|mobile\w*)$"
)
# Every match of _CDR_WORDS, lower-cased, contains one of these.
_CDR_STEMS = ("call", "cdr", "sms", "mms", "msisdn", "imsi", "duration", "billsec", "dial",
              "forward", "voicemail", "num", "party", "incoming", "outgoing", "missed", "voice",
              "rang", "ringing", "answered", "originat", "terminat")

_CDR_STEM = re.compile("|".join(_CDR_STEMS))


def _cdr_words(text: str) -> re.Match[str] | None:
    """``_CDR_WORDS.search(text)``. Most rows and lines hold none of the words, and substring
    tests on the lower-cased text say so faster than the case-insensitive pattern; non-ASCII text
    (which case-insensitive matching may fold to ASCII letters) always takes the pattern."""
    if text.isascii():
        low = text.lower()
        # one pattern of the stems on a short text; on a long one a search per stem is faster
        if _CDR_STEM.search(low) is None if len(low) <= 160 else not any(
                stem in low for stem in _CDR_STEMS):
            return None
    return _CDR_WORDS.search(text)


_CDR_FIELDS = re.compile(
    r"^(?:caller|callee|calling\w*|called\w*|msisdn|[ab]_?(?:number|party|num|nr)|anum|bnum|"
    r"forward\w*|redirect\w*|smsc\w*|originator|clid|cli|dial\w*|duration|billsec|call_?\w+|"
    r"sms_?\w*|imsi|imei|cell_?id|disposition|dcontext|lastapp)$"
)
_TIME_FIELDS = re.compile(r"(?:^|_)(?:ts|time|timestamp|date|datetime|start|end|answer|"
                          r"started|ended|at)(?:_|$)")
_DURATION_FIELDS = re.compile(r"^(?:duration|dur|billsec|call_?duration|call_?length|talk_?time|"
                              r"length|seconds|secs|duration_?s(?:ec)?)$")

# Compiled once (the module-level re functions look each pattern up in re's cache per call, and
# phonenumbers' many patterns evict entries from it).
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_PATH_SEP = re.compile(r"[./\[\]]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D")
_NON_DIGIT_DOT = re.compile(r"[^\d.]")
_TOKEN = re.compile(r"\S+")
_DURATION_VALUE = re.compile(r"\d{1,6}(?:\.\d+)?|[\d:]{4,9}")
_EPOCH_VALUE = re.compile(r"1\d{9}(?:\.\d+)?")


@functools.lru_cache(maxsize=4096)
def _field_name(name: str | None) -> str:
    if not name:
        return ""
    name = _CAMEL.sub(r"\1_\2", name)
    name = _PATH_SEP.split(name.strip())[-1]
    return _NOT_WORD.sub("_", name.lower()).strip("_")


def _digits_of(raw: str) -> tuple[str, bool] | None:
    """The checks on the text shared by :func:`normalise_number` and its reference: (the digits
    without an international prefix, whether there was one), or ``None`` for a version string,
    a price or a wrong digit count."""
    s = raw.strip()
    digits = _NON_DIGIT.sub("", s)
    if "." in s:
        groups = _NON_DIGIT_DOT.sub("", s).split(".")
        if any(len(g) == 1 or len(g) >= 5 for g in groups):
            return None  # version strings, prices
    intl = s.startswith(("+", "(+")) or digits.startswith("00")
    if intl:
        digits = digits.removeprefix("00")
    if not 7 <= len(digits) <= 15:
        return None
    return digits, intl


@functools.lru_cache(maxsize=1 << 16)
def normalise_number(raw: str, context: bool) -> str | None:
    """E.164 for a phone-like token, or ``None`` when it is not a number under these rules.
    Pure, so cached per process (in memory only): records repeat the same numbers.

    :func:`normalise_number_reference`'s answer, with phonenumbers' parse and validity checks
    taken on the digits as :mod:`scanner.phone_form`'s fast path takes them (the same steps,
    the same metadata; tests/classifiers/test_call_records_fast.py compares both), the
    reference where those steps do not cover the digits."""
    token = _digits_of(raw)
    if token is None:
        return None
    digits, intl = token
    found = _normalise_fast(digits, intl, context) if digits.isascii() else _UNSURE
    return normalise_number_reference(raw, context) if isinstance(found, _Unsure) else found


def _judged(read: tuple[int, str, bool]) -> tuple[str, bool, bool]:
    """(E.164, is_valid_number, is_possible_number) of a number phone_form._read made."""
    cc, nsn, _ = read
    home = _home(cc, nsn)
    return f"+{cc}{nsn}", home is not None and _valid_for_region(cc, nsn, home), _possible(cc, nsn)


def _normalise_fast(digits: str, intl: bool, context: bool) -> str | None | _Unsure:
    """normalise_number_reference after its checks on the text: ``digits`` ASCII, 7-15 of
    them, an international prefix removed (``intl``)."""
    if intl or (len(digits) >= 11 and digits[0] != "0"):
        md = _region(REGIONS[0])  # "+" and the digits: the region is never read
        read = _read(digits, md, True) if md is not None else _UNSURE
        if read is None:
            return None  # parse raises
        if isinstance(read, _Unsure):
            return read
        e164, valid, possible = _judged(read)
        if valid or ((intl or context) and possible):
            return e164
        if intl:
            return None
    if not context:
        return None
    judged = []
    for region in REGIONS:
        md = _region(region)
        read = _read(digits, md, False) if md is not None else _UNSURE
        if read is None:
            return None  # parse raises in one region: the reference's list raises
        if isinstance(read, _Unsure):
            return read
        judged.append(_judged(read))
    best = next((e for e, valid, _ in judged if valid), None)
    return best or next((e for e, _, possible in judged if possible), None)


def normalise_number_reference(raw: str, context: bool) -> str | None:
    """:func:`normalise_number` with phonenumbers' own parse, region after region: the
    reference the fast path must agree with, and its answer where that is unsure."""
    token = _digits_of(raw)
    if token is None:
        return None
    digits, intl = token
    try:
        if intl or (len(digits) >= 11 and digits[0] != "0"):
            num = phonenumbers.parse("+" + digits, None)
            if phonenumbers.is_valid_number(num) or (
                (intl or context) and phonenumbers.is_possible_number(num)
            ):
                return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            if intl:
                return None
        if not context:
            return None
        parsed = [phonenumbers.parse(digits, region) for region in REGIONS]
    except phonenumbers.NumberParseException:
        return None
    best = next((n for n in parsed if phonenumbers.is_valid_number(n)), None) or next(
        (n for n in parsed if phonenumbers.is_possible_number(n)), None
    )
    return phonenumbers.format_number(best, phonenumbers.PhoneNumberFormat.E164) if best else None


@functools.lru_cache(maxsize=1024)
def _fields(fields: tuple[str | None, ...]) -> tuple[list[str], list[str], bool]:
    """(field names, those that are CDR fields, whether one is a duration field) of a record's
    fields: a table's rows share them. The lists are shared: read them, never change them."""
    names = [_field_name(f) for f in fields]
    return (names, [n for n in names if _CDR_FIELDS.match(n)],
            any(_DURATION_FIELDS.match(n) for n in names))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every character inside one of ``spans`` replaced by ``#`` (same length)."""
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        if e <= pos:
            continue
        if s > pos:
            out.append(text[pos:s])
        else:
            s = pos
        out.append("#" * (e - s))
        pos = e
    out.append(text[pos:])
    return "".join(out)


@dataclass
class Evidence:
    numbers: dict[str, tuple[int, int]] = field(default_factory=dict)  # E.164 -> first span
    timestamp: str = ""
    has_time: bool = False
    duration: str = ""
    fields: list[str] = field(default_factory=list)
    context: str = ""

    def add_number(self, number: str | None, span: tuple[int, int]) -> None:
        if number and number not in self.numbers:
            self.numbers[number] = span

    def is_call_record(self, group: bool) -> bool:
        if len(self.numbers) < 2:
            return False
        if group:
            return bool(self.duration or (self.timestamp and (self.context or self.fields)))
        return self.line_time()

    def line_time(self) -> bool:
        """The time evidence a line needs: a duration, or a timestamp with a time of day or CDR
        words."""
        return bool(self.duration or (self.timestamp and (self.has_time or self.context)))

    def explanation(self) -> str:
        parts = [f"{len(self.numbers)} numbers"]
        if self.timestamp:
            parts.append("timestamp" if self.has_time or not self.timestamp else "date")
        if self.duration:
            parts.append(f"duration {self.duration}")
        if self.fields:
            parts.append("fields " + "/".join(self.fields))
        if self.context:
            parts.append(f"context '{self.context}'")
        return f"{ID}: " + ", ".join(parts)

    def value(self) -> str:
        return "|".join(sorted(self.numbers)) + "|" + self.timestamp


def scan_text(
    text: str, ev: Evidence, context: bool, need_time: bool = False, numbers: bool = True
) -> list[tuple[int, int]]:
    """Add the timestamps, durations and numbers of one line (or value) to ``ev``; return the
    spans of timestamps, durations and IP addresses (never phone numbers). With ``need_time``,
    numbers are not looked for when the text lacks the time evidence of a line record
    (:meth:`Evidence.line_time`): without it no numbers make the line a call record. With
    ``numbers`` False, only the time evidence is added (the numbers never change it)."""
    masked: list[tuple[int, int]] = []
    for rx in _TIMESTAMPS:
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e in masked):
                continue
            masked.append(m.span())
            if not ev.timestamp or (":" in m.group(0) and not ev.has_time):
                ev.timestamp, ev.has_time = m.group(0).strip(), ":" in m.group(0)
    for m in _EPOCH.finditer(text):
        if _TS_KEY.search(text[max(0, m.start() - 20) : m.start()]):
            masked.append(m.span())
            ev.timestamp, ev.has_time = ev.timestamp or m.group(0), True
    for m in _DURATION_KEY.finditer(text):
        masked.append(m.span(1))
        ev.duration = ev.duration or m.group(1).strip()
    for rx in (_HMS, _SECONDS):
        for m in rx.finditer(_mask(text, masked)):
            masked.append(m.span())
            if ev.timestamp or rx is _SECONDS:
                ev.duration = ev.duration or m.group(0)
            else:  # a time of day on a line without a date
                ev.timestamp, ev.has_time = m.group(0), True
    if not numbers or (need_time and not ev.line_time()):
        return masked
    masked.extend(m.span() for m in _IPV4.finditer(text))
    for m in _PHONE_RUN.finditer(_mask(text, masked)):
        if _names_identifier(text[max(0, m.start() - 32) : m.start()]):
            continue  # "Order 6758466016", "job=7608852944": an identifier, as for phones
        _split_numbers(m.group(0), m.start(), ev, context)
    return masked


# A line with at least 14 digits once its ISO timestamps and IPv4 addresses are hidden.
_MANY_DIGITS = re.compile(r"^(?:[^\d\n]*+\d){14}", re.MULTILINE)


def _hide_fixed(text: str) -> str:
    """``text`` with its ISO timestamps and IPv4 addresses masked, which :func:`scan_text`
    always masks before it looks for numbers (see :func:`_candidate_lines`)."""
    hidden = [m.span() for rx in (_TIMESTAMPS[0], _IPV4) for m in rx.finditer(text)]
    return _mask(text, hidden) if hidden else text


# Digit groups that may hold one number each (see _may_hold_two_numbers): with CDR context a
# number has at least 7 digits; without, a "+" before it, or 9 digits starting "00", or 11.
_SEVEN_DIGITS = re.compile(r"(?:\d[ \t().-]*+){7}")
_NINE_DIGIT_RUN = re.compile(r"(?:\d[ \t().-]*+){9,}")


def _run_bound(digits: str) -> int:
    """At most how many numbers without CDR context one run of digits (and separators, no "+")
    holds: disjoint pieces of 9+ digits starting "00" (at most as many as the run's
    non-overlapping "00") or of 11+ digits."""
    d, z = len(digits), digits.count("00")
    return max(a + (d - 9 * a) // 11 for a in range(min(z, d // 9) + 1))


def _may_hold_two_numbers(rest: str, phones: int, context: bool) -> bool:
    """False only when the line ``rest`` (as :func:`_hide_fixed` left it) with ``phones``
    PHONE_NUMBER detections certainly yields fewer than two numbers in :func:`scan_text` and
    :func:`_add_found`, so that it cannot be a call record.

    Each number scan_text finds is a chunk of a ``_PHONE_RUN`` match of the line with more
    masked, hence a substring of ``rest`` made of digits and ``[ \t().-]`` after at most one
    leading ``+``; chunks do not overlap, and one without a ``+`` lies in a run of ``rest``
    holding no ``+``. :func:`normalise_number` needs 7 digits with ``context``; without, a
    leading ``+``, or 9 digits starting ``00``, or 11 digits. With context the chunks are at
    most the disjoint matches of :data:`_SEVEN_DIGITS`; without, at most the ``+`` signs plus
    :func:`_run_bound` of each run of 9 digits or more. Each detection adds one number at
    most."""
    need = 2 - phones
    if need <= 0:
        return True
    if context:
        m = _SEVEN_DIGITS.search(rest)
        if m is None:
            return False
        return need == 1 or _SEVEN_DIGITS.search(rest, m.end()) is not None
    n = rest.count("+")
    if n >= need:
        return True
    for m in _NINE_DIGIT_RUN.finditer(rest):
        n += _run_bound(_NON_DIGIT.sub("", m.group()))
        if n >= need:
            return True
    return False


_PLUS_OR_RUN = re.compile(r"\+|(?:\d[ \t().-]*+){9,}")


def _lines_without_context(text: str, phone_starts: Sequence[int]) -> list[int]:
    """The start offsets, in order, of the lines of ``text`` (a whole unit) for which
    :func:`_may_hold_two_numbers` without CDR context can be true, found in one pass over the
    unit: the count that function makes on the line as :func:`_hide_fixed` leaves it (the ``+``
    signs, :func:`_run_bound` of each run of 9 digits or more) plus the PHONE_NUMBER detections
    starting on the line (``phone_starts``) reaches two. For a unit that holds no CDR words.

    Counted on ``text`` itself, not on the hidden text: hiding turns characters into ``#``, so a
    hidden line has no ``+`` the line lacks, and each of its runs lies inside one of the line's
    runs (disjoint ones in the same run); :func:`_run_bound` grows with the digits and the
    ``00`` of a run and is superadditive, so the count on ``text`` is never smaller. No run
    crosses a line end (the separators are ``[ \t().-]``)."""
    count: dict[int, int] = {}
    for m in _PLUS_OR_RUN.finditer(text):
        run = m.group()
        if run == "+":
            n = 1
        else:
            digits = _NON_DIGIT.sub("", run)
            if len(digits) < 11 and "00" not in digits:
                continue  # _run_bound is 0 (an order number, a job id)
            n = _run_bound(digits)
        lo = text.rfind("\n", 0, m.start()) + 1
        count[lo] = count.get(lo, 0) + n
    for start in phone_starts:
        lo = text.rfind("\n", 0, start) + 1
        count[lo] = count.get(lo, 0) + 1
    return sorted(lo for lo, n in count.items() if n >= 2)


def _candidate_lines(text: str, rest: str | None = None) -> Iterator[int]:
    """Start offsets of the lines of ``text`` that can hold a call record, found in one pass over
    the whole unit rather than line by line (a log unit has thousands of lines, few of them CDRs).

    A call record needs two distinct numbers of at least 7 digits each (:func:`normalise_number`),
    whose spans overlap neither each other nor anything :func:`scan_text` masks; it masks every
    match of ``_TIMESTAMPS[0]`` and ``_IPV4`` on the line, and neither pattern can match across a
    newline, so matching them on the whole text hides the same characters. A line with fewer than
    14 other digits is therefore never a call record. Digits are Unicode digits here, as in the
    number rules."""
    if rest is None:
        rest = _hide_fixed(text)
    return (m.start() for m in _MANY_DIGITS.finditer(rest))


def _split_numbers(raw: str, offset: int, ev: Evidence, context: bool) -> None:
    """Cut a run such as ``447700900123 33612345678`` into numbers, longest first."""
    parts = [(m.start(), m.group(0)) for m in _TOKEN.finditer(raw)]
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            chunk = raw[parts[i][0] : parts[j - 1][0] + len(parts[j - 1][1])]
            number = normalise_number(chunk, context)
            if number:
                ev.add_number(number, (offset + parts[i][0], offset + parts[i][0] + len(chunk)))
                i = j
                break
        else:
            i += 1


# Where a sentence of prose ends: ".", "!" or "?" (a closing quote or bracket), space, and a
# capital, a quote or a bracket. "No. 5", "3.5 Mbps" and "+44 20." at a line end do not cut.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*[ \t]+(?=[A-Z\"'(])")


def sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """``text[lo:hi]`` (a line of prose) cut into its sentences, as (start, end) offsets: the
    numbers and the time of a call record written in prose are in one sentence ("Call X to
    confirm order Y. ... logged in at T." is not a record)."""
    out, a = [], lo
    for m in _SENTENCE_BREAK.finditer(text, lo, hi):
        out.append((a, m.start()))
        a = m.end()
    out.append((a, hi))
    return out


class _Phones:
    """The PHONE_NUMBER detections of one unit, for looking up those starting in [lo, hi)."""

    def __init__(self, dets: Sequence[Detection]) -> None:
        phones = sorted(
            (d.start, k, d) for k, d in enumerate(dets) if d.entity == "PHONE_NUMBER"
        )
        self.starts = [s for s, _, _ in phones]
        self.items = [(k, d) for _, k, d in phones]

    def between(self, lo: int, hi: int) -> list[Detection]:
        """Those starting in [lo, hi), in their order in the unit's list."""
        a, b = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        if a == b:
            return []
        return [d for _, d in sorted(self.items[a:b], key=lambda kd: kd[0])]


def _add_found(
    ev: Evidence, dets: Sequence[Detection], lo: int, hi: int, masked: list[tuple[int, int]]
) -> None:
    """PHONE_NUMBER detections inside [lo, hi) overlapping neither our numbers nor a timestamp,
    duration or IP address (another classifier's "phone" may be a date). ``dets``: the unit's
    detections, or only its phone numbers starting in [lo, hi)."""
    for d in dets:
        if d.entity != "PHONE_NUMBER" or not lo <= d.start < hi:
            continue
        span = (d.start - lo, d.end - lo)
        taken = [*ev.numbers.values(), *masked]
        if any(s < span[1] and span[0] < e for s, e in taken):
            continue
        ev.add_number(normalise_number(d.value, True), span)


class CallRecordClassifier:
    """CALL_RECORD (CDR-1): two or more phone numbers plus a timestamp and/or a duration."""

    id = ID
    order = 500  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("CALL_RECORD",))

    def warm(self) -> None:
        """Build now the metadata of :data:`REGIONS` that the national reading (normalise_number
        with context) builds at first use, and phonenumbers' (the reference's); Classifier.warm calls it before the
        workers fork. Uncached calls: the answers cache stays empty."""
        phone_form_warm(REGIONS)
        for region in REGIONS:
            example = phonenumbers.example_number(region)
            if example is not None:
                national = phonenumbers.national_significant_number(example)
                normalise_number.__wrapped__(national, True)
                normalise_number.__wrapped__("+" + str(example.country_code) + national, False)

    def classify_record(self, units: Sequence[TextUnit], found: Sequence[list[Detection]]) -> None:
        groups: dict[str, list[int]] = {}
        for i, unit in enumerate(units):
            if unit.record is not None and unit.kind == "value" and "\n" not in unit.text:
                groups.setdefault(unit.record, []).append(i)
            else:
                self._lines(unit, found[i])
        for members in groups.values():
            self._group(units, found, members)

    def _lines(self, unit: TextUnit, dets: list[Detection]) -> None:
        text = unit.text
        # CDR words at the top of the unit (a CSV header line) loosen number rules for every line
        head = _cdr_words(text[:500]) or _CDR_FIELDS.match(_field_name(unit.location.field))
        phones = _Phones(dets)  # a whole file's unit has thousands: no scan of all per line
        if head or _cdr_words(text):
            rest: str | None = _hide_fixed(text)
            lines: Iterable[int] = _candidate_lines(text, rest)
        else:
            # No CDR words anywhere (a line's words are the unit's: a line is cut at a line end,
            # a word boundary either way), so no line has context, and the lines that may hold
            # two numbers of the stricter kind are found in one pass; each is hidden alone (the
            # hidden patterns never cross a line end) and must be one _candidate_lines yields.
            starts = [d.start for d in dets if d.entity == "PHONE_NUMBER"]
            rest, lines = None, _lines_without_context(text, starts)
        prose = unit.kind == "prose"
        for lo in lines:
            nl = text.find("\n", lo)
            line = text[lo:] if nl < 0 else text[lo:nl]
            hi = lo + len(line.rstrip("\r"))
            if rest is None:
                hidden = _hide_fixed(line)
                if _MANY_DIGITS.match(hidden) is None:
                    continue  # not a line _candidate_lines yields
                hidden = hidden[: hi - lo]
            else:
                hidden = rest[lo:hi]
            if sum(map(line.count, "0123456789")) < 16:
                continue  # two numbers and a time need more digits than that
            for a, b in sentences(text, lo, hi) if prose else ((lo, hi),):
                self._record_line(text, a, b, hidden[a - lo : b - lo], bool(head), phones, dets)

    def _record_line(self, text: str, lo: int, hi: int, hidden: str, head: bool,
                     phones: _Phones, dets: list[Detection]) -> None:
        """A CALL_RECORD for ``text[lo:hi]`` (a line, or a sentence of prose) when it holds one."""
        body = text[lo:hi]
        if sum(map(body.count, "0123456789")) < 16:
            return  # two numbers and a time need more digits than that
        ctx = _cdr_words(body)
        if not ctx and not _TIME_HINT.search(body):
            return  # no time of day, duration or epoch key, and no CDR words
        context = bool(ctx or head)
        line_phones = phones.between(lo, hi)
        if not _may_hold_two_numbers(hidden, len(line_phones), context):
            return  # fewer than two numbers whatever the time evidence
        ev = Evidence(context=ctx.group(0).lower() if ctx else "")
        masked = scan_text(body, ev, context, need_time=True)
        if not ev.line_time():
            return
        _add_found(ev, line_phones, lo, hi, masked)
        if ev.is_call_record(group=False):
            dets.append(self._detection(ev, lo, hi, body))

    def _group(self, units: Sequence[TextUnit], found: Sequence[list[Detection]],
               members: list[int]) -> None:
        texts = " ".join(units[i].text for i in members)
        if len(_digits(texts)) < 14 and not any(
                d.entity == "PHONE_NUMBER" for i in members for d in found[i]):
            return  # two numbers need 7 digits each, of disjoint parts of the record's texts
        names, cdr_fields, duration_field = _fields(
            tuple(units[i].location.field for i in members))
        ctx = _cdr_words(texts)
        if not (cdr_fields or ctx or _DURATION_HINT.search(texts) or duration_field):
            return  # no CDR fields or words and no possible duration: not a call record
        context = bool(cdr_fields or ctx)
        # Without CDR fields or words only a duration makes the record a call record, and the
        # numbers found in free text never add one: look for it first, numbers only if found
        # (most records -- a CSV row with a timestamp -- stop here; the numbers are the cost).
        if not context and not self._evidence(units, members, names, False, False).duration:
            return
        ev = self._evidence(units, members, names, context, True)
        ev.context = "" if cdr_fields or not ctx else ctx.group(0).lower()
        for i in members:
            for d in found[i]:
                if d.entity == "PHONE_NUMBER" and not any(s == i for s, _ in ev.numbers.values()):
                    ev.add_number(normalise_number(d.value, True), (i, i))
        ev.fields = [n for n in ev.fields if n]
        if ev.is_call_record(group=True) and (cdr_fields or ctx or ev.duration):
            first = members[0]
            found[first].append(self._detection(ev, 0, len(units[first].text), units[first].text))

    @staticmethod
    def _evidence(units: Sequence[TextUnit], members: list[int], names: list[str],
                  context: bool, numbers: bool) -> Evidence:
        """The evidence of a record's fields: durations, timestamps and (``numbers``) the
        numbers of number fields and in the other fields' text. Without ``numbers`` a number
        field is read as any other field: its duration, if any, is counted, so the durations
        found are a superset of those found with ``numbers`` (each field's own evidence does not
        depend on the other fields; only whether a number field is taken as a number does), and
        a text without a duration hint is skipped (the timestamps are not asked for then)."""
        ev = Evidence()
        for i, name in zip(members, names, strict=True):
            text = units[i].text.strip()
            if numbers and _NUMBER_FIELDS.match(name):
                number = normalise_number(text, True)
                if number and number not in ev.numbers:
                    ev.add_number(number, (i, i))
                    ev.fields.append(name)
                    continue
            if _DURATION_FIELDS.match(name) and _DURATION_VALUE.fullmatch(text):
                ev.duration = ev.duration or text
                ev.fields.append(name)
                continue
            if _TIME_FIELDS.search(name) and (
                _EPOCH_VALUE.fullmatch(text) or any(rx.search(text) for rx in _TIMESTAMPS)
            ):
                ev.timestamp = ev.timestamp or text
                ev.has_time = ev.has_time or ":" in text or text.isdigit()
                continue
            if not numbers and not _DURATION_HINT.search(text):
                continue  # only the duration is asked for, and this text cannot hold one
            sub = Evidence()
            scan_text(text, sub, context, numbers=numbers)
            for number in sub.numbers:
                ev.add_number(number, (i, i))
            ev.timestamp = ev.timestamp or sub.timestamp
            ev.has_time = ev.has_time or sub.has_time
            ev.duration = ev.duration or sub.duration
        return ev

    def _detection(self, ev: Evidence, start: int, end: int, text: str) -> Detection:
        score = 0.6 + (0.1 if ev.duration and ev.timestamp else 0.0)
        score += 0.15 if (ev.context or ev.fields) else 0.0
        return Detection(
            entity="CALL_RECORD", start=start, end=end, score=min(score, 0.95), detector=self.id,
            explanation=ev.explanation(), value=ev.value(),
            attributes={"numbers": len(ev.numbers)},
        )


CLASSIFIERS: tuple[type, ...] = (CallRecordClassifier,)
