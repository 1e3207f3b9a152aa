"""Street addresses as LOCATION: a pattern classifier (Presidio has no address recognizer and
spaCy finds place names, not addresses). Registered through :mod:`classifiers.pii`."""

from __future__ import annotations

import re
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
# USPS Publication 28, appendix C1: the street suffix names (what Faker's en_US provider writes,
# "7151 Prince Brooks", "5106 Megan Squares"). Matched case-sensitively, after capitalised street
# name words: "3 birds on the lake" is no address.
_USPS_SUFFIX = (
    "Alley|Avenue|Branch|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Centers?|"
    "Circles?|Cliffs?|Club|Common|Corners?|Course|Courts?|Coves?|Creek|Crescent|Crest|Crossing|"
    "Crossroad|Curve|Dale|Dam|Divide|Drives?|Estates?|Expressway|Extensions?|Falls?|Ferry|"
    "Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gardens?|Gateway|Glens?|Greens?|"
    "Groves?|Harbors?|Haven|Heights|Highway|Hills?|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|"
    "Knolls?|Lakes?|Land|Landing|Lane|Lights?|Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews|"
    "Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pass|"
    "Passage|Path|Pike|Pines?|Place|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|"
    "Rapids?|Rest|Ridges?|River|Roads?|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?|"
    "Squares?|Station|Stravenue|Stream|Streets?|Summit|Terrace|Throughway|Trace|Track|"
    "Trafficway|Trail|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Via|Viaduct|Views?|Villages?|"
    "Ville|Vista|Walks?|Wall|Ways?|Wells?"
)


_BLANK_LINE = re.compile(r"\n[ \t]*\n")  # a paragraph's end


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
            "house number, street, USPS suffix",
            r"\b\d{1,6}[A-Z]?\s+(?:[A-Z][a-z'\-]+\s+){1,3}(?:" + _USPS_SUFFIX + r")\b"
            r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*#?\d{1,5}[A-Za-z]?\b)?",
            "LOCATION",
            0.6,
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
        if candidate.pattern.name in ("house number, street, type",
                                      "house number, street, USPS suffix"):
            words = value.split()
            # "3 pl" or "5 st" alone (no street name) is a quantity, not an address.
            if len(words) < 3 and not words[0][-1:].isalpha():
                return None
            before = candidate.unit.text[max(0, candidate.start - 2) : candidate.start]
            if len(before) == 2 and before[1] in ":.," and before[0].isdigit():
                return None  # the seconds of "01:05:24", the decimals of "3.24": no house number
            if len(before) == 2 and before[1] == ":" and before[0] in "abcdefABCDEF:":
                return None  # the last group of an IPv6 address ("fe80::1c2a:9023 Source Port")
            if "\n" in value and (_BLANK_LINE.search(value) or not any(
                    c.isalpha() for c in value[: value.index("\n")])):
                return None  # a number ending one line and the words opening the next
                # ("9023\nSource Port" in a Windows event's fields), or words across a
                # paragraph's end ("365 Interfaces\n\nHear financial close"): no address is
                # written so; a unit or a town on the next line ("12 Crown Street\n Suite 321")
        return super().validate(candidate)
