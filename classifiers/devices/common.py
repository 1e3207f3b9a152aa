"""Helpers shared by the device classifiers (:mod:`classifiers.devices`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from scanner.models import Detection

# Values that mean "no ID here" (device IDs, cookies).
PLACEHOLDERS = {"unknown", "none", "null", "undefined", "default", "n/a", "redacted"}


@functools.cache
def compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def char_before(text: str, i: int) -> str:
    return text[i - 1] if i > 0 else ""


def char_after(text: str, i: int) -> str:
    return text[i] if i < len(text) else ""


def detection(
    entity: str, start: int, end: int, score: float, det: str, why: str, text: str,
    attributes: Mapping[str, object] | None = None,
) -> Detection:
    return Detection(
        entity=entity, start=start, end=end, score=min(1.0, score), detector=det,
        explanation=why, value=text[start:end], attributes=dict(attributes or {}),
    )
