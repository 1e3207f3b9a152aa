"""Device and telemetry identifiers: IP and MAC addresses, IMEI, device IDs, cookies, user agents.

Stable IDs (never renamed): ``DEV-IP``, ``DEV-MAC``, ``DEV-IMEI``, ``DEV-ID`` (device IDs in text),
``DEV-ID-FIELD`` (a whole value under a device-ID field name), ``DEV-COOKIE``, ``DEV-UA``.
Categories are the ``user.device.*`` keys of ``config/taxonomy.yaml``.

Patterns are short and hyperscan-compatible (no lookaround); every boundary and context check is
in ``validate()``, which re-matches its own regex with Python ``re`` at ``candidate.start``, so the
span does not depend on which match end a multi-pattern engine reported.

Decisions worth knowing:

* IP_ADDRESS: v4 and v6 validated with :mod:`ipaddress`, CIDR prefixes kept when valid (an
  invalid prefix is left out of the span), IPv6 zones (``%eth0``) kept. A dotted run of more than
  four numbers (``10.0.19045.4170``, ``1.2.3.4.5``, OIDs) is never an IP. Four numbers right after
  a word such as *section, chapter, figure, version, oid, rfc* are dropped; in prose, an address
  whose octets are all single digits (``1.2.3.4``) scores 0.3 (below the default ``min_score``)
  unless network words (ip, host, server, src, dns, ...) are near. An IPv4 address embedded in a
  valid IPv6 address (``::ffff:192.0.2.1``) is reported once, as the IPv6 address. ``::`` and
  ``::1``-like addresses need network words, a prefix, or to be the whole unit (``std::cout``,
  ``a[::2]`` are not addresses). Loopback and private addresses are reported (attribute
  ``scope``), like Presidio and pdscan do.
* MAC_ADDRESS: ``aa:bb:..``, ``aa-bb-..`` and Cisco ``aabb.ccdd.eeff``; never all-zero or
  broadcast; not part of a longer colon/dash hex run (certificate fingerprints, hashes) and not
  after hash words (fingerprint, sha1, md5, digest) unless MAC words are near; an all-decimal
  Cisco form needs MAC words.
* IMEI: 15 digits passing Luhn. Without IMEI/device words, numbers whose first two digits are not
  a GSMA reporting body (35, 86, 01, 99, ...) score 0.3; Amex-like prefixes (34, 37) and numbers
  near "imsi" are dropped. IMEISV (16 digits) only with "imeisv"/"imei" near.
* DEVICE_ID: a UUID or 16-hex-char value only with device words before it (advertising id, idfa,
  gaid, android id, device id, installation id, serial, ...); ``key=value`` / JSON pairs whose key
  names a device ID (``device_id``, ``advertisingId``, ``serial_number``, ``X-Device-Id``) with any
  ID-like value; and (DEV-ID-FIELD) whole values of fields with such names. A bare UUID is not.
* COOKIE_ID: one detection per cookie value in ``Cookie:`` / ``Set-Cookie:`` headers (also in JSON
  or logs), in Netscape ``cookies.txt`` lines and in fields named like ``cookie``; the cookie name
  is in the explanation. Short or word-like values (``lang=en``, ``consent=dismiss``) are skipped.
* USER_AGENT: ``Mozilla/``, ``Opera/`` and ``Dalvik/`` strings whose first comment names a
  platform; bots and crawlers are skipped; in prose a product token must follow the comment.
  Browser, OS and language (from the UA or an ``Accept-Language`` header) go in the explanation
  and ``attributes``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier, explain
from classifiers.pii import luhn
from scanner.models import Detection, TextUnit

_NET_WORDS = re.compile(
    r"\b(?:ip|ipv4|ipv6|ips|addr|address(?:es)?|host|hostname|localhost|loopback|unspecified|"
    r"src|dst|source|destination|client|server|remote|peer|gateway|route|router|subnet|prefix|"
    r"netmask|connect\w*|listen\w*|bind|interface|nat|nat64|tunnel|dns|proxy|forwarded\w*|"
    r"firewall|ping|ssh|port|mapped|login|logged|visitor|network|lan|wan|vpn|dhcp|tcp|udp|"
    r"http|https|inet|broadcast|multicast|private|public|primary|secondary|default)\b"
)
_NOT_IP_BEFORE = re.compile(
    r"(?:section|sect|sec|chapter|ch|clause|article|art|figure|fig|table|step|paragraph|para|"
    r"rule|item|§|version|ver|v|oid|release|build|rfc|isbn|page|pp|appendix)\.?\s*$"
)


@functools.cache
def _rx(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def _prev(text: str, i: int) -> str:
    return text[i - 1] if i > 0 else ""


def _next(text: str, i: int) -> str:
    return text[i] if i < len(text) else ""


def _detection(
    entity: str, start: int, end: int, score: float, det: str, why: str, text: str,
    attributes: Mapping[str, object] | None = None,
) -> Detection:
    return Detection(
        entity=entity, start=start, end=end, score=min(1.0, score), detector=det,
        explanation=why, value=text[start:end], attributes=dict(attributes or {}),
    )


# ---------------------------------------------------------------------------------- IP_ADDRESS
_V4 = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
_V6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:" + _V4 + r"|[0-9A-Fa-f]{1,4})?"
_V4_RE = re.compile(_V4 + r"(?:/[0-9]{1,3})?")
_V6_RE = re.compile(_V6 + r"(?:%[0-9A-Za-z_.]{1,15})?(?:/[0-9]{1,3})?")
_TINY_V6 = re.compile(r"::(?:[0-9A-Fa-f]{1,4})?")


def _scope(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    for name in ("loopback", "unspecified", "link_local", "multicast", "private"):
        if getattr(addr, f"is_{name}"):
            return name
    return "global"


@functools.lru_cache(maxsize=8192)  # addresses repeat (a log's clients, a table's hosts)
def _parse_v4(text: str) -> tuple[str, str] | None:
    """(canonical address, scope) of a dotted quad, or ``None`` when it is not an address."""
    try:
        addr = ipaddress.IPv4Address(text)
    except ValueError:
        return None
    return str(addr), _scope(addr)


def _with_prefix(text: str, end: int, raw_end: int, limit: int) -> int:
    """End of the address including ``/prefix`` when that prefix is valid, else without it."""
    if raw_end > end and text[end] == "/":
        bits = text[end + 1 : raw_end]
        if bits.isdigit() and int(bits) <= limit and not _next(text, raw_end).isdigit():
            return raw_end
    return end


def ipv6_at(text: str, start: int) -> tuple[int, int, ipaddress.IPv6Address] | None:
    """The IPv6 address starting at ``start`` (span with zone and valid prefix), or ``None``."""
    m = _V6_RE.match(text, start)
    prev = _prev(text, start)
    if not m or prev.isalnum() or (prev and prev in ":._"):
        return None
    raw = m.group(0)
    addr_part = re.split(r"[%/]", raw, maxsplit=1)[0]
    for candidate in (addr_part, addr_part[:-1] if addr_part.endswith(":") else None):
        if not candidate:
            continue
        try:
            addr = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        end = start + len(candidate)
        if candidate == addr_part and raw[len(candidate) : len(candidate) + 1] == "%":
            zone = re.match(r"%[0-9A-Za-z_.]{1,15}", raw[len(candidate) :])
            end += len(zone.group(0)) if zone else 0
        end = _with_prefix(text, end, start + len(raw), 128) if candidate == addr_part else end
        nxt = _next(text, end)
        if nxt.isalnum() or nxt == "_" or (nxt == ":" and candidate == addr_part) or (
            nxt == "." and _next(text, end + 1).isdigit()
        ):
            return None
        return start, end, addr
    return None


class IpAddressClassifier(PatternClassifier):
    """IP_ADDRESS (DEV-IP): IPv4 and IPv6 addresses, validated with :mod:`ipaddress`."""

    id = "DEV-IP"
    order = 400  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"IP_ADDRESS": "user.device.ip_address"}
    patterns = (
        Pattern("ipv4", r"\b" + _V4 + r"(?:/[0-9]{1,3})?", "IP_ADDRESS", 0.6),
        Pattern("ipv6", _V6 + r"(?:%[0-9A-Za-z_.]{1,15})?(?:/[0-9]{1,3})?", "IP_ADDRESS", 0.6),
    )
    context = ("ip", "address", "host", "server", "client", "src", "dst")

    def validate(self, candidate: Candidate) -> Detection | None:
        if candidate.pattern.name == "ipv6":
            return self._v6(candidate)
        return self._v4(candidate)

    def _context(self, text: str, start: int, end: int) -> str:
        m = _NET_WORDS.search(text[max(0, start - 40) : end + 20].lower())
        return m.group(0) if m else ""

    def _v4(self, c: Candidate) -> Detection | None:
        text, start = c.unit.text, c.start
        m = _V4_RE.match(text, start)
        if not m:
            return None
        prev = _prev(text, start)
        if prev.isalnum() or prev == "_" or (prev == "." and _prev(text, start - 1).isdigit()):
            return None
        if prev == "/" and _prev(text, start - 1).isalpha():
            return None  # a product version: Chrome/120.0.0.0
        end = start + len(_rx(_V4).match(m.group(0)).group(0))  # type: ignore[union-attr]
        parsed = _parse_v4(text[start:end])
        if parsed is None:
            return None
        addr, scope = parsed
        end = _with_prefix(text, end, m.end(), 32)
        nxt = _next(text, end)
        if nxt.isalnum() or nxt == "_" or (nxt == "." and _next(text, end + 1).isdigit()):
            return None
        if prev == ":":  # part of an IPv6 address (::ffff:192.0.2.1) that is reported as IPv6?
            i = start - 1
            while i > 0 and (text[i - 1] in ":" or text[i - 1] in "0123456789abcdefABCDEF"):
                i -= 1
            v6 = ipv6_at(text, i)
            if v6 and v6[1] >= start + len(addr):
                return None
        ctx = self._context(text, start, end)
        if not ctx and _NOT_IP_BEFORE.search(text[max(0, start - 14) : start].lower()):
            return None
        score = 0.85 if ctx else 0.6
        if not ctx and c.unit.kind == "prose" and all(len(o) == 1 for o in addr.split(".")):
            score = 0.3 if addr != "0.0.0.0" else 0.6
        why = explain(self.id, "ipv4", ctx, f"scope {scope}")
        return _detection("IP_ADDRESS", start, end, score, self.id, why, text,
                          {"version": 4, "scope": scope})

    def _v6(self, c: Candidate) -> Detection | None:
        text = c.unit.text
        found = ipv6_at(text, c.start)
        if not found:
            return None
        start, end, addr = found
        ctx = self._context(text, start, end)
        bare = text[start:end].split("%")[0]
        if _TINY_V6.fullmatch(bare) and not ctx and text.strip() != text[start:end]:
            return None  # "::", "::2": C++ scopes, slices, Haskell signatures
        why = explain(self.id, "ipv6", ctx, f"scope {_scope(addr)}")
        return _detection("IP_ADDRESS", start, end, 0.85 if ctx else 0.6, self.id, why, text,
                          {"version": 6, "scope": _scope(addr)})


# --------------------------------------------------------------------------------- MAC_ADDRESS
_HEX = "0123456789abcdefABCDEF"
_MAC_WORDS = re.compile(
    r"\b(?:mac|hwaddr|hw\s?addr|ether|ethernet|bssid|wi-?fi|wlan|bluetooth|bt|lladdr|nic|"
    r"hardware\s+address|physical\s+address|station|device)\b"
)
_HASH_WORDS = re.compile(r"fingerprint|sha-?\d*|md5|hash|digest|checksum|thumbprint|key\s?id")


class MacAddressClassifier(PatternClassifier):
    """MAC_ADDRESS (DEV-MAC): colon, dash and Cisco dotted forms."""

    id = "DEV-MAC"
    order = 401  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"MAC_ADDRESS": "user.device.device_id"}
    patterns = (
        Pattern("mac-colon", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", "MAC_ADDRESS", 0.6),
        Pattern("mac-dash", r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b", "MAC_ADDRESS", 0.6),
        Pattern("mac-cisco", r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b", "MAC_ADDRESS",
                0.5),
    )
    context = ("mac", "hwaddr", "ether", "bssid", "bluetooth", "hardware address")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = _rx(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        sep = m.group(0)[2] if candidate.pattern.name != "mac-cisco" else "."
        prev, nxt = _prev(text, start), _next(text, end)
        if prev.isalnum() or prev == "_" or nxt.isalnum() or nxt == "_":
            return None
        if (prev == sep and _prev(text, start - 1) in _HEX and start > 1) or (
            nxt == sep and _next(text, end + 1) in _HEX and end + 1 < len(text)
        ):
            return None  # a longer run: fingerprint, hash, EUI-64, IPv6
        hexes = re.sub(r"[:.-]", "", m.group(0)).lower()
        if hexes in ("000000000000", "ffffffffffff"):
            return None
        window = text[max(0, start - 40) : end + 20].lower()
        ctx_m = _MAC_WORDS.search(window) or (
            _MAC_WORDS.search(candidate.unit.location.field.lower())
            if candidate.unit.location.field else None
        )
        ctx = ctx_m.group(0) if ctx_m else ""
        if not ctx and _HASH_WORDS.search(text[max(0, start - 40) : start].lower()):
            return None
        if candidate.pattern.name == "mac-cisco" and hexes.isdigit() and not ctx:
            return None
        score = candidate.pattern.score + (0.3 if ctx else 0.0)
        why = explain(self.id, candidate.pattern.name, ctx)
        return _detection("MAC_ADDRESS", start, end, score, self.id, why, text)


# ---------------------------------------------------------------------------------------- IMEI
_IMEI_WORDS = re.compile(r"\b(?:imei\w*|handset|equipment|device\w*|phone|mobile|tac)\b")
# GSMA reporting-body identifiers (first two digits of the TAC) seen on real handsets.
_RBI = {"01", "30", "31", "32", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54",
        "86", "91", "98", "99"}


luhn_ok = luhn  # the IMEI check digit is the card one (ISO/IEC 7812)


class ImeiClassifier(PatternClassifier):
    """IMEI (DEV-IMEI): 15-digit IMEIs that pass Luhn, and 16-digit IMEISVs next to "imei"."""

    id = "DEV-IMEI"
    order = 402  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"IMEI": "user.device.device_id"}
    patterns = (
        Pattern("imei", r"\b[0-9]{2}[- ]?[0-9]{6}[- ]?[0-9]{6}[- ]?[0-9]\b", "IMEI", 0.5),
        Pattern("imeisv", r"\b[0-9]{2}[- ]?[0-9]{6}[- ]?[0-9]{6}[- ]?[0-9]{2}\b", "IMEI", 0.5),
    )
    context = ("imei", "handset", "device", "equipment")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = _rx(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        raw = m.group(0)
        seps = {ch for ch in raw if not ch.isdigit()}
        if len(seps) > 1 or (seps and raw.count(next(iter(seps))) != 3):
            return None
        prev, nxt = _prev(text, start), _next(text, end)
        if prev in ("+", "-", ".", "/") or nxt in ("-", "/") or (
            nxt == "." and _next(text, end + 1).isdigit()
        ):
            return None
        digits = "".join(ch for ch in raw if ch.isdigit())
        window = text[max(0, start - 40) : end + 10].lower()
        field = (candidate.unit.location.field or "").lower()
        ctx_m = _IMEI_WORDS.search(window) or _IMEI_WORDS.search(field.replace("_", " "))
        ctx = ctx_m.group(0) if ctx_m else ""
        if "imsi" in window and "imei" not in window:
            return None
        if candidate.pattern.name == "imeisv":
            if "imei" not in window and "imei" not in field:
                return None
            score = 0.85
        else:
            if not luhn_ok(digits) or set(digits) == {"0"}:
                return None
            if digits[:2] in ("34", "37") and "imei" not in window and "imei" not in field:
                return None  # an Amex card number is the card classifier's
            score = 0.9 if ctx else (0.5 if digits[:2] in _RBI else 0.3)
        why = explain(self.id, candidate.pattern.name, ctx, "Luhn ok" if len(digits) == 15 else "")
        return _detection("IMEI", start, end, score, self.id, why, text)


# ----------------------------------------------------------------------------------- DEVICE_ID
_DEV_KEY = (r"(?:device|serial|install|installation|android|advertising|advertiser|idfa|idfv|"
            r"gaid|aaid|adid|udid|hwid|hardware)")
_KV = _DEV_KEY + r"[A-Za-z0-9_-]{0,24}[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?[A-Za-z0-9][A-Za-z0-9_:-]{4,63}"
_KV_RE = re.compile(
    r"(" + _DEV_KEY + r"[\w-]{0,24})[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?([A-Za-z0-9][\w:-]{4,63})",
    re.IGNORECASE,
)
_KV_BEFORE = re.compile(r"\b" + _DEV_KEY + r"[\w-]{0,24}[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?$",
                        re.IGNORECASE)
_GOOD_KEY = re.compile(
    r"(?:idfa|idfv|gaid|aaid|adid|udid|hwid|serial(?:no|num|number)?|"
    r"(?:device|install|installation|android|advertising|advertiser|hardware|instance|ad)"
    r"(?:id|uuid|guid|serial|serialno|serialnumber|sn))$"
)
_PROSE_CTX = re.compile(
    r"(?:advertis\w*|ad|device|android|installation|install|instance|hardware|app)[ _-]?(?:id|"
    r"identifier)|\bidfa|\bidfv|\bgaid|\baaid|\budid|serial"
)
_PLACEHOLDER = {"unknown", "none", "null", "undefined", "default", "n/a", "redacted"}


def _key_norm(key: str) -> str:
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key.strip())
    key = re.split(r"[./\[\]]", key)[-1]
    return re.sub(r"[^a-z0-9]", "", key.lower()).removeprefix("x")


@functools.lru_cache(maxsize=4096)
def device_key(key: str) -> bool:
    """True for key/field names that name a device identifier (device_id, X-Device-Id, idfa)."""
    norm = _key_norm(key)
    return bool(_GOOD_KEY.fullmatch(norm) or _GOOD_KEY.fullmatch(norm.removeprefix("x")))


def id_like(value: str) -> bool:
    v = value.strip()
    return (6 <= len(v) <= 64 and any(ch.isdigit() for ch in v) and v.lower() not in _PLACEHOLDER
            and len(set(v.replace("-", "").replace(":", ""))) > 2
            and re.fullmatch(r"[A-Za-z0-9][\w:.-]*", v) is not None)


class DeviceIdClassifier(PatternClassifier):
    """DEVICE_ID (DEV-ID): advertising IDs, Android IDs, serials and installation IDs in text."""

    id = "DEV-ID"
    order = 403  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"DEVICE_ID": "user.device.device_id"}
    patterns = (
        Pattern("uuid", r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                r"[0-9A-Fa-f]{12}\b", "DEVICE_ID", 0.8),
        Pattern("hex16", r"\b[0-9A-Fa-f]{16}\b", "DEVICE_ID", 0.7),
        Pattern("key-value", r"\b" + _KV, "DEVICE_ID", 0.8, ignore_case=True),
    )
    context = ("advertising_id", "idfa", "gaid", "android_id", "device_id", "serial")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        if candidate.pattern.name == "key-value":
            m = _KV_RE.match(text, start)
            if not m or _prev(text, start).isalnum() or not device_key(m.group(1)):
                return None
            v_start, v_end = m.start(2), m.end(2)
            if not id_like(m.group(2)) or _next(text, v_end) in ("-", "."):
                return None
            why = explain(self.id, "key-value", f"key:{_key_norm(m.group(1))}")
            return _detection("DEVICE_ID", v_start, v_end, 0.8, self.id, why, text)
        m = _rx(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        value = m.group(0)
        nxt = _next(text, end)
        if _prev(text, start) in ("-", ".") or nxt == "-" or (
            nxt == "." and _next(text, end + 1).isalnum()
        ):
            return None
        if candidate.pattern.name == "hex16" and (value.isdigit() or value.isalpha()):
            return None
        if len(set(value.replace("-", ""))) <= 2:
            return None  # zeroed IDFA (limit ad tracking), 5555...
        before = text[max(0, start - 40) : start]
        if _KV_BEFORE.search(before):
            kv = _KV_RE.search(text, max(0, start - 40))
            if kv and kv.start(2) == start and device_key(kv.group(1)):
                return None  # the key-value pattern reports it
        ctx = _PROSE_CTX.search(before.lower())
        if not ctx:
            return None
        why = explain(self.id, candidate.pattern.name, ctx.group(0))
        return _detection("DEVICE_ID", start, end, candidate.pattern.score, self.id, why, text)


class DeviceIdFieldClassifier:
    """DEVICE_ID (DEV-ID-FIELD): a whole value under a field named like a device ID."""

    id = "DEV-ID-FIELD"
    order = 404  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"DEVICE_ID": "user.device.device_id"}

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        field = unit.location.field
        if unit.kind != "value" or not field or not device_key(field):
            return []
        value = unit.text.strip()
        if not id_like(value):
            return []
        start = unit.text.index(value)
        why = explain(self.id, "field", f"field:{field}")
        return [_detection("DEVICE_ID", start, start + len(value), 0.75, self.id, why, unit.text)]


# ------------------------------------------------------------------------------------ COOKIE_ID
_COOKIE_HDR = re.compile(
    r"(?:^|(?<=[\s\"'{,;\[]))(set-cookie|cookie)[\"']?[ \t]*[:=][ \t]*[\"']?([^\r\n\"]*)",
    re.IGNORECASE,
)
_COOKIES_TXT = re.compile(
    r"^(?:#HttpOnly_)?[^\s#][^\t\r\n]*\t(?:TRUE|FALSE)\t[^\t\r\n]*\t(?:TRUE|FALSE)\t\d+\t"
    r"([^\t\r\n]+)\t([^\t\r\n]*)$",
    re.MULTILINE,
)
_COOKIE_NAME = re.compile(r"[!#$%&'*+.^`|~\w-]{1,80}")


def cookie_value_ok(value: str) -> bool:
    """An identifier-like cookie value: long enough, not a word such as "dismiss" or "en"."""
    v = value.strip().strip('"')
    if len(v) < 6 or v.lower() in _PLACEHOLDER | {"deleted", "true", "false"}:
        return False
    return any(ch.isdigit() for ch in v) or len(v) >= 16


def _cookie_pairs(text: str, start: int, end: int, first_only: bool) -> list[tuple[str, int, int]]:
    """(name, value start, value end) for each ``name=value`` in text[start:end]."""
    out: list[tuple[str, int, int]] = []
    pos = start
    for segment in text[start:end].split(";"):
        seg_start, pos = pos, pos + len(segment) + 1
        name, eq, value = segment.partition("=")
        if eq and _COOKIE_NAME.fullmatch(name.strip()):
            v_start = seg_start + len(name) + 1
            lead = len(value) - len(value.lstrip(' "'))
            core = value.strip(' "')
            if cookie_value_ok(core):
                out.append((name.strip(), v_start + lead, v_start + lead + len(core)))
        if first_only:
            break
    return out


class CookieClassifier:
    """COOKIE_ID (DEV-COOKIE): cookie values in headers, cookies.txt lines and cookie fields."""

    id = "DEV-COOKIE"
    order = 405  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"COOKIE_ID": "user.device.cookie_id"}

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        text = unit.text
        out: dict[tuple[int, int], Detection] = {}
        for m in _COOKIE_HDR.finditer(text):
            header = "Set-Cookie" if m.group(1).lower() == "set-cookie" else "Cookie"
            for name, s, e in _cookie_pairs(text, m.start(2), m.end(2), header == "Set-Cookie"):
                why = explain(self.id, header.lower(), f"{header} header", f"cookie '{name}'")
                out[(s, e)] = _detection("COOKIE_ID", s, e, 0.8, self.id, why, text)
        if "\tTRUE\t" in text or "\tFALSE\t" in text:
            for m in _COOKIES_TXT.finditer(text):
                s, e = m.start(2), m.end(2)
                if cookie_value_ok(m.group(2)) and _COOKIE_NAME.fullmatch(m.group(1)):
                    why = explain(self.id, "cookies.txt", "", f"cookie '{m.group(1)}'")
                    out[(s, e)] = _detection("COOKIE_ID", s, e, 0.75, self.id, why, text)
        field = unit.location.field or ""
        if not out and "cookie" in field.lower() and "=" in text:
            first = "set" in field.lower()
            for name, s, e in _cookie_pairs(text, 0, len(text), first):
                why = explain(self.id, "field", f"field:{field}", f"cookie '{name}'")
                out[(s, e)] = _detection("COOKIE_ID", s, e, 0.7, self.id, why, text)
        return list(out.values())


# ----------------------------------------------------------------------------------- USER_AGENT
_UA_START = r"\b(?:Mozilla|Opera|Dalvik)/[0-9]{1,2}\.[0-9]{1,3}"
_UA_START_RE = re.compile(_UA_START + r"[\w.]*")
_UA_TOKEN = re.compile(
    r" ?(\([^()\r\n\"]{1,250}\)|[A-Za-z][\w.!+-]{0,40}/[\w.+-]{1,40}|Mobile|Gecko)"
)
_PLATFORM = re.compile(
    r"windows|macintosh|mac os x|x11|linux|android|iphone|ipad|ipod|cros|blackberry|bb10|"
    r"symbian|tizen|kaios|playstation|xbox|nintendo"
)
_BOT = re.compile(r"bot\b|bot/|crawl|spider|slurp|preview|headless|lighthouse", re.IGNORECASE)
_UA_WORDS = re.compile(r"user[-_ ]?agent|\bua\b")
_UA_LANG = re.compile(r";\s*([a-z]{2}(?:[-_][A-Za-z]{2})?)\s*[;)]")
_ACCEPT_LANG = re.compile(r"accept-language[\"']?\s*[:=]\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)",
                          re.IGNORECASE)
_BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Opera", "Opera"),
             ("SamsungBrowser", "Samsung Internet"), ("Firefox", "Firefox"), ("FxiOS", "Firefox"),
             ("CriOS", "Chrome"), ("Chrome", "Chrome"), ("Safari", "Safari"),
             ("Trident", "Internet Explorer"), ("MSIE", "Internet Explorer"),
             ("Dalvik", "Android app"))
_SYSTEMS = (("Windows", "Windows"), ("iPhone", "iOS"), ("iPad", "iOS"), ("iPod", "iOS"),
            ("Android", "Android"), ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"),
            ("Macintosh", "macOS"), ("Linux", "Linux"), ("X11", "Linux"))


def describe_user_agent(ua: str) -> dict[str, str]:
    """Browser family and operating system named by a User-Agent string."""
    browser = next((name for key, name in _BROWSERS if key in ua), "Mozilla-compatible")
    system = next((name for key, name in _SYSTEMS if key in ua), "unknown")
    return {"browser": browser, "os": system}


class UserAgentClassifier(PatternClassifier):
    """USER_AGENT (DEV-UA): browser and app User-Agent strings."""

    id = "DEV-UA"
    order = 406  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = {"USER_AGENT": "user.device"}
    patterns = (Pattern("user-agent", _UA_START, "USER_AGENT", 0.7),)
    context = ("user-agent", "user_agent", "useragent")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = _UA_START_RE.match(text, start)
        if not m or _prev(text, start).isalnum():
            return None
        tokens, pos = [], m.end()
        while (t := _UA_TOKEN.match(text, pos)) is not None:
            tokens.append(t)
            pos = t.end()
        if not tokens or not tokens[0].group(1).startswith("("):
            return None
        first = tokens[0].group(1)
        if not _PLATFORM.search(first.lower()):
            return None
        ends = [t.end() for t in tokens if t.group(1).startswith("(") or "/" in t.group(1)]
        end = ends[-1]
        ua = text[start:end]
        if _BOT.search(ua):
            return None
        products = any("/" in t.group(1) and not t.group(1).startswith("(") for t in tokens)
        field = (candidate.unit.location.field or "").lower()
        ctx_m = _UA_WORDS.search(text[max(0, start - 40) : start].lower()) or _UA_WORDS.search(field)
        ctx = ctx_m.group(0) if ctx_m else ""
        if not products and (candidate.unit.kind == "prose" or (";" not in first and not ctx)):
            return None
        info = describe_user_agent(ua)
        lang = _UA_LANG.search(first) or _ACCEPT_LANG.search(text)
        if lang:
            info["language"] = lang.group(1)
        extra = ", ".join(f"{k} {v}" for k, v in info.items())
        score = 0.85 if ctx else (0.75 if products else 0.6)
        why = explain(self.id, "user-agent", ctx, extra)
        return _detection("USER_AGENT", start, end, score, self.id, why, text, info)

CLASSIFIERS: tuple[type, ...] = (
    IpAddressClassifier,
    MacAddressClassifier,
    ImeiClassifier,
    DeviceIdClassifier,
    DeviceIdFieldClassifier,
    CookieClassifier,
    UserAgentClassifier,
)
