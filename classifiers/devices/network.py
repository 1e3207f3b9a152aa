"""IP and MAC addresses (``DEV-IP``, ``DEV-MAC``); the decisions are in :mod:`classifiers.devices`."""

from __future__ import annotations

import functools
import ipaddress
import re
from bisect import bisect_right
from collections.abc import Mapping
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier, explain
from classifiers.devices.common import char_after, char_before, compiled, detection
from scanner import entities as entity_table
from scanner.models import Detection

_NET_WORDS = re.compile(
    r"\b(?:ip|ipv4|ipv6|ips|addr|address(?:es)?|host|hostname|localhost|loopback|unspecified|"
    r"src|dst|source|destination|client|server|remote|peer|gateway|route|router|subnet|prefix|"
    r"netmask|connect\w*|listen\w*|bind|interface|nat|nat64|tunnel|dns|proxy|forwarded\w*|"
    r"firewall|ping|ssh|port|mapped|login|logged|visitor|network|lan|wan|vpn|dhcp|tcp|udp|"
    r"http|https|inet|broadcast|multicast|private|public|primary|secondary|default)\b"
)
_NOT_IP_BEFORE = re.compile(
    r"(?<![a-z])(?:section|sect|sec|chapter|ch|clause|article|art|figure|fig|table|step|paragraph|para|"
    r"rule|item|§|version|ver|v|oid|release|build|rfc|isbn|page|pp|appendix)\.?\s*[:=]?\s*$"
    r"|\brv:$"  # a Gecko revision in a user agent: "rv:1.9.2.20"
)



# ---------------------------------------------------------------------------------- IP_ADDRESS
_V4 = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
_V6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:" + _V4 + r"|[0-9A-Fa-f]{1,4})?"
_V4_RE = re.compile(_V4 + r"(?:/[0-9]{1,3})?")
_V6_RE = re.compile(_V6 + r"(?:%[0-9A-Za-z_.]{1,15})?(?:/[0-9]{1,3})?")
_TINY_V6 = re.compile(r"::(?:[0-9A-Fa-f]{1,4})?")
# Where an address can start: every textual IPv6 address has eight groups, six and an IPv4
# tail, or a "::" (RFC 4291 2.2), so a candidate is groups then "::", or six groups, then what
# _V6 would take after them (the next candidate starts where it did). The wider _V6 found one in
# every time of day ("05:02:35"); ipv6_at still reads from the start with _V6_RE.
# tests/classifiers/test_ipv6_candidates.py compares the two.
_V6_CANDIDATE = (r"(?:(?:[0-9A-Fa-f]{0,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){6})"
                 r"(?:[0-9A-Fa-f]{1,4}:){0,6}(?:" + _V4 + r"|[0-9A-Fa-f]{1,4})?")


def _scope(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    for name in ("loopback", "unspecified", "link_local", "multicast", "private"):
        if getattr(addr, f"is_{name}"):
            return name
    return "global"


@functools.lru_cache(maxsize=8192)  # addresses repeat (a log's clients, a table's hosts)
def _parse_v4(text: str) -> tuple[str, str] | None:
    """(canonical address, scope) of a dotted quad, or ``None`` when it is not an address.

    A quad of ASCII decimal octets without leading zeros (what the pattern finds) is read here:
    valid when every octet is at most 255, and its own canonical form; its scope is looked up
    by interval (:func:`_v4_scope`). Anything else goes to :mod:`ipaddress`
    (:func:`_parse_v4_reference`), whose rules on leading zeros differ between versions."""
    octets = text.split(".")
    if len(octets) == 4 and text.isascii() and all(
        o.isdigit() and (len(o) == 1 or (o[0] != "0" and len(o) <= 3)) for o in octets
    ):
        a, b, c, d = map(int, octets)
        if a > 255 or b > 255 or c > 255 or d > 255:
            return None
        scope = _v4_scope((a << 24) | (b << 16) | (c << 8) | d)
        if scope is not None:
            return text, scope
    return _parse_v4_reference(text)


def _parse_v4_reference(text: str) -> tuple[str, str] | None:
    try:
        addr = ipaddress.IPv4Address(text)
    except ValueError:
        return None
    return str(addr), _scope(addr)


@functools.cache
def _v4_cuts() -> tuple[int, ...] | None:
    """The starts of the intervals of IPv4 space on which :func:`_scope` is constant: the edges
    of every network and address :mod:`ipaddress` classifies by (its ``_IPv4Constants``: the
    ``is_private``, ``is_loopback``, ... properties are membership tests in them). ``None`` when
    this Python keeps them elsewhere: then every address goes to :mod:`ipaddress`."""
    consts = getattr(ipaddress, "_IPv4Constants", None)
    if consts is None or not hasattr(consts, "_private_networks"):
        return None
    cuts = {0}
    for value in vars(consts).values():
        for x in value if isinstance(value, (list, tuple, frozenset, set)) else (value,):
            if isinstance(x, ipaddress.IPv4Network):
                cuts.update((int(x.network_address), int(x.broadcast_address) + 1))
            elif isinstance(x, ipaddress.IPv4Address):
                cuts.update((int(x), int(x) + 1))
    return tuple(sorted(c for c in cuts if c < 1 << 32))


@functools.cache
def _interval_scope(k: int) -> str:
    cuts = _v4_cuts()
    assert cuts is not None
    return _scope(ipaddress.IPv4Address(cuts[k]))


def _v4_scope(n: int) -> str | None:
    """:func:`_scope` of the IPv4 address ``n``: that of the first address of its interval."""
    cuts = _v4_cuts()
    if cuts is None:
        return None
    return _interval_scope(bisect_right(cuts, n) - 1)


def _with_prefix(text: str, end: int, raw_end: int, limit: int) -> int:
    """End of the address including ``/prefix`` when that prefix is valid, else without it."""
    if raw_end > end and text[end] == "/":
        bits = text[end + 1 : raw_end]
        if bits.isdigit() and int(bits) <= limit and not char_after(text, raw_end).isdigit():
            return raw_end
    return end


@functools.lru_cache(maxsize=8192)  # log times (10:02:11) are IPv6 candidates, and repeat
def _parse_v6(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


_ZONE_OR_PREFIX = re.compile(r"[%/]")
_ZONE = re.compile(r"%[0-9A-Za-z_.]{1,15}")
_MAC_SEPARATORS = re.compile(r"[:.-]")


_PORT = re.compile(r":[0-9]{1,5}(?![\w:.])")


def _port_after(text: str, end: int, address: str) -> bool:
    """A port after an address of eight full groups, as Apache's error log writes a client
    ("99fa:6917:6b37:23e:2910:fd33:9430:5618:49013"): a ninth group is no address, so the
    digits after the last colon are the port (with "::" the split would be a guess)."""
    if address.count(":") != 7 or "::" in address:
        return False
    m = _PORT.match(text, end)
    return m is not None and int(m.group(0)[1:]) <= 65535


def ipv6_at(text: str, start: int) -> tuple[int, int, ipaddress.IPv6Address] | None:
    """The IPv6 address starting at ``start`` (span with zone and valid prefix), or ``None``."""
    m = _V6_RE.match(text, start)
    prev = char_before(text, start)
    if not m or prev.isalnum() or (prev and prev in ":._"):
        return None
    raw = m.group(0)
    addr_part = _ZONE_OR_PREFIX.split(raw, maxsplit=1)[0]
    for candidate in (addr_part, addr_part[:-1] if addr_part.endswith(":") else None):
        if not candidate:
            continue
        addr = _parse_v6(candidate)
        if addr is None:
            continue
        end = start + len(candidate)
        if candidate == addr_part and raw[len(candidate) : len(candidate) + 1] == "%":
            zone = _ZONE.match(raw[len(candidate) :])
            end += len(zone.group(0)) if zone else 0
        end = _with_prefix(text, end, start + len(raw), 128) if candidate == addr_part else end
        nxt = char_after(text, end)
        if nxt.isalnum() or nxt == "_" or (
            nxt == ":" and candidate == addr_part and not _port_after(text, end, candidate)
        ) or (
            nxt == "." and char_after(text, end + 1).isdigit()
        ):
            return None
        return start, end, addr
    return None


class IpAddressClassifier(PatternClassifier):
    """IP_ADDRESS (DEV-IP): IPv4 and IPv6 addresses, validated with :mod:`ipaddress`."""

    id = "DEV-IP"
    order = 400  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("IP_ADDRESS",))
    patterns = (
        Pattern("ipv4", r"\b" + _V4 + r"(?:/[0-9]{1,3})?", "IP_ADDRESS", 0.6),
        Pattern("ipv6", _V6_CANDIDATE + r"(?:%[0-9A-Za-z_.]{1,15})?(?:/[0-9]{1,3})?",
                "IP_ADDRESS", 0.6),
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
        prev = char_before(text, start)
        if prev.isalnum() or prev == "_" or (prev == "." and char_before(text, start - 1).isdigit()):
            return None
        if prev == "/" and char_before(text, start - 1).isalpha():
            return None  # a product version: Chrome/120.0.0.0
        end = start + len(compiled(_V4).match(m.group(0)).group(0))  # type: ignore[union-attr]
        parsed = _parse_v4(text[start:end])
        if parsed is None:
            return None
        addr, scope = parsed
        end = _with_prefix(text, end, m.end(), 32)
        nxt = char_after(text, end)
        if nxt.isalnum() or nxt == "_" or (nxt == "." and char_after(text, end + 1).isdigit()):
            return None
        if prev == ":":  # part of an IPv6 address (::ffff:192.0.2.1) that is reported as IPv6?
            i = start - 1
            while i > 0 and (text[i - 1] in ":" or text[i - 1] in "0123456789abcdefABCDEF"):
                i -= 1
            v6 = ipv6_at(text, i)
            if v6 and v6[1] >= start + len(addr):
                return None
        ctx = self._context(text, start, end)
        if _NOT_IP_BEFORE.search(text[max(0, start - 14) : start].lower()):
            return None  # "version: 3.36.247.0": a key names it, whatever words are near
        score = 0.85 if ctx else 0.6
        if not ctx and c.unit.kind == "prose" and all(len(o) == 1 for o in addr.split(".")):
            score = 0.3 if addr != "0.0.0.0" else 0.6
        why = explain(self.id, "ipv4", ctx, f"scope {scope}")
        return detection("IP_ADDRESS", start, end, score, self.id, why, text,
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
        scope = _scope(addr)
        why = explain(self.id, "ipv6", ctx, f"scope {scope}")
        return detection("IP_ADDRESS", start, end, 0.85 if ctx else 0.6, self.id, why, text,
                          {"version": 6, "scope": scope})


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
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("MAC_ADDRESS",))
    patterns = (
        Pattern("mac-colon", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", "MAC_ADDRESS", 0.6),
        Pattern("mac-dash", r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b", "MAC_ADDRESS", 0.6),
        Pattern("mac-cisco", r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b", "MAC_ADDRESS",
                0.5),
    )
    context = ("mac", "hwaddr", "ether", "bssid", "bluetooth", "hardware address")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = compiled(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        sep = m.group(0)[2] if candidate.pattern.name != "mac-cisco" else "."
        prev, nxt = char_before(text, start), char_after(text, end)
        if prev.isalnum() or prev == "_" or nxt.isalnum() or nxt == "_":
            return None
        if (prev == sep and char_before(text, start - 1) in _HEX and start > 1) or (
            nxt == sep and char_after(text, end + 1) in _HEX and end + 1 < len(text)
        ):
            return None  # a longer run: fingerprint, hash, EUI-64, IPv6
        hexes = _MAC_SEPARATORS.sub("", m.group(0)).lower()
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
        return detection("MAC_ADDRESS", start, end, score, self.id, why, text)
