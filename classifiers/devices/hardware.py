"""Handset and device identifiers: IMEI (``DEV-IMEI``) and device IDs (``DEV-ID``, ``DEV-ID-FIELD``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier, explain
from classifiers.devices.common import PLACEHOLDERS, char_after, char_before, compiled, detection
from classifiers.pii import luhn
from scanner import entities as entity_table
from scanner.models import Detection, TextUnit

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
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("IMEI",))
    patterns = (
        Pattern("imei", r"\b[0-9]{2}[- ]?[0-9]{6}[- ]?[0-9]{6}[- ]?[0-9]\b", "IMEI", 0.5),
        Pattern("imeisv", r"\b[0-9]{2}[- ]?[0-9]{6}[- ]?[0-9]{6}[- ]?[0-9]{2}\b", "IMEI", 0.5),
    )
    context = ("imei", "handset", "device", "equipment")

    def validate(self, candidate: Candidate) -> Detection | None:
        text, start = candidate.unit.text, candidate.start
        m = compiled(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        raw = m.group(0)
        seps = {ch for ch in raw if not ch.isdigit()}
        if len(seps) > 1 or (seps and raw.count(next(iter(seps))) != 3):
            return None
        prev, nxt = char_before(text, start), char_after(text, end)
        if prev in ("+", "-", ".", "/") or nxt in ("-", "/") or (
            nxt == "." and char_after(text, end + 1).isdigit()
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
        return detection("IMEI", start, end, score, self.id, why, text)


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


_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_PATH_SEP = re.compile(r"[./\[\]]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_ID_CHARS = re.compile(r"[A-Za-z0-9][\w:.-]*")


def _key_norm(key: str) -> str:
    key = _CAMEL.sub(r"\1_\2", key.strip())
    key = _PATH_SEP.split(key)[-1]
    return _NOT_ALNUM.sub("", key.lower()).removeprefix("x")


@functools.lru_cache(maxsize=4096)
def device_key(key: str) -> bool:
    """True for key/field names that name a device identifier (device_id, X-Device-Id, idfa)."""
    norm = _key_norm(key)
    return bool(_GOOD_KEY.fullmatch(norm) or _GOOD_KEY.fullmatch(norm.removeprefix("x")))


def id_like(value: str) -> bool:
    v = value.strip()
    return (6 <= len(v) <= 64 and any(ch.isdigit() for ch in v) and v.lower() not in PLACEHOLDERS
            and len(set(v.replace("-", "").replace(":", ""))) > 2
            and _ID_CHARS.fullmatch(v) is not None)


class DeviceIdClassifier(PatternClassifier):
    """DEVICE_ID (DEV-ID): advertising IDs, Android IDs, serials and installation IDs in text."""

    id = "DEV-ID"
    order = 403  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("DEVICE_ID",))
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
            if not m or char_before(text, start).isalnum() or not device_key(m.group(1)):
                return None
            v_start, v_end = m.start(2), m.end(2)
            if not id_like(m.group(2)) or char_after(text, v_end) in ("-", "."):
                return None
            why = explain(self.id, "key-value", f"key:{_key_norm(m.group(1))}")
            return detection("DEVICE_ID", v_start, v_end, 0.8, self.id, why, text)
        m = compiled(candidate.pattern.regex).match(text, start)
        if not m:
            return None
        end = m.end()
        value = m.group(0)
        nxt = char_after(text, end)
        if char_before(text, start) in ("-", ".") or nxt == "-" or (
            nxt == "." and char_after(text, end + 1).isalnum()
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
        return detection("DEVICE_ID", start, end, candidate.pattern.score, self.id, why, text)


class DeviceIdFieldClassifier:
    """DEVICE_ID (DEV-ID-FIELD): a whole value under a field named like a device ID."""

    id = "DEV-ID-FIELD"
    order = 404  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("DEVICE_ID",))

    def classify(self, unit: TextUnit, found: Sequence[Detection]) -> Iterable[Detection]:
        field = unit.location.field
        if unit.kind != "value" or not field or not device_key(field):
            return []
        value = unit.text.strip()
        if not id_like(value):
            return []
        start = unit.text.index(value)
        why = explain(self.id, "field", f"field:{field}")
        return [detection("DEVICE_ID", start, start + len(value), 0.75, self.id, why, unit.text)]
