"""What a browser sends: cookie values (``DEV-COOKIE``) and user agents (``DEV-UA``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier, explain
from classifiers.devices.common import PLACEHOLDERS, char_before, detection
from scanner import entities as entity_table
from scanner.models import Detection, TextUnit

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


def may_name_cookie(text: str) -> bool:
    """False only when ``_COOKIE_HDR`` cannot match ``text``: most units name no cookie, and an
    ASCII text without the word cannot (``re.IGNORECASE`` folds the Kelvin sign to "k", so a
    non-ASCII text always takes the pattern)."""
    return not text.isascii() or "cookie" in text.lower()


def cookie_value_ok(value: str) -> bool:
    """An identifier-like cookie value: long enough, not a word such as "dismiss" or "en"."""
    v = value.strip().strip('"')
    if len(v) < 6 or v.lower() in PLACEHOLDERS | {"deleted", "true", "false"}:
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
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("COOKIE_ID",))

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        text = unit.text
        out: dict[tuple[int, int], Detection] = {}
        headers = _COOKIE_HDR.finditer(text) if may_name_cookie(text) else ()
        for m in headers:
            header = "Set-Cookie" if m.group(1).lower() == "set-cookie" else "Cookie"
            for name, s, e in _cookie_pairs(text, m.start(2), m.end(2), header == "Set-Cookie"):
                why = explain(self.id, header.lower(), f"{header} header", f"cookie '{name}'")
                out[(s, e)] = detection("COOKIE_ID", s, e, 0.8, self.id, why, text)
        if "\tTRUE\t" in text or "\tFALSE\t" in text:
            for m in _COOKIES_TXT.finditer(text):
                s, e = m.start(2), m.end(2)
                if cookie_value_ok(m.group(2)) and _COOKIE_NAME.fullmatch(m.group(1)):
                    why = explain(self.id, "cookies.txt", "", f"cookie '{m.group(1)}'")
                    out[(s, e)] = detection("COOKIE_ID", s, e, 0.75, self.id, why, text)
        field = unit.location.field or ""
        if not out and "cookie" in field.lower() and "=" in text:
            first = "set" in field.lower()
            for name, s, e in _cookie_pairs(text, 0, len(text), first):
                why = explain(self.id, "field", f"field:{field}", f"cookie '{name}'")
                out[(s, e)] = detection("COOKIE_ID", s, e, 0.7, self.id, why, text)
        return list(out.values())


# ----------------------------------------------------------------------------------- USER_AGENT
_UA_START = r"\b(?:Mozilla|Opera|Dalvik)/[0-9]{1,2}\.[0-9]{1,3}"
_UA_START_RE = re.compile(_UA_START + r"[\w.]*")
_UA_TOKEN = re.compile(
    # a product's build date may carry a time: "Gecko/2011-03-01 09:13:20.546906" (Faker's)
    r" ?(\([^()\r\n\"]{1,250}\)|[A-Za-z][\w.!+-]{0,40}/[\w.+-]{1,40}"
    r"(?: [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?= [A-Za-z]))?|Mobile|Gecko)"
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


@functools.lru_cache(maxsize=8)
def _accept_language(text: str) -> str | None:
    """The Accept-Language of a unit, searched once per unit rather than once per user agent in it
    (a log unit holds many; the text's hash is computed once per string object)."""
    m = _ACCEPT_LANG.search(text)
    return m.group(1) if m else None


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
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("USER_AGENT",))
    patterns = (Pattern("user-agent", _UA_START, "USER_AGENT", 0.7),)
    context = ("user-agent", "user_agent", "useragent")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = _UA_START_RE.match(text, start)
        if not m or char_before(text, start).isalnum():
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
        if text[end - 1] in ".," and (end == len(text) or text[end].isspace()):
            end -= 1  # "... Safari/535.1. Build 6.7": the sentence's full stop, not the version's
        ua = text[start:end]
        if _BOT.search(ua):
            return None
        products = any("/" in t.group(1) and not t.group(1).startswith("(") for t in tokens)
        field = (candidate.unit.location.field or "").lower()
        ctx_m = _UA_WORDS.search(text[max(0, start - 40) : start].lower()) or _UA_WORDS.search(field)
        ctx = ctx_m.group(0) if ctx_m else ""
        # Internet Explorer's form has no product token after the platform: "Mozilla/5.0
        # (compatible; MSIE 9.0; Windows NT 5.0; Trident/5.1)" is one by itself, as is any form
        # a "user agent" word names
        if not products and not ctx and "compatible; MSIE" not in first and (
                candidate.unit.kind == "prose" or ";" not in first):
            return None
        info = describe_user_agent(ua)
        lang = _UA_LANG.search(first)
        language = lang.group(1) if lang else _accept_language(text)
        if language:
            info["language"] = language
        extra = ", ".join(f"{k} {v}" for k, v in info.items())
        score = 0.85 if ctx else (0.75 if products else 0.6)
        why = explain(self.id, "user-agent", ctx, extra)
        return detection("USER_AGENT", start, end, score, self.id, why, text, info)
