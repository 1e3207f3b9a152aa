"""Vehicle identification numbers (``PII-VIN``): ISO 3779's 17 characters, with the check digit
North America requires (49 CFR 565.15, position 9).

A VIN names one vehicle, and through registration, insurance, repair or fleet records its keeper:
personal data in a customer's or employee's record. Registered as a plugin by one line in
``pyproject.toml`` (``[project.entry-points."piiscout.classifiers"]``); its entity is one row of
``config/taxonomy.yaml``.

What makes a candidate, and why (precision first):

* exactly 17 characters from ISO 3779's alphabet (digits and capitals without I, O and Q), alone
  (not part of a longer word), with at least one letter in the first eleven (a 17-digit number is
  not taken for one) and the last four numeric (ISO 3779: the serial's last four characters
  are digits);
* the North-American check digit right (weights 8-7-6-5-4-3-2-10-0-9-8-7-6-5-4-3-2 over the
  transliterated characters, modulo 11, 10 written ``X``): reported at 0.6, raised by a context
  word (``vin``, ``vehicle``, ``chassis``...). Position 9 must be the one right character of 33:
  a random token that has the shape passes one time in 33 (one in 11 if that position is
  already a digit or ``X``), so a valid one is strong evidence;
* without a valid check digit (European and Asian VINs need none): only with a context word near
  it, at 0.5.

Measured (tests/classifiers/test_vin.py, seeded): of 3,000 random tokens with the VIN shape, 98 (3.3%) pass
the check digit and are reported without context, and each of them is check-digit valid; none of
the 16 look-alikes of the negative table (one digit off, I/O/Q, 18 characters, hashes, a UPS
number, 17 digits, "vin" inside words) is reported. The shape itself is rare outside vehicle
records: lower-case hashes and 16/32/40/64-character identifiers never match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier, explain
from scanner import entities as entity_table
from scanner.models import Detection

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The North-American check digit of a 17-character VIN (position 9), ``0``-``9`` or ``X``."""
    total = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def has_vin_shape(value: str) -> bool:
    """17 characters of ISO 3779's alphabet, a letter in the first 11, the last four digits."""
    return (
        len(value) == 17
        and all(c in _VALUES for c in value)
        and any(c.isalpha() for c in value[:11])
        and value[13:].isdigit()
    )


def check_digit_ok(value: str) -> bool:
    return has_vin_shape(value) and value[8] == check_digit(value)


# Words near the value (or in its field name) that say it is a vehicle's number; whole words,
# so that "having" or "provinces" do not count as "vin".
_CONTEXT = re.compile(
    r"\b(?:vins?|vehicles?|chassis|fahrgestell\w*|frame\s+(?:no|number)|"
    r"n(?:o|um(?:é|e)ro)\s+de\s+s(?:é|e)rie)\b"
)


def context_hit(candidate: Candidate) -> str:
    """The context word near the candidate, or ``field:<name>``, or ``""``."""
    m = _CONTEXT.search(candidate.window())
    if m:
        return m.group(0)
    field = candidate.unit.location.field
    if field and _CONTEXT.search(field.lower().replace("_", " ")):
        return f"field:{field}"
    return ""


class VinClassifier(PatternClassifier):
    """VIN (``PII-VIN``): ISO 3779 vehicle identification numbers, check digit validated."""

    id = "PII-VIN"
    order = 250  # after the national identifiers, before form fields (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("VIN",))
    patterns = (
        Pattern("vin", r"(?<![A-Za-z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])", "VIN", 0.6),
    )

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        if not has_vin_shape(value):
            return None
        hit = context_hit(candidate)
        valid = value[8] == check_digit(value)
        if valid:
            score = min(1.0, candidate.pattern.score + (0.35 if hit else 0.0))
        elif hit:  # no North-American check digit (not needed elsewhere): context required
            score = 0.5
        else:
            return None
        return Detection(
            entity="VIN",
            start=candidate.start,
            end=candidate.end,
            score=score,
            detector=self.id,
            explanation=explain(self.id, candidate.pattern.name, hit,
                                "check digit valid" if valid else "no check digit"),
            value=value,
        )
