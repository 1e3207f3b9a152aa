"""vCard (RFC 6350, and the 2.1 and 3.0 cards phones and mail programs still write) and
iCalendar (RFC 5545, and vCalendar 1.0): one "value" unit per property, streamed line by line.

Each component is a record, ``<component>:<line>`` (``vcard:1``, ``vevent:12``, ``valarm:20``:
the lower-cased component name and the line its ``BEGIN`` is on, as a CSV row is ``row:<line>``);
a property belongs to the innermost open component, and properties outside any have no record.
A property's field is a name the column vocabulary (config/vocabularies/column_names.yaml)
understands, so that ``FN:Ana Ferreira`` is a person and ``TEL;TYPE=CELL:0612345678`` a phone
without NER: ``FN`` is ``full name``, ``N`` (its components as "Given Additional Family")
``contact name``, ``TEL`` ``telephone`` (``mobile telephone``, ``fax``, ``home telephone``... by its
TYPE), ``ADR`` ``address`` (components joined with ", "), ``GEO`` ``geolocation``, an iCalendar
``ATTENDEE`` its CN as ``attendee name`` and its ``mailto:`` address as ``attendee email``
(``organizer full name`` and ``organizer email`` for the ``ORGANIZER``), see :data:`FIELDS`. An
unknown property's field is its name in lower case, ``X-`` dropped and ``-`` read as a space
(``X-PHONETIC-FIRST-NAME`` -> ``phonetic first name``).

Lines are unfolded (a line starting with a space or tab continues the previous one) and a unit
has the line number of its property's first line. Values are unescaped (``\\,`` ``\\;`` ``\\n``
``\\\\``); vCard 2.1 ``QUOTED-PRINTABLE`` values are decoded (soft line breaks too) with their
``CHARSET``. Binary values are never read: ``PHOTO``, ``LOGO``, ``SOUND`` and ``KEY``, anything
base64-encoded (``ENCODING=b``, ``BASE64``, ``VALUE=BINARY``) or a ``data:`` URI. Identifiers and
bookkeeping (``UID``, ``REV``, ``PRODID``, ``VERSION``, ``DTSTAMP``, ``SEQUENCE``, recurrence
rules, time zone definitions; :data:`SKIPPED`) are skipped: an iCalendar UID often has the form
of an e-mail address.

Malformed input never stops the read: a line that is not a property is kept as prose, a
component without ``END`` ends with the file (or at the next ``BEGIN`` of its own kind), and each
kind of problem is reported once, as a ``corrupt`` :class:`~scanner.models.ScanError` with the line
of its first occurrence and how many there were.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from connectors.extract import Extracted
from connectors.extract.common import value_unit
from connectors.extract.fields import FieldNamer
from connectors.extract.textio import UNIT_CHARS, open_text
from scanner.models import Item, Location, ScanError, TextUnit
from scanner.settings import Settings

# One physical line is read in pieces of at most this many characters; a property (its unfolded
# lines) keeps at most PROPERTY_CHARS, the rest is read past.
LINE_CHARS = 256 * 1024
PROPERTY_CHARS = 1024 * 1024
MAX_DEPTH = 16

FIELDS: dict[str, str] = {
    # vCard
    "FN": "full name",
    "N": "contact name",
    "NICKNAME": "nickname",
    "BDAY": "birthday",
    "ANNIVERSARY": "anniversary",
    "GENDER": "gender",
    "EMAIL": "email",
    "ADR": "address",
    "LABEL": "address",
    "ORG": "organization",
    "TITLE": "job title",
    "ROLE": "role",
    "NOTE": "note",
    "URL": "url",
    "IMPP": "instant messaging",
    "GEO": "geolocation",
    "LANG": "language",
    "CATEGORIES": "categories",
    "BIRTHPLACE": "birthplace",
    "DEATHPLACE": "deathplace",
    "DEATHDATE": "death date",
    "CALURI": "calendar url",
    "CALADRURI": "calendar address url",
    "FBURL": "free busy url",
    # iCalendar
    "SUMMARY": "summary",
    "DESCRIPTION": "description",
    "LOCATION": "location",
    "COMMENT": "comment",
    "CONTACT": "contact",
    "DTSTART": "start",
    "DTEND": "end",
    "DUE": "due",
    "COMPLETED": "completed",
    "RESOURCES": "resources",
    "ATTACH": "attachment",
}
# Bookkeeping and identifiers: no personal data, and a UID may look like an e-mail address.
SKIPPED = frozenset({
    "VERSION", "PRODID", "REV", "UID", "CLIENTPIDMAP", "KIND", "PROFILE", "NAME", "TZ", "XML",
    "X-ABUID", "DTSTAMP", "SEQUENCE", "CREATED", "LAST-MODIFIED", "CALSCALE", "METHOD", "TZID",
    "TZNAME", "TZOFFSETFROM", "TZOFFSETTO", "TZURL", "RRULE", "EXRULE", "EXDATE", "RDATE",
    "RECURRENCE-ID", "STATUS", "TRANSP", "CLASS", "PRIORITY", "PERCENT-COMPLETE", "ACTION",
    "TRIGGER", "DURATION", "REPEAT", "RELATED-TO", "REQUEST-STATUS",
})
BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
# Components whose properties are definitions, not data (a time zone's rules).
_SKIPPED_COMPONENTS = frozenset({"VTIMEZONE", "STANDARD", "DAYLIGHT"})
_STRUCTURED_JOIN = {"ADR": ", ", "LABEL": ", ", "ORG": ", ", "GENDER": " "}
_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
_TEL_TYPES = (("FAX", "fax"), ("CELL", "mobile telephone"), ("MOBILE", "mobile telephone"),
              ("PAGER", "pager telephone"), ("HOME", "home telephone"),
              ("WORK", "work telephone"))
_PARTY_TYPES = {"ROOM": "room", "RESOURCE": "resource"}

_NAME = re.compile(r"(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)")
# A parameter's values: quoted, or bare; a backslash before a comma, semicolon or colon in a bare
# one is taken as an escape (writers that escape parameters as text: CN=Doe\, Jane).
_PARAM = re.compile(
    r';([^;:="]*)(?:=((?:"[^"]*"|(?:\\[,;:]|[^";:,])*)(?:,(?:"[^"]*"|(?:\\[,;:]|[^";:,])*))*))?')
_PARAM_VALUE = re.compile(r'"([^"]*)"|((?:\\[,;:]|[^",])+)')
_PARAM_ESCAPE = re.compile(r"\\([,;:])")
_START = re.compile(r"\s*(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)\s*[;:]")
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]+")
_BASE64_VALUE = re.compile(r"[A-Za-z0-9+/]{512,}={0,2}")
_BEGIN_END = re.compile(r"(?i)(?:BEGIN|END)\s*:")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_PIECES = re.compile(r"\\.|[;,]|[^\\;,]+", re.DOTALL)


@dataclass
class _Problems:
    """Each kind of problem once: the line it was first seen on and how often."""

    seen: dict[str, list[int]] = field(default_factory=dict)

    def add(self, message: str, line: int) -> None:
        entry = self.seen.setdefault(message, [line, 0])
        entry[1] += 1

    def errors(self, uri: str) -> Iterator[ScanError]:
        for message, (line, count) in self.seen.items():
            more = f" ({count - 1} more)" if count > 1 else ""
            yield ScanError(uri, "corrupt", f"line {line}: {message}{more}")


@dataclass
class _Property:
    line: int
    name: str
    params: dict[str, list[str]]
    value: str

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0] if values else ""

    def types(self) -> set[str]:
        return {t.upper() for t in self.params.get("TYPE", ())}


def extract_vcard(item: Item, settings: Settings) -> Iterator[Extracted]:
    """vCard and iCalendar files (and mail attachments) as records of value units."""
    problems = _Problems()
    with item.open() as raw:
        text, encoding = open_text(raw)
        yield from _Reader(item, FieldNamer(settings), encoding, problems).read(text)
    yield from problems.errors(item.uri)


class _Reader:
    def __init__(self, item: Item, namer: FieldNamer, encoding: str, problems: _Problems) -> None:
        self.item = item
        self.namer = namer
        self.encoding = encoding
        self.problems = problems
        self.stack: list[tuple[str, str, int]] = []  # (component, record, line), outermost first
        self.last = ""  # name of the last property (a 2.1 AGENT holds a nested card)
        self.prose: list[str] = []
        self.prose_line = 0
        self.prose_chars = 0

    def read(self, text: TextIO) -> Iterator[Extracted]:
        for line, logical in _logical_lines(text, self.problems):
            prop = _parse(logical)
            if prop is None:
                yield from self._malformed(line, logical)
                continue
            prop.line = line
            yield from self._flush_prose()
            yield from self._property(prop)
        yield from self._flush_prose()
        for component, _, begin in self.stack:
            self.problems.add(f"BEGIN:{component} without END", begin)

    # -- components ------------------------------------------------------------------------
    def _property(self, prop: _Property) -> Iterator[Extracted]:
        name = prop.name
        if name == "BEGIN":
            self._begin(prop.value.strip().upper(), prop.line)
        elif name == "END":
            self._end(prop.value.strip().upper(), prop.line)
        elif not any(c in _SKIPPED_COMPONENTS for c, _, _ in self.stack):
            record = self.stack[-1][1] if self.stack else None
            for text, field_name in self._values(prop):
                text = text.strip()
                if text:
                    yield value_unit(self.item, text, prop.line, field_name, record)
        self.last = name

    def _begin(self, component: str, line: int) -> None:
        component = component or "?"
        if self.stack and self.stack[-1][0] == component and not (
                component == "VCARD" and self.last == "AGENT"):
            # no component holds one of its own kind: the previous one lacks its END
            self.problems.add(f"BEGIN:{component} without END", self.stack.pop()[2])
        if len(self.stack) >= MAX_DEPTH:
            self.problems.add(f"components nested deeper than {MAX_DEPTH}", line)
            return
        self.stack.append((component, f"{component.lower()}:{line}", line))

    def _end(self, component: str, line: int) -> None:
        if all(c != component for c, _, _ in self.stack):
            self.problems.add(f"END:{component or '?'} without BEGIN", line)
            return
        while self.stack:
            open_component, _, begin = self.stack.pop()
            if open_component == component:
                return
            self.problems.add(f"BEGIN:{open_component} without END", begin)

    # -- values ----------------------------------------------------------------------------
    def _values(self, prop: _Property) -> Iterator[tuple[str, str]]:
        """(text, field) pairs of one property (none for the skipped and binary ones)."""
        name = prop.name
        if name in SKIPPED or name in BINARY:
            return
        encoding = prop.param("ENCODING").upper()
        if encoding in ("B", "BASE64") or prop.param("VALUE").upper() == "BINARY":
            return
        value = prop.value
        if encoding == "QUOTED-PRINTABLE":
            value = _quoted_printable(value, prop.param("CHARSET") or None)
        elif prop.param("CHARSET"):
            value = _recode(value, self.encoding, prop.param("CHARSET"))
        if value[:5].lower() == "data:" or _BASE64_VALUE.fullmatch(value):
            return
        if name == "N":
            parts = _components(value)
            order = [parts[i] for i in (1, 2, 0) if i < len(parts)]
            yield " ".join(" ".join(v for v in part if v) for part in order if any(part)), \
                FIELDS["N"]
            return
        if name in _STRUCTURED_JOIN:
            sep = _STRUCTURED_JOIN[name]
            text = sep.join(", ".join(v for v in part if v) for part in _components(value)
                            if any(part))
            if name == "ADR" and not text:
                text = _unescape(prop.param("LABEL"))
            yield text, FIELDS[name]
            return
        if name in ("ORGANIZER", "ATTENDEE"):
            yield from _party(prop, name.lower(), value)
            return
        text = _unescape(value)
        if name == "TEL":
            if text[:4].lower() == "tel:":
                text = text[4:].split(";", 1)[0]
            yield text, _tel_field(prop)
        elif name == "EMAIL":
            yield _no_mailto(text), FIELDS["EMAIL"]
        elif name == "RELATED":
            kind = prop.param("TYPE").lower()
            yield text, {"emergency": "emergency contact"}.get(kind, kind) or "related"
        elif name in FIELDS:
            yield text, FIELDS[name]
        else:
            yield text, self._field_of(name)

    def _field_of(self, name: str) -> str:
        low = name.lower()
        if low.startswith("x-"):
            low = low[2:]
        return self.namer.name(low.replace("-", " ").replace("_", " ").strip() or name.lower())

    # -- lines that are not properties ------------------------------------------------------
    def _malformed(self, line: int, text: str) -> Iterator[TextUnit]:
        if not text.strip():
            return
        self.problems.add("a line that is not a property (read as text)", line)
        for i in range(0, len(text), UNIT_CHARS):  # (a line is at most PROPERTY_CHARS)
            piece = text[i : i + UNIT_CHARS]
            if self.prose and self.prose_chars + len(piece) + 1 > UNIT_CHARS:
                yield from self._flush_prose()
            if not self.prose:
                self.prose_line = line
            self.prose.append(piece)
            self.prose_chars += len(piece) + 1

    def _flush_prose(self) -> Iterator[TextUnit]:
        if self.prose:
            text = "\n".join(self.prose)
            record = self.stack[-1][1] if self.stack else None
            yield TextUnit(Location(self.item.uri, self.prose_line, None), text, "prose",
                           record, self.item.source_kind)
            self.prose, self.prose_chars = [], 0


def _logical_lines(text: TextIO, problems: _Problems) -> Iterator[tuple[int, str]]:
    """(line of the first physical line, unfolded property line), line endings dropped."""
    start = 0
    parts: list[str] = []
    size = 0
    binary = False  # the property is binary: its continuation lines are read past
    qp: bool | None = None  # the property is QUOTED-PRINTABLE (asked at its first soft break)
    for n, line, long in _physical_lines(text):
        if long and _kept(line, binary):
            problems.add(f"a line longer than {LINE_CHARS} characters (cut)", n)
        if parts or binary:
            if not binary and parts[-1].endswith("=") and not _BEGIN_END.match(line):
                if qp is None:
                    qp = _is_quoted_printable("".join(parts))
                if qp:  # a soft line break: the next line goes on, white space and all
                    size = _append(parts, size, "\n" + line, start, problems)
                    continue
            if line[:1] in (" ", "\t"):
                if not binary:
                    size = _append(parts, size, line[1:], start, problems)
                continue
            if binary and _BASE64_LINE.fullmatch(line):
                continue  # 2.1 base64 lines written without the leading space
            if parts:
                yield start, "".join(parts)
            parts, size, binary, qp = [], 0, False, None
        if not line:
            continue
        start = n
        if start == 1:
            line = line.lstrip("\ufeff")
        m = _START.match(line)
        if m and m.group(1).upper() in BINARY:
            binary = True  # nothing of it is kept (the BEGIN/END structure is unaffected)
            continue
        parts, size = [line], len(line)
        if m and len(line) < 4096 and _is_binary_head(line):
            parts, size, binary = [], 0, True
    if parts:
        yield start, "".join(parts)


def _kept(line: str, binary: bool) -> bool:
    """Whether ``line`` is kept (not a line of a binary value being read past)."""
    if line[:1] in (" ", "\t") or (binary and _BASE64_LINE.fullmatch(line)):
        return not binary
    m = _START.match(line)
    return not (m and m.group(1).upper() in BINARY) and not _is_binary_head(line)


def _append(parts: list[str], size: int, text: str, start: int, problems: _Problems) -> int:
    if size + len(text) > PROPERTY_CHARS:
        if size < PROPERTY_CHARS:
            parts.append(text[: PROPERTY_CHARS - size])
            problems.add(f"a property longer than {PROPERTY_CHARS} characters (cut)", start)
        return PROPERTY_CHARS
    parts.append(text)
    return size + len(text)


def _physical_lines(text: TextIO) -> Iterator[tuple[int, str, bool]]:
    """(number, line, cut) of each line, without its end (CR LF, LF or CR: the stream's
    universal newlines); a line longer than LINE_CHARS keeps its first LINE_CHARS characters."""
    n = 0
    while True:
        piece = text.readline(LINE_CHARS)
        if not piece:
            return
        n += 1
        if piece.endswith("\n"):
            yield n, piece[:-1], False
            continue
        long = False
        while True:  # the rest of an overlong line
            more = text.readline(LINE_CHARS)
            if not more:
                break
            long = True
            if more.endswith("\n"):
                break
        yield n, piece, long


def _parse(line: str) -> _Property | None:
    """``[group.]NAME[;PARAM=VALUE[,VALUE]...]:value``, or ``None`` when it is not one."""
    m = _NAME.match(line)
    if not m:
        return None
    name = m.group(1).upper()
    pos = m.end()
    params: dict[str, list[str]] = {}
    while line.startswith(";", pos):
        p = _PARAM.match(line, pos)
        if p is None or p.end() == pos:
            return None
        key = p.group(1).strip().upper()
        if p.group(2) is None:  # vCard 2.1: TEL;CELL;VOICE, ...;QUOTED-PRINTABLE
            if key in _ENCODINGS:
                params.setdefault("ENCODING", []).append(key)
            elif key:
                params.setdefault("TYPE", []).append(key)
        else:
            values = [_caret(a or _PARAM_ESCAPE.sub(r"\1", b))
                      for a, b in _PARAM_VALUE.findall(p.group(2))]
            if key == "TYPE":  # TYPE="cell,voice"
                values = [t.strip() for v in values for t in v.split(",") if t.strip()]
            params.setdefault(key, []).extend(values)
        pos = p.end()
    if not line.startswith(":", pos):
        return None
    return _Property(0, name, params, line[pos + 1 :])


def _caret(value: str) -> str:
    """RFC 6868 parameter escapes: ``^n`` newline, ``^'`` double quote, ``^^`` caret."""
    if "^" not in value:
        return value
    return re.sub(r"\^([n'^])", lambda m: {"n": "\n", "'": '"', "^": "^"}[m.group(1)], value)


def _is_quoted_printable(line: str) -> bool:
    prop = _parse(line)
    return prop is not None and prop.param("ENCODING").upper() == "QUOTED-PRINTABLE"


def _is_binary_head(line: str) -> bool:
    head = line[: line.find(":")].upper()
    if "B" not in head or not ("BASE64" in head or "=B" in head or "BINARY" in head):
        return False  # (most lines: no parse)
    prop = _parse(line)
    if prop is None:
        return False
    encoding = prop.param("ENCODING").upper()
    return encoding in ("B", "BASE64") or prop.param("VALUE").upper() == "BINARY"


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[list[str]]:
    """A structured value: ``;``-separated components, each a ``,``-separated list, unescaped."""
    parts: list[list[str]] = [[]]
    current: list[str] = []
    for piece in _PIECES.findall(value):
        if piece == ";":
            parts[-1].append("".join(current).strip())
            parts.append([])
            current = []
        elif piece == ",":
            parts[-1].append("".join(current).strip())
            current = []
        else:
            current.append(_unescape(piece))
    parts[-1].append("".join(current).strip())
    return parts


def _quoted_printable(value: str, charset: str | None) -> str:
    data = binascii.a2b_qp(value.encode("utf-8", "replace"))
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding).replace("\r\n", "\n")
            except (UnicodeDecodeError, LookupError):
                pass
    return data.decode("cp1252", "replace").replace("\r\n", "\n")


def _recode(value: str, stream_encoding: str, charset: str) -> str:
    """A value whose CHARSET differs from the encoding the file was read with (a guess: a file
    that is strictly UTF-8 is trusted over its labels), read again in its own."""
    if value.isascii():
        return value
    try:
        stream, own = codecs.lookup(stream_encoding).name, codecs.lookup(charset).name
    except LookupError:
        return value
    if stream == own or stream.startswith("utf"):
        return value
    try:
        return value.encode(stream).decode(own)
    except (UnicodeError, LookupError):
        return value


def _no_mailto(address: str) -> str:
    return address[7:] if address[:7].lower() == "mailto:" else address


def _tel_field(prop: _Property) -> str:
    types = prop.types()
    for key, name in _TEL_TYPES:
        if key in types:
            return name
    return "telephone"


def _party(prop: _Property, who: str, value: str) -> Iterator[tuple[str, str]]:
    """An ORGANIZER's or ATTENDEE's name (its CN) and address (its ``mailto:`` value)."""
    cn = prop.param("CN")
    if cn:
        cutype = prop.param("CUTYPE").upper()
        person = "attendee name" if who == "attendee" else "organizer full name"
        kind = _PARTY_TYPES.get(cutype) or (f"{who} group" if cutype == "GROUP" else person)
        yield cn, kind
    address = _unescape(value).strip()
    if address:
        bare = _no_mailto(address)
        yield bare, (f"{who} email" if "@" in bare else f"{who} uri")
    for key, name in (("SENT-BY", "sent by email"), ("DELEGATED-TO", "delegated to email"),
                      ("DELEGATED-FROM", "delegated from email"), ("EMAIL", f"{who} email")):
        for other in prop.params.get(key, ()):
            other = _no_mailto(other.strip())
            if other and other != _no_mailto(address):
                yield other, name
