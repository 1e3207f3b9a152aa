"""Street addresses as LOCATION: a pattern classifier (Presidio has no address recognizer and
spaCy finds place names, not addresses). Registered through :mod:`classifiers.pii`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner import entities as entity_table
from scanner.models import Detection

# -- street addresses -----------------------------------------------------------------------------
_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|boulevard|blvd|lane|ln|way|court|ct|place|pl|"
    r"terrace|parkway|pkwy|square|sq|highway|hwy|circle|cir|trail|crescent|close|row|gardens|"
    r"alley|plaza|loop|path|pike|ridge|walk)"
)
_WORD = r"[A-Za-z][A-Za-z'\-]*"


class StreetAddressClassifier(PatternClassifier):
    """Street addresses (LOCATION): a house number, a street name and a street type ("24 Clarke
    Avenue"), continental forms ("Friedhofstrasse 33", "Via Roma 131"), and secondary units
    ("Apt. 117", "Suite 464"). Presidio has no address recognizer; spaCy finds only places."""

    id = "PII-ADDRESS"
    order = 108  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("LOCATION",))
    patterns = (
        Pattern(
            "house number, street, type",
            r"\b\d{1,6}[A-Za-z]?(?:\s+\d{1,4})?\s+(?:" + _WORD + r"\s+){0,3}?" + _SUFFIX
            + r"\b\.?(?:,?\s+(?:apt|apartment|suite|unit|flat)\.?\s*#?\d{1,5}[A-Za-z]?\b)?",
            "LOCATION",
            0.6,
            ignore_case=True,
        ),
        Pattern(
            "street type first, number",
            r"\b(?:via|viale|rua|rue|calle|avenida|avenue|strada|ulica|ul\.)\s+(?:"
            + _WORD + r"\s+){1,3}\d{1,5}[A-Za-z]?\b",
            "LOCATION",
            0.5,
            ignore_case=True,
        ),
        Pattern(
            "compound street name, number",
            r"\b[A-Z][a-z\u00c0-\u017f]+(?:strasse|straße|str\.|gasse|weg|allee|platz|tie|katu|"
            r"vej|vägen|gatan|gata|straat|laan|plein|veien|gade)\s+\d{1,5}[A-Za-z]?\b",
            "LOCATION",
            0.5,
        ),
        Pattern(
            "secondary unit",
            r"\b(?:apt\.?|apartment|suite|unit)\s+#?\d{1,5}[A-Za-z]?\b",
            "LOCATION",
            0.4,
            ignore_case=True,
        ),
        Pattern("PO box", r"\b(?:P\.?\s?O\.?\s?Box|PSC)\s+\d{1,6}\b", "LOCATION", 0.5,
                ignore_case=True),
    )
    context = ("address", "street", "live", "lives", "located", "ship", "deliver", "resid")

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        if candidate.pattern.name == "house number, street, type":
            words = value.split()
            # "3 pl" or "5 st" alone (no street name) is a quantity, not an address.
            if len(words) < 3 and not words[0][-1:].isalpha():
                return None
            before = candidate.unit.text[max(0, candidate.start - 2) : candidate.start]
            if len(before) == 2 and before[1] in ":.," and before[0].isdigit():
                return None  # the seconds of "01:05:24", the decimals of "3.24": no house number
        return super().validate(candidate)
