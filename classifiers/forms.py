"""Labelled fields in free text: a form, an ID card, a scanned letter ("Name: Noah Hughes",
"Patient name - Jane Roe", "Next of kin: Mary Jones"). The label says the value is a person's
name, which spaCy's small model often misses on such terse lines (it read "Noah Hughes\\n\\nDate"
on a scanned card as an ORG). ``FORM-FIELD`` reports the name after the label on the same line
when it looks like one: one to four capitalised words (initials allowed), nothing after it but
the line's end or punctuation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner import entities as entity_table
from scanner.models import Detection

_WORD = r"(?:[A-Z][a-z\u00e0-\u00ff]+(?:[-'\u2019][A-Z]?[a-z\u00e0-\u00ff]+)*|[A-Z]\.)"
_LABEL = (r"(?:(?:full|legal|employee|patient|candidate|applicant|customer|client|member|"
          r"student|tenant|account\s+holder|card\s*holder|passenger|claimant|staff|contact)\s+)?"
          r"(?:name|surname|forenames?|given\s+names?|family\s+name)|next\s+of\s+kin|"
          r"emergency\s+contact|name\s+of\s+(?:employee|patient|applicant|holder)")
_NAME = re.compile(rf"{_WORD}(?:[ \t]+(?:van|von|de|da|di|del|le|la|bin|al|{_WORD})){{0,3}}")


class FormFieldClassifier(PatternClassifier):
    id = "FORM-FIELD"
    order = 300  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("PERSON",))
    patterns = (
        Pattern("labelled name",
                rf"(?im:^[ \t]*(?:{_LABEL})[ \t]*[:\-\u2013][ \t]*{_WORD}"
                rf"(?:[ \t]+(?:van|von|de|da|di|del|le|la|bin|al|{_WORD})){{0,3}}[ \t]*[.,;]?[ \t]*$)",
                "PERSON", 0.8),
    )

    def validate(self, candidate: Candidate) -> Detection | None:
        value = candidate.value
        sep = re.search(r"[:\-\u2013]", value)
        if sep is None:
            return None
        m = _NAME.search(value, sep.end())
        if m is None:
            return None
        start, end = candidate.start + m.start(), candidate.start + m.end()
        label = " ".join(value[: sep.start()].split()).lower()
        return Detection(
            entity="PERSON",
            start=start,
            end=end,
            score=candidate.pattern.score,
            detector=self.id,
            explanation=f"{self.id}: pattern {candidate.pattern.name}; label '{label}'",
            value=candidate.unit.text[start:end],
        )


CLASSIFIERS: tuple[type[PatternClassifier], ...] = (FormFieldClassifier,)
